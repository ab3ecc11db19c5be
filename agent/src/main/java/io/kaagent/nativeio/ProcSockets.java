package io.kaagent.nativeio;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The TCP sockets of a process on Linux, without touching the process: its /proc/PID/fd links
 * ({@code socket:[inode]}) joined by inode with /proc/PID/net/tcp and tcp6 (the tables of the process's network
 * namespace). Works for {@code self} and, with the rights to read /proc/PID/fd (same user, or root), for another pid.
 */
public final class ProcSockets {
    private ProcSockets() {
    }

    public static boolean isSupported() {
        return new File("/proc/self/net/tcp").canRead();
    }

    /** Every TCP socket the calling process holds, ordered by fd. */
    public static List<ProcSocket> ofSelf() throws IOException {
        return of("self");
    }

    /**
     * Every TCP socket of process {@code pid} (or {@code self}), ordered by fd.
     *
     * @throws NoSuchFileException   the process does not exist (any more)
     * @throws AccessDeniedException its /proc/PID/fd is not readable by this user
     */
    public static List<ProcSocket> of(String pid) throws IOException {
        Map<Long, Integer> fdByInode = socketFds(Paths.get("/proc", pid, "fd"));
        List<ProcSocket> sockets = new ArrayList<ProcSocket>();
        if (!fdByInode.isEmpty()) {
            parseTable(Paths.get("/proc", pid, "net", "tcp"), false, fdByInode, sockets);
            parseTable(Paths.get("/proc", pid, "net", "tcp6"), true, fdByInode, sockets);
        }
        Collections.sort(sockets, new Comparator<ProcSocket>() {
            @Override
            public int compare(ProcSocket a, ProcSocket b) {
                return a.fd() < b.fd() ? -1 : a.fd() == b.fd() ? 0 : 1;
            }
        });
        return sockets;
    }

    /** The local ports the process listens on: an accepted connection's local port is one of them. */
    public static Set<Integer> listeningPorts(List<ProcSocket> sockets) {
        Set<Integer> ports = new HashSet<Integer>();
        for (ProcSocket socket : sockets) {
            if (socket.isListening()) {
                ports.add(socket.local().getPort());
            }
        }
        return ports;
    }

    /** Whether fd still refers to this socket inode: closed and reused descriptors must not get another's options. */
    public static boolean stillRefersTo(String pid, int fd, long inode) {
        try {
            String target = Files.readSymbolicLink(Paths.get("/proc", pid, "fd", Integer.toString(fd))).toString();
            return target.equals("socket:[" + inode + "]");
        } catch (IOException gone) {
            return false;
        }
    }

    private static Map<Long, Integer> socketFds(Path dir) throws IOException {
        Map<Long, Integer> byInode = new HashMap<Long, Integer>();
        DirectoryStream<Path> fds = Files.newDirectoryStream(dir);
        try {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (NoSuchFileException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith("socket:[") && target.endsWith("]")) {
                    byInode.put(Long.valueOf(target.substring(8, target.length() - 1)),
                            Integer.valueOf(fd.getFileName().toString()));
                }
            }
        } finally {
            fds.close();
        }
        return byInode;
    }

    /**
     * {@code sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...}; addresses
     * are the hex of 32-bit words in host byte order, ports hex.
     */
    private static void parseTable(Path table, boolean ipv6, Map<Long, Integer> fdByInode, List<ProcSocket> out)
            throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(table, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            if (ipv6) {
                return; // a kernel without IPv6
            }
            throw e;
        }
        for (int i = 1; i < lines.size(); i++) {
            ProcSocket socket = parseLine(lines.get(i), ipv6, fdByInode);
            if (socket != null) {
                out.add(socket);
            }
        }
    }

    static ProcSocket parseLine(String line, boolean ipv6, Map<Long, Integer> fdByInode) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10) {
            return null;
        }
        long inode;
        try {
            inode = Long.parseLong(f[9]);
        } catch (NumberFormatException e) {
            return null;
        }
        Integer fd = fdByInode.get(inode);
        if (fd == null || inode == 0) {
            return null; // another process's socket in the same network namespace, or one in TIME_WAIT
        }
        return new ProcSocket(fd, inode, address(f[1]), address(f[2]), Integer.parseInt(f[3], 16), ipv6);
    }

    static InetSocketAddress address(String hexAddressColonPort) {
        int colon = hexAddressColonPort.indexOf(':');
        String hex = hexAddressColonPort.substring(0, colon);
        int port = Integer.parseInt(hexAddressColonPort.substring(colon + 1), 16);
        if (hex.length() != 8 && hex.length() != 32) {
            throw new IllegalArgumentException("unexpected address in /proc/net/tcp: " + hexAddressColonPort);
        }
        ByteBuffer bytes = ByteBuffer.allocate(hex.length() / 2).order(ByteOrder.nativeOrder());
        for (int i = 0; i < hex.length(); i += 8) {
            bytes.putInt((int) Long.parseLong(hex.substring(i, i + 8), 16));
        }
        try {
            // getByAddress turns ::ffff:a.b.c.d into an Inet4Address; no name lookup happens.
            return new InetSocketAddress(InetAddress.getByAddress(bytes.array()), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(hexAddressColonPort, e);
        }
    }
}
