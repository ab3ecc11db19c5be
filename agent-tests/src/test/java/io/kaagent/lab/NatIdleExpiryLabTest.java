package io.kaagent.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An unmodified client idles through a NAT longer than the NAT's timeout, then sends a request. Without the agent
 * the NAT has forgotten the flow and the request fails (silence until the client's read timeout in drop mode, an
 * immediate "Connection reset" in reset mode); under a rule whose idle is shorter than the NAT timeout, keepalive
 * probes keep the flow alive and the request succeeds; under a rule whose idle is longer, the first probe hits a
 * forgotten flow and the request fails just the same — what {@code check} warns about when the policy declares
 * {@code nat_timeout} ({@link NatTimeoutCheckLabTest}). Each case runs with a plain {@code Socket} client against a
 * thread-per-connection server and with a non-blocking NIO client against a selector server, all at once.
 */
@Tag("lab")
class NatIdleExpiryLabTest {
    static final Duration NAT_TIMEOUT = Duration.ofSeconds(5);
    /** Longer than the NAT timeout, with a margin for conntrack's own clock. */
    static final Duration IDLE = NAT_TIMEOUT.plusSeconds(3);
    static final int READ_TIMEOUT_MS = 4_000;
    static final int SOCKET_PORT = 7001;
    static final int NIO_PORT = 7002;
    /** The lab's namespaces are fresh: their keepalive sysctls are the kernel's defaults. */
    static final KernelSocketOptions UNTOUCHED = new KernelSocketOptions(false, 7200, 75, 9, 0);

    @TempDir
    static Path dir;
    private static NetLab lab;
    private static final List<LabJvm> servers = new ArrayList<>();

    @BeforeAll
    static void startLabAndServers() {
        NetLab.assumeAvailable();
        KernelSocketReader.assumeAvailable();
        lab = NetLab.create(NAT_TIMEOUT, ForgetMode.DROP);
        servers.add(LabJvm.start("SocketServer", lab.serverNs(), ChildJvm.builder().noAgent()
                .mainClass("io.kaagent.samples.lab.SocketServer").args(NetLab.SERVER_ADDRESS, SOCKET_PORT)));
        servers.add(LabJvm.start("NioServer", lab.serverNs(), ChildJvm.builder().noAgent()
                .mainClass("io.kaagent.samples.lab.NioServer").args(NetLab.SERVER_ADDRESS, NIO_PORT)));
        for (LabJvm s : servers) {
            s.await("LISTENING", LabTiming.START_TIMEOUT);
        }
    }

    @AfterAll
    static void stopAll() {
        LabJvm.closeAll(servers);
        if (lab != null) {
            lab.close();
        }
    }

    /** What the client runs under: no agent, a rule that fits the NAT, a rule whose idle is too long for it. */
    enum Setup {
        NO_AGENT(null), SHORT_IDLE(KernelSocketOptions.applied(2, 1, 3, 0)),
        TOO_LONG_IDLE(KernelSocketOptions.applied(6, 1, 9, 0));

        final KernelSocketOptions expected;

        Setup(KernelSocketOptions expected) {
            this.expected = expected;
        }
    }

    record Client(String app, int port, Setup setup, LabJvm jvm) {
    }

    @ParameterizedTest
    @EnumSource(ForgetMode.class)
    void aRequestAfterTheNatTimeoutSucceedsOnlyUnderARuleWithAShorterIdle(ForgetMode mode) throws Exception {
        lab.forgetMode(mode);
        Path shortIdle = LabPolicies.outbound(dir, "short-idle.yml", "lab-server", 2, 1, 3, "off");
        Path tooLong = LabPolicies.outbound(dir, "too-long-idle.yml", "too-long", 6, 1, 9, "off");
        List<Client> clients = new ArrayList<>();
        try {
            for (String app : List.of("SocketClient", "NioClient")) {
                int port = app.equals("SocketClient") ? SOCKET_PORT : NIO_PORT;
                for (Setup setup : Setup.values()) {
                    ChildJvm.Builder b = ChildJvm.builder().mainClass("io.kaagent.samples.lab." + app)
                            .args(NetLab.SERVER_ADDRESS, port, READ_TIMEOUT_MS);
                    if (setup == Setup.SHORT_IDLE) {
                        b.agent(shortIdle);
                    } else if (setup == Setup.TOO_LONG_IDLE) {
                        b.agent(tooLong);
                    }
                    String name = app + " " + setup;
                    clients.add(new Client(app, port, setup, LabJvm.start(name, lab.clientNs(), b)));
                }
            }
            // Every client connects at the same moment, once all JVMs and agents are up.
            for (Client c : clients) {
                c.jvm().await("STARTED", LabTiming.START_TIMEOUT);
                if (c.setup() != Setup.NO_AGENT) {
                    c.jvm().awaitAgentStarted(LabTiming.START_TIMEOUT);
                }
            }
            for (Client c : clients) {
                c.jvm().send("connect");
            }
            // The kernel's view, not the agent's: the rule is on the socket, or nothing is. Each wait starts at
            // that client's READY, so the time it took is how long after connecting the agent set the options.
            List<String> applied = KernelView.awaitEach(clients.stream().map(c -> new KernelView.Expectation(
                    c.jvm(), "READY", KernelView.establishedToPort(c.port()), 1,
                    c.setup().expected == null ? UNTOUCHED : c.setup().expected)).toList());
            LabTiming.report("NAT idle expiry, " + mode + ": options as the kernel reports them", applied);
            // One request now: every client idles from here, with its options in place.
            for (Client c : clients) {
                c.jvm().send("exchange");
            }
            for (Client c : clients) {
                Reply r = Reply.parse(c.jvm().next("EXCHANGE", Duration.ofMillis(READ_TIMEOUT_MS + 5_000)));
                assertTrue(r.ok(), c.jvm().name() + ": the first request must succeed: " + r + "\n"
                        + c.jvm().describe());
            }
            long idleStart = System.nanoTime();
            Thread.sleep(IDLE.toMillis());
            long idled = LabTiming.secondsSince(idleStart);
            for (Client c : clients) {
                c.jvm().send("exchange");
            }
            List<String> table = new ArrayList<>();
            List<Reply> replies = new ArrayList<>();
            for (Client c : clients) {
                Reply r = Reply.parse(c.jvm().next("EXCHANGE", Duration.ofMillis(READ_TIMEOUT_MS + 5_000)));
                replies.add(r);
                table.add(String.format("%-6s %-28s after %d s idle: %s", mode, c.jvm().name(),
                        idled, r));
            }
            LabTiming.report("NAT idle expiry, nat timeout " + NAT_TIMEOUT.toSeconds() + " s", table);
            for (int i = 0; i < clients.size(); i++) {
                assertOutcome(mode, clients.get(i), replies.get(i));
            }
        } finally {
            LabJvm.closeAll(clients.stream().map(Client::jvm).toList());
        }
    }

    /** The outcome each case must have, with the failure the application actually sees. */
    private static void assertOutcome(ForgetMode mode, Client c, Reply r) {
        String context = c.jvm().name() + " in " + mode + " mode: " + r + "\n" + c.jvm().describe() + "\n"
                + lab.describe();
        if (c.setup() == Setup.SHORT_IDLE) {
            assertTrue(r.ok(), "keepalive every 2 s should have kept the flow in the NAT: " + context);
            return;
        }
        assertTrue(r.failed(), "the NAT should have forgotten the flow: " + context);
        if (mode == ForgetMode.DROP) {
            // The request goes into the void: no answer, no error, until the application's own read timeout.
            assertTrue(r.detail().contains("SocketTimeoutException"), "expected a read timeout: " + context);
            assertTrue(r.millis() >= READ_TIMEOUT_MS - 50, "failed before the read timeout: " + context);
        } else if (c.setup() == Setup.NO_AGENT) {
            // The router answers the first packet of the forgotten flow, the request, with a reset.
            assertTrue(r.detail().contains("Connection reset"), "expected a reset: " + context);
            assertTrue(r.millis() < 1_000, "a reset comes at once: " + context);
        } else {
            // The probe at 6 s was the first packet of the forgotten flow: the reset came then, the request finds a
            // dead connection.
            assertTrue(r.detail().contains("Connection reset") || r.detail().contains("Broken pipe"),
                    "expected the connection reset by the probe's answer: " + context);
        }
    }
}
