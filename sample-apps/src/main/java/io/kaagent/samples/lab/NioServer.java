package io.kaagent.samples.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A non-blocking NIO server, as event-loop servers are: one thread, one {@link Selector}, every connection a
 * non-blocking {@link SocketChannel}. Echoes what it receives.
 *
 * <pre>NioServer &lt;bindAddress&gt; &lt;port&gt;</pre>
 * Prints the same lines as {@link SocketServer}: {@code LISTENING <port>}, {@code ACCEPTED <remote>},
 * {@code CLOSED <remote> <ms> ms <how>}. Runs until standard input reaches EOF or a line "quit".
 */
public final class NioServer {
    private NioServer() {
    }

    /** Per connection: its remote address, when it last sent something, what is still to be echoed. */
    private static final class State {
        final String remote;
        long lastReceived = System.nanoTime();
        ByteBuffer pending = ByteBuffer.allocate(0);

        State(String remote) {
            this.remote = remote;
        }
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: NioServer <bindAddress> <port>");
            System.exit(2);
        }
        try (ServerSocketChannel server = ServerSocketChannel.open(); Selector selector = Selector.open()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1])));
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            LabApps.println("LISTENING " + ((InetSocketAddress) server.getLocalAddress()).getPort());
            Thread loop = new Thread(() -> eventLoop(server, selector), "event-loop");
            loop.setDaemon(true);
            loop.start();
            LabApps.holdUntilQuit();
        } catch (Throwable t) {
            LabApps.fail(t);
        }
        LabApps.println("BYE");
        System.exit(0);
    }

    private static void eventLoop(ServerSocketChannel server, Selector selector) {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        try {
            while (selector.isOpen()) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        SocketChannel ch = server.accept();
                        if (ch != null) {
                            ch.configureBlocking(false);
                            String remote = LabApps.text(ch.getRemoteAddress());
                            ch.register(selector, SelectionKey.OP_READ, new State(remote));
                            LabApps.println("ACCEPTED " + remote);
                        }
                    } else {
                        serve(key, buffer);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | RuntimeException e) {
            if (selector.isOpen()) {
                LabApps.fail(e);
            }
        }
    }

    private static void serve(SelectionKey key, ByteBuffer buffer) throws IOException {
        SocketChannel ch = (SocketChannel) key.channel();
        State state = (State) key.attachment();
        try {
            if (key.isReadable()) {
                buffer.clear();
                int n = ch.read(buffer);
                if (n < 0) {
                    close(key, state, "eof");
                    return;
                }
                if (n > 0) {
                    state.lastReceived = System.nanoTime();
                    buffer.flip();
                    ByteBuffer more = ByteBuffer.allocate(state.pending.remaining() + buffer.remaining());
                    more.put(state.pending).put(buffer).flip();
                    state.pending = more;
                }
            }
            if (state.pending.hasRemaining()) {
                ch.write(state.pending);
            }
            key.interestOps(state.pending.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE
                    : SelectionKey.OP_READ);
        } catch (IOException e) {
            close(key, state, LabApps.describe(e));
        }
    }

    private static void close(SelectionKey key, State state, String how) throws IOException {
        key.cancel();
        key.channel().close();
        LabApps.println("CLOSED " + state.remote + " " + LabApps.millisSince(state.lastReceived) + " ms " + how);
    }
}
