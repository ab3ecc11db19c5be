package io.kaagent.nativeio;

import java.util.concurrent.atomic.AtomicIntegerArray;

import com.kenai.jffi.MemoryIO;

/**
 * A few {@link SetsockoptRing}s, one per processor up to {@link #MAX_RINGS}, each lent to one thread at a time: a
 * thread takes the first free one from a place of its own, and where all are taken it sets its options by setsockopt
 * as without rings (no thread ever waits for a ring).
 */
final class SetsockoptRings {
    static final int MAX_RINGS = 8;
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;

    private final SetsockoptRing[] rings;
    private final AtomicIntegerArray lent;
    // The options in the order setsockopt sets them (NativeSocketOptions.apply): timers first, SO_KEEPALIVE last.
    private final int[] levels;
    private final int[] options;
    private final String[] names;
    private final int[] levelsWithoutUserTimeout;
    private final int[] optionsWithoutUserTimeout;
    private final String[] namesWithoutUserTimeout;
    private final int[] levelsOffFirst;
    private final int[] optionsOffFirst;
    private final String[] namesOffFirst;

    private SetsockoptRings(SetsockoptRing[] rings, SocketConstants c) {
        this.rings = rings;
        this.lent = new AtomicIntegerArray(rings.length);
        this.levels = new int[] {c.ipprotoTcp, c.ipprotoTcp, c.ipprotoTcp, c.ipprotoTcp, c.solSocket};
        this.options = new int[] {c.keepIdle, c.keepInterval, c.keepCount, c.userTimeout, c.soKeepAlive};
        this.names = new String[] {"TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_USER_TIMEOUT", "SO_KEEPALIVE"};
        this.levelsWithoutUserTimeout = new int[] {c.ipprotoTcp, c.ipprotoTcp, c.ipprotoTcp, c.solSocket};
        this.optionsWithoutUserTimeout = new int[] {c.keepIdle, c.keepInterval, c.keepCount, c.soKeepAlive};
        this.namesWithoutUserTimeout = new String[] {"TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "SO_KEEPALIVE"};
        // NativeSocketOptions.reset's order: no keepalive timer runs while the values change.
        this.levelsOffFirst = new int[] {c.solSocket, c.ipprotoTcp, c.ipprotoTcp, c.ipprotoTcp, c.ipprotoTcp};
        this.optionsOffFirst = new int[] {c.soKeepAlive, c.keepIdle, c.keepInterval, c.keepCount, c.userTimeout};
        this.namesOffFirst = new String[] {"SO_KEEPALIVE", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT",
            "TCP_USER_TIMEOUT"};
    }

    /**
     * {@code count} rings, proven on a socket of their own: the four options set through the first ring must read
     * back by getsockopt. Linux only (x86_64, aarch64), whose constants and io_uring layout are the ones written here.
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
            SetsockoptRings batch = new SetsockoptRings(rings, constants);
            batch.prove(libc);
            return batch;
        } catch (NativeSocketException e) {
            close(rings);
            throw new UnsupportedOperationException(e.getMessage(), e);
        } catch (RuntimeException e) {
            close(rings);
            throw e;
        }
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
        return setUserTimeout ? set(fd, 5, levels, options, values.all, names)
                : set(fd, 4, levelsWithoutUserTimeout, optionsWithoutUserTimeout, values.allButUserTimeout,
                        namesWithoutUserTimeout);
    }

    /**
     * SO_KEEPALIVE off, then the timers and TCP_USER_TIMEOUT to these values, in one submission (a socket put back
     * to what nobody set).
     *
     * @return false when no ring took them: the caller calls setsockopt
     */
    boolean reset(int fd, NativeSocketOptions.KeepAliveValues values) throws NativeSocketException {
        return set(fd, 5, levelsOffFirst, optionsOffFirst, values.offThenAll, namesOffFirst);
    }

    private boolean set(int fd, int count, int[] levelsInOrder, int[] optionsInOrder, long[] values,
            String[] namesInOrder) throws NativeSocketException {
        int n = rings.length;
        int start = (int) Thread.currentThread().getId();
        for (int i = 0; i < n; i++) {
            int slot = ((start + i) & Integer.MAX_VALUE) % n;
            if (lent.get(slot) == 0 && lent.compareAndSet(slot, 0, 1)) {
                try {
                    return rings[slot].set(fd, count, levelsInOrder, optionsInOrder, values, namesInOrder);
                } finally {
                    lent.set(slot, 0);
                }
            }
        }
        return false;
    }

    /** Sets idle 30, interval 5, count 3 and keepalive on a socket of its own through a ring, and reads them back. */
    private void prove(LibC libc) {
        MemoryIO memory = MemoryIO.getInstance();
        long block = memory.allocateMemory(32, true);
        if (block == 0) {
            throw new UnsupportedOperationException("could not allocate 32 bytes of native memory");
        }
        int fd = libc.socket(AF_INET, SOCK_STREAM, 0);
        try {
            if (fd < 0) {
                throw new UnsupportedOperationException("socket() for the io_uring check failed: "
                        + libc.strerror(libc.errno()));
            }
            int[] expected = {30, 5, 3, 1};
            long[] addresses = new long[4];
            for (int i = 0; i < 4; i++) {
                addresses[i] = block + 4 * i;
                memory.putInt(addresses[i], expected[i]);
            }
            try {
                if (!rings[0].set(fd, 4, levelsWithoutUserTimeout, optionsWithoutUserTimeout, addresses,
                        namesWithoutUserTimeout)) {
                    throw new UnsupportedOperationException("io_uring did not take the check's submission");
                }
            } catch (NativeSocketException e) {
                // Before Linux 6.7 a socket refuses the command: EOPNOTSUPP.
                throw new UnsupportedOperationException("this kernel does not set socket options through io_uring"
                        + " (Linux 6.7+): " + e.getMessage(), e);
            }
            long value = block + 16;
            long length = block + 20;
            for (int i = 0; i < 4; i++) {
                memory.putInt(value, -1);
                memory.putInt(length, 4);
                int rc = libc.getsockopt(fd, levelsWithoutUserTimeout[i], optionsWithoutUserTimeout[i], value,
                        length);
                if (rc != 0 || memory.getInt(value) != expected[i]) {
                    throw new UnsupportedOperationException("io_uring set " + namesWithoutUserTimeout[i] + " to "
                            + expected[i] + " but getsockopt " + (rc != 0 ? "failed: " + libc.strerror(libc.errno())
                                    : "reads " + memory.getInt(value)));
                }
            }
        } finally {
            if (fd >= 0) {
                libc.close(fd);
            }
            memory.freeMemory(block);
        }
    }
}
