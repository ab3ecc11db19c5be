package io.kaagent.samples;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import jdk.net.ExtendedSocketOptions;

/**
 * A test fixture, not an "unmodified" app: a server that sets a keepalive option on its listening socket while it
 * serves, which the JDK allows since 11 and Linux passes on to the sockets accepted afterwards.
 *
 * <pre>ListenerOptionServer &lt;port&gt; &lt;before&gt; &lt;idleSeconds&gt; &lt;after&gt;</pre>
 * Listens on 127.0.0.1:port and prints {@code LISTENING <port>}; accepts {@code before} connections and echoes one
 * line on each; sets TCP_KEEPIDLE to {@code idleSeconds} on the listening socket and prints {@code LISTENER SET};
 * accepts {@code after} more the same way; prints {@code READY <localPort>...} and holds until stdin EOF or "quit".
 */
public final class ListenerOptionServer {
    private ListenerOptionServer() {
    }

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: ListenerOptionServer <port> <before> <idleSeconds> <after>");
            System.exit(Samples.EXIT_USAGE);
        }
        int port = Integer.parseInt(args[0]);
        int before = Integer.parseInt(args[1]);
        int idle = Integer.parseInt(args[2]);
        int after = Integer.parseInt(args[3]);
        List<Connection> connections = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            Samples.println("LISTENING " + server.getLocalPort());
            accept(server, before, connections);
            server.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, idle);
            Samples.println("LISTENER SET");
            accept(server, after, connections);
            Samples.println("READY" + Samples.localPorts(connections));
            Samples.holdUntilQuit();
        } catch (Throwable t) {
            Samples.fail(t);
        } finally {
            Samples.closeAll(connections);
        }
        Samples.println("BYE");
        System.exit(0);
    }

    private static void accept(ServerSocket server, int count, List<Connection> into) throws Exception {
        for (int i = 0; i < count; i++) {
            Connection connection = Connection.of(server.accept());
            into.add(connection);
            connection.echoOnce();
        }
    }
}
