package io.kaagent.instrument;

import java.util.function.BiFunction;

import jdk.internal.misc.Unsafe;

/**
 * BootstrapBridge on 9+: defines a class in the bootstrap loader by calling {@code jdk.internal.misc.Unsafe}
 * directly, compiled with {@code --add-exports java.base/jdk.internal.misc} (ModuleOpener opens that package to the
 * agent at run time first). Neither reflection nor a method handle: on JDK 18+ either spins java.lang.invoke code
 * for this six-argument method, 10-15 ms of a cold JVM's start. Reached through a JDK interface, so the Java 8
 * classes need no reflection to call it.
 */
public final class JdkInternalDefiner implements BiFunction<String, byte[], Class<?>> {
    @Override
    public Class<?> apply(String name, byte[] bytes) {
        return Unsafe.getUnsafe().defineClass(name, bytes, 0, bytes.length, null, null);
    }
}
