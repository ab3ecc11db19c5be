package io.kaagent.nativeio;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A few {@link SetsockoptRing}s, one per processor up to {@link #MAX_RINGS}, each lent to one thread at a time: a
 * thread takes the first free one from a place of its own, and where all are taken it sets its options by setsockopt
 * as without rings (no thread ever waits for a ring).
 */
final class SetsockoptRings {
    static final int MAX_RINGS = 8;

    private final SetsockoptRing[] rings;
    private final AtomicIntegerArray lent;
    // The order setsockopt sets them in (NativeSocketOptions.apply): the timers first, SO_KEEPALIVE last.
    private final SetsockoptRing.Order all;
    private final SetsockoptRing.Order allButUserTimeout;
    // NativeSocketOptions.reset's order: no keepalive timer runs while the values change.
    private final SetsockoptRing.Order offFirst;

    private SetsockoptRings(SetsockoptRing[] rings, SocketConstants c) {
        this.rings = rings;
        this.lent = new AtomicIntegerArray(rings.length);
        this.all = new SetsockoptRing.Order(c, "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_USER_TIMEOUT",
                "SO_KEEPALIVE");
        this.allButUserTimeout = new SetsockoptRing.Order(c, "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT",
                "SO_KEEPALIVE");
        this.offFirst = new SetsockoptRing.Order(c, "SO_KEEPALIVE", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT",
                "TCP_USER_TIMEOUT");
    }

    /**
     * {@code count} rings. Linux only (x86_64, aarch64), whose constants and io_uring layout are the ones written
     * here; {@link NativeSocketOptions#batchThroughIoUring} proves them before any socket of the application.
     *
     * @throws UnsupportedOperationException why this JVM cannot set options through io_uring
     */
    static SetsockoptRings open(LibC libc, SocketConstants constants, int count) {
        String arch = System.getProperty("os.arch", "");
        if (constants != SocketConstants.LINUX || !(arch.equals("amd64") || arch.equals("x86_64")
                || arch.equals("aarch64"))) {
            throw new UnsupportedOperationException("io_uring is for Linux on x86_64 and aarch64, not "
                    + constants.os() + " on " + arch);
        }
        SetsockoptRing[] rings = new SetsockoptRing[Math.max(1, Math.min(count, MAX_RINGS))];
        try {
            for (int i = 0; i < rings.length; i++) {
                rings[i] = SetsockoptRing.open(libc);
            }
            return new SetsockoptRings(rings, constants);
        } catch (NativeSocketException e) {
            close(rings);
            throw new UnsupportedOperationException(e.getMessage(), e);
        } catch (RuntimeException e) {
            close(rings);
            throw e;
        }
    }

    /** Unmaps and closes every ring: only for rings nobody uses, as when their check failed. */
    void close() {
        close(rings);
    }

    private static void close(SetsockoptRing[] rings) {
        for (SetsockoptRing ring : rings) {
            if (ring != null) {
                ring.close();
            }
        }
    }

    int size() {
        return rings.length;
    }

    /**
     * Sets the timers, TCP_USER_TIMEOUT when asked, then SO_KEEPALIVE, in one submission.
     *
     * @return false when no ring took them (all lent, or broken): the caller calls setsockopt
     * @throws NativeSocketException the first option the kernel refused
     */
    boolean set(int fd, NativeSocketOptions.KeepAliveValues values, boolean setUserTimeout)
            throws NativeSocketException {
        return setUserTimeout ? set(fd, all, values.all) : set(fd, allButUserTimeout, values.allButUserTimeout);
    }

    /**
     * SO_KEEPALIVE off, then the timers and TCP_USER_TIMEOUT to these values, in one submission (a socket put back
     * to what nobody set).
     *
     * @return false when no ring took them: the caller calls setsockopt
     */
    boolean reset(int fd, NativeSocketOptions.KeepAliveValues values) throws NativeSocketException {
        return set(fd, offFirst, values.offThenAll);
    }

    private boolean set(int fd, SetsockoptRing.Order order, long[] values) throws NativeSocketException {
        int n = rings.length;
        int start = (int) Thread.currentThread().getId();
        for (int i = 0; i < n; i++) {
            int slot = ((start + i) & Integer.MAX_VALUE) % n;
            if (lent.get(slot) == 0 && lent.compareAndSet(slot, 0, 1)) {
                try {
                    return rings[slot].set(fd, order, values);
                } finally {
                    lent.set(slot, 0);
                }
            }
        }
        return false;
    }
}
