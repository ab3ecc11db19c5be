package io.kaagent.instrument;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rewrites the hook targets with the ASM that Byte Buddy embeds, by hand: no AgentBuilder, no runtime code
 * generation. That keeps start-up near the cost of a bare class-file transformer (FACTS.md: an AgentBuilder costs
 * ~500 ms more). ASM is touched only by {@link HookRewriter}, so registering this transformer loads none of it. A target is rewritten as it loads, or retransformed if it was loaded before the agent came.
 * Stays registered so that hooks survive another agent's later retransformation of the same classes.
 * <p>
 * Rewriting a class while it loads is safe here because nothing this class and its ASM need is a socket class or
 * refers to one: the JDK 25 deadlock of FACTS.md came from transformer code that loaded JDK classes (type
 * descriptions, frame computation) inside the transform. Only the bootstrap loader's copies are touched.
 */
final class HookTransformer implements ClassFileTransformer {
    private final List<HookTarget> targets;
    private final Set<String> targetClasses;
    private final Set<String> applied = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());
    private final Set<String> failures = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());

    HookTransformer(List<HookTarget> targets) {
        this.targets = targets;
        Set<String> classes = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());
        for (HookTarget target : targets) {
            classes.add(target.className);
        }
        this.targetClasses = classes;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
            byte[] classfile) {
        if (loader != null || className == null || !targetClasses.contains(className)) {
            return null;
        }
        try {
            byte[] rewritten = HookRewriter.rewrite(classfile, className, targets, applied);
            for (HookTarget target : targets) {
                if (target.className.equals(className) && !applied.contains(key(target))) {
                    failures.add("hook did not take: " + target);
                }
            }
            return rewritten;
        } catch (Throwable t) {
            failures.add(className + ": " + t);
            return null;
        }
    }

    /** Targets whose method was rewritten at least once, by {@link HookTarget#id()} and kind. */
    Set<String> applied() {
        return applied;
    }

    /** What went wrong so far: a target that failed to rewrite, or a method of it that was not found. */
    Set<String> failures() {
        return failures;
    }

    static String key(HookTarget target) {
        return target.id() + "/" + target.kind;
    }
}
