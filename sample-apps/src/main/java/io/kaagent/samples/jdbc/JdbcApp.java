package io.kaagent.samples.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An application that opens one database connection with the driver's defaults and keeps it for its lifetime.
 *
 * <pre>JdbcApp &lt;jdbcUrl&gt; &lt;user&gt; &lt;password|-&gt;</pre>
 * On the command {@code connect} ({@link JdbcApps#run}) connects through {@link DriverManager}, runs one query and
 * prints {@code READY}; then {@code query} runs {@code SELECT 1} on that connection and prints {@code QUERY ok ...} or
 * {@code QUERY failed ...} (a driver without timeouts may also never answer); {@code quit} or EOF ends it.
 */
public final class JdbcApp {
    private JdbcApp() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: JdbcApp <jdbcUrl> <user> <password|->");
            System.exit(2);
        }
        AtomicReference<Connection> connection = new AtomicReference<>();
        int status = 0;
        try {
            JdbcApps.run(() -> {
                Connection c = DriverManager.getConnection(args[0], args[1], JdbcApps.password(args[2]));
                connection.set(c);
                JdbcApps.selectOne(c);
                JdbcApps.println("READY");
                return () -> JdbcApps.selectOne(c);
            });
        } catch (Throwable t) {
            t.printStackTrace();
            JdbcApps.println("FAILED " + JdbcApps.describe(t));
            status = 1;
        }
        JdbcApps.println("BYE");
        // No close(): on a connection the network lost it could block as long as the query did.
        System.exit(status);
    }
}
