package io.kaagent.it.support;

import java.net.InetSocketAddress;

/**
 * One TCP socket of a process, as /proc/PID/fd and /proc/PID/net/tcp{,6} describe it.
 *
 * @param fd the file descriptor number in that process
 * @param inode the socket inode ({@code socket:[inode]})
 * @param local local address; an IPv4-mapped IPv6 address (::ffff:a.b.c.d, a JDK dual-stack socket) is an IPv4 one
 * @param remote remote address (0.0.0.0:0 or [::]:0 for a listening socket)
 * @param state TCP state
 * @param ipv6Table whether the kernel lists it in tcp6, i.e. it is an AF_INET6 socket (also when dual-stack)
 */
public record TcpSocket(int fd, long inode, InetSocketAddress local, InetSocketAddress remote, TcpState state,
                        boolean ipv6Table) {

    public boolean isListening() {
        return state == TcpState.LISTEN;
    }

    public int localPort() {
        return local.getPort();
    }

    public int remotePort() {
        return remote.getPort();
    }

    @Override
    public String toString() {
        return "fd " + fd + " " + state + " " + text(local) + " -> " + text(remote)
                + (ipv6Table ? " (tcp6)" : " (tcp)");
    }

    private static String text(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
