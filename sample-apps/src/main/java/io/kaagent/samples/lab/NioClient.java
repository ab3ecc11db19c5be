package io.kaagent.samples.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A non-blocking NIO client, as event-loop libraries are: a {@link SocketChannel} in non-blocking mode driven by a
 * {@link Selector}, timeouts from {@code select}.
 *
 * <pre>NioClient &lt;host&gt; &lt;port&gt; [readTimeoutMs]</pre>
 * Connects when told, then follows the commands described in {@link LabApps#runClient}.
 */
public final class NioClient {
    private NioClient() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: NioClient <host> <port> [readTimeoutMs]");
            System.exit(2);
        }
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        try {
            LabApps.runClient(() -> open(server), LabApps.readTimeout(args, 2));
        } catch (Throwable t) {
            LabApps.fail(t);
        }
        LabApps.println("BYE");
        System.exit(0);
    }

    /** A non-blocking connect finished through the selector. */
    private static ChannelLink open(InetSocketAddress server) throws IOException {
        SocketChannel channel = SocketChannel.open();
        Selector selector = Selector.open();
        try {
            channel.configureBlocking(false);
            SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT);
            if (!channel.connect(server)) {
                long deadline = System.nanoTime() + LabApps.CONNECT_TIMEOUT_MS * 1_000_000L;
                while (!channel.finishConnect()) {
                    long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
                    if (leftMs <= 0) {
                        throw new SocketTimeoutException("connect to " + server + " timed out");
                    }
                    selector.select(leftMs);
                    selector.selectedKeys().clear();
                }
            }
            return new ChannelLink(channel, selector, key);
        } catch (IOException | RuntimeException e) {
            selector.close();
            channel.close();
            throw e;
        }
    }

    private static final class ChannelLink implements LabApps.Link {
        private final SocketChannel channel;
        private final Selector selector;
        private final SelectionKey key;
        private final ByteBuffer in = ByteBuffer.allocate(4096);
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        ChannelLink(SocketChannel channel, Selector selector, SelectionKey key) {
            this.channel = channel;
            this.selector = selector;
            this.key = key;
            in.flip(); // empty, ready to be read from
        }

        @Override
        public void writeLine(String text) throws IOException {
            ByteBuffer out = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
            key.interestOps(SelectionKey.OP_WRITE);
            while (out.hasRemaining()) {
                if (channel.write(out) == 0) {
                    selector.select(LabApps.DEFAULT_READ_TIMEOUT_MS);
                    selector.selectedKeys().clear();
                }
            }
        }

        @Override
        public String readLine(int timeoutMs) throws IOException {
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            key.interestOps(SelectionKey.OP_READ);
            while (true) {
                while (in.hasRemaining()) {
                    byte b = in.get();
                    if (b == '\n') {
                        String result = line.toString(StandardCharsets.UTF_8);
                        line.reset();
                        return result;
                    }
                    line.write(b);
                }
                in.clear();
                int n = channel.read(in);
                in.flip();
                if (n < 0) {
                    return null;
                }
                if (n > 0) {
                    continue;
                }
                long leftMs = timeoutMs == 0 ? 0 : (deadline - System.nanoTime()) / 1_000_000L;
                if (timeoutMs != 0 && leftMs <= 0) {
                    throw new SocketTimeoutException("no answer within " + timeoutMs + " ms");
                }
                selector.select(leftMs);
                selector.selectedKeys().clear();
            }
        }

        @Override
        public int localPort() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws IOException {
            selector.close();
            channel.close();
        }
    }
}
