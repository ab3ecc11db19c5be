package io.kaagent.instrument;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads the target classes, then retransforms them (FACTS.md: transforming them while they load deadlocked on
 * JDK 25), then checks that every hook took — a transform that silently did nothing must not pass for a working agent.
 */
public final class HookInstaller {
    private HookInstaller() {
    }

    /** @return the problems found by the self-test; empty when every hook is in place. */
    public static List<String> install(Instrumentation instrumentation) {
        List<String> problems = new ArrayList<String>();
        List<Class<?>> classes = new ArrayList<Class<?>>();
        List<HookTarget> targets = new ArrayList<HookTarget>();
        for (String name : HookTarget.classNames()) {
            try {
                // The bootstrap loader, without initialising: the JDK's own copy, nothing of the application's.
                classes.add(Class.forName(name, false, null));
            } catch (ClassNotFoundException e) {
                problems.add("class " + name + " not found in this JDK");
            }
        }
        for (HookTarget target : HookTarget.ALL) {
            for (Class<?> type : classes) {
                if (type.getName().equals(target.className.replace('/', '.'))) {
                    targets.add(target);
                }
            }
        }
        HookTransformer transformer = new HookTransformer(targets);
        instrumentation.addTransformer(transformer, true);
        try {
            instrumentation.retransformClasses(classes.toArray(new Class<?>[0]));
        } catch (Throwable t) {
            instrumentation.removeTransformer(transformer);
            problems.add("retransformation failed: " + t);
            return problems;
        }
        problems.addAll(transformer.failures());
        for (HookTarget target : targets) {
            if (!transformer.applied().contains(HookTransformer.key(target))) {
                problems.add("hook did not take: " + target);
            }
        }
        return problems;
    }
}
