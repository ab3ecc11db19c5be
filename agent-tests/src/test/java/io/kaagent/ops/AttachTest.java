package io.kaagent.ops;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.TcpSocket;
import io.kaagent.it.support.TcpState;
import io.kaagent.ops.support.KaCli;
import io.kaagent.ops.support.OpsApp;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 / PRODUCT.md §6 {@code attach}: a JVM started without the agent holds idle connections (a pooled JDBC
 * connection among them); after {@code attach} the kernel — read from outside the process — shows the policy's
 * values on the connections that existed before and on one made after; listening sockets are left alone.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AttachTest {
    static final KernelSocketOptions ECHO = KernelSocketOptions.applied(31, 7, 4, 0);
    static final KernelSocketOptions JDBC = KernelSocketOptions.applied(41, 8, 5, 20_000);
    static final KernelSocketOptions DB_SERVER = KernelSocketOptions.applied(51, 9, 6, 0);

    @BeforeAll
    static void needsKernelReader() {
        KernelSocketReader.assumeAvailable();
    }

    /** echo: the plain connections; jdbc: the pool's connections; db-server: the H2 server's accepted ones. */
    static Path policy(Path dir, String file, OpsApp app, int echoPort, int idleOffset) {
        return Policies.write(dir, file, """
                version: 1
                rules:
                  - {name: echo, cidr: ["127.0.0.0/8"], port: %d, idle: %ds, intvl: 7s, cnt: 4}
                  - {name: jdbc, port: %d, idle: %ds, intvl: 8s, cnt: 5, user_timeout: 20s}
                  - {name: db-server, direction: inbound, port: %d, idle: %ds, intvl: 9s, cnt: 6}
                """.formatted(echoPort, 31 + idleOffset, app.dbPort(), 41 + idleOffset, app.dbPort(),
                51 + idleOffset));
    }

    static KernelSocketOptions plus(KernelSocketOptions o, int idleOffset) {
        return KernelSocketOptions.applied(o.idleSeconds() + idleOffset, o.intervalSeconds(), o.count(),
                o.userTimeoutMillis());
    }

    /** Every socket of the app has what the policy (idle shifted by idleOffset) gives it; listening ones nothing. */
    static void assertPolicyOnAllSockets(OpsApp app, int echoPort, int idleOffset) throws Exception {
        KernelSocketReader reader = KernelSocketReader.of(app.pid());
        List<TcpSocket> sockets = reader.sockets();
        String all = sockets.stream().map(TcpSocket::toString).collect(Collectors.joining("\n  "));
        List<TcpSocket> pool = established(sockets, s -> s.remotePort() == app.dbPort());
        List<TcpSocket> accepted = established(sockets, s -> s.localPort() == app.dbPort());
        List<TcpSocket> echo = established(sockets, s -> s.remotePort() == echoPort);
        assertAll(
                () -> assertEquals(2, pool.size(), "two pooled JDBC connections:\n  " + all),
                () -> assertEquals(2, accepted.size(), "two connections accepted by H2:\n  " + all),
                () -> assertTrue(echo.size() >= 1, "an echo connection:\n  " + all));
        for (TcpSocket s : pool) {
            assertEquals(plus(JDBC, idleOffset), reader.options(s), "pooled JDBC connection " + s);
        }
        for (TcpSocket s : accepted) {
            assertEquals(plus(DB_SERVER, idleOffset), reader.options(s), "inbound connection accepted by H2 " + s);
        }
        for (TcpSocket s : echo) {
            assertEquals(plus(ECHO, idleOffset), reader.options(s), "echo connection " + s);
        }
        assertEquals(KernelSocketOptions.untouched(), reader.options(reader.listeningOn(app.dbPort())),
                "H2's listening socket is left alone");
        assertEquals(KernelSocketOptions.untouched(), reader.options(reader.listeningOn(app.listenPort())),
                "the app's listening socket is left alone");
    }

    static List<TcpSocket> established(List<TcpSocket> sockets, java.util.function.Predicate<TcpSocket> filter) {
        return sockets.stream().filter(s -> s.state() == TcpState.ESTABLISHED).filter(filter)
                .collect(Collectors.toList());
    }

    @Test
    void attachBringsOpenAndNewConnectionsUnderThePolicy(@TempDir Path dir) throws Exception {
        try (EchoServer echo = EchoServer.start(); OpsApp app = OpsApp.start(echo.port())) {
            KernelSocketReader reader = KernelSocketReader.of(app.pid());
            assertEquals(KernelSocketOptions.untouched(), reader.options(reader.connectedTo(echo.port())),
                    "before the attach nobody set keepalive on the idle echo connection");
            Path policy = policy(dir, "policy.yml", app, echo.port(), 0);

            KaCli.Result attach = KaCli.run("attach", app.pid(), policy);

            assertEquals(0, attach.exit(), attach.describe());
            assertTrue(attach.out().contains("attached to pid " + app.pid()), attach.describe());
            assertTrue(attach.out().contains("open TCP sockets: updated 5, skipped 2 (2 listening), failed 0"),
                    "2 pooled, 2 accepted by H2, 1 echo; H2's and the app's listening sockets skipped\n"
                            + attach.describe());
            assertFalse(attach.out().contains("note:"), "no host rule, nothing to note\n" + attach.describe());
            assertPolicyOnAllSockets(app, echo.port(), 0);

            int local = app.connect(echo.port());
            assertEquals(ECHO, reader.options(reader.connection(local, echo.port())),
                    "a connection made after the attach goes through the hooks");
            app.query(); // the pool still works
            assertTrue(app.jvm().isAlive(), app.jvm().describe());
        }
    }

    /** PRODUCT.md §6: the name a connection opened before the attach dialled is unknown; attach says so. */
    @Test
    void hostRulesCannotMatchConnectionsOpenedBeforeTheAttach(@TempDir Path dir) throws Exception {
        try (EchoServer echo = EchoServer.start(); OpsApp app = OpsApp.start(echo.port())) {
            Path policy = Policies.write(dir, "policy.yml", """
                    version: 1
                    rules:
                      - {name: by-host, host: ["localhost", "127.0.0.1"], port: %d, idle: 33s, intvl: 7s, cnt: 4}
                      - {name: by-address, cidr: ["127.0.0.0/8"], port: %d, idle: 34s, intvl: 7s, cnt: 4}
                    """.formatted(echo.port(), echo.port()));
            KaCli.Result attach = KaCli.run("attach", app.pid(), policy);
            assertEquals(0, attach.exit(), attach.describe());
            assertTrue(attach.out().contains("note: 5 connection(s) were opened before the agent was loaded")
                    && attach.out().contains("rules with host criteria could not match them"), attach.describe());
            KernelSocketReader reader = KernelSocketReader.of(app.pid());
            assertEquals(KernelSocketOptions.applied(34, 7, 4, 0), reader.options(reader.connectedTo(echo.port())),
                    "opened before the attach: the host rule cannot match, the cidr rule does");
            int local = app.connect(echo.port());
            assertEquals(KernelSocketOptions.applied(33, 7, 4, 0),
                    reader.options(reader.connection(local, echo.port())),
                    "opened after the attach, dialled as 127.0.0.1: the host rule matches the literal");
        }
    }

    @Test
    void attachingAgainReplacesThePolicyOnEveryOpenSocket(@TempDir Path dir) throws Exception {
        try (EchoServer echo = EchoServer.start(); OpsApp app = OpsApp.start(echo.port())) {
            Path first = policy(dir, "first.yml", app, echo.port(), 0);
            Path second = policy(dir, "second.yml", app, echo.port(), 100);
            KaCli.Result attach1 = KaCli.run("attach", app.pid(), first);
            assertEquals(0, attach1.exit(), attach1.describe());
            app.connect(echo.port()); // opened under the first policy, through the hooks

            KaCli.Result attach2 = KaCli.run("attach", app.pid(), second);

            assertEquals(0, attach2.exit(), attach2.describe());
            assertTrue(attach2.out().contains("policy replaced"), attach2.describe());
            assertTrue(attach2.out().contains("updated 6, skipped 2 (2 listening), failed 0"), attach2.describe());
            assertPolicyOnAllSockets(app, echo.port(), 100);
            app.query();
        }
    }
}
