package io.kaagent.it.support;


import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * Reads another process's TCP sockets and their real keepalive options from outside it, independently of the agent:
 * /proc/PID/fd ({@code socket:[inode]}) joined with /proc/PID/net/tcp and tcp6 give the sockets;
 * {@code pidfd_open(2)} + {@code pidfd_getfd(2)} duplicate each socket into this process, where {@code getsockopt(2)}
 * reads SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and TCP_USER_TIMEOUT (FACTS.md: "From outside a
 * process"). Needs Linux 5.6+ and ptrace rights over the target (root here); {@link #assumeAvailable()} skips
 * otherwise.
 */
public final class KernelSocketReader {
    // Syscall numbers 424+ are the same on every Linux architecture (x86_64 and aarch64 here).
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_GETFD = 438;
    private static final int SOL_SOCKET = 1;
    private static final int SO_KEEPALIVE = 9;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_KEEPIDLE = 4;
    private static final int TCP_KEEPINTVL = 5;
    private static final int TCP_KEEPCNT = 6;
    private static final int TCP_USER_TIMEOUT = 18;
    private static final int ENOSYS = 38;

    private static volatile String unavailability;
    private static volatile boolean probed;

    private final long pid;

    private KernelSocketReader(long pid) {
        this.pid = pid;
    }

    /** A reader of one process. Call {@link #assumeAvailable()} first in a test. */
    public static KernelSocketReader of(long pid) {
        return new KernelSocketReader(pid);
    }

    /** Skips the calling test, with the reason, where the reader cannot work. */
    public static void assumeAvailable() {
        String reason = unavailabilityReason();
        TestEnv.requireOrSkip(reason == null, () -> "cannot read another process's socket options: " + reason);
    }

    /** Why the reader cannot work here, or null when it can. Probed once. */
    public static synchronized String unavailabilityReason() {
        if (!probed) {
            unavailability = probe();
            probed = true;
        }
        return unavailability;
    }

    private static String probe() {
        if (!TestEnv.isLinux()) {
            return "pidfd_getfd and /proc/PID/net/tcp are Linux only, this is " + System.getProperty("os.name");
        }
        if (!"root".equals(System.getProperty("user.name")) && !isRootUid()) {
            return "needs root: pidfd_getfd on another process needs ptrace rights over it";
        }
        LibC libc;
        try {
            libc = Native.libc();
        } catch (Throwable t) {
            return "jnr-ffi cannot load libc: " + t;
        }
        long self = ProcessHandle.current().pid();
        long pidfd = libc.syscall(SYS_PIDFD_OPEN, self, 0, 0);
        if (pidfd < 0) {
            int errno = Native.errno();
            return errno == ENOSYS
                    ? "the kernel has no pidfd_open (Linux 5.3+ needed): " + System.getProperty("os.version")
                    : "pidfd_open(self) failed: " + Native.describe(errno);
        }
        try {
            int anyFd = anyOwnFd();
            long dup = libc.syscall(SYS_PIDFD_GETFD, pidfd, anyFd, 0);
            if (dup < 0) {
                int errno = Native.errno();
                return errno == ENOSYS ? "the kernel has no pidfd_getfd (Linux 5.6+ needed): "
                        + System.getProperty("os.version") : "pidfd_getfd(self, " + anyFd + ") failed: "
                        + Native.describe(errno);
            }
            libc.close((int) dup);
            return null;
        } finally {
            libc.close((int) pidfd);
        }
    }

    private static boolean isRootUid() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException ignored) {
            // not Linux-like
        }
        return false;
    }

    private static int anyOwnFd() {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            for (Path p : fds) {
                return Integer.parseInt(p.getFileName().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }

    public long pid() {
        return pid;
    }

    /** Every TCP socket the process holds (any state), by fd number. */
    public List<TcpSocket> sockets() throws IOException {
        Map<Long, Integer> fdByInode = socketFds();
        List<TcpSocket> all = new ArrayList<>();
        parseTable(Paths.get("/proc", Long.toString(pid), "net", "tcp"), false, fdByInode, all);
        parseTable(Paths.get("/proc", Long.toString(pid), "net", "tcp6"), true, fdByInode, all);
        // /proc/net/tcp is not a snapshot: read while sockets come and go it can list one socket twice.
        Set<Long> seen = new HashSet<>();
        List<TcpSocket> result = new ArrayList<>();
        for (TcpSocket s : all) {
            if (seen.add(s.inode())) {
                result.add(s);
            }
        }
        result.sort((a, b) -> Integer.compare(a.fd(), b.fd()));
        return result;
    }

    /** inode → fd for every {@code socket:[inode]} link in /proc/PID/fd. */
    private Map<Long, Integer> socketFds() throws IOException {
        Map<Long, Integer> byInode = new HashMap<>();
        Path dir = Paths.get("/proc", Long.toString(pid), "fd");
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir)) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (NoSuchFileException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith("socket:[") && target.endsWith("]")) {
                    byInode.put(Long.parseLong(target.substring(8, target.length() - 1)),
                            Integer.parseInt(fd.getFileName().toString()));
                }
            }
        } catch (NoSuchFileException e) {
            throw new IOException("no process " + pid + " (" + dir + " does not exist)", e);
        }
        return byInode;
    }

    /**
     * Lines of /proc/net/tcp{,6}: {@code sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...},
     * addresses as hex of 32-bit words in host byte order, ports as hex.
     */
    private static void parseTable(Path table, boolean ipv6, Map<Long, Integer> fdByInode, List<TcpSocket> out)
            throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (NoSuchFileException e) {
            if (ipv6) {
                return; // kernel without IPv6
            }
            throw e;
        }
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 10) {
                continue;
            }
            long inode = Long.parseLong(f[9]);
            Integer fd = fdByInode.get(inode);
            if (fd == null || inode == 0) {
                continue; // another process's socket in the same network namespace
            }
            out.add(new TcpSocket(fd, inode, address(f[1]), address(f[2]), TcpState.ofHex(f[3]), ipv6));
        }
    }

    static InetSocketAddress address(String hexAddressColonPort) {
        int colon = hexAddressColonPort.indexOf(':');
        String hex = hexAddressColonPort.substring(0, colon);
        int port = Integer.parseInt(hexAddressColonPort.substring(colon + 1), 16);
        if (hex.length() != 8 && hex.length() != 32) {
            throw new IllegalArgumentException("unexpected address " + hexAddressColonPort);
        }
        ByteBuffer bytes = ByteBuffer.allocate(hex.length() / 2).order(ByteOrder.nativeOrder());
        for (int i = 0; i < hex.length(); i += 8) {
            bytes.putInt((int) Long.parseLong(hex.substring(i, i + 8), 16));
        }
        try {
            // getByAddress turns ::ffff:a.b.c.d (a JDK dual-stack socket's IPv4 peer) into an Inet4Address.
            return new InetSocketAddress(InetAddress.getByAddress(bytes.array()), port);
        } catch (IOException e) {
            throw new IllegalArgumentException(hexAddressColonPort, e);
        }
    }

    /** The socket's options as the kernel has them, read through a duplicate of its fd. */
    public KernelSocketOptions options(TcpSocket socket) throws IOException {
        return options(socket.fd());
    }

    public KernelSocketOptions options(int targetFd) throws IOException {
        LibC libc = Native.libc();
        long pidfd = libc.syscall(SYS_PIDFD_OPEN, pid, 0, 0);
        if (pidfd < 0) {
            throw new IOException("pidfd_open(" + pid + ") failed: " + Native.describe(Native.errno()));
        }
        try {
            long dup = libc.syscall(SYS_PIDFD_GETFD, pidfd, targetFd, 0);
            if (dup < 0) {
                throw new IOException("pidfd_getfd(pid " + pid + ", fd " + targetFd + ") failed: "
                        + Native.describe(Native.errno()));
            }
            int fd = (int) dup;
            try {
                return new KernelSocketOptions(
                        getInt(libc, fd, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE") != 0,
                        getInt(libc, fd, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE"),
                        getInt(libc, fd, IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL"),
                        getInt(libc, fd, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT"),
                        getInt(libc, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT"));
            } finally {
                closeChecked(libc, fd, "duplicated fd " + fd);
            }
        } finally {
            closeChecked(libc, (int) pidfd, "pidfd " + pidfd);
        }
    }

    private static int getInt(LibC libc, int fd, int level, int name, String what) throws IOException {
        int[] value = {0};
        int[] length = {4};
        if (libc.getsockopt(fd, level, name, value, length) != 0) {
            throw new IOException("getsockopt(" + what + ") failed: " + Native.describe(Native.errno()));
        }
        if (length[0] != 4) {
            throw new IOException("getsockopt(" + what + ") returned " + length[0] + " bytes, expected 4");
        }
        return value[0];
    }

    private static void closeChecked(LibC libc, int fd, String what) throws IOException {
        if (libc.close(fd) != 0) {
            throw new IOException("close(" + what + ") failed: " + Native.describe(Native.errno()));
        }
    }

    // ---- finding the socket a test is about; failures list every socket of the process ----

    /** Exactly one socket that matches; fails listing all sockets otherwise. */
    public TcpSocket only(Predicate<TcpSocket> filter, String what) throws IOException {
        List<TcpSocket> all = sockets();
        List<TcpSocket> found = all.stream().filter(filter).collect(Collectors.toList());
        if (found.size() != 1) {
            throw new AssertionError("expected exactly one socket " + what + " in pid " + pid + ", found "
                    + found.size() + "; all TCP sockets of the process:\n  "
                    + all.stream().map(TcpSocket::toString).collect(Collectors.joining("\n  ")));
        }
        return found.get(0);
    }

    /** The established connection of the process whose remote port is this one (an outbound connection). */
    public TcpSocket connectedTo(int remotePort) throws IOException {
        return only(s -> s.state() == TcpState.ESTABLISHED && s.remotePort() == remotePort,
                "established to remote port " + remotePort);
    }

    /** The established connection whose local port is this one and whose remote port is that one. */
    public TcpSocket connection(int localPort, int remotePort) throws IOException {
        return only(s -> s.state() == TcpState.ESTABLISHED && s.localPort() == localPort
                && s.remotePort() == remotePort, "established " + localPort + " -> " + remotePort);
    }

    /** The established connection accepted on this (listening) port from this client address and port. */
    public TcpSocket acceptedFrom(int localPort, InetSocketAddress client) throws IOException {
        return only(s -> s.state() == TcpState.ESTABLISHED && s.localPort() == localPort
                && s.remote().getAddress().equals(client.getAddress()) && s.remotePort() == client.getPort(),
                "accepted on local port " + localPort + " from " + client);
    }

    /** The one established connection accepted on this (listening) port. */
    public TcpSocket acceptedOn(int localPort) throws IOException {
        return only(s -> s.state() == TcpState.ESTABLISHED && s.localPort() == localPort,
                "accepted on local port " + localPort);
    }

    public TcpSocket listeningOn(int localPort) throws IOException {
        return only(s -> s.isListening() && s.localPort() == localPort, "listening on port " + localPort);
    }

    /** libc through the tests' own jnr-ffi (test scope): nothing shared with the agent. */
    public interface LibC {
        @SaveError
        long syscall(long number, long arg1, long arg2, long arg3);

        @SaveError
        int getsockopt(int fd, int level, int name, @Out int[] value, @In @Out int[] valueLength);

        @SaveError
        int close(int fd);

        String strerror(int errno);
    }

    private static final class Native {
        private static LibC libc;

        static synchronized LibC libc() {
            if (libc == null) {
                libc = LibraryLoader.create(LibC.class).load("c");
            }
            return libc;
        }

        static int errno() {
            return jnr.ffi.Runtime.getRuntime(libc()).getLastError();
        }

        static String describe(int errno) {
            return libc().strerror(errno) + " (errno " + errno + ")";
        }
    }
}
