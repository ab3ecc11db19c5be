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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers under the agent with an {@code inbound} rule: when a client vanishes (the router drops everything from and
 * to it), the server's blocking read on that connection fails idle + intvl × cnt after the client's last data, the
 * same as for a client (see {@link DeadPeerLabTest}); a server without the agent keeps the dead connection, and the
 * thread reading it, for ever. A thread-per-connection {@code ServerSocket} server and a selector NIO server.
 */
@Tag("lab")
class InboundDeadClientLabTest {
    static final int SOCKET_PORT = 7001;
    static final int NIO_PORT = 7002;
    static final int PLAIN_PORT = 7003;

    @TempDir
    static Path dir;
    private static NetLab lab;
    private static final List<LabJvm> servers = new ArrayList<>();
    private static LabJvm socketServer;
    private static LabJvm nioServer;
    private static LabJvm plainServer;

    @BeforeAll
    static void startLabAndServers() {
        NetLab.assumeAvailable();
        KernelSocketReader.assumeAvailable();
        lab = NetLab.create(Duration.ofSeconds(120), ForgetMode.DROP);
        Path policy = LabPolicies.inbound(dir, "inbound.yml", "clients", "[" + SOCKET_PORT + ", " + NIO_PORT + "]",
                DeadPeerLabTest.IDLE, DeadPeerLabTest.INTVL, DeadPeerLabTest.CNT);
        socketServer = server("SocketServer", SOCKET_PORT, policy);
        nioServer = server("NioServer", NIO_PORT, policy);
        plainServer = server("SocketServer", PLAIN_PORT, null);
        for (LabJvm s : servers) {
            s.await("LISTENING", LabTiming.START_TIMEOUT);
        }
        socketServer.awaitAgentStarted(LabTiming.START_TIMEOUT);
        nioServer.awaitAgentStarted(LabTiming.START_TIMEOUT);
    }

    private static LabJvm server(String app, int port, Path policy) {
        ChildJvm.Builder b = ChildJvm.builder().mainClass("io.kaagent.samples.lab." + app)
                .args(NetLab.SERVER_ADDRESS, port);
        if (policy != null) {
            b.agent(policy);
        }
        LabJvm jvm = LabJvm.start(app + ":" + port + (policy == null ? " no agent" : " inbound rule"),
                lab.serverNs(), b);
        servers.add(jvm);
        return jvm;
    }

    @AfterAll
    static void stopAll() {
        LabJvm.closeAll(servers);
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void aServerUnderAnInboundRuleDetectsAVanishedClient() throws Exception {
        List<LabJvm> clients = new ArrayList<>();
        try {
            for (int port : List.of(SOCKET_PORT, NIO_PORT, PLAIN_PORT)) {
                clients.add(LabJvm.start("SocketClient to " + port, lab.clientNs(), ChildJvm.builder().noAgent()
                        .mainClass("io.kaagent.samples.lab.SocketClient").args(NetLab.SERVER_ADDRESS, port)));
            }
            for (LabJvm c : clients) {
                c.await("STARTED", LabTiming.START_TIMEOUT);
            }
            clients.forEach(c -> c.send("connect"));
            KernelSocketOptions applied = KernelSocketOptions.applied(DeadPeerLabTest.IDLE, DeadPeerLabTest.INTVL,
                    DeadPeerLabTest.CNT, 0);
            List<String> table = KernelView.awaitEach(List.of(
                    new KernelView.Expectation(socketServer, "ACCEPTED", KernelView.acceptedOn(SOCKET_PORT), 1,
                            applied),
                    new KernelView.Expectation(nioServer, "ACCEPTED", KernelView.acceptedOn(NIO_PORT), 1, applied),
                    new KernelView.Expectation(plainServer, "ACCEPTED", KernelView.acceptedOn(PLAIN_PORT), 1,
                            NatIdleExpiryLabTest.UNTOUCHED)));
            for (LabJvm c : clients) {
                c.await("READY", LabTiming.START_TIMEOUT);
                c.send("exchange");
            }
            for (LabJvm c : clients) {
                Reply r = Reply.parse(c.next("EXCHANGE", Duration.ofSeconds(10)));
                assertTrue(r.ok(), c.name() + ": " + r + "\n" + c.describe());
            }
            long exchanged = System.nanoTime();
            lab.blackhole(NetLab.CLIENT_ADDRESS);
            long blackholedAfterMs = (System.nanoTime() - exchanged) / 1_000_000L;
            assertTrue(blackholedAfterMs < DeadPeerLabTest.IDLE * 1000L - 300, "the blackhole came too late ("
                    + blackholedAfterMs + " ms after the last exchange): the machine is too busy");
            table.add("client blackholed " + blackholedAfterMs + " ms after its last exchange");

            Duration bound = Duration.ofMillis(DeadPeerLabTest.DETECTION_MS).plus(LabTiming.DETECTION_TOLERANCE)
                    .plusSeconds(2);
            for (LabJvm s : List.of(socketServer, nioServer)) {
                String closed = s.next("CLOSED", bound);
                // CLOSED <remote> <ms> ms <how>
                Reply r = Reply.parse("CLOSED failed " + closed.split(" ", 3)[2]);
                table.add(s.name() + ": " + closed);
                DeadPeerLabTest.assertDetected(s, r, DeadPeerLabTest.DETECTION_MS, "idle " + DeadPeerLabTest.IDLE
                        + " + intvl " + DeadPeerLabTest.INTVL + " x cnt " + DeadPeerLabTest.CNT);
            }
            plainServer.assertStillBlocked("CLOSED", Duration.ofSeconds(3), "no keepalive on its connection");
            table.add(plainServer.name() + ": connection still open " + LabTiming.secondsSince(exchanged)
                    + " s after the client's last data");
            LabTiming.report("inbound: servers and a vanished client, keepalive " + DeadPeerLabTest.IDLE + "/"
                    + DeadPeerLabTest.INTVL + "/" + DeadPeerLabTest.CNT, table);
        } finally {
            LabJvm.closeAll(clients);
            lab.heal();
        }
    }
}
