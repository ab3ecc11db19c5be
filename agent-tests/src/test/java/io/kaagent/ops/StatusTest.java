package io.kaagent.ops;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.TcpSocket;
import io.kaagent.ops.support.KaCli;
import io.kaagent.ops.support.OpsApp;
import io.kaagent.ops.support.StatusTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 / PRODUCT.md §6 {@code status}: the JVM's TCP sockets with SO_KEEPALIVE/idle/intvl/cnt/user_timeout as the
 * kernel reports them — checked against the tests' own pidfd_getfd + getsockopt reader — with and without the agent.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatusTest {

    @BeforeAll
    static void needsKernelReader() {
        KernelSocketReader.assumeAvailable();
    }

    /** One row per socket of the process, its state, ports and values equal to what the kernel reports. */
    static StatusTable assertMatchesKernel(OpsApp app, KaCli.Result status) throws Exception {
        assertEquals(0, status.exit(), status.describe());
        StatusTable table = StatusTable.parse(status.stdout());
        KernelSocketReader reader = KernelSocketReader.of(app.pid());
        List<TcpSocket> sockets = reader.sockets();
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals(sockets.size(), table.rows().size(),
                "one row per TCP socket: " + sockets + "\n" + status.describe()));
        for (TcpSocket socket : sockets) {
            StatusTable.Row row = table.byFd(socket.fd()).orElseThrow(
                    () -> new AssertionError("no row for " + socket + "\n" + status.describe()));
            checks.add(() -> assertEquals(socket.state().name(), row.state(), "state of " + socket));
            checks.add(() -> assertEquals(socket.localPort(), row.localPort(), "local port of " + socket));
            checks.add(() -> assertEquals(socket.remotePort(), row.remotePort(), "remote port of " + socket));
            checks.add(() -> assertEquals(reader.options(socket), row.options(), "kernel values of " + socket
                    + "\n" + status.describe()));
            String direction = socket.isListening() ? "listening"
                    : socket.localPort() == app.dbPort() ? "inbound" : "outbound";
            checks.add(() -> assertEquals(direction, row.direction(), "direction of " + socket));
        }
        assertAll(checks);
        return table;
    }

    @Test
    void statusOfAJvmWithoutTheAgent() throws Exception {
        try (EchoServer echo = EchoServer.start(); OpsApp app = OpsApp.start(echo.port())) {
            KaCli.Result status = KaCli.run("status", app.pid());
            StatusTable table = assertMatchesKernel(app, status);
            assertTrue(table.header().startsWith("pid " + app.pid() + " (" + OpsApp.MAIN), table.header());
            assertTrue(table.header().endsWith("ka-agent not loaded"), table.header());
            assertTrue(table.rows().stream().allMatch(r -> r.rule().equals("-")), status.describe());
            assertTrue(status.stderr().isEmpty(), "nothing on stderr (no JDK warnings either)\n" + status.describe());
        }
    }

    @Test
    void statusAfterAttachShowsRulesAndKernelValues(@TempDir Path dir) throws Exception {
        try (EchoServer echo = EchoServer.start(); OpsApp app = OpsApp.start(echo.port())) {
            Path policy = AttachTest.policy(dir, "policy.yml", app, echo.port(), 0);
            KaCli.Result attach = KaCli.run("attach", app.pid(), policy);
            assertEquals(0, attach.exit(), attach.describe());
            app.connect(echo.port());

            KaCli.Result status = KaCli.run("status", app.pid());

            StatusTable table = assertMatchesKernel(app, status);
            assertTrue(table.header().contains("loaded, policy " + policy), table.header());
            List<Executable> rules = new ArrayList<>();
            for (StatusTable.Row row : table.rows()) {
                String expected = row.state().equals("LISTEN") ? "-"
                        : row.remotePort() == echo.port() ? "echo"
                        : row.remotePort() == app.dbPort() ? "jdbc"
                        : row.localPort() == app.dbPort() ? "db-server" : "-";
                rules.add(() -> assertEquals(expected, row.rule(), "rule of fd " + row.fd() + "\n"
                        + status.describe()));
            }
            assertAll(rules);
            assertTrue(status.out().contains("6 connections, 6 with SO_KEEPALIVE on"), status.describe());
            assertTrue(status.stderr().isEmpty(), status.describe());
        }
    }

    @Test
    void statusWithAPolicyFileShowsWhatItWouldMatch(@TempDir Path dir) throws Exception {
        try (EchoServer echo = EchoServer.start(); OpsApp app = OpsApp.start(echo.port())) {
            Path policy = AttachTest.policy(dir, "policy.yml", app, echo.port(), 0);
            KaCli.Result status = KaCli.run("status", app.pid(), policy);
            StatusTable table = assertMatchesKernel(app, status);
            assertTrue(table.rows().stream().anyMatch(r -> r.rule().equals("jdbc") && r.keepAlive().equals("off")),
                    "the rule a connection would get, and the kernel's (unchanged) values\n" + status.describe());
        }
    }
}
