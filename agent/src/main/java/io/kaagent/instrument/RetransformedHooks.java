package io.kaagent.instrument;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hooks of target classes the JVM loaded before the agent came (an attach, or a class loaded before the agent had
 * prepared the JVM): those can only be rewritten by a retransformation, and so by a retransformable transformer, whose
 * rewrite the JVM undoes at every later retransformation by anybody (JFR on JDK 11-21 when a recording starts, an APM
 * agent) unless it is still registered to make it again. It stays registered for that, and acts on retransformations
 * of its own classes only: the others were rewritten as they loaded, by the not-retransformable {@link HookTransformer}
 * (HookInstaller), and a retransformation starts from their hooked bytes, which a second rewrite would hook twice.
 */
final class RetransformedHooks implements ClassFileTransformer {
    private final HookTransformer hooks;
    /** Internal names of the classes whose hooks are this transformer's to make. */
    private final Set<String> classes = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());

    RetransformedHooks(HookTransformer hooks) {
        this.hooks = hooks;
    }

    /** Before they are retransformed: from then on their hooks are made here, at every retransformation. */
    void take(Class<?> type) {
        classes.add(type.getName().replace('.', '/'));
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
            byte[] classfile) {
        if (redefined == null || className == null || !classes.contains(className)) {
            return null;
        }
        return hooks.transform(loader, className, redefined, domain, classfile);
    }
}
