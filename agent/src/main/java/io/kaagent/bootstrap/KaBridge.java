package io.kaagent.bootstrap;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The one class of the agent that the bootstrap loader sees: the code the agent inlines into JDK socket classes
 * calls these static methods, and only JDK types cross this line. The agent plugs its handlers into the volatile
 * fields; with no handler every call returns at once. Nothing here may throw into the application: every
 * throwable is caught and counted.
 */
public final class KaBridge {
    /** (socket or channel, remote SocketAddress or null): an outbound connection was established. */
    public static volatile BiConsumer<Object, Object> connectHandler;
    /** (socket or channel): an inbound connection was accepted. */
    public static volatile Consumer<Object> acceptHandler;
    /** (socket or channel, option: a SocketOption or the name of a legacy option): true to neutralise the call. */
    public static volatile BiPredicate<Object, Object> optionHandler;

    private static final AtomicLong SUPPRESSED = new AtomicLong();
    private static volatile Throwable lastSuppressed;

    private KaBridge() {
    }

    /** At the end of a void connect. */
    public static void connected(Object socket, Object remote) {
        BiConsumer<Object, Object> handler = connectHandler;
        if (handler != null) {
            try {
                handler.accept(socket, remote);
            } catch (Throwable t) {
                suppress(t);
            }
        }
    }

    /** At the end of a boolean connect / finishConnect: only a true result means connected. */
    public static void connectedIf(boolean isConnected, Object channel) {
        if (isConnected) {
            connected(channel, null);
        }
    }

    /** At the end of an accept; {@code accepted} may be null (non-blocking accept with nothing pending). */
    public static void accepted(Object accepted) {
        Consumer<Object> handler = acceptHandler;
        if (handler != null && accepted != null) {
            try {
                handler.accept(accepted);
            } catch (Throwable t) {
                suppress(t);
            }
        }
    }

    /** At the start of setKeepAlive / setOption: true means the agent enforces this option and the call is skipped. */
    public static boolean neutralise(Object socket, Object option) {
        BiPredicate<Object, Object> handler = optionHandler;
        if (handler == null) {
            return false;
        }
        try {
            return handler.test(socket, option);
        } catch (Throwable t) {
            suppress(t);
            return false;
        }
    }

    private static void suppress(Throwable t) {
        SUPPRESSED.incrementAndGet();
        lastSuppressed = t;
    }

    /** Throwables that escaped a handler (the handlers catch their own; this is the last line of defence). */
    public static long suppressedCount() {
        return SUPPRESSED.get();
    }

    public static Throwable lastSuppressed() {
        return lastSuppressed;
    }
}
