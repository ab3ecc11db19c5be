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

    /**
     * Defines the bridge unless an earlier attach, or a hooked JDK class's static initialiser
     * ({@link BridgeDefiner}), already did; returns it.
     */
    public static Class<?> define(ClassLoader agentLoader) throws Throwable {
        Class<?> defined = lookUp();
        if (defined != null) {
            return defined;
        }
        try {
            return defineInBootstrap(AgentClassBytes.of(agentLoader, NAME.replace('.', '/')));
        } catch (LinkageError definedMeanwhile) {
            // A socket class the application initialised at the same moment defined it first.
            defined = lookUp();
            if (defined == null) {
                throw definedMeanwhile;
            }
            return defined;
        }
    }

    /**
     * At launch on JDK 9+: initialises {@code java.net.ServerSocket} (a hook target; its static initialiser only
     * reads its assertion status), which, rewritten as it loads, defines the bridge ({@link BridgeDefiner}) unless
     * some hooked class did already. No part of java.base need be opened for it.
     *
     * @return whether the bridge is defined now; false: define it with {@link #define}
     */
    public static boolean defineThroughHookedClass() {
        if (!HookInstaller.hookedClassesCarryTheBridge()) {
            return false;
        }
        try {
            Class.forName("java.net.ServerSocket", true, null);
        } catch (Throwable t) {
            return false;
        }
        return lookUp() != null;
    }

    /**
     * The agent gives up on its handlers: the bridge's hooked calls stop waiting for them ({@code agentReady}). Does
     * nothing when no bridge was defined (then no hooked call can be waiting). Never throws.
     */
    public static void releaseWaitingHooks() {
        try {
            Class<?> bridge = lookUp();
            if (bridge != null) {
                bridge.getMethod("agentReady").invoke(null);
            }
        } catch (Throwable t) {
            // the hooks stop waiting on their own, after KaBridge's bound
        }
    }

    private static Class<?> lookUp() {
        try {
            return Class.forName(NAME, false, null);
        } catch (ClassNotFoundException notYet) {
            return null;
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
