package io.kaagent.samples;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLServerSocketFactory;

/**
 * An ordinary server: listens on loopback through exactly one JDK path, accepts connections, echoes one line on each,
 * then keeps them open and idle.
 *
 * <pre>PathsServer &lt;path&gt; &lt;port&gt;[,&lt;port&gt;...] [count]</pre>
 * Binds every port (0 = any free one) and prints {@code LISTENING <port>...}; then, port by port in order, accepts
 * {@code count} (default 1) connections on each and echoes one line on each; prints {@code READY <localPort>...} (the
 * local port of every accepted connection) and holds until standard input reaches EOF or a line "quit".
 * A path prefixed {@code vt-} accepts on a virtual thread (JDK 21+; exit code 3 before).
 * SSL uses the JDK's default SSL context ({@code -Djavax.net.ssl.keyStore=...}).
 */
public final class PathsServer {
    static final List<String> PATHS = Arrays.asList(
            "server-socket", "ssl-server-socket", "channel-blocking", "channel-selector", "channel-adaptor",
            "async-future", "async-handler");
    private static final long ACCEPT_TIMEOUT_MS = 60_000;

    private PathsServer() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: PathsServer <path> <port>[,<port>...] [count]; paths: " + PATHS
                    + " and each prefixed vt-");
            System.exit(Samples.EXIT_USAGE);
        }
        boolean virtual = args[0].startsWith("vt-");
        String path = virtual ? args[0].substring(3) : args[0];
        if (!PATHS.contains(path)) {
            System.err.println("unknown path " + args[0] + "; paths: " + PATHS + " and each prefixed vt-");
            System.exit(Samples.EXIT_USAGE);
        }
        List<Integer> ports = Samples.ports(args[1]);
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        List<Listener> listeners = new ArrayList<>();
        List<Connection> connections = new ArrayList<>();
        try {
            StringBuilder listening = new StringBuilder("LISTENING");
            for (int port : ports) {
                Listener l = listen(path, port);
                listeners.add(l);
                listening.append(' ').append(l.port());
            }
            Samples.println(listening.toString());
            Samples.run(virtual, () -> {
                for (Listener l : listeners) {
                    for (int i = 0; i < count; i++) {
                        Connection c = l.accept();
                        connections.add(c);
                        c.echoOnce();
                    }
                }
                return null;
            });
            Samples.println("READY" + Samples.localPorts(connections));
            Samples.holdUntilQuit();
        } catch (Throwable t) {
            Samples.fail(t);
        } finally {
            Samples.closeAll(connections);
            Samples.closeAll(listeners);
        }
        Samples.println("BYE");
        System.exit(0);
    }

    /** A listening socket of one of the paths. */
    private interface Listener extends Closeable {
        int port() throws IOException;

        Connection accept() throws Exception;
    }

    private static Listener listen(String path, int port) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        switch (path) {
            case "server-socket":
                return serverSocket(new ServerSocket(port, 50, address.getAddress()));
            case "ssl-server-socket":
                return serverSocket(SSLServerSocketFactory.getDefault()
                        .createServerSocket(port, 50, address.getAddress()));
            case "channel-blocking":
                return blockingChannel(ServerSocketChannel.open().bind(address), false);
            case "channel-adaptor":
                return blockingChannel(ServerSocketChannel.open().bind(address), true);
            case "channel-selector":
                return selectorChannel(ServerSocketChannel.open().bind(address));
            case "async-future":
                return asyncChannel(AsynchronousServerSocketChannel.open().bind(address), false);
            case "async-handler":
                return asyncChannel(AsynchronousServerSocketChannel.open().bind(address), true);
            default:
                throw new IllegalArgumentException(path);
        }
    }

    private static Listener serverSocket(ServerSocket server) throws IOException {
        server.setSoTimeout((int) ACCEPT_TIMEOUT_MS);
        return new Listener() {
            @Override
            public int port() {
                return server.getLocalPort();
            }

            @Override
            public Connection accept() throws IOException {
                return Connection.of(server.accept());
            }

            @Override
            public void close() throws IOException {
                server.close();
            }
        };
    }

    /** ServerSocketChannel.accept() in blocking mode, or through its socket adaptor ssc.socket().accept(). */
    private static Listener blockingChannel(ServerSocketChannel server, boolean adaptor) {
        return new Listener() {
            @Override
            public int port() throws IOException {
                return ((InetSocketAddress) server.getLocalAddress()).getPort();
            }

            @Override
            public Connection accept() throws IOException {
                return adaptor ? Connection.of(server.socket().accept()) : Connection.of(server.accept());
            }

            @Override
            public void close() throws IOException {
                server.close();
            }
        };
    }

    /** Non-blocking ServerSocketChannel.accept() driven by a Selector. */
    private static Listener selectorChannel(ServerSocketChannel server) throws IOException {
        server.configureBlocking(false);
        Selector selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        return new Listener() {
            @Override
            public int port() throws IOException {
                return ((InetSocketAddress) server.getLocalAddress()).getPort();
            }

            @Override
            public Connection accept() throws IOException {
                long deadline = System.currentTimeMillis() + ACCEPT_TIMEOUT_MS;
                while (true) {
                    SocketChannel ch = server.accept(); // null while no connection is pending
                    if (ch != null) {
                        ch.configureBlocking(true); // never registered, so it may block
                        return Connection.of(ch);
                    }
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        throw new IOException("no connection within " + ACCEPT_TIMEOUT_MS + " ms");
                    }
                    selector.select(left);
                    selector.selectedKeys().clear();
                }
            }

            @Override
            public void close() throws IOException {
                selector.close();
                server.close();
            }
        };
    }

    private static Listener asyncChannel(AsynchronousServerSocketChannel server, boolean handler) {
        return new Listener() {
            @Override
            public int port() throws IOException {
                return ((InetSocketAddress) server.getLocalAddress()).getPort();
            }

            @Override
            public Connection accept() throws Exception {
                if (!handler) {
                    return Connection.of(Samples.await(server.accept()));
                }
                CompletableFuture<AsynchronousSocketChannel> accepted = new CompletableFuture<>();
                server.accept(null, Samples.handler(accepted));
                return Connection.of(Samples.await(accepted));
            }

            @Override
            public void close() throws IOException {
                server.close();
            }
        };
    }
}
