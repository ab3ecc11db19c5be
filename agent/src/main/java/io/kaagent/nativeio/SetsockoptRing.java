package io.kaagent.nativeio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.kenai.jffi.MemoryIO;

/**
 * One io_uring instance that sets a socket's keepalive options in one system call instead of one per option: each
 * option an SQE of IORING_OP_URING_CMD / SOCKET_URING_OP_SETSOCKOPT (Linux 6.7+), all submitted by one io_uring_enter.
 * Where a system call's entry and exit are dear (page-table isolation), four setsockopt calls cost a fresh
 * connection ~5.5 µs on this machine and the one submission ~2.3 µs (benchmarks/native/uring_setsockopt.c).
 * <p>
 * The rings are mapped into this process and read and written through direct buffers. Socket options complete while
 * they are submitted (no worker thread, no waiting): their completions are there when io_uring_enter returns, which
 * is checked, and a ring whose state is ever other than expected is never used again ({@link #broken}). The layout
 * of linux/io_uring.h is written out here, as in benchmarks/native/uring_setsockopt.c.
 * <p>
 * Not thread-safe: {@link SetsockoptRings} lends each ring to one thread at a time.
 */
final class SetsockoptRing {
    /** Room for one submission: at most five options (the three timers, TCP_USER_TIMEOUT, SO_KEEPALIVE). */
    private static final int ENTRIES = 8;
    // The system call numbers io_uring has on every architecture (they were added after the tables were unified).
    private static final long SYS_IO_URING_SETUP = 425;
    private static final long SYS_IO_URING_ENTER = 426;
    private static final int PARAMS_BYTES = 120;
    private static final int SQE_BYTES = 64;
    private static final int CQE_BYTES = 16;
    private static final byte OP_URING_CMD = 46;
    private static final int SOCKET_URING_OP_SETSOCKOPT = 3;
    private static final long OFF_SQ_RING = 0L;
    private static final long OFF_CQ_RING = 0x8000000L;
    private static final long OFF_SQES = 0x10000000L;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;
    private static final int ENTER_GETEVENTS = 1;

    private final LibC libc;
    private final int ringFd;
    private final ByteBuffer sq;
    private final ByteBuffer cq;
    private final ByteBuffer sqes;
    /** The three mappings' addresses and lengths, for {@link #close}. */
    private final long[] mappings;
    private final int sqTail;
    private final int sqMask;
    private final int cqHead;
    private final int cqTail;
    private final int cqMask;
    private final int cqes;
    /** Set when a submission or its completions were not what they must be: the ring is not used again. */
    private boolean broken;

    private SetsockoptRing(LibC libc, int ringFd, long[] mappings, long params) {
        MemoryIO memory = MemoryIO.getInstance();
        this.libc = libc;
        this.ringFd = ringFd;
        this.mappings = mappings;
        this.sq = buffer(mappings, 0);
        this.cq = buffer(mappings, 1);
        this.sqes = buffer(mappings, 2);
        // struct io_sqring_offsets at 40: head, tail, ring_mask, ring_entries, flags, dropped, array
        this.sqTail = memory.getInt(params + 44);
        this.sqMask = sq.getInt(memory.getInt(params + 48));
        int sqArray = memory.getInt(params + 64);
        // struct io_cqring_offsets at 80: head, tail, ring_mask, ring_entries, overflow, cqes
        this.cqHead = memory.getInt(params + 80);
        this.cqTail = memory.getInt(params + 84);
        this.cqMask = cq.getInt(memory.getInt(params + 88));
        this.cqes = memory.getInt(params + 100);
        int entries = memory.getInt(params);
        for (int i = 0; i < entries; i++) {
            sq.putInt(sqArray + 4 * i, i); // slot i of the ring holds SQE i, for good
            int sqe = i * SQE_BYTES;
            for (int b = 0; b < SQE_BYTES; b += 8) {
                sqes.putLong(sqe + b, 0L);
            }
            sqes.put(sqe, OP_URING_CMD);
            sqes.putInt(sqe + 8, SOCKET_URING_OP_SETSOCKOPT); // cmd_op
            sqes.putInt(sqe + 44, 4); // optlen: every option here is an int
        }
    }

    /**
     * A new ring, its memory mapped.
     *
     * @throws NativeSocketException naming the call that failed: io_uring_setup refused (ENOSYS before Linux 5.1,
     *         EPERM under a seccomp filter that blocks it, as Docker's default has since Engine 25, or with
     *         kernel.io_uring_disabled), or a mapping
     */
    static SetsockoptRing open(LibC libc) throws NativeSocketException {
        MemoryIO memory = MemoryIO.getInstance();
        long params = memory.allocateMemory(PARAMS_BYTES, true);
        if (params == 0) {
            throw new NativeSocketException("malloc", 12, "could not allocate " + PARAMS_BYTES + " bytes");
        }
        try {
            long ringFd = libc.syscall(SYS_IO_URING_SETUP, ENTRIES, params, 0);
            if (ringFd < 0) {
                throw libc.failure("io_uring_setup");
            }
            int fd = (int) ringFd;
            // address, length of: the submission ring, the completion ring, the submission entries
            long[] mappings = new long[6];
            try {
                int sqEntries = memory.getInt(params);
                int cqEntries = memory.getInt(params + 4);
                map(libc, fd, mappings, 0, memory.getInt(params + 64) + 4 * sqEntries, OFF_SQ_RING);
                map(libc, fd, mappings, 1, memory.getInt(params + 100) + CQE_BYTES * cqEntries, OFF_CQ_RING);
                map(libc, fd, mappings, 2, SQE_BYTES * sqEntries, OFF_SQES);
                return new SetsockoptRing(libc, fd, mappings, params);
            } catch (NativeSocketException | RuntimeException e) {
                // RuntimeException: offsets the kernel gave that lie outside its own mappings (a layout not this one)
                unmap(libc, mappings);
                libc.close(fd);
                throw e;
            }
        } finally {
            memory.freeMemory(params);
        }
    }

    private static void map(LibC libc, int fd, long[] mappings, int which, int length, long offset)
            throws NativeSocketException {
        long address = libc.mmap(0, length, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
        if (address == -1 || address == 0) {
            throw libc.failure("mmap(io_uring)");
        }
        mappings[2 * which] = address;
        mappings[2 * which + 1] = length;
    }

    private static ByteBuffer buffer(long[] mappings, int which) {
        return MemoryIO.getInstance().newDirectByteBuffer(mappings[2 * which], (int) mappings[2 * which + 1])
                .order(ByteOrder.nativeOrder());
    }

    private static void unmap(LibC libc, long[] mappings) {
        for (int i = 0; i < mappings.length; i += 2) {
            if (mappings[i] != 0) {
                libc.munmap(mappings[i], mappings[i + 1]); // nothing to do about a failure: the ring is being dropped
            }
        }
    }

    /** Unmaps the ring and closes its fd: only for a ring nobody uses, as when the rings' start failed. */
    void close() {
        broken = true;
        unmap(libc, mappings);
        libc.close(ringFd);
    }

    /**
     * Options in the order a submission sets them: their levels, numbers and names (the names for a failure's
     * message).
     */
    static final class Order {
        final int[] levels;
        final int[] options;
        final String[] names;

        Order(SocketConstants c, String... names) {
            this.names = names;
            this.levels = new int[names.length];
            this.options = new int[names.length];
            for (int i = 0; i < names.length; i++) {
                levels[i] = names[i].equals("SO_KEEPALIVE") ? c.solSocket : c.ipprotoTcp;
                options[i] = option(c, names[i]);
            }
        }

        private static int option(SocketConstants c, String name) {
            switch (name) {
                case "SO_KEEPALIVE":
                    return c.soKeepAlive;
                case "TCP_KEEPIDLE":
                    return c.keepIdle;
                case "TCP_KEEPINTVL":
                    return c.keepInterval;
                case "TCP_KEEPCNT":
                    return c.keepCount;
                case "TCP_USER_TIMEOUT":
                    return c.userTimeout;
                default:
                    throw new IllegalArgumentException("no option " + name);
            }
        }
    }

    /**
     * Sets the options of {@code order} on {@code fd}, in that order, in one submission.
     *
     * @param values the addresses of the options' int values, in the same order
     * @return false when the ring did not take the submission as it must (nothing to tell about the socket, and
     *         the ring is broken from now on): the caller sets the options by setsockopt instead
     * @throws NativeSocketException the first option the kernel refused, as setsockopt would have refused it
     */
    boolean set(int fd, Order order, long[] values) throws NativeSocketException {
        int count = order.levels.length;
        if (broken) {
            return false;
        }
        int tail = sq.getInt(sqTail);
        for (int i = 0; i < count; i++) {
            int sqe = ((tail + i) & sqMask) * SQE_BYTES;
            sqes.putInt(sqe + 4, fd);
            sqes.putInt(sqe + 16, order.levels[i]); // cmd's level
            sqes.putInt(sqe + 20, order.options[i]); // cmd's optname
            sqes.putLong(sqe + 32, i); // user_data: which option
            sqes.putLong(sqe + 48, values[i]); // optval
        }
        // The kernel reads the tail after entering the system call, on this thread: the stores above are in order.
        sq.putInt(sqTail, tail + count);
        long submitted = libc.syscall(SYS_IO_URING_ENTER, ringFd, count, 0, 0); // min_complete 0, flags 0
        if (submitted != count) {
            broken = true;
            return false;
        }
        int head = cq.getInt(cqHead);
        if (cq.getInt(cqTail) - head != count) {
            // Not completed in the submission, as they always are: wait for them once, to leave the ring in order.
            long waited = libc.syscall(SYS_IO_URING_ENTER, ringFd, 0, count, ENTER_GETEVENTS, 0); // no sigmask
            if (waited < 0 || cq.getInt(cqTail) - head != count) {
                broken = true;
                return false;
            }
        }
        int failedOption = -1;
        int failedErrno = 0;
        for (int i = 0; i < count; i++) {
            int cqe = cqes + ((head + i) & cqMask) * CQE_BYTES;
            int result = cq.getInt(cqe + 8);
            int option = (int) cq.getLong(cqe);
            if (result < 0 && (failedOption < 0 || option < failedOption)) {
                failedOption = option;
                failedErrno = -result;
            }
        }
        cq.putInt(cqHead, head + count);
        if (failedOption >= 0) {
            throw libc.failure("setsockopt(" + order.names[failedOption] + ") through io_uring", failedErrno);
        }
        return true;
    }
}
