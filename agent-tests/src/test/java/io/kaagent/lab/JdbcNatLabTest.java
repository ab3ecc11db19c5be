package io.kaagent.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.TcpSocket;
import io.kaagent.lab.NetLab.ForgetMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real JDBC drivers against real database servers running in the server namespace, behind the NAT in drop mode (the
 * silent kind): PostgreSQL through a HikariCP pool holding idle connections, as services do, and H2 and Derby over
 * one long-lived connection each. After an idle longer than the NAT timeout, the next query succeeds under the agent
 * and fails — or hangs — without it; each failure asserted is the one the application really sees.
 */
@Tag("lab")
class JdbcNatLabTest {
    static final Duration NAT_TIMEOUT = NatIdleExpiryLabTest.NAT_TIMEOUT;
    static final Duration IDLE = NatIdleExpiryLabTest.IDLE;
    static final KernelSocketOptions RULE = KernelSocketOptions.applied(2, 1, 3, 0);
    /** The pool's connectionTimeout (JdbcPoolApp): how long a request waits for a working connection. */
    static final long POOL_CONNECTION_TIMEOUT_MS = 3_000;
    static final int POOL_SIZE = 4;

    @TempDir
    static Path dir;
    private static NetLab lab;
    private static LabJvm databases;
    /** kind (postgres, h2, derby) → "url user password" as DbServer prints them. */
    private static final Map<String, String[]> urls = new HashMap<>();
    private static Path policy;

    @BeforeAll
    static void startLabAndDatabases() {
        NetLab.assumeAvailable();
        KernelSocketReader.assumeAvailable();
        lab = NetLab.create(NAT_TIMEOUT, ForgetMode.DROP);
        long start = System.nanoTime();
        databases = LabJvm.start("DbServer", lab.serverNs(), ChildJvm.builder().noAgent()
                .mainClass("io.kaagent.samples.jdbc.DbServer")
                .args(NetLab.SERVER_ADDRESS, "postgres=5432,h2=9092,derby=1527"));
        databases.await("READY", LabTiming.START_TIMEOUT);
        for (String line : databases.stdoutLines()) {
            if (line.startsWith("URL ")) {
                String[] f = line.split(" ");
                urls.put(f[1], new String[] {f[2], f[3], f[4]});
            }
        }
        LabTiming.report("JDBC: database servers", List.of("PostgreSQL, H2 and Derby ready in "
                + LabTiming.secondsSince(start) + " s"));
        policy = LabPolicies.outbound(dir, "databases.yml", "databases", 2, 1, 3, "off");
    }

    @AfterAll
    static void stopAll() {
        LabJvm.closeAll(java.util.Collections.singletonList(databases));
        if (lab != null) {
            lab.close();
        }
    }

    private static LabJvm startApp(String name, String mainClass, String kind, boolean agent, Object... extra) {
        String[] u = urls.get(kind);
        List<Object> args = new ArrayList<>(List.of(u[0], u[1], u[2]));
        args.addAll(List.of(extra));
        ChildJvm.Builder b = ChildJvm.builder().mainClass(mainClass).args(args.toArray());
        if (agent) {
            b.agent(policy);
        }
        return LabJvm.start(name, lab.clientNs(), b);
    }

    /** Waits for the JVM (and its agent) to be up, on all of them before any connects. */
    private static void connectAll(List<LabJvm> apps, List<Boolean> agent) {
        for (int i = 0; i < apps.size(); i++) {
            apps.get(i).await("STARTED", LabTiming.START_TIMEOUT);
            if (agent.get(i)) {
                apps.get(i).awaitAgentStarted(LabTiming.START_TIMEOUT);
            }
        }
        apps.forEach(a -> a.send("connect"));
        for (LabJvm a : apps) {
            a.await("READY", LabTiming.START_TIMEOUT);
        }
    }

    private static String kernelView(LabJvm app, int port) throws Exception {
        KernelSocketReader reader = KernelSocketReader.of(app.pid());
        StringBuilder sb = new StringBuilder();
        for (TcpSocket s : reader.sockets()) {
            if (KernelView.establishedToPort(port).test(s)) {
                sb.append(sb.length() == 0 ? "" : "; ").append(reader.options(s));
            }
        }
        return sb.toString();
    }

    @Test
    void aPooledPostgresConnectionSurvivesTheNatOnlyUnderTheAgent() throws Exception {
        LabJvm withAgent = startApp("JdbcPoolApp postgres, agent", "io.kaagent.samples.jdbc.JdbcPoolApp",
                "postgres", true, POOL_SIZE);
        LabJvm without = startApp("JdbcPoolApp postgres, no agent", "io.kaagent.samples.jdbc.JdbcPoolApp",
                "postgres", false, POOL_SIZE);
        List<LabJvm> apps = List.of(withAgent, without);
        try {
            connectAll(apps, List.of(true, false));
            // The driver switches keepalive off on every connection it opens (tcpKeepAlive=false, its default);
            // under the agent (enforce: true) the rule stays on all of the pool's connections regardless.
            long ms = KernelView.awaitOptions(withAgent, KernelView.establishedToPort(5432), POOL_SIZE, RULE);
            KernelView.awaitOptions(without, KernelView.establishedToPort(5432), POOL_SIZE,
                    NatIdleExpiryLabTest.UNTOUCHED);
            List<String> table = new ArrayList<>();
            table.add("kernel, agent (" + ms + " ms): " + kernelView(withAgent, 5432));
            table.add("kernel, no agent: " + kernelView(without, 5432));
            for (LabJvm a : apps) {
                a.send("query");
                Reply first = Reply.parse(a.next("QUERY", Duration.ofSeconds(10)));
                assertTrue(first.ok(), a.name() + ": the first query must succeed: " + first + "\n" + a.describe());
            }
            Thread.sleep(IDLE.toMillis());
            apps.forEach(a -> a.send("query"));
            Reply agentReply = Reply.parse(withAgent.next("QUERY", Duration.ofSeconds(15)));
            Reply plainReply = Reply.parse(without.next("QUERY", Duration.ofSeconds(15)));
            table.add("after " + IDLE.toSeconds() + " s idle, agent:    " + agentReply);
            table.add("after " + IDLE.toSeconds() + " s idle, no agent: " + plainReply);
            LabTiming.report("JDBC: HikariCP + PostgreSQL driver, NAT timeout " + NAT_TIMEOUT.toSeconds()
                    + " s, drop mode", table);

            assertTrue(agentReply.ok(), "under the agent the pooled connections must have survived: "
                    + agentReply + "\n" + withAgent.describe());
            assertTrue(agentReply.millis() < 1_000, "and answered at once: " + agentReply);
            // Without it: every pooled connection is dead; Hikari validates them in turn (1 s each, the driver's
            // network timeout) until the request's connectionTimeout runs out.
            assertTrue(plainReply.failed(), "without the agent the NAT forgot the pool's connections: " + plainReply
                    + "\n" + without.describe());
            assertTrue(plainReply.detail().contains("SQLTransientConnectionException")
                    && plainReply.detail().contains("Connection is not available, request timed out"),
                    "expected HikariCP's request timeout: " + plainReply);
            assertTrue(plainReply.millis() >= POOL_CONNECTION_TIMEOUT_MS - 50, "failed too early: " + plainReply);
            assertTrue(String.join("\n", without.stderrLines()).contains("Failed to validate connection"),
                    "HikariCP should have logged the dead connections it found:\n" + without.describe());
        } finally {
            LabJvm.closeAll(apps);
        }
    }

    @Test
    void h2AndDerbyConnectionsSurviveTheNatOnlyUnderTheAgent() throws Exception {
        List<LabJvm> apps = new ArrayList<>();
        List<Boolean> agent = new ArrayList<>();
        Map<String, Integer> ports = Map.of("h2", 9092, "derby", 1527);
        try {
            for (String kind : List.of("h2", "derby")) {
                for (boolean withAgent : List.of(true, false)) {
                    apps.add(startApp("JdbcApp " + kind + (withAgent ? ", agent" : ", no agent"),
                            "io.kaagent.samples.jdbc.JdbcApp", kind, withAgent));
                    agent.add(withAgent);
                }
            }
            connectAll(apps, agent);
            List<String> table = new ArrayList<>();
            for (int i = 0; i < apps.size(); i++) {
                int port = ports.get(apps.get(i).name().split(" ")[1].replace(",", ""));
                if (agent.get(i)) {
                    KernelView.awaitOptions(apps.get(i), KernelView.establishedToPort(port), 1, RULE);
                }
                table.add(apps.get(i).name() + ", kernel: " + kernelView(apps.get(i), port));
            }
            for (LabJvm a : apps) {
                a.send("query");
                Reply first = Reply.parse(a.next("QUERY", Duration.ofSeconds(10)));
                assertTrue(first.ok(), a.name() + ": the first query must succeed: " + first + "\n" + a.describe());
            }
            Thread.sleep(IDLE.toMillis());
            apps.forEach(a -> a.send("query"));
            for (int i = 0; i < apps.size(); i++) {
                LabJvm a = apps.get(i);
                if (agent.get(i)) {
                    Reply r = Reply.parse(a.next("QUERY", Duration.ofSeconds(10)));
                    table.add(a.name() + " after " + IDLE.toSeconds() + " s idle: " + r);
                    assertTrue(r.ok() && r.millis() < 1_000, a.name() + ": " + r + "\n" + a.describe());
                }
            }
            for (int i = 0; i < apps.size(); i++) {
                LabJvm a = apps.get(i);
                if (!agent.get(i)) {
                    a.assertStillBlocked("QUERY", Duration.ofSeconds(6), "the query went into a forgotten flow");
                    table.add(a.name() + " after " + IDLE.toSeconds() + " s idle: no answer 6 s after the query");
                }
            }
            LabTiming.report("JDBC: H2 and Derby drivers, one connection each", table);
        } finally {
            LabJvm.closeAll(apps);
        }
    }
}
