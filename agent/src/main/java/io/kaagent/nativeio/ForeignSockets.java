package io.kaagent.nativeio;

import java.io.Closeable;
import java.io.IOException;

/**
 * Reads the keepalive options of another process's sockets, as the kernel has them: {@code pidfd_open(2)} on the
 * process, {@code pidfd_getfd(2)} duplicates one of its descriptors into this process, {@code getsockopt(2)} reads
 * the shared socket, the duplicate is closed. Needs Linux 5.6+ and ptrace rights over the process (the same user
 * with {@code kernel.yama.ptrace_scope} 0, or root / CAP_SYS_PTRACE).
 */
public final class ForeignSockets implements Closeable {
    // Syscall numbers from 424 on are the same on every Linux architecture (x86_64 and aarch64 here).
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_GETFD = 438;
    private static final int EPERM = 1;
    private static final int ESRCH = 3;
    private static final int EBADF = 9;
    private static final int ENOSYS = 38;

    private final LibC libc;
    private final NativeSocketOptions options;
    private final long pid;
    private final int pidfd;

    private ForeignSockets(LibC libc, NativeSocketOptions options, long pid, int pidfd) {
        this.libc = libc;
        this.options = options;
        this.pid = pid;
        this.pidfd = pidfd;
    }

    /** @throws IOException with a one-line reason: no such process, no permission, a kernel without pidfd_getfd */
    public static ForeignSockets open(long pid) throws IOException {
        LibC libc;
        NativeSocketOptions options;
        try {
            options = NativeSocketOptions.load();
            libc = options.libc();
        } catch (Throwable t) {
            throw new IOException("native access is unavailable here: " + t.getMessage(), t);
        }
        long fd = libc.syscall(SYS_PIDFD_OPEN, pid, 0, 0);
        if (fd < 0) {
            int errno = libc.errno();
            throw new IOException("pidfd_open(" + pid + ") failed: " + explain(libc, errno));
        }
        return new ForeignSockets(libc, options, pid, (int) fd);
    }

    /** The options of descriptor {@code targetFd} of the process. */
    public SocketReading read(int targetFd) throws IOException {
        long dup = libc.syscall(SYS_PIDFD_GETFD, pidfd, targetFd, 0);
        if (dup < 0) {
            int errno = libc.errno();
            throw new IOException("pidfd_getfd(pid " + pid + ", fd " + targetFd + ") failed: "
                    + explain(libc, errno));
        }
        int fd = (int) dup;
        try {
            return new SocketReading(options.getKeepAlive(fd), options.getTcpKeepIdle(fd),
                    options.getTcpKeepInterval(fd), options.getTcpKeepCount(fd), options.getTcpUserTimeout(fd));
        } finally {
            libc.close(fd);
        }
    }

    private static String explain(LibC libc, int errno) {
        String text = libc.strerror(errno);
        switch (errno) {
            case ENOSYS:
                return text + " (this kernel has no pidfd_getfd: Linux 5.6 or newer is needed)";
            case EPERM:
                return text + " (reading another process's sockets needs ptrace rights over it: the same user with "
                        + "kernel.yama.ptrace_scope=0, or root)";
            case ESRCH:
                return text + " (the process has ended)";
            case EBADF:
                return text + " (the socket was closed meanwhile)";
            default:
                return text + " (errno " + errno + ")";
        }
    }

    @Override
    public void close() {
        libc.close(pidfd);
    }

    /** SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and TCP_USER_TIMEOUT of one socket. */
    public static final class SocketReading {
        public final boolean keepAlive;
        public final int idleSeconds;
        public final int intervalSeconds;
        public final int count;
        /** 0 = off; -1 where the OS has no TCP_USER_TIMEOUT. */
        public final int userTimeoutMillis;

        SocketReading(boolean keepAlive, int idleSeconds, int intervalSeconds, int count, int userTimeoutMillis) {
            this.keepAlive = keepAlive;
            this.idleSeconds = idleSeconds;
            this.intervalSeconds = intervalSeconds;
            this.count = count;
            this.userTimeoutMillis = userTimeoutMillis;
        }
    }
}
