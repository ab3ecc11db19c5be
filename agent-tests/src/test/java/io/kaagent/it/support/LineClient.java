package io.kaagent.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** A client in the test JVM (no agent here) for inbound tests: connects to a child server and exchanges one line. */
public final class LineClient implements AutoCloseable {
    private static final int TIMEOUT_MS = 5000;
    private final Socket socket;

    private LineClient(Socket socket) {
        this.socket = socket;
    }

    /** Connects to 127.0.0.1:port (over TLS when context is not null), sends a line and waits for its echo. */
    public static LineClient connectAndExchange(int port, SSLContext tls) throws IOException {
        Socket s = tls == null ? new Socket() : tls.getSocketFactory().createSocket();
        try {
            s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), TIMEOUT_MS);
            s.setSoTimeout(TIMEOUT_MS);
            if (s instanceof SSLSocket ssl) {
                ssl.startHandshake();
            }
            String line = "hello from the test to " + port;
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            String echo = readLine(s.getInputStream());
            if (!line.equals(echo)) {
                throw new IOException("expected the echo '" + line + "', got '" + echo + "'");
            }
            return new LineClient(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return null;
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    public int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        if (socket instanceof SSLSocket && !socket.isClosed()) {
            // SSLSocket.close() waits, up to the read timeout, for the peer's close_notify: the peer is idle.
            socket.setSoTimeout(100);
        }
        socket.close();
    }
}
