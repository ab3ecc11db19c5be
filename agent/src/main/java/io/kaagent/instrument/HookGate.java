package io.kaagent.instrument;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds back the rewriting of hook targets until the JVM is prepared for the hooks' code: the bridge defined in the
 * bootstrap loader and its handlers in place. At launch that preparation runs on the agent's own thread, off the
 * application's way; the transformer is registered before premain returns. On JDK 9+ a target that loads meanwhile
 * carries the bridge itself ({@link BridgeDefiner}) and only tells the gate it is {@link #want wanted}: the waiting
 * is then the bridge's, at the first hooked call, and the application's thread sets up its first sockets meanwhile.
 * A target that cannot carry it (no static initialiser, Java 8) waits here, at its load, so that its first hooked
 * call finds everything in place. A hello world never loads a socket class and never waits; the preparation itself
 * waits a few milliseconds unless a target class asks for it ({@link #awaitWanted}), so that a JVM this short never
 * pays for it either.
 */
final class HookGate {
    /** Longer than any preparation takes; past it the class loads without hooks (reported by the self-test). */
    private static final long MAX_WAIT_MILLIS = 5000;
    private final long maxWaitMillis;
    private final CountDownLatch decided = new CountDownLatch(1);
    /** Counted down by the first thread that finds the gate closed: the preparation is wanted now. */
    private final CountDownLatch wanted = new CountDownLatch(1);
    private volatile boolean prepared;
    private volatile Thread preparer;

    HookGate() {
        this(MAX_WAIT_MILLIS);
    }

    /** With another bound on the wait (tests). */
    HookGate(long maxWaitMillis) {
        this.maxWaitMillis = maxWaitMillis;
    }

    static HookGate open() {
        HookGate gate = new HookGate();
        gate.prepared(true);
        return gate;
    }

    /** The thread preparing the JVM: a target it loads itself meanwhile is rewritten without waiting for it. */
    void preparedBy(Thread thread) {
        preparer = thread;
    }

    /**
     * For the preparing thread: waits until a target class is loading (and waiting here), at most {@code millis}.
     * A JVM that ends before then (a hello world, a CLI tool's quick run) never prepares at all, and one that
     * loads no socket class in its first moments leaves those to its main thread alone.
     */
    void awaitWanted(long millis) throws InterruptedException {
        wanted.await(millis, TimeUnit.MILLISECONDS);
    }

    /** A target class is loading that will not wait here (it carries the bridge): the preparation is wanted now. */
    void want() {
        wanted.countDown();
    }

    /** Whether a target class has loaded (or waited) since the start: the application is about to use sockets. */
    boolean isWanted() {
        return wanted.getCount() == 0;
    }

    /** Whether the preparation failed: targets are then left as the JDK made them. Never waits. */
    boolean refused() {
        return decided.getCount() == 0 && !prepared;
    }

    /** @param ok whether the hooks may be put in; false leaves every target as the JDK made it */
    synchronized void prepared(boolean ok) {
        prepared = ok;
        decided.countDown();
    }

    /**
     * Whether a target may be rewritten now; waits (bounded) until the preparation is decided. Uninterruptible: an
     * application thread loading a class is not the place to lose its interrupt, nor to give up on an interrupt.
     */
    boolean awaitPrepared() {
        if (decided.getCount() == 0) {
            return prepared;
        }
        if (Thread.currentThread() == preparer) {
            return true; // the bridge is defined before any code of the class it loads can run
        }
        wanted.countDown();
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    // Something is badly wrong with the preparation: no other class waits for it again. Should it
                    // still succeed, jvmPrepared retransforms what loaded meanwhile.
                    prepared(false);
                    return false;
                }
                try {
                    if (decided.await(left, TimeUnit.NANOSECONDS)) {
                        return prepared;
                    }
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
}
