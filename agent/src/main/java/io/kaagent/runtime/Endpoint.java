package io.kaagent.runtime;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;

import io.kaagent.policy.Direction;

/**
 * What a rule is matched on, read from a just-connected or just-accepted socket without any DNS lookup:
 * host strings come from {@link InetSocketAddress#getHostString()} and {@link InetAddress#getHostAddress()} only.
 */
final class Endpoint {
    final Direction direction;
    /** The name the application dialled (outbound); the client's IP text (inbound), made when first asked for. */
    private String host;
    final InetAddress remote;
    final int port;             // remote port (outbound), local listening port (inbound)

    private Endpoint(Direction direction, String host, InetAddress remote, int port) {
        this.direction = direction;
        this.host = host;
        this.remote = remote;
        this.port = port;
    }

    /** @param dialled the SocketAddress given to connect, or null to read it back from the channel */
    static Endpoint outbound(Object socket, Object dialled) throws Exception {
        SocketAddress address = dialled instanceof SocketAddress ? (SocketAddress) dialled : remoteOf(socket);
        if (!(address instanceof InetSocketAddress)) {
            return null;
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        return new Endpoint(Direction.OUTBOUND, inet.getHostString(), inet.getAddress(), inet.getPort());
    }

    static Endpoint inbound(Object socket) throws Exception {
        SocketAddress remote = remoteOf(socket);
        int localPort = localPortOf(socket);
        if (!(remote instanceof InetSocketAddress) || localPort <= 0) {
            return null;
        }
        return accepted(((InetSocketAddress) remote).getAddress(), localPort);
    }

    /** A socket accepted from this client on this local (listening) port. */
    static Endpoint accepted(InetAddress client, int localPort) {
        return new Endpoint(Direction.INBOUND, null, client, localPort);
    }

    /** Outbound: what the application dialled; inbound: the client's address as text (no DNS either way). */
    String host() {
        String text = host;
        if (text == null && direction == Direction.INBOUND && remote != null) {
            text = remote.getHostAddress(); // a benign race: every thread computes the same text
            host = text;
        }
        return text;
    }

    private static SocketAddress remoteOf(Object socket) throws Exception {
        if (socket instanceof Socket) {
            return ((Socket) socket).getRemoteSocketAddress();
        }
        if (socket instanceof SocketChannel) {
            return ((SocketChannel) socket).getRemoteAddress();
        }
        if (socket instanceof AsynchronousSocketChannel) {
            return ((AsynchronousSocketChannel) socket).getRemoteAddress();
        }
        return null;
    }

    /**
     * The local port, -1 when unknown. Socket.getLocalPort() is a field read, where getLocalSocketAddress() asks
     * the kernel (getsockname) on every accept; a channel keeps its local address anyway.
     */
    private static int localPortOf(Object socket) throws Exception {
        if (socket instanceof Socket) {
            return ((Socket) socket).getLocalPort();
        }
        if (socket instanceof NetworkChannel) {
            SocketAddress local = ((NetworkChannel) socket).getLocalAddress();
            return local instanceof InetSocketAddress ? ((InetSocketAddress) local).getPort() : -1;
        }
        return -1;
    }

    @Override
    public String toString() {
        String address = remote == null ? "?" : remote.getHostAddress();
        String dialled = host();
        String shownHost = dialled == null || dialled.equals(address) ? address : dialled + "/" + address;
        return direction.name().toLowerCase(java.util.Locale.ROOT) + " " + shownHost
                + (direction == Direction.INBOUND ? " -> local port " : ":") + port;
    }
}
