package io.kaagent.samples.jdbc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** What the JDBC samples share: the command loop on standard input, the one query they run, one-line reports. */
final class JdbcApps {
    private JdbcApps() {
    }

    /** Something that runs one query, the way the application does it (pooled or not). */
    interface Query {
        int run() throws SQLException;
    }

    /** Connects (fills the pool, opens the connection), runs a first query; what it returns runs the next ones. */
    interface Connector {
        Query connect() throws Exception;
    }

    /**
     * The application's life: prints {@code STARTED} and waits for the command {@code connect} (so that a test can
     * start the clock of several applications at the same moment, whatever their JVMs' start-up took); connects and
     * prints {@code READY ...}; then reads commands from standard input until EOF or "quit": {@code query} runs the
     * query and prints {@code QUERY ok <ms> ms} or {@code QUERY failed <ms> ms <exception>; caused by ...}.
     */
    static void run(Connector connector) throws Exception {
        println("STARTED");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String first = in.readLine();
        while (first != null && !first.trim().equals("connect")) {
            if (first.trim().equals("quit")) {
                return;
            }
            println("UNKNOWN " + first.trim() + " (not connected yet: connect first)");
            first = in.readLine();
        }
        if (first == null) {
            return;
        }
        serve(connector.connect(), in);
    }

    private static void serve(Query query, BufferedReader in) throws IOException {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String command = line.trim();
            if (command.equals("quit")) {
                return;
            }
            if (command.equals("query")) {
                long start = System.nanoTime();
                try {
                    int value = query.run();
                    println("QUERY ok " + millisSince(start) + " ms (result " + value + ")");
                } catch (SQLException | RuntimeException e) {
                    println("QUERY failed " + millisSince(start) + " ms " + describe(e));
                }
            } else if (!command.isEmpty()) {
                println("UNKNOWN " + command + " (commands: query, quit)");
            }
        }
    }

    /** {@code SELECT 1}, or Derby's spelling of it. */
    static int selectOne(Connection connection) throws SQLException {
        String sql = connection.getMetaData().getURL().startsWith("jdbc:derby:") ? "VALUES 1" : "SELECT 1";
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }

    /** The exception and its causes on one line: what the application would log. */
    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder(t.toString());
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append("; caused by ").append(c);
        }
        return sb.toString().replace('\n', ' ');
    }

    static String password(String arg) {
        return arg.equals("-") ? "" : arg;
    }

    static void println(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
