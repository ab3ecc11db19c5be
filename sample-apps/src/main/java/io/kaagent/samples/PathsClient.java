package io.kaagent.samples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * An ordinary client: opens connections through exactly one JDK path, exchanges one line on each, then keeps them
 * open and idle.
 *
 * <pre>PathsClient &lt;path&gt; &lt;host&gt; &lt;port&gt;[,&lt;port&gt;...] [count]</pre>
 * Opens {@code count} (default 1) connections to each port, in order, prints {@code READY <localPort>...} (one local
 * port per connection, in the same order) and holds them until standard input reaches EOF or a line "quit".
 * A path prefixed {@code vt-} does the same on a virtual thread (JDK 21+; exit code 3 before).
 * SSL paths use the JDK's default SSL context ({@code -Djavax.net.ssl.trustStore=...}).
 */
public final class PathsClient {
    static final List<String> PATHS = Arrays.asList(
            "socket-ctor", "socket-connect", "socket-unresolved", "ssl-socket", "socket-adaptor",
            "channel-open", "channel-blocking", "channel-nonblocking", "async-future", "async-handler");
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private PathsClient() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: PathsClient <path> <host> <port>[,<port>...] [count]; paths: " + PATHS
                    + " and each prefixed vt-");
            System.exit(Samples.EXIT_USAGE);
        }
        boolean virtual = args[0].startsWith("vt-");
        String path = virtual ? args[0].substring(3) : args[0];
        if (!PATHS.contains(path)) {
            System.err.println("unknown path " + args[0] + "; paths: " + PATHS + " and each prefixed vt-");
            System.exit(Samples.EXIT_USAGE);
        }
        String host = args[1];
        List<Integer> ports = Samples.ports(args[2]);
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        List<Connection> connections = new ArrayList<>();
        try {
            Samples.run(virtual, () -> {
                for (int port : ports) {
                    for (int i = 0; i < count; i++) {
                        Connection c = open(path, host, port);
                        connections.add(c);
                        c.exchange("hello " + port + " " + i);
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
        }
        Samples.println("BYE");
        System.exit(0);
    }

    static Connection open(String path, String host, int port) throws Exception {
        InetSocketAddress address = new InetSocketAddress(host, port);
        switch (path) {
            case "socket-ctor":
                return Connection.of(new Socket(host, port));
            case "socket-connect": {
                Socket s = new Socket();
                s.connect(address, CONNECT_TIMEOUT_MS);
                return Connection.of(s);
            }
            case "socket-unresolved": {
                // The name is resolved by the JDK; the host string the application used stays "localhost".
                Socket s = new Socket();
                s.connect(new InetSocketAddress("localhost", port), CONNECT_TIMEOUT_MS);
                return Connection.of(s);
            }
            case "ssl-socket": {
                SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket(host, port);
                s.startHandshake();
                return Connection.of(s);
            }
            case "socket-adaptor": {
                SocketChannel ch = SocketChannel.open();
                ch.socket().connect(address, CONNECT_TIMEOUT_MS);
                return Connection.of(ch.socket());
            }
            case "channel-open":
                return Connection.of(SocketChannel.open(address));
            case "channel-blocking": {
                SocketChannel ch = SocketChannel.open();
                ch.connect(address);
                return Connection.of(ch);
            }
            case "channel-nonblocking":
                return Connection.of(connectNonBlocking(address));
            case "async-future": {
                AsynchronousSocketChannel ch = AsynchronousSocketChannel.open();
                Samples.await(ch.connect(address));
                return Connection.of(ch);
            }
            case "async-handler": {
                AsynchronousSocketChannel ch = AsynchronousSocketChannel.open();
                CompletableFuture<Void> done = new CompletableFuture<>();
                ch.connect(address, null, Samples.handler(done));
                Samples.await(done);
                return Connection.of(ch);
            }
            default:
                throw new IllegalArgumentException(path);
        }
    }

    /** connect() in non-blocking mode, a Selector for OP_CONNECT, finishConnect(); then back to blocking for I/O. */
    private static SocketChannel connectNonBlocking(InetSocketAddress address) throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        if (!ch.connect(address)) {
            try (Selector selector = Selector.open()) {
                ch.register(selector, SelectionKey.OP_CONNECT);
                long deadline = System.nanoTime() + CONNECT_TIMEOUT_MS * 1_000_000L;
                while (!ch.finishConnect()) {
                    long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
                    if (leftMs <= 0) {
                        ch.close();
                        throw new IOException("non-blocking connect to " + address + " did not finish");
                    }
                    selector.select(leftMs);
                    selector.selectedKeys().clear();
                }
            }
            // closing the selector deregistered the channel, so it may block again
        }
        ch.configureBlocking(true);
        return ch;
    }
}
