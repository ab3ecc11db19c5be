package io.kaagent.bootstrap;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * The one class of the agent that the bootstrap loader sees: the code the agent inlines into JDK socket classes
 * calls these static methods, and only JDK types cross this line. The agent plugs its handlers into the volatile
 * fields; with no handler every call returns at once. Nothing here may throw into the application: every
 * throwable is caught and counted.
 * <p>
 * At launch the first hooked JDK class to initialise defines this class itself (see
 * {@code io.kaagent.instrument.BridgeDefiner}), possibly before the agent has its handlers ready: the application's
 * thread then goes on loading and setting up its sockets while the agent prepares, and only a hooked call made before
 * the agent is {@link #agentReady() ready} waits for it, bounded.
 */
public final class KaBridge {
    /** (socket or channel, remote SocketAddress or null): an outbound connection was established. */
    public static volatile BiConsumer<Object, Object> connectHandler;
    /** (socket or channel): an inbound connection was accepted. */
    public static volatile BiConsumer<Object, Object> acceptHandler;
    /** (socket or channel, option: a SocketOption or the name of a legacy option): true to neutralise the call. */
    public static volatile BiPredicate<Object, Object> optionHandler;

    /** Longer than any preparation takes; past it the hooks stop waiting (and find no handler if there is none). */
    private static final long AGENT_WAIT_MILLIS = 5000;
    private static final CountDownLatch AGENT_READY = new CountDownLatch(1);
    /** The latch's state, read on every hooked call: one volatile read once the agent is ready. */
    private static volatile boolean ready;
    private static final AtomicLong SUPPRESSED = new AtomicLong();
    private static volatile Throwable lastSuppressed;

    private KaBridge() {
    }

    /**
     * The agent has put its handlers in, or has given up on them: hooked calls stop waiting for it. Called once per
     * JVM by the agent; calling it again does nothing.
     */
    public static void agentReady() {
        ready = true;
        AGENT_READY.countDown();
    }

    /**
     * For the hooked calls made before {@link #agentReady}: a socket connected in a JVM's first milliseconds waits
     * (at most {@link #AGENT_WAIT_MILLIS}, uninterruptibly) for the agent's handlers rather than going without them.
     */
    private static void awaitAgent() {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(AGENT_WAIT_MILLIS);
        try {
            while (!ready) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    agentReady(); // something is badly wrong with the agent: no hooked call waits for it again
                    return;
                }
                try {
                    AGENT_READY.await(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** At the end of a void connect. */
    public static void connected(Object socket, Object remote) {
        if (!ready) {
            awaitAgent();
        }
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

    /**
     * At the end of an accept; {@code accepted} may be null (non-blocking accept with nothing pending).
     * {@code listener} is the server socket or channel it came from.
     */
    public static void accepted(Object accepted, Object listener) {
        if (!ready) {
            awaitAgent();
        }
        BiConsumer<Object, Object> handler = acceptHandler;
        if (handler != null && accepted != null) {
            try {
                handler.accept(accepted, listener);
            } catch (Throwable t) {
                suppress(t);
            }
        }
    }

    /** At the start of setKeepAlive / setOption: true means the agent enforces this option and the call is skipped. */
    public static boolean neutralise(Object socket, Object option) {
        if (!ready) {
            awaitAgent();
        }
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
