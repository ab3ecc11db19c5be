package io.kaagent.nativeio;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Typed keepalive setters and getters on a raw file descriptor through libc, every return value checked.
 * Loading costs 110–225 ms the first time (jffi unpacks and loads its stub, FACTS.md), so the agent calls
 * {@link #load()} on its background thread, never on an application's connect.
 */
public final class NativeSocketOptions {
    /** Distinct value sets {@link #prepare} keeps in native memory (a policy has a handful; reloads may add). */
    public static final int VALUE_SLOTS = 256;
    private static final int VALUE_SLOT_BYTES = 24;

    private final LibC libc;
    private final Runtime runtime;
    private final SocketConstants constants;
    private final long valueSlots;
    private final AtomicInteger nextSlot = new AtomicInteger();
    /**
     * Scratch space for getsockopt's value and length, one slot per call in flight: a call claims a free slot by
     * compare-and-set and frees it after. An IntByReference pair per call made jnr copy through the heap: ~500 ns a
     * call against ~290 ns here, and the accept hook of a socket that copied its listener makes one such call.
     */
    private static final int SCRATCH_SLOTS = 64;
    private final Pointer[] scratchValue = new Pointer[SCRATCH_SLOTS];
    private final Pointer[] scratchLength = new Pointer[SCRATCH_SLOTS];
    private final AtomicIntegerArray scratchBusy = new AtomicIntegerArray(SCRATCH_SLOTS);

    private NativeSocketOptions(LibC libc, SocketConstants constants) {
        this.libc = libc;
        this.runtime = Runtime.getRuntime(libc);
        this.constants = constants;
        this.valueSlots = MemoryIO.getInstance().allocateMemory((long) VALUE_SLOTS * VALUE_SLOT_BYTES, true);
        long scratch = MemoryIO.getInstance().allocateMemory((long) SCRATCH_SLOTS * 8, true);
        if (valueSlots == 0 || scratch == 0) {
            throw new UnsupportedOperationException("could not allocate " + (VALUE_SLOTS * VALUE_SLOT_BYTES
                    + SCRATCH_SLOTS * 8) + " bytes of native memory");
        }
        for (int slot = 0; slot < SCRATCH_SLOTS; slot++) {
            scratchValue[slot] = Pointer.wrap(runtime, scratch + slot * 8L, 4);
            scratchLength[slot] = Pointer.wrap(runtime, scratch + slot * 8L + 4, 4);
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
            LibC libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
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
        int rc = libc.setsockopt(-1, constants.solSocket, constants.soKeepAlive, transientValues(1, 1, 1, 0).on, 4);
        if (rc != -1) {
            throw new UnsupportedOperationException("setsockopt(-1) unexpectedly returned " + rc);
        }
    }

    /**
     * The values one rule sets, written once into native memory: setsockopt reads them in place, so a call
     * marshals nothing and allocates nothing (an IntByReference per call was a tenth of the connect hook's time).
     * Never written again after {@link #prepare}, so any number of threads may pass them at once.
     */
    public static final class KeepAliveValues {
        final Pointer idle;
        final Pointer interval;
        final Pointer count;
        final Pointer userTimeout;
        final Pointer on;
        final Pointer off;

        private KeepAliveValues(Pointer block, int idleSeconds, int intervalSeconds, int count,
                int userTimeoutMillis) {
            block.putInt(0, idleSeconds);
            block.putInt(4, intervalSeconds);
            block.putInt(8, count);
            block.putInt(12, userTimeoutMillis);
            block.putInt(16, 1);
            block.putInt(20, 0);
            this.idle = block.slice(0, 4);
            this.interval = block.slice(4, 4);
            this.count = block.slice(8, 4);
            this.userTimeout = block.slice(12, 4);
            this.on = block.slice(16, 4);
            this.off = block.slice(20, 4);
        }
    }

    /**
     * Native memory holding these values, for {@link #apply}; null once {@link #VALUE_SLOTS} sets were prepared.
     * The slots are allocated once and never freed: another thread may be passing a slot's address to the kernel
     * at any moment, and a policy has a handful of distinct value sets (jnr's own allocator would free them, but
     * it logs a warning through java.util.logging when it starts its finalizer in our class loader).
     */
    public KeepAliveValues prepare(int idleSeconds, int intervalSeconds, int count, int userTimeoutMillis) {
        int slot = nextSlot.getAndIncrement();
        if (slot >= VALUE_SLOTS) {
            nextSlot.set(VALUE_SLOTS);
            return null;
        }
        Pointer block = Pointer.wrap(runtime, valueSlots + (long) slot * VALUE_SLOT_BYTES, VALUE_SLOT_BYTES);
        return new KeepAliveValues(block, idleSeconds, intervalSeconds, count, userTimeoutMillis);
    }

    /**
     * The same values for one call, on the Java heap (jnr copies them in per call, as it did an IntByReference):
     * where {@link #prepare} ran out of slots.
     */
    public KeepAliveValues transientValues(int idleSeconds, int intervalSeconds, int count, int userTimeoutMillis) {
        return new KeepAliveValues(Memory.allocate(runtime, VALUE_SLOT_BYTES), idleSeconds, intervalSeconds, count,
                userTimeoutMillis);
    }

    /**
     * The timers first, then SO_KEEPALIVE, so the kernel never runs a keepalive timer with the old values.
     * TCP_USER_TIMEOUT only when asked (and where the OS has it).
     */
    public void apply(int fd, KeepAliveValues values, boolean setUserTimeout) throws NativeSocketException {
        if (fd < 0) {
            throw new NativeSocketException("setsockopt", 9, "socket has no file descriptor");
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
        reset(fd, transientValues(defaults.idleSeconds(), defaults.intervalSeconds(), defaults.count(), 0));
    }

    /** As {@link #reset(int, KernelKeepAliveDefaults)}, with the defaults' values prepared (user timeout 0). */
    public void reset(int fd, KeepAliveValues values) throws NativeSocketException {
        if (fd < 0) {
            throw new NativeSocketException("setsockopt", 9, "socket has no file descriptor");
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

    private void set(int fd, int level, int option, Pointer value, String name) throws NativeSocketException {
        if (libc.setsockopt(fd, level, option, value, 4) != 0) {
            throw failure("setsockopt(" + name + ")");
        }
    }


    private int get(int fd, int level, int option, String name) throws NativeSocketException {
        int slot = claimScratch();
        try {
            Pointer value = scratchValue[slot];
            Pointer length = scratchLength[slot];
            value.putInt(0, 0);
            length.putInt(0, 4);
            if (libc.getsockopt(fd, level, option, value, length) != 0) {
                throw failure("getsockopt(" + name + ")");
            }
            return value.getInt(0);
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

    private NativeSocketException failure(String call) {
        int errno = runtime.getLastError();
        String reason;
        try {
            reason = libc.strerror(errno);
        } catch (Throwable t) {
            reason = "errno " + errno;
        }
        return new NativeSocketException(call, errno, reason);
    }
}
