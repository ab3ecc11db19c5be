package io.kaagent.nativeio;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import com.kenai.jffi.MemoryIO;

/**
 * Typed keepalive setters and getters on a raw file descriptor through libc, every return value checked.
 * Loading costs tens of milliseconds the first time (jffi's stub, FACTS.md), so the agent calls {@link #load()} on its
 * background thread, never on an application's connect.
 */
public final class NativeSocketOptions {
    /** Distinct value sets {@link #prepare} keeps in native memory (a policy has a handful; reloads may add). */
    public static final int VALUE_SLOTS = 256;
    private static final int VALUE_SLOT_BYTES = 24;
    private static final int EBADF = 9;
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;

    private final LibC libc;
    private final MemoryIO memory = MemoryIO.getInstance();
    private final SocketConstants constants;
    private final long valueSlots;
    private final AtomicInteger nextSlot = new AtomicInteger();
    /**
     * Scratch space for getsockopt's value and length, one slot per call in flight: a call claims a free slot by
     * compare-and-set and frees it after. An IntByReference pair per call made jnr-ffi copy through the heap: ~500 ns
     * a call against ~290 ns here, and the accept hook of a socket that copied its listener makes one such call.
     */
    private static final int SCRATCH_SLOTS = 64;
    /** Each slot: the value's 4 bytes, then the length's 4 (a socklen_t). */
    private final long scratch;
    private final AtomicIntegerArray scratchBusy = new AtomicIntegerArray(SCRATCH_SLOTS);
    /** Set once, when asked for and proven ({@link #batchThroughIoUring}); null: one setsockopt per option. */
    private volatile SetsockoptRings rings;

    private NativeSocketOptions(LibC libc, SocketConstants constants) {
        this.libc = libc;
        this.constants = constants;
        this.valueSlots = memory.allocateMemory((long) VALUE_SLOTS * VALUE_SLOT_BYTES, true);
        this.scratch = memory.allocateMemory((long) SCRATCH_SLOTS * 8, true);
        if (valueSlots == 0 || scratch == 0) {
            throw new UnsupportedOperationException("could not allocate " + (VALUE_SLOTS * VALUE_SLOT_BYTES
                    + SCRATCH_SLOTS * 8) + " bytes of native memory");
        }
    }

    /** @throws UnsupportedOperationException naming the reason when native access is impossible here */
    public static NativeSocketOptions load() {
        SocketConstants constants = SocketConstants.current();
        if (constants == null) {
            throw new UnsupportedOperationException("no socket option constants for " + System.getProperty("os.name"));
        }
        try {
            JffiStub.handOver();
            LibC libc = LibC.load();
            NativeSocketOptions options = new NativeSocketOptions(libc, constants);
            options.probe();
            return options;
        } catch (UnsupportedOperationException e) {
            throw e;
        } catch (Throwable t) {
            // UnsatisfiedLinkError from a jffi stub that cannot be unpacked or loaded (noexec temp dir), and the like.
            throw new UnsupportedOperationException(describe(t), t);
        }
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message.split("\n")[0]);
    }

    /** A call on an invalid fd must fail with EBADF: proves the binding and errno reach us. */
    private void probe() {
        int slot = claimScratch();
        try {
            long on = scratch + slot * 8L;
            memory.putInt(on, 1);
            int rc = libc.setsockopt(-1, constants.solSocket, constants.soKeepAlive, on, 4);
            int errno = libc.errno();
            if (rc != -1 || errno != EBADF) {
                throw new UnsupportedOperationException("setsockopt(-1) returned " + rc + ", errno " + errno
                        + ": expected -1, errno " + EBADF + " (EBADF)");
            }
        } finally {
            scratchBusy.set(slot, 0);
        }
    }

    /**
     * From now on, {@link #apply} sets a socket's options in one io_uring submission where it can (Linux 6.7+, where
     * no seccomp filter or sysctl forbids io_uring): one ring per processor, up to {@link SetsockoptRings#MAX_RINGS}.
     * Where it cannot at a given moment (every ring in use), it makes the setsockopt calls as before.
     *
     * @return how many rings
     * @throws UnsupportedOperationException why io_uring cannot be used here; nothing changed then
     */
    public int batchThroughIoUring() {
        SetsockoptRings opened = SetsockoptRings.open(libc, constants, Runtime.getRuntime().availableProcessors());
        try {
            prove(opened);
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
        rings = opened;
        return opened.size();
    }

    /**
     * Keepalive on, idle 30, interval 5, count 3, set through a ring on a socket of the agent's own, must read back by
     * getsockopt: where the kernel takes the submission but the options do not land, the rings are not used.
     *
     * @throws UnsupportedOperationException why not
     */
    private void prove(SetsockoptRings candidate) {
        int fd = libc.socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            throw new UnsupportedOperationException(libc.failure("socket() for the io_uring check").getMessage());
        }
        long block = 0;
        try {
            block = allocateValues();
            try {
                if (!candidate.set(fd, new KeepAliveValues(memory, block, 30, 5, 3, 0), false)) {
                    throw new UnsupportedOperationException("io_uring did not take the check's submission");
                }
            } catch (NativeSocketException e) {
                // Before Linux 6.7 a socket refuses the command: EOPNOTSUPP.
                throw new UnsupportedOperationException("this kernel does not set socket options through io_uring"
                        + " (Linux 6.7+): " + e.getMessage(), e);
            }
            boolean on = getKeepAlive(fd);
            int idle = getTcpKeepIdle(fd);
            int interval = getTcpKeepInterval(fd);
            int count = getTcpKeepCount(fd);
            if (!on || idle != 30 || interval != 5 || count != 3) {
                throw new UnsupportedOperationException("io_uring set keepalive on, idle 30, intvl 5, cnt 3, but"
                        + " getsockopt reads keepalive " + (on ? "on" : "off") + ", idle " + idle + ", intvl "
                        + interval + ", cnt " + count);
            }
        } catch (NativeSocketException e) {
            throw new UnsupportedOperationException(e.getMessage(), e);
        } finally {
            if (block != 0) {
                memory.freeMemory(block);
            }
            libc.close(fd);
        }
    }

    /**
     * The values one rule sets, written once into native memory: setsockopt reads them in place, so a call
     * marshals nothing and allocates nothing (an IntByReference per call was a tenth of the connect hook's time).
     * Never written again after {@link #prepare}, so any number of threads may pass them at once.
     */
    public static final class KeepAliveValues {
        final long idle;
        final long interval;
        final long count;
        final long userTimeout;
        final long on;
        final long off;
        /** For {@link SetsockoptRings}: the values in the order they are set, with and without the user timeout. */
        final long[] all;
        final long[] allButUserTimeout;
        /** For {@link SetsockoptRings}: SO_KEEPALIVE off, then the timers and the user timeout, as {@link #reset}. */
        final long[] offThenAll;

        private KeepAliveValues(MemoryIO memory, long block, int idleSeconds, int intervalSeconds, int count,
                int userTimeoutMillis) {
            memory.putInt(block, idleSeconds);
            memory.putInt(block + 4, intervalSeconds);
            memory.putInt(block + 8, count);
            memory.putInt(block + 12, userTimeoutMillis);
            memory.putInt(block + 16, 1);
            memory.putInt(block + 20, 0);
            this.idle = block;
            this.interval = block + 4;
            this.count = block + 8;
            this.userTimeout = block + 12;
            this.on = block + 16;
            this.off = block + 20;
            this.all = new long[] {idle, interval, this.count, userTimeout, on};
            this.allButUserTimeout = new long[] {idle, interval, this.count, on};
            this.offThenAll = new long[] {off, idle, interval, this.count, userTimeout};
        }
    }

    /**
     * Native memory holding these values, for {@link #apply}; null once {@link #VALUE_SLOTS} sets were prepared.
     * The slots are allocated once and never freed: another thread may be passing a slot's address to the kernel
     * at any moment, and a policy has a handful of distinct value sets.
     */
    public KeepAliveValues prepare(int idleSeconds, int intervalSeconds, int count, int userTimeoutMillis) {
        int slot = nextSlot.getAndIncrement();
        if (slot >= VALUE_SLOTS) {
            nextSlot.set(VALUE_SLOTS);
            return null;
        }
        long block = valueSlots + (long) slot * VALUE_SLOT_BYTES;
        return new KeepAliveValues(memory, block, idleSeconds, intervalSeconds, count, userTimeoutMillis);
    }

    /**
     * {@link #apply} with values for this call only, in native memory freed after it: where {@link #prepare} ran out
     * of slots (endless reloads with ever new values).
     */
    public void applyOnce(int fd, int idleSeconds, int intervalSeconds, int count, int userTimeoutMillis,
            boolean setUserTimeout) throws NativeSocketException {
        long block = allocateValues();
        try {
            apply(fd, new KeepAliveValues(memory, block, idleSeconds, intervalSeconds, count, userTimeoutMillis),
                    setUserTimeout);
        } finally {
            memory.freeMemory(block);
        }
    }

    private long allocateValues() throws NativeSocketException {
        long block = memory.allocateMemory(VALUE_SLOT_BYTES, true);
        if (block == 0) {
            throw new NativeSocketException("malloc", 12, "could not allocate " + VALUE_SLOT_BYTES + " bytes");
        }
        return block;
    }

    /**
     * The timers first, then SO_KEEPALIVE, so the kernel never runs a keepalive timer with the old values.
     * TCP_USER_TIMEOUT only when asked (and where the OS has it).
     */
    public void apply(int fd, KeepAliveValues values, boolean setUserTimeout) throws NativeSocketException {
        if (fd < 0) {
            throw new NativeSocketException("setsockopt", 9, "socket has no file descriptor");
        }
        SetsockoptRings batch = rings;
        if (batch != null && batch.set(fd, values, setUserTimeout)) {
            return;
        }
        set(fd, constants.ipprotoTcp, constants.keepIdle, values.idle, "TCP_KEEPIDLE");
        set(fd, constants.ipprotoTcp, constants.keepInterval, values.interval, "TCP_KEEPINTVL");
        set(fd, constants.ipprotoTcp, constants.keepCount, values.count, "TCP_KEEPCNT");
        if (setUserTimeout && constants.hasUserTimeout()) {
            set(fd, constants.ipprotoTcp, constants.userTimeout, values.userTimeout, "TCP_USER_TIMEOUT");
        }
        set(fd, constants.solSocket, constants.soKeepAlive, values.on, "SO_KEEPALIVE");
    }

    /**
     * Back to what a socket nobody set reports: SO_KEEPALIVE off first (no keepalive timer runs while the values
     * change), the three timers to the network namespace's defaults (the kernel cannot be told "use the sysctl"
     * again once a socket has its own value, so the sysctl's value is copied), TCP_USER_TIMEOUT 0.
     */
    public void reset(int fd, KernelKeepAliveDefaults defaults) throws NativeSocketException {
        long block = allocateValues();
        try {
            reset(fd, new KeepAliveValues(memory, block, defaults.idleSeconds(), defaults.intervalSeconds(),
                    defaults.count(), 0));
        } finally {
            memory.freeMemory(block);
        }
    }

    /** As {@link #reset(int, KernelKeepAliveDefaults)}, with the defaults' values prepared (user timeout 0). */
    public void reset(int fd, KeepAliveValues values) throws NativeSocketException {
        if (fd < 0) {
            throw new NativeSocketException("setsockopt", 9, "socket has no file descriptor");
        }
        SetsockoptRings batch = rings;
        if (batch != null && batch.reset(fd, values)) {
            return;
        }
        set(fd, constants.solSocket, constants.soKeepAlive, values.off, "SO_KEEPALIVE");
        set(fd, constants.ipprotoTcp, constants.keepIdle, values.idle, "TCP_KEEPIDLE");
        set(fd, constants.ipprotoTcp, constants.keepInterval, values.interval, "TCP_KEEPINTVL");
        set(fd, constants.ipprotoTcp, constants.keepCount, values.count, "TCP_KEEPCNT");
        if (constants.hasUserTimeout()) {
            set(fd, constants.ipprotoTcp, constants.userTimeout, values.userTimeout, "TCP_USER_TIMEOUT");
        }
    }

    public SocketConstants constants() {
        return constants;
    }

    /** The C library these options are set through, for the package's other native calls. */
    LibC libc() {
        return libc;
    }

    public boolean getKeepAlive(int fd) throws NativeSocketException {
        return get(fd, constants.solSocket, constants.soKeepAlive, "SO_KEEPALIVE") != 0;
    }

    public int getTcpKeepIdle(int fd) throws NativeSocketException {
        return get(fd, constants.ipprotoTcp, constants.keepIdle, "TCP_KEEPIDLE");
    }

    public int getTcpKeepInterval(int fd) throws NativeSocketException {
        return get(fd, constants.ipprotoTcp, constants.keepInterval, "TCP_KEEPINTVL");
    }

    public int getTcpKeepCount(int fd) throws NativeSocketException {
        return get(fd, constants.ipprotoTcp, constants.keepCount, "TCP_KEEPCNT");
    }

    /** -1 where the OS has no TCP_USER_TIMEOUT. */
    public int getTcpUserTimeout(int fd) throws NativeSocketException {
        return constants.hasUserTimeout() ? get(fd, constants.ipprotoTcp, constants.userTimeout, "TCP_USER_TIMEOUT")
                : -1;
    }

    private void set(int fd, int level, int option, long value, String name) throws NativeSocketException {
        if (libc.setsockopt(fd, level, option, value, 4) != 0) {
            throw libc.failure("setsockopt(" + name + ")");
        }
    }

    private int get(int fd, int level, int option, String name) throws NativeSocketException {
        int slot = claimScratch();
        try {
            long value = scratch + slot * 8L;
            long length = value + 4;
            memory.putInt(value, 0);
            memory.putInt(length, 4);
            if (libc.getsockopt(fd, level, option, value, length) != 0) {
                throw libc.failure("getsockopt(" + name + ")");
            }
            return memory.getInt(value);
        } finally {
            scratchBusy.set(slot, 0);
        }
    }

    /** A free scratch slot, starting from one this thread likely had before; yields while all are in use. */
    private int claimScratch() {
        int start = (int) Thread.currentThread().getId();
        while (true) {
            for (int i = 0; i < SCRATCH_SLOTS; i++) {
                int slot = (start + i) & (SCRATCH_SLOTS - 1);
                if (scratchBusy.get(slot) == 0 && scratchBusy.compareAndSet(slot, 0, 1)) {
                    return slot;
                }
            }
            Thread.yield(); // more calls in flight than slots: each holds its slot for one system call
        }
    }
}
