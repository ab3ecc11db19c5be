package io.kaagent.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.lab.NetLab.ForgetMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server vanishes (the router drops everything from and to it, like a pulled cable) while unmodified clients
 * wait for it in a blocking read. With idle/intvl/cnt = 2/1/3 an idle connection's read fails at idle + intvl × cnt
 * = 5 s after the last data received, within {@link LabTiming#DETECTION_TOLERANCE}; without the agent it is still
 * blocked long after. With data in flight keepalive never fires (the kernel only probes an idle connection): only
 * {@code user_timeout} bounds the wait, and without it the read is still blocked long after.
 */
@Tag("lab")
class DeadPeerLabTest {
    static final int IDLE = 2;
    static final int INTVL = 1;
    static final int CNT = 3;
    static final long DETECTION_MS = (IDLE + INTVL * CNT) * 1000L;
    static final int USER_TIMEOUT_MS = 4_000;
    static final int SOCKET_PORT = 7001;
    static final int NIO_PORT = 7002;

    @TempDir
    static Path dir;
    private static NetLab lab;
    private static final List<LabJvm> servers = new ArrayList<>();
    private final List<LabJvm> clients = new ArrayList<>();

    @BeforeAll
    static void startLabAndServers() {
        NetLab.assumeAvailable();
        KernelSocketReader.assumeAvailable();
        // The NAT must not interfere here: its timeout is far longer than any idle in these tests.
        lab = NetLab.create(Duration.ofSeconds(120), ForgetMode.DROP);
        servers.add(LabJvm.start("SocketServer", lab.serverNs(), ChildJvm.builder().noAgent()
                .mainClass("io.kaagent.samples.lab.SocketServer").args(NetLab.SERVER_ADDRESS, SOCKET_PORT)));
        servers.add(LabJvm.start("NioServer", lab.serverNs(), ChildJvm.builder().noAgent()
                .mainClass("io.kaagent.samples.lab.NioServer").args(NetLab.SERVER_ADDRESS, NIO_PORT)));
        for (LabJvm s : servers) {
            s.await("LISTENING", LabTiming.START_TIMEOUT);
        }
    }

    @AfterEach
    void closeClientsAndHeal() {
        LabJvm.closeAll(clients);
        if (lab != null) {
            lab.heal();
        }
    }

    @AfterAll
    static void stopAll() {
        LabJvm.closeAll(servers);
        if (lab != null) {
            lab.close();
        }
    }

    private LabJvm client(String app, int port, Path policy) {
        ChildJvm.Builder b = ChildJvm.builder().mainClass("io.kaagent.samples.lab." + app)
                .args(NetLab.SERVER_ADDRESS, port);
        String name = app;
        if (policy != null) {
            b.agent(policy);
            name += " " + policy.getFileName();
        } else {
            name += " no agent";
        }
        LabJvm jvm = LabJvm.start(name, lab.clientNs(), b);
        clients.add(jvm);
        return jvm;
    }

    /** Every client up (and its agent), then all connect at once and show the expected options in the kernel. */
    private static List<String> connect(List<LabJvm> apps, List<KernelSocketOptions> expected, List<Integer> ports)
            throws Exception {
        for (LabJvm a : apps) {
            a.await("STARTED", LabTiming.START_TIMEOUT);
            if (a.name().contains(".yml")) {
                a.awaitAgentStarted(LabTiming.START_TIMEOUT);
            }
        }
        apps.forEach(a -> a.send("connect"));
        List<KernelView.Expectation> e = new ArrayList<>();
        for (int i = 0; i < apps.size(); i++) {
            e.add(new KernelView.Expectation(apps.get(i), "READY", KernelView.establishedToPort(ports.get(i)), 1,
                    expected.get(i)));
        }
        return KernelView.awaitEach(e);
    }

    /** One request on each, so that every connection's "last data received" is now; then the command, if any. */
    private static long exchangeThen(List<LabJvm> apps, String command) {
        apps.forEach(a -> a.send("exchange"));
        for (LabJvm a : apps) {
            Reply r = Reply.parse(a.next("EXCHANGE", Duration.ofSeconds(10)));
            assertTrue(r.ok(), a.name() + ": " + r + "\n" + a.describe());
        }
        long exchanged = System.nanoTime();
        if (command != null) {
            apps.forEach(a -> a.send(command));
        }
        return exchanged;
    }

    @Test
    void anIdleConnectionToAVanishedServerFailsAfterIdlePlusIntvlTimesCnt() throws Exception {
        Path rule = LabPolicies.outbound(dir, "keepalive-2-1-3.yml", "server", IDLE, INTVL, CNT, "off");
        LabJvm socket = client("SocketClient", SOCKET_PORT, rule);
        LabJvm nio = client("NioClient", NIO_PORT, rule);
        LabJvm plain = client("SocketClient", SOCKET_PORT, null);
        KernelSocketOptions applied = KernelSocketOptions.applied(IDLE, INTVL, CNT, 0);
        List<String> table = connect(List.of(socket, nio, plain),
                List.of(applied, applied, NatIdleExpiryLabTest.UNTOUCHED), List.of(SOCKET_PORT, NIO_PORT, SOCKET_PORT));

        long exchanged = exchangeThen(List.of(socket, nio, plain), "await");
        lab.blackhole(NetLab.SERVER_ADDRESS);
        long blackholedAfterMs = (System.nanoTime() - exchanged) / 1_000_000L;
        // The first probe goes out IDLE s after the last data: the server must be gone before, or it answers it.
        assertTrue(blackholedAfterMs < IDLE * 1000L - 300, "the blackhole came too late to measure anything ("
                + blackholedAfterMs + " ms after the last exchange): the machine is too busy");
        table.add("server blackholed " + blackholedAfterMs + " ms after the last exchange");

        Duration bound = Duration.ofMillis(DETECTION_MS).plus(LabTiming.DETECTION_TOLERANCE).plusSeconds(2);
        for (LabJvm a : List.of(socket, nio)) {
            Reply r = Reply.parse(a.next("AWAIT", bound));
            table.add(a.name() + ": " + r);
            assertDetected(a, r, DETECTION_MS, "idle " + IDLE + " + intvl " + INTVL + " x cnt " + CNT);
        }
        plain.assertStillBlocked("AWAIT", Duration.ofSeconds(3), "no keepalive: the kernel never probes");
        table.add(plain.name() + ": still blocked " + LabTiming.secondsSince(exchanged)
                + " s after the last data (no keepalive; it would wait for ever)");
        LabTiming.report("dead peer, idle connection, keepalive " + IDLE + "/" + INTVL + "/" + CNT, table);
    }

    @Test
    void withDataInFlightOnlyUserTimeoutBoundsTheWait() throws Exception {
        Path withUt = LabPolicies.outbound(dir, "user-timeout-4s.yml", "server", IDLE, INTVL, CNT,
                (USER_TIMEOUT_MS / 1000) + "s");
        Path withoutUt = LabPolicies.outbound(dir, "no-user-timeout.yml", "server", IDLE, INTVL, CNT, "off");
        LabJvm ut = client("SocketClient", SOCKET_PORT, withUt);
        LabJvm utNio = client("NioClient", NIO_PORT, withUt);
        LabJvm noUt = client("SocketClient", SOCKET_PORT, withoutUt);
        List<String> table = connect(List.of(ut, utNio, noUt), List.of(
                KernelSocketOptions.applied(IDLE, INTVL, CNT, USER_TIMEOUT_MS),
                KernelSocketOptions.applied(IDLE, INTVL, CNT, USER_TIMEOUT_MS),
                KernelSocketOptions.applied(IDLE, INTVL, CNT, 0)), List.of(SOCKET_PORT, NIO_PORT, SOCKET_PORT));

        exchangeThen(List.of(ut, utNio, noUt), null);
        lab.blackhole(NetLab.SERVER_ADDRESS);
        long blackholed = System.nanoTime();
        // Each sends a request into the void and waits for the answer, with no timeout of its own.
        List.of(ut, utNio, noUt).forEach(a -> a.send("send-await"));

        Duration bound = Duration.ofMillis(USER_TIMEOUT_MS).plus(LabTiming.DETECTION_TOLERANCE).plusSeconds(2);
        for (LabJvm a : List.of(ut, utNio)) {
            Reply r = Reply.parse(a.next("SENDAWAIT", bound));
            table.add(a.name() + ": " + r);
            assertDetected(a, r, USER_TIMEOUT_MS, "user_timeout " + USER_TIMEOUT_MS + " ms");
        }
        // Keepalive (5 s for an idle connection) does not apply while data is unacknowledged: still waiting at 3x
        // the user timeout; the kernel would retransmit for ~15 minutes (tcp_retries2) before giving up.
        noUt.assertStillBlocked("SENDAWAIT", Duration.ofMillis(3L * USER_TIMEOUT_MS).minusNanos(
                System.nanoTime() - blackholed), "data in flight, no user_timeout");
        table.add(noUt.name() + ": still blocked " + LabTiming.secondsSince(blackholed)
                + " s after the request (keepalive never fires with data in flight)");
        LabTiming.report("dead peer, data in flight, keepalive " + IDLE + "/" + INTVL + "/" + CNT + ", user_timeout "
                + USER_TIMEOUT_MS + " ms or off", table);
    }

    /** The read failed with the kernel's ETIMEDOUT, no sooner than expected and no later than the tolerance. */
    static void assertDetected(LabJvm app, Reply r, long expectedMs, String what) {
        String context = app.name() + ": " + r + " (expected " + what + " = " + expectedMs + " ms, tolerance +"
                + LabTiming.DETECTION_TOLERANCE.toMillis() + " ms)\n" + app.describe();
        assertTrue(r.failed() && r.detail().contains("Connection timed out"), "expected ETIMEDOUT: " + context);
        assertTrue(r.millis() >= expectedMs - LabTiming.EARLY_MARGIN_MS, "detected too early: " + context);
        assertTrue(r.millis() <= expectedMs + LabTiming.DETECTION_TOLERANCE.toMillis(),
                "detected too late: " + context);
    }
}
