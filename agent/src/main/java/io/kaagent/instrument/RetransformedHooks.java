package io.kaagent.instrument;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;

/**
 * The hooks of target classes the JVM loaded before the agent came (an attach, or a class loaded before the agent had
 * prepared the JVM): those can only be rewritten by a retransformation, and so by a retransformable transformer, whose
 * rewrite the JVM undoes at every later retransformation by anybody (JFR on JDK 11-21 when a recording starts, an APM
 * agent) unless it is still registered to make it again. It stays registered for that, and acts on retransformations
 * only: loads are the not-retransformable {@link HookTransformer}'s (HookInstaller), which would otherwise see a class
 * rewritten twice.
 */
final class RetransformedHooks implements ClassFileTransformer {
    private final HookTransformer hooks;

    RetransformedHooks(HookTransformer hooks) {
        this.hooks = hooks;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
            byte[] classfile) {
        return redefined == null ? null : hooks.transform(loader, className, redefined, domain, classfile);
    }
}
