package io.kaagent.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;

/**
 * A peer in the test JVM (no agent here) for outbound tests: accepts on loopback, echoes the first line of each
 * connection, then keeps the connection open and idle until {@link #close()}. A client that never writes is fine.
 */
public final class EchoServer implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private EchoServer(ServerSocket server) {
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "echo-server-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** On 127.0.0.1, any free port. */
    public static EchoServer start() throws IOException {
        return start(InetAddress.getByName("127.0.0.1"));
    }

    public static EchoServer start(InetAddress address) throws IOException {
        return new EchoServer(new ServerSocket(0, 50, address));
    }

    public static EchoServer startTls(SSLContext context) throws IOException {
        return new EchoServer(context.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getByName("127.0.0.1")));
    }

    public int port() {
        return server.getLocalPort();
    }

    public int acceptedCount() {
        return accepted.size();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.add(s);
                Thread t = new Thread(() -> echoThenHold(s), "echo-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void echoThenHold(Socket s) {
        try {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                out.write(b);
                if (b == '\n') {
                    out.flush();
                }
            }
        } catch (IOException ignored) {
            // closed by either side
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
