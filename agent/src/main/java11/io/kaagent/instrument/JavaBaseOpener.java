package io.kaagent.instrument;

import java.lang.instrument.Instrumentation;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * ModuleOpener on 9+: the same {@code Instrumentation.redefineModule} call, compiled against the module API instead
 * of made through reflection, which on JDK 18+ costs 12-19 ms at start for this six-argument method (JDK 25, against
 * 3 ms called directly). Reached through a JDK interface so that the Java 8 classes need no reflection to call it.
 */
public final class JavaBaseOpener implements BiConsumer<Instrumentation, Class<?>> {
    @Override
    public void accept(Instrumentation instrumentation, Class<?> agentClass) {
        Module javaBase = Object.class.getModule();
        Set<Module> agent = Set.of(agentClass.getModule());
        Map<String, Set<Module>> opens = new HashMap<>();
        for (String pkg : ModuleOpener.PACKAGES) {
            opens.put(pkg, agent);
        }
        instrumentation.redefineModule(javaBase, Set.of(), Map.of(), opens, Set.of(), Map.of());
    }
}
