package io.kaagent.samples;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Hello world with one loopback connection, for "the agent adds nothing to the output" checks.
 *
 * <pre>HelloApp [port]</pre>
 * Prints {@code hello}; with a port, listens on it (loopback), connects to itself, exchanges one line and prints
 * {@code echo: ping}; prints {@code bye} and exits 0. The output never depends on ports, times or the JDK.
 */
public final class HelloApp {
    private HelloApp() {
    }

    public static void main(String[] args) {
        Samples.println("hello");
        if (args.length > 0) {
            int port = Integer.parseInt(args[0]);
            InetAddress loopback = InetAddress.getLoopbackAddress();
            try (ServerSocket server = new ServerSocket(port, 50, loopback);
                 Socket client = new Socket()) {
                server.setSoTimeout(10_000);
                client.connect(new InetSocketAddress(loopback, server.getLocalPort()), 10_000);
                try (Socket accepted = server.accept()) {
                    Connection out = Connection.of(client);
                    out.writeLine("ping");
                    Connection.of(accepted).echoOnce();
                    Samples.println("echo: " + out.readLine());
                }
            } catch (Exception e) {
                Samples.fail(e);
            }
        }
        Samples.println("bye");
    }
}
