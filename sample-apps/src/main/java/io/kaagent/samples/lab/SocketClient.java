package io.kaagent.samples.lab;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A plain {@link Socket} client, as most blocking client libraries are: one connection, a request timeout on reads.
 *
 * <pre>SocketClient &lt;host&gt; &lt;port&gt; [readTimeoutMs]</pre>
 * Connects when told, then follows the commands described in {@link LabApps#runClient}.
 */
public final class SocketClient {
    private SocketClient() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: SocketClient <host> <port> [readTimeoutMs]");
            System.exit(2);
        }
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        try {
            LabApps.runClient(() -> {
                Socket socket = new Socket();
                socket.connect(server, LabApps.CONNECT_TIMEOUT_MS);
                return new StreamLink(socket);
            }, LabApps.readTimeout(args, 2));
        } catch (Throwable t) {
            LabApps.fail(t);
        }
        LabApps.println("BYE");
        System.exit(0);
    }

    private static final class StreamLink implements LabApps.Link {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        StreamLink(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        @Override
        public void writeLine(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        @Override
        public String readLine(int timeoutMs) throws IOException {
            socket.setSoTimeout(timeoutMs);
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    return null;
                }
                line.write(b);
            }
            return line.toString(StandardCharsets.UTF_8);
        }

        @Override
        public int localPort() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
