package io.kaagent.samples.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A service's data access as it usually is: a HikariCP pool that keeps idle connections open between requests.
 * It never mentions keepalive (the PostgreSQL driver, with its default URL, even switches it off on every connection).
 *
 * <pre>JdbcPoolApp &lt;jdbcUrl&gt; &lt;user&gt; &lt;password|-&gt; [poolSize]</pre>
 * The pool is HikariCP's defaults scaled down so that a lab run takes seconds, keeping the proportions that decide
 * what a request sees after the network forgot the idle connections: maximumPoolSize = minimumIdle = poolSize
 * (default 4; Hikari: 10), validationTimeout 1 s (Hikari: 5 s), connectionTimeout 3 s (Hikari: 30 s). In both cases
 * validating the dead pooled connections one after the other takes longer than a request may wait for one.
 * On the command {@code connect} ({@link JdbcApps#run}) fills the pool, runs one query and prints
 * {@code READY pool=<n> idle=<n>}; then {@code query} borrows a connection, runs {@code SELECT 1} and prints
 * {@code QUERY ok ...} or {@code QUERY failed ...}; {@code quit} or EOF ends it.
 */
public final class JdbcPoolApp {
    private static final long POOL_FILL_TIMEOUT_MS = 30_000;

    private JdbcPoolApp() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: JdbcPoolApp <jdbcUrl> <user> <password|-> [poolSize]");
            System.exit(2);
        }
        int poolSize = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        HikariConfig config = new HikariConfig();
        config.setPoolName("app-pool");
        config.setJdbcUrl(args[0]);
        config.setUsername(args[1]);
        config.setPassword(JdbcApps.password(args[2]));
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(poolSize);
        config.setValidationTimeout(1_000);
        config.setConnectionTimeout(3_000);
        AtomicReference<HikariDataSource> pool = new AtomicReference<>();
        int status = 0;
        try {
            JdbcApps.run(() -> {
                HikariDataSource ds = new HikariDataSource(config);
                pool.set(ds);
                HikariPoolMXBean stats = ds.getHikariPoolMXBean();
                long deadline = System.currentTimeMillis() + POOL_FILL_TIMEOUT_MS;
                while (stats.getIdleConnections() < poolSize) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("the pool did not fill within " + POOL_FILL_TIMEOUT_MS
                                + " ms: " + stats.getTotalConnections() + " connections");
                    }
                    Thread.sleep(20);
                }
                try (Connection c = ds.getConnection()) {
                    JdbcApps.selectOne(c);
                }
                JdbcApps.println("READY pool=" + stats.getTotalConnections() + " idle=" + stats.getIdleConnections());
                return () -> {
                    try (Connection c = ds.getConnection()) {
                        return JdbcApps.selectOne(c);
                    }
                };
            });
        } catch (Throwable t) {
            t.printStackTrace();
            JdbcApps.println("FAILED " + JdbcApps.describe(t));
            status = 1;
        } finally {
            if (pool.get() != null) {
                pool.get().close();
            }
        }
        JdbcApps.println("BYE");
        System.exit(status);
    }
}
