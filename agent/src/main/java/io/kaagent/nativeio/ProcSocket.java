package io.kaagent.nativeio;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One TCP socket a process holds, as /proc/PID/fd ({@code socket:[inode]}) and /proc/PID/net/tcp{,6} describe it.
 * An IPv4-mapped address ({@code ::ffff:a.b.c.d}, what a JDK dual-stack socket shows in tcp6) is reported as the
 * IPv4 address it maps, so it matches IPv4 CIDRs like the address the application sees.
 */
public final class ProcSocket {
    /** include/net/tcp_states.h, in the kernel's numbering. */
    private static final String[] STATES = {"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
        "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
        "BOUND_INACTIVE"};
    static final int LISTEN = 10;

    private final int fd;
    private final long inode;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final int state;
    private final boolean ipv6Table;

    ProcSocket(int fd, long inode, InetSocketAddress local, InetSocketAddress remote, int state, boolean ipv6Table) {
        this.fd = fd;
        this.inode = inode;
        this.local = local;
        this.remote = remote;
        this.state = state;
        this.ipv6Table = ipv6Table;
    }

    /** The descriptor number in the process that holds the socket. */
    public int fd() {
        return fd;
    }

    public long inode() {
        return inode;
    }

    public InetSocketAddress local() {
        return local;
    }

    /** The peer; port 0 and the any-address for a listening or not yet connected socket. */
    public InetSocketAddress remote() {
        return remote;
    }

    public boolean isListening() {
        return state == LISTEN;
    }

    /** Whether the socket has a peer: not listening, not an unconnected (state CLOSE) socket. */
    public boolean hasPeer() {
        return !isListening() && remote.getPort() != 0;
    }

    /** ESTABLISHED, LISTEN, CLOSE_WAIT, ... */
    public String state() {
        return state > 0 && state < STATES.length ? STATES[state] : "0x" + Integer.toHexString(state);
    }

    /** Listed in tcp6, i.e. an AF_INET6 socket (JDK sockets are, unless java.net.preferIPv4Stack is set). */
    public boolean isIpv6Table() {
        return ipv6Table;
    }

    /** {@code 127.0.0.1:5432} or {@code [::1]:5432}. */
    public static String text(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip == null ? address.getHostString() : ip.getHostAddress();
        if (host.indexOf(':') >= 0) {
            int zone = host.indexOf('%');
            host = "[" + (zone < 0 ? host : host.substring(0, zone)) + "]";
        }
        return host + ":" + address.getPort();
    }

    @Override
    public String toString() {
        return "fd " + fd + " " + state() + " " + text(local) + " -> " + text(remote) + (ipv6Table ? " (tcp6)" : "");
    }
}
