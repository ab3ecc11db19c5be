package io.kaagent.samples.ops;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.kaagent.samples.WorkDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A long-running service as an operator finds it: a HikariCP pool of idle JDBC connections to a database, a few
 * plain idle client connections, and a listening socket — none of it mentions keepalive. For {@code attach},
 * {@code status} and hot-reload tests, which start it without the agent.
 *
 * <pre>IdleConnectionsApp &lt;echoPort&gt;[,&lt;echoPort&gt;...] [poolSize]</pre>
 * Starts an H2 TCP server on a free loopback port (in this JVM: its accepted connections are inbound ones), fills a
 * pool of {@code poolSize} (default 2) connections to it, opens one plain connection to 127.0.0.1 on each echo port,
 * listens on one more free loopback port, then prints
 * {@code READY db=<h2Port> listen=<port> pool=<n> echo=<localPort>,...} and serves commands on standard input:
 * <ul>
 * <li>{@code connect <port>}: one more connection to 127.0.0.1:port, kept open; prints {@code CONNECTED <localPort>}</li>
 * <li>{@code connect-host <host> <port>}: the same, dialled by host name (an unresolved address the JDK resolves)</li>
 * <li>{@code query}: borrows a pooled connection, runs SELECT 1; prints {@code QUERY ok}</li>
 * <li>{@code quit} or EOF: ends.</li>
 * </ul>
 */
public final class IdleConnectionsApp {
    private IdleConnectionsApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: IdleConnectionsApp <echoPort>[,<echoPort>...] [poolSize]");
            System.exit(2);
        }
        int poolSize = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        List<Socket> held = new ArrayList<>();
        Path work = WorkDirectory.createRemovedAtExit("ka-ops-h2-");
        System.setProperty("h2.bindAddress", "127.0.0.1");
        org.h2.tools.Server db = org.h2.tools.Server.createTcpServer("-tcp", "-ifNotExists", "-tcpPort", "0",
                "-baseDir", work.toString()).start();
        HikariConfig config = new HikariConfig();
        config.setPoolName("ops-pool");
        config.setJdbcUrl("jdbc:h2:tcp://127.0.0.1:" + db.getPort() + "/mem:ops;DB_CLOSE_DELAY=-1");
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(poolSize);
        try (HikariDataSource pool = new HikariDataSource(config);
             ServerSocket listener = new ServerSocket(0, 50, loopback)) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (pool.getHikariPoolMXBean().getIdleConnections() < poolSize) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the pool did not fill within 30 s");
                }
                Thread.sleep(20);
            }
            StringBuilder echo = new StringBuilder();
            for (String port : args[0].split(",")) {
                Socket socket = connect(loopback, Integer.parseInt(port.trim()));
                held.add(socket);
                echo.append(echo.length() == 0 ? "" : ",").append(socket.getLocalPort());
            }
            println("READY db=" + db.getPort() + " listen=" + listener.getLocalPort() + " pool="
                    + pool.getHikariPoolMXBean().getTotalConnections() + " echo=" + echo);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !line.trim().equals("quit"); line = in.readLine()) {
                String[] words = line.trim().split("\\s+");
                try {
                    if (words[0].equals("connect")) {
                        Socket socket = connect(loopback, Integer.parseInt(words[1]));
                        held.add(socket);
                        println("CONNECTED " + socket.getLocalPort());
                    } else if (words[0].equals("connect-host")) {
                        Socket socket = new Socket();
                        socket.connect(new InetSocketAddress(words[1], Integer.parseInt(words[2])), 10_000);
                        held.add(socket);
                        println("CONNECTED " + socket.getLocalPort());
                    } else if (words[0].equals("query")) {
                        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                             ResultSet r = s.executeQuery("SELECT 1")) {
                            r.next();
                            println("QUERY ok " + r.getInt(1));
                        }
                    } else if (!words[0].isEmpty()) {
                        println("UNKNOWN " + line);
                    }
                } catch (Exception e) {
                    println("FAILED " + e);
                }
            }
        } finally {
            for (Socket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // exiting
                }
            }
            db.stop();
        }
        println("BYE");
        System.exit(0);
    }

    private static Socket connect(InetAddress address, int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(address, port), 10_000);
        return socket;
    }

    private static void println(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
