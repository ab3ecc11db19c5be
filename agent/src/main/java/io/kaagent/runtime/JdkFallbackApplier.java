package io.kaagent.runtime;

import java.lang.reflect.Method;
import java.net.Socket;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;

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
    private final Method socketSetOption; // Socket.setOption (9+) or jdk.net.Sockets.setOption (8)
    private final boolean staticSetter;

    @SuppressWarnings("unchecked")
    private JdkFallbackApplier() throws Exception {
        Class<?> extended = Class.forName("jdk.net.ExtendedSocketOptions", true, null);
        keepIdle = (SocketOption<Object>) extended.getField("TCP_KEEPIDLE").get(null);
        keepInterval = (SocketOption<Object>) extended.getField("TCP_KEEPINTERVAL").get(null);
        keepCount = (SocketOption<Object>) extended.getField("TCP_KEEPCOUNT").get(null);
        Method setter;
        boolean isStatic;
        try {
            setter = Socket.class.getMethod("setOption", SocketOption.class, Object.class);
            isStatic = false;
        } catch (NoSuchMethodException java8) {
            setter = Class.forName("jdk.net.Sockets").getMethod("setOption", Socket.class, SocketOption.class,
                    Object.class);
            isStatic = true;
        }
        socketSetOption = setter;
        staticSetter = isStatic;
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
    public void apply(Object socket, KeepAliveSettings settings) throws Throwable {
        set(socket, keepIdle, settings.idleSeconds());
        set(socket, keepInterval, settings.intervalSeconds());
        set(socket, keepCount, settings.count());
        set(socket, asObjectOption(StandardSocketOptions.SO_KEEPALIVE), Boolean.TRUE);
    }

    @SuppressWarnings("unchecked")
    private static SocketOption<Object> asObjectOption(SocketOption<?> option) {
        return (SocketOption<Object>) option;
    }

    private void set(Object socket, SocketOption<Object> option, Object value) throws Throwable {
        if (socket instanceof NetworkChannel) {
            ((NetworkChannel) socket).setOption(option, value);
        } else if (staticSetter) {
            socketSetOption.invoke(null, socket, option, value);
        } else {
            socketSetOption.invoke(socket, option, value);
        }
    }

    @Override
    public String mode() {
        return "fallback";
    }
}
