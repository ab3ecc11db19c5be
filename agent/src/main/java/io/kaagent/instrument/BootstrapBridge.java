package io.kaagent.instrument;

import java.lang.reflect.Field;
import java.security.ProtectionDomain;
import java.util.function.BiFunction;

import io.kaagent.JavaRelease;

/**
 * Puts {@code io.kaagent.bootstrap.KaBridge} into the bootstrap loader, where the code inlined into JDK classes can
 * see it. Defined directly rather than through {@code appendToBootstrapClassLoaderSearch}, which prints a CDS
 * warning and turns class sharing off for application classes (FACTS.md).
 */
public final class BootstrapBridge {
    public static final String NAME = "io.kaagent.bootstrap.KaBridge";

    private BootstrapBridge() {
    }

    /** Defines the bridge unless an earlier attach already did; returns it. */
    public static Class<?> define(ClassLoader agentLoader) throws Throwable {
        try {
            return Class.forName(NAME, false, null);
        } catch (ClassNotFoundException notYet) {
            return defineInBootstrap(AgentClassBytes.of(agentLoader, NAME.replace('.', '/')));
        }
    }

    @SuppressWarnings("unchecked")
    private static Class<?> defineInBootstrap(byte[] bytes) throws Throwable {
        if (JavaRelease.current() >= 9) {
            // The internal Unsafe, called directly by a class compiled against it (its package was opened to the
            // agent by ModuleOpener just before).
            Class<?> definer = Class.forName("io.kaagent.instrument.JdkInternalDefiner", true,
                    BootstrapBridge.class.getClassLoader());
            return ((BiFunction<String, byte[], Class<?>>) definer.newInstance()).apply(NAME, bytes);
        }
        // Java 8: sun.misc.Unsafe still defines classes, and reflection there calls natively.
        Class<?> unsafeType = Class.forName("sun.misc.Unsafe");
        Field field = unsafeType.getDeclaredField("theUnsafe");
        field.setAccessible(true);
        Object unsafe = field.get(null);
        return (Class<?>) unsafeType.getMethod("defineClass", String.class, byte[].class, int.class, int.class,
                ClassLoader.class, ProtectionDomain.class).invoke(unsafe, NAME, bytes, 0, bytes.length, null, null);
    }
}
