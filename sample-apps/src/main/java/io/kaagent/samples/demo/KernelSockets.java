package io.kaagent.samples.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The demo's own reader of another process's established TCP connections and their keepalive options, used when
 * {@code ka-agent.jar status} cannot read them: /proc/PID/fd and /proc/PID/net/tcp{,6} for the connections, then
 * {@code pidfd_open} + {@code pidfd_getfd} to duplicate each socket here and {@code getsockopt} to read what the
 * kernel has. Works for root, and for the process's parent even where Yama's ptrace_scope=1 forbids everyone else:
 * the demo started the applications it reads.
 */
final class KernelSockets {
    // Syscall numbers from 424 on are the same on every Linux architecture.
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_GETFD = 438;
    private static final int SOL_SOCKET = 1;
    private static final int SO_KEEPALIVE = 9;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_KEEPIDLE = 4;
    private static final int TCP_KEEPINTVL = 5;
    private static final int TCP_KEEPCNT = 6;
    private static final int TCP_USER_TIMEOUT = 18;
    private static final String ESTABLISHED = "01";

    private static LibC libc;

    private KernelSockets() {
    }

    /** One established connection and its options as getsockopt reports them. */
    record Connection(int fd, InetSocketAddress local, InetSocketAddress remote, boolean keepAlive, int idleSeconds,
                      int intervalSeconds, int count, int userTimeoutMillis) {
    }

    public interface LibC {
        @SaveError
        long syscall(long number, long arg1, long arg2, long arg3);

        @SaveError
        int getsockopt(int fd, int level, int name, @Out int[] value, @In @Out int[] length);

        int close(int fd);

        String strerror(int errno);
    }

    private static synchronized LibC libc() {
        if (libc == null) {
            libc = LibraryLoader.create(LibC.class).load("c");
        }
        return libc;
    }

    static List<Connection> established(long pid) throws IOException {
        Map<Long, Integer> fdByInode = socketInodes(pid);
        List<Connection> result = new ArrayList<>();
        for (String table : new String[] {"tcp", "tcp6"}) {
            Path file = Paths.get("/proc", Long.toString(pid), "net", table);
            if (!Files.exists(file)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !f[3].equals(ESTABLISHED)) {
                    continue;
                }
                Integer fd = fdByInode.get(Long.parseLong(f[9]));
                if (fd != null) {
                    result.add(read(pid, fd, address(f[1]), address(f[2])));
                }
            }
        }
        result.sort((a, b) -> Integer.compare(a.fd(), b.fd()));
        return result;
    }

    private static Map<Long, Integer> socketInodes(long pid) throws IOException {
        Map<Long, Integer> byInode = new HashMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (NoSuchFileException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith("socket:[")) {
                    byInode.put(Long.parseLong(target.substring(8, target.length() - 1)),
                            Integer.parseInt(fd.getFileName().toString()));
                }
            }
        }
        return byInode;
    }

    private static Connection read(long pid, int targetFd, InetSocketAddress local, InetSocketAddress remote)
            throws IOException {
        LibC c = libc();
        long pidfd = c.syscall(SYS_PIDFD_OPEN, pid, 0, 0);
        if (pidfd < 0) {
            throw new IOException("pidfd_open(" + pid + ") failed: " + error(c));
        }
        try {
            long dup = c.syscall(SYS_PIDFD_GETFD, pidfd, targetFd, 0);
            if (dup < 0) {
                throw new IOException("pidfd_getfd(" + pid + ", " + targetFd + ") failed: " + error(c));
            }
            try {
                int fd = (int) dup;
                return new Connection(targetFd, local, remote, get(c, fd, SOL_SOCKET, SO_KEEPALIVE) != 0,
                        get(c, fd, IPPROTO_TCP, TCP_KEEPIDLE), get(c, fd, IPPROTO_TCP, TCP_KEEPINTVL),
                        get(c, fd, IPPROTO_TCP, TCP_KEEPCNT), get(c, fd, IPPROTO_TCP, TCP_USER_TIMEOUT));
            } finally {
                c.close((int) dup);
            }
        } finally {
            c.close((int) pidfd);
        }
    }

    private static int get(LibC c, int fd, int level, int name) throws IOException {
        int[] value = {0};
        int[] length = {4};
        if (c.getsockopt(fd, level, name, value, length) != 0) {
            throw new IOException("getsockopt(" + level + ", " + name + ") failed: " + error(c));
        }
        return value[0];
    }

    private static String error(LibC c) {
        int errno = jnr.ffi.Runtime.getRuntime(c).getLastError();
        return c.strerror(errno) + " (errno " + errno + ")";
    }

    /** {@code 0100007F:1F90}: the address as 32-bit words in host byte order, the port in hex. */
    private static InetSocketAddress address(String hex) throws IOException {
        int colon = hex.indexOf(':');
        String a = hex.substring(0, colon);
        ByteBuffer bytes = ByteBuffer.allocate(a.length() / 2).order(ByteOrder.nativeOrder());
        for (int i = 0; i < a.length(); i += 8) {
            bytes.putInt((int) Long.parseLong(a.substring(i, i + 8), 16));
        }
        // getByAddress turns ::ffff:a.b.c.d, a dual-stack socket's IPv4 peer, into an Inet4Address.
        return new InetSocketAddress(InetAddress.getByAddress(bytes.array()),
                Integer.parseInt(hex.substring(colon + 1), 16));
    }
}
