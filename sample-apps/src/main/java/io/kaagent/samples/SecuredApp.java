package io.kaagent.samples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A server that installs a Security Manager as the first thing it does, as Elasticsearch does from its bootstrap
 * (JDK 8 to 23; on 18+ the JVM must run with {@code -Djava.security.manager=allow}), under a policy that grants its
 * own code only what it needs and knows nothing of an agent. Then, like a driver, it connects to the peer and
 * switches keepalive off; it listens, and connects to itself once.
 *
 * <pre>SecuredApp &lt;peerPort&gt;</pre>
 * Prints {@code READY <clientLocalPort> <listenerPort> <selfClientLocalPort>}; then, per line "connect" on standard
 * input, connects to the peer again and prints {@code CONNECTED <localPort>}; ends on EOF or "quit".
 */
public final class SecuredApp {
    private SecuredApp() {
    }

    @SuppressWarnings("removal")
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: SecuredApp <peerPort>");
            System.exit(Samples.EXIT_USAGE);
        }
        System.setSecurityManager(new SecurityManager());
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        int peer = Integer.parseInt(args[0]);
        List<Socket> open = new ArrayList<>();
        try (ServerSocket listener = new ServerSocket(0, 50, loopback)) {
            Socket client = connect(loopback, peer, open);
            client.setKeepAlive(false);
            Socket self = connect(loopback, listener.getLocalPort(), open);
            open.add(listener.accept());
            Samples.println("READY " + client.getLocalPort() + " " + listener.getLocalPort() + " "
                    + self.getLocalPort());
            Samples.holdUntilQuit(line -> {
                if (line.equals("connect")) {
                    Samples.println("CONNECTED " + connect(loopback, peer, open).getLocalPort());
                }
            });
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
    }

    private static Socket connect(InetAddress address, int port, List<Socket> open) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(address, port), 10_000);
        open.add(socket);
        return socket;
    }
}
