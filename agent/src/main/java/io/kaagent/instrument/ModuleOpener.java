package io.kaagent.instrument;

import java.lang.instrument.Instrumentation;
import java.util.function.BiConsumer;

import io.kaagent.JavaRelease;

/**
 * Opens the java.base packages the agent needs (socket file descriptors, the bootstrap class definer) to the agent's
 * own unnamed module at run time, through {@code Instrumentation.redefineModule}: the user needs no --add-opens.
 * The call itself is in JavaBaseOpener, compiled for Java 11 (the agent's bytecode is Java 8, which has no modules;
 * there this does nothing).
 */
public final class ModuleOpener {
    // java.lang: Module.implAddEnableNativeAccess for the agent's jffi module, jdk.internal.module: its definition
    // (nativeio.JffiModule, JDK 22+).
    static final String[] PACKAGES = {"java.lang", "java.net", "java.io", "sun.nio.ch", "jdk.internal.misc",
        "jdk.internal.module"};

    private ModuleOpener() {
    }

    @SuppressWarnings("unchecked")
    public static void open(Instrumentation instrumentation, Class<?> agentClass) throws Exception {
        if (JavaRelease.current() < 9) {
            return; // Java 8: no modules, everything is reachable by reflection already
        }
        Class<?> opener = Class.forName("io.kaagent.instrument.JavaBaseOpener", true, agentClass.getClassLoader());
        ((BiConsumer<Instrumentation, Class<?>>) opener.newInstance()).accept(instrumentation, agentClass);
    }
}
