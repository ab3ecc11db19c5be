package io.kaagent.samples;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM that opens its first socket when told to, not at start: for what an application's connection costs at a
 * moment a test chooses.
 *
 * <pre>ConnectOnCommandApp</pre>
 * Prints {@code READY}, then serves lines on standard input:
 * <ul>
 * <li>{@code connect}: listens on a free loopback port, connects to it and accepts, keeps both ends open; prints
 * {@code CONNECTED <clientLocalPort> <listenerPort>}</li>
 * <li>{@code quit} or EOF: ends.</li>
 * </ul>
 * The line is built without string concatenation: javac's invokedynamic for it would have the JVM spin method
 * handles on this thread at the first connection's line, which tests of that connection look for.
 */
public final class ConnectOnCommandApp {
    private ConnectOnCommandApp() {
    }

    public static void main(String[] args) throws Exception {
        List<AutoCloseable> open = new ArrayList<>();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Samples.println("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line = in.readLine(); line != null && !line.trim().equals("quit"); line = in.readLine()) {
                if (!line.trim().equals("connect")) {
                    continue;
                }
                ServerSocket listener = new ServerSocket(0, 50, loopback);
                Socket client = new Socket();
                client.connect(new InetSocketAddress(loopback, listener.getLocalPort()), 10_000);
                Socket accepted = listener.accept();
                open.add(listener);
                open.add(client);
                open.add(accepted);
                Samples.println(new StringBuilder("CONNECTED ").append(client.getLocalPort()).append(' ')
                        .append(listener.getLocalPort()).toString());
            }
        } finally {
            for (AutoCloseable socket : open) {
                socket.close();
            }
        }
    }
}
