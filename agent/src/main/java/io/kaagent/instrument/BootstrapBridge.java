package io.kaagent.instrument;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.security.ProtectionDomain;

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
            byte[] bytes = read(agentLoader, NAME.replace('.', '/') + ".classdata");
            return defineInBootstrap(bytes);
        }
    }

    private static Class<?> defineInBootstrap(byte[] bytes) throws Throwable {
        Object unsafe;
        Class<?> unsafeType;
        try {
            // JDK 9+: the internal Unsafe (its package was opened to the agent by ModuleOpener).
            unsafeType = Class.forName("jdk.internal.misc.Unsafe");
            unsafe = unsafeType.getMethod("getUnsafe").invoke(null);
        } catch (ClassNotFoundException java8) {
            unsafeType = Class.forName("sun.misc.Unsafe");
            Field field = unsafeType.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
        }
        if (!reflectionSpinsHandles()) {
            // Up to JDK 17 Method.invoke calls natively at first: no method handle is spun, which saves the
            // ~10 ms of java.lang.invoke set-up that binding one costs a cold JVM.
            return (Class<?>) unsafeType.getMethod("defineClass", String.class, byte[].class, int.class, int.class,
                    ClassLoader.class, ProtectionDomain.class).invoke(unsafe, NAME, bytes, 0, bytes.length, null, null);
        }
        // JDK 18+: a bound method handle called exactly: reflection's Method.invoke costs ~15 ms here on JDK 25 (it
        // spins method handles of its own for this six-argument signature), this ~3 ms.
        MethodHandle define = MethodHandles.lookup().findVirtual(unsafeType, "defineClass",
                MethodType.methodType(Class.class, String.class, byte[].class, int.class, int.class,
                        ClassLoader.class, ProtectionDomain.class)).bindTo(unsafe);
        return (Class<?>) define.invokeExact(NAME, bytes, 0, bytes.length, (ClassLoader) null,
                (ProtectionDomain) null);
    }

    /** JDK 18+ (JEP 416): core reflection is built on method handles, spun per signature on first use. */
    private static boolean reflectionSpinsHandles() {
        return JavaRelease.current() >= 18;
    }

    private static byte[] read(ClassLoader loader, String resource) throws IOException {
        InputStream in = loader.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("the agent jar has no " + resource);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } finally {
            in.close();
        }
    }
}
