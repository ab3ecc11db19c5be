package io.kaagent.instrument;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Opens the java.base packages the agent needs (socket file descriptors, the bootstrap class definer) to the agent's
 * own unnamed module at run time, through {@code Instrumentation.redefineModule}: the user needs no --add-opens.
 * Written with reflection because the agent's bytecode is Java 8, which has no modules (there it does nothing).
 */
public final class ModuleOpener {
    // java.lang: Module.implAddEnableNativeAccess for the agent's jffi module (nativeio.JffiModuleLayer, JDK 22+).
    static final String[] PACKAGES = {"java.lang", "java.net", "java.io", "sun.nio.ch", "jdk.internal.misc"};

    private ModuleOpener() {
    }

    public static void open(Instrumentation instrumentation, Class<?> agentClass) throws Exception {
        Method getModule;
        try {
            getModule = Class.class.getMethod("getModule");
        } catch (NoSuchMethodException java8) {
            return;
        }
        Class<?> moduleType = Class.forName("java.lang.Module");
        Object javaBase = getModule.invoke(Object.class);
        Object agentModule = getModule.invoke(agentClass);
        Set<Object> to = Collections.singleton(agentModule);
        Map<String, Set<Object>> opens = new HashMap<String, Set<Object>>();
        for (String pkg : PACKAGES) {
            opens.put(pkg, to);
        }
        Method redefineModule = Instrumentation.class.getMethod("redefineModule", moduleType, Set.class, Map.class,
                Map.class, Set.class, Map.class);
        redefineModule.invoke(instrumentation, javaBase, Collections.emptySet(), Collections.emptyMap(), opens,
                Collections.emptySet(), Collections.emptyMap());
    }
}
