package io.kaagent.runtime;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;

import io.kaagent.JavaRelease;
import io.kaagent.policy.KeepAliveSettings;

/**
 * The JDK's own {@code jdk.net.ExtendedSocketOptions} (JDK 11+, 8u261+), for where native access is impossible.
 * It has no TCP_USER_TIMEOUT. Its class initialiser can deadlock when first touched concurrently (JDK-8260366), so
 * {@link #load()} touches it once on the agent's own thread before any socket uses it; a jlinked runtime may lack
 * the jdk.net module altogether, and load() then fails with that reason.
 */
final class JdkFallbackApplier implements OptionApplier {
    private final SocketOption<Object> keepIdle;
    private final SocketOption<Object> keepInterval;
    private final SocketOption<Object> keepCount;
    /**
     * Socket.setOption on 9+, jdk.net.Sockets.setOption on 8. Made at first use, or by {@link #warm} once the hooks
     * are prepared: it refers to java.net.Socket, which must not be loaded in premain (before JDK 17 the JDK's
     * options are loaded there), nor while the hooks are not prepared (it would wait for them at its load).
     */
    private volatile SocketOptionSetter socketSetOption;

    @SuppressWarnings("unchecked")
    private JdkFallbackApplier() throws Exception {
        Class<?> extended = Class.forName("jdk.net.ExtendedSocketOptions", true, null);
        keepIdle = (SocketOption<Object>) extended.getField("TCP_KEEPIDLE").get(null);
        keepInterval = (SocketOption<Object>) extended.getField("TCP_KEEPINTERVAL").get(null);
        keepCount = (SocketOption<Object>) extended.getField("TCP_KEEPCOUNT").get(null);
    }

    /** Racy but idempotent: two threads at once make the same setter. */
    private SocketOptionSetter socketSetOption() throws ReflectiveOperationException {
        SocketOptionSetter setter = socketSetOption;
        if (setter == null) {
            setter = JavaRelease.current() >= 9
                    ? (SocketOptionSetter) Class.forName("io.kaagent.runtime.Java9SocketOptions", true,
                            JdkFallbackApplier.class.getClassLoader()).newInstance()
                    : new Java8SocketOptions();
            socketSetOption = setter;
        }
        return setter;
    }

    /**
     * Makes the setter, loads the standard options and sets the four options once on a socket of its own, never bound
     * nor connected (no port) and closed at once: the JDK's own first use of them (its option registry, its first
     * calls resolved: ~1 ms of CPU on JDK 17) is then off the application's first connection. The caller marks the
     * thread as the agent's, so that the setter hooks let the calls through.
     */
    void warm() throws Throwable {
        socketSetOption();
        Socket unconnected = new Socket();
        try {
            apply(unconnected, NativeApplier.KERNELS_OWN_TIMERS);
        } finally {
            unconnected.close();
        }
    }

    /** jdk.net.Sockets.setOption (8u261+), through a method handle: Java 8 has no other way to reach it. */
    private static final class Java8SocketOptions implements SocketOptionSetter {
        private final MethodHandle setOption;

        Java8SocketOptions() throws ReflectiveOperationException {
            setOption = MethodHandles.publicLookup().findStatic(Class.forName("jdk.net.Sockets"), "setOption",
                    MethodType.methodType(void.class, Socket.class, SocketOption.class, Object.class));
        }

        @Override
        public void set(Socket socket, SocketOption<Object> option, Object value) throws IOException {
            try {
                setOption.invokeExact(socket, (SocketOption) option, value);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IOException(t);
            }
        }
    }

    static JdkFallbackApplier load() {
        try {
            return new JdkFallbackApplier();
        } catch (Throwable t) {
            throw new UnsupportedOperationException("jdk.net.ExtendedSocketOptions keepalive options unavailable: " + t,
                    t);
        }
    }

    @Override
    public int apply(Object socket, KeepAliveSettings settings) throws Throwable {
        set(socket, keepIdle, settings.idleSeconds());
        set(socket, keepInterval, settings.intervalSeconds());
        set(socket, keepCount, settings.count());
        set(socket, asObjectOption(StandardSocketOptions.SO_KEEPALIVE), Boolean.TRUE);
        return -1;
    }

    @SuppressWarnings("unchecked")
    private static SocketOption<Object> asObjectOption(SocketOption<?> option) {
        return (SocketOption<Object>) option;
    }

    private void set(Object socket, SocketOption<Object> option, Object value) throws Throwable {
        // Socket first: a JVM's first connection, applied here, then loads no channel interface for the test.
        if (socket instanceof Socket) {
            socketSetOption().set((Socket) socket, option, value);
        } else {
            ((NetworkChannel) socket).setOption(option, value);
        }
    }

    @Override
    public String mode() {
        return "fallback";
    }
}
