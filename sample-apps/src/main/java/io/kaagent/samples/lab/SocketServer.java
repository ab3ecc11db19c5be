package io.kaagent.samples.lab;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A plain {@link ServerSocket} server with a thread per connection, as classic blocking servers are: echoes every
 * line and otherwise waits, with no read timeout, for the client's next one.
 *
 * <pre>SocketServer &lt;bindAddress&gt; &lt;port&gt;</pre>
 * Prints {@code LISTENING <port>}, then {@code ACCEPTED <remote>} for each connection and, when a connection ends,
 * {@code CLOSED <remote> <ms> ms <how>}: the milliseconds since the last data received from that client (when the
 * kernel's keepalive idle time starts) and {@code eof} or the exception the blocking read failed with.
 * Runs until standard input reaches EOF or a line "quit".
 */
public final class SocketServer {
    private SocketServer() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: SocketServer <bindAddress> <port>");
            System.exit(2);
        }
        try (ServerSocket server = new ServerSocket(Integer.parseInt(args[1]), 50, InetAddress.getByName(args[0]))) {
            LabApps.println("LISTENING " + server.getLocalPort());
            Thread acceptor = new Thread(() -> acceptLoop(server), "acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            LabApps.holdUntilQuit();
        } catch (Throwable t) {
            LabApps.fail(t);
        }
        LabApps.println("BYE");
        System.exit(0);
    }

    private static void acceptLoop(ServerSocket server) {
        while (true) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed at exit
            }
            Thread t = new Thread(() -> echo(s), "connection-" + s.getPort());
            t.setDaemon(true);
            t.start();
        }
    }

    private static void echo(Socket socket) {
        String remote = LabApps.text(socket.getRemoteSocketAddress());
        LabApps.println("ACCEPTED " + remote);
        long lastReceived = System.nanoTime();
        String how = "eof";
        try (Socket s = socket) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                lastReceived = System.nanoTime();
                out.write(b);
                if (b == '\n') {
                    out.flush();
                }
            }
        } catch (IOException e) {
            how = LabApps.describe(e);
        }
        LabApps.println("CLOSED " + remote + " " + LabApps.millisSince(lastReceived) + " ms " + how);
    }
}
