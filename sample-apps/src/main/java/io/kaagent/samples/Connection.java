package io.kaagent.samples;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLSocket;

/** One open TCP connection of a sample app, whatever JDK type it was opened with: line I/O and its local port. */
abstract class Connection implements Closeable {
    static final int IO_TIMEOUT_SECONDS = 10;

    abstract void writeLine(String line) throws IOException;

    abstract String readLine() throws IOException;

    abstract int localPort() throws IOException;

    /** Sends one line and expects it back unchanged. */
    final void exchange(String line) throws IOException {
        writeLine(line);
        String echo = readLine();
        if (!line.equals(echo)) {
            throw new IOException("expected echo '" + line + "', got '" + echo + "'");
        }
    }

    /** Reads one line and writes it back. */
    final void echoOnce() throws IOException {
        String line = readLine();
        if (line == null) {
            throw new IOException("peer closed before sending a line");
        }
        writeLine(line);
    }

    static Connection of(Socket socket) {
        return new StreamConnection(socket);
    }

    static Connection of(SocketChannel channel) {
        return new ChannelConnection(channel);
    }

    static Connection of(AsynchronousSocketChannel channel) {
        return new AsyncConnection(channel);
    }

    private static byte[] bytes(String line) {
        return (line + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static final class StreamConnection extends Connection {
        private final Socket socket;

        StreamConnection(Socket socket) {
            this.socket = socket;
        }

        @Override
        void writeLine(String line) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(bytes(line));
            out.flush();
        }

        @Override
        String readLine() throws IOException {
            socket.setSoTimeout(IO_TIMEOUT_SECONDS * 1000);
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
            return line.toString(StandardCharsets.UTF_8);
        }

        @Override
        int localPort() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            if (socket instanceof SSLSocket && !socket.isClosed()) {
                // SSLSocket.close() waits, up to the read timeout, for the peer's close_notify.
                socket.setSoTimeout(100);
            }
            socket.close();
        }
    }

    /** A blocking SocketChannel. */
    private static final class ChannelConnection extends Connection {
        private final SocketChannel channel;

        ChannelConnection(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        void writeLine(String line) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(bytes(line));
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        }

        @Override
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (true) {
                one.clear();
                if (channel.read(one) < 0) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
                }
                if (one.position() == 0) {
                    continue;
                }
                byte b = one.get(0);
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
        }

        @Override
        int localPort() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final class AsyncConnection extends Connection {
        private final AsynchronousSocketChannel channel;

        AsyncConnection(AsynchronousSocketChannel channel) {
            this.channel = channel;
        }

        @Override
        void writeLine(String line) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(bytes(line));
            while (buf.hasRemaining()) {
                await(channel.write(buf));
            }
        }

        @Override
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (true) {
                one.clear();
                if (await(channel.read(one)) < 0) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
                }
                byte b = one.get(0);
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
        }

        private static int await(Future<Integer> op) throws IOException {
            try {
                return op.get(IO_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IOException(e.getCause());
            } catch (TimeoutException e) {
                throw new IOException("timed out after " + IO_TIMEOUT_SECONDS + " s", e);
            }
        }

        @Override
        int localPort() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
