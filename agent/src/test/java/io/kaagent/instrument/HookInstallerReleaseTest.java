package io.kaagent.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Once every target is loaded and rewritten the transformer goes: a registered one is handed every class the JVM
 * loads for the rest of its life.
 */
class HookInstallerReleaseTest {

    @Test
    void theTransformerRegisteredForTheHooksIsTheOneReleased() {
        List<Object> added = new ArrayList<>();
        List<Object> removed = new ArrayList<>();
        Instrumentation instrumentation = (Instrumentation) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Instrumentation.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "addTransformer":
                            added.add(args[0]);
                            return null;
                        case "removeTransformer":
                            removed.add(args[0]);
                            return true;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
        HookInstaller hooks = HookInstaller.register(instrumentation);
        assertEquals(1, added.size());
        assertEquals(List.of(), removed, "registered until the targets are complete");
        hooks.releaseTransformer();
        assertEquals(1, removed.size());
        assertSame(added.get(0), removed.get(0));
        assertEquals(true, added.get(0) instanceof ClassFileTransformer);
    }
}
