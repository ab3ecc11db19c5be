package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static io.kaagent.it.support.KernelSocketOptions.untouched;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kaagent.it.support.AgentLog;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.FreePorts;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.LineClient;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TcpSocket;
import io.kaagent.it.support.TestEnv;
import io.kaagent.it.support.TestTls;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every covered path of PRODUCT.md §5, outbound and inbound, on platform and virtual threads: a sample app under the
 * agent opens one connection on a port a rule matches and one on a port no rule matches; the kernel must report
 * exactly the rule's values on the first and untouched defaults on the second (and on the second's listening
 * socket; the first's may carry the rule, see ListenerInheritanceTest).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketPathsTest {
    static final List<String> CLIENT_PATHS = List.of("socket-ctor", "socket-connect", "socket-unresolved",
            "ssl-socket", "socket-adaptor", "channel-open", "channel-blocking", "channel-nonblocking", "async-future",
            "async-handler");
    static final List<String> SERVER_PATHS = List.of("server-socket", "ssl-server-socket", "channel-blocking",
            "channel-selector", "channel-adaptor", "async-future", "async-handler");

    @TempDir
    static Path tlsDir;
    static TestTls tls;

    @BeforeAll
    static void makeKeyPair() throws Exception {
        tls = TestTls.create(tlsDir);
    }

    static Stream<String> clientPaths() {
        return Stream.concat(CLIENT_PATHS.stream(), CLIENT_PATHS.stream().map(p -> "vt-" + p));
    }

    static Stream<String> serverPaths() {
        return Stream.concat(SERVER_PATHS.stream(), SERVER_PATHS.stream().map(p -> "vt-" + p));
    }

    @ParameterizedTest(name = "outbound {0}")
    @MethodSource("clientPaths")
    void outboundConnectionGetsTheRuleAndOthersStayUntouched(String path, @TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        if (path.startsWith("vt-")) {
            TestEnv.assumeVirtualThreads();
        }
        boolean ssl = path.contains("ssl");
        boolean byName = path.endsWith("socket-unresolved");
        try (EchoServer matched = ssl ? EchoServer.startTls(tls.context()) : EchoServer.start();
             EchoServer unmatched = ssl ? EchoServer.startTls(tls.context()) : EchoServer.start()) {
            // The name-dialling path also proves host globs match the name the app used, case-insensitively.
            Path policy = Policies.write(dir, """
                    version: 1
                    defaults: {idle: 60s, intvl: 10s, cnt: 6}
                    rules:
                      - {name: out, %sport: %d, direction: outbound, idle: 31s, intvl: 7s, cnt: 4}
                    """.formatted(byName ? "host: [\"LOCAL*\"], " : "", matched.port()));
            try (ChildJvm app = ChildJvm.builder().agent(policy)
                    .sysProps(ssl ? tls.childSystemProperties() : Map.of())
                    .mainClass("PathsClient")
                    .args(path, byName ? "localhost" : "127.0.0.1",
                            SampleOutput.portList(matched.port(), unmatched.port()))
                    .start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                TcpSocket onRule = kernel.connection(local[0], matched.port());
                TcpSocket offRule = kernel.connection(local[1], unmatched.port());
                assertAll(
                        () -> assertOptions(applied(31, 7, 4, 0), kernel, onRule,
                                "matched " + onRule + "\n" + app.describe()),
                        () -> assertOptions(untouched(), kernel, offRule,
                                "unmatched " + offRule + "\n" + app.describe()));
                assertQuitsWithoutAgentOutput(app);
            }
        }
    }

    @ParameterizedTest(name = "inbound {0}")
    @MethodSource("serverPaths")
    void acceptedConnectionGetsTheRuleAndTheOtherListenerStaysUntouched(String path, @TempDir Path dir)
            throws Exception {
        KernelSocketReader.assumeAvailable();
        if (path.startsWith("vt-")) {
            TestEnv.assumeVirtualThreads();
        }
        boolean ssl = path.contains("ssl");
        int[] ports = FreePorts.allocate(2);
        int matched = ports[0];
        int unmatched = ports[1];
        Path policy = Policies.write(dir, """
                version: 1
                defaults: {idle: 60s, intvl: 10s, cnt: 6}
                rules:
                  - {name: in, port: %d, direction: inbound, idle: 33s, intvl: 8s, cnt: 5, user_timeout: auto}
                """.formatted(matched));
        try (ChildJvm app = ChildJvm.builder().agent(policy)
                .sysProps(ssl ? tls.childSystemProperties() : Map.of())
                .mainClass("PathsServer").args(path, SampleOutput.portList(matched, unmatched))
                .start()) {
            app.awaitStdout("LISTENING", TestEnv.START_TIMEOUT);
            try (LineClient toMatched = LineClient.connectAndExchange(matched, ssl ? tls.context() : null);
                 LineClient toUnmatched = LineClient.connectAndExchange(unmatched, ssl ? tls.context() : null)) {
                app.awaitStdout("READY", TestEnv.STEP_TIMEOUT);
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                TcpSocket onRule = kernel.connection(matched, toMatched.localPort());
                TcpSocket offRule = kernel.connection(unmatched, toUnmatched.localPort());
                TcpSocket listenerOffRule = kernel.listeningOn(unmatched);
                assertAll(
                        // auto = idle + intvl * cnt = 33 + 8 * 5 = 73 s
                        () -> assertOptions(applied(33, 8, 5, 73_000), kernel, onRule,
                                "accepted on the matched port " + onRule + "\n" + app.describe()),
                        () -> assertOptions(untouched(), kernel, offRule,
                                "accepted on the unmatched port " + offRule + "\n" + app.describe()),
                        () -> assertOptions(untouched(), kernel, listenerOffRule,
                                "the other listening socket " + listenerOffRule));
                assertQuitsWithoutAgentOutput(app);
            }
        }
    }

    /** The app ends cleanly when told to, and with log unset the agent printed nothing during the whole run. */
    static void assertQuitsWithoutAgentOutput(ChildJvm app) {
        int exit = app.quit(TestEnv.STEP_TIMEOUT);
        assertAll(
                () -> assertEquals(0, exit, "exit code\n" + app.describe()),
                () -> assertEquals(List.of(), AgentLog.agentLines(app.stderrLines()),
                        "with log unset the agent prints nothing"));
    }

    /** direction: outbound (also the default when absent) never matches an accepted socket; both does. */
    @Test
    void directionDecidesWhichSideOfAConnectionARuleMatches(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        int[] ports = FreePorts.allocate(3);
        Path policy = Policies.write(dir, """
                version: 1
                rules:
                  - {name: out-only, port: %d, direction: outbound, idle: 31s, intvl: 7s, cnt: 4}
                  - {name: default-direction, port: %d, idle: 32s, intvl: 7s, cnt: 4}
                  - {name: both, port: %d, direction: both, idle: 44s, intvl: 4s, cnt: 4}
                """.formatted(ports[0], ports[1], ports[2]));
        try (ChildJvm server = ChildJvm.builder().agent(policy).mainClass("PathsServer")
                .args("server-socket", SampleOutput.portList(ports)).start()) {
            server.awaitStdout("LISTENING", TestEnv.START_TIMEOUT);
            try (ChildJvm client = ChildJvm.builder().agent(policy).mainClass("PathsClient")
                    .args("socket-connect", "127.0.0.1", SampleOutput.portList(ports)).start()) {
                int[] clientPorts = SampleOutput.ports(client.awaitStdout("READY", TestEnv.START_TIMEOUT));
                server.awaitStdout("READY", TestEnv.STEP_TIMEOUT);
                KernelSocketReader out = KernelSocketReader.of(client.pid());
                KernelSocketReader in = KernelSocketReader.of(server.pid());
                assertAll(
                        () -> assertOptions(applied(31, 7, 4, 0), out,
                                out.connection(clientPorts[0], ports[0]), "outbound, out-only rule"),
                        () -> assertOptions(untouched(), in,
                                in.connection(ports[0], clientPorts[0]), "inbound, out-only rule"),
                        () -> assertOptions(applied(32, 7, 4, 0), out,
                                out.connection(clientPorts[1], ports[1]), "outbound, no direction"),
                        () -> assertOptions(untouched(), in,
                                in.connection(ports[1], clientPorts[1]), "inbound, no direction"),
                        () -> assertOptions(applied(44, 4, 4, 0), out,
                                out.connection(clientPorts[2], ports[2]), "outbound, both"),
                        () -> assertOptions(applied(44, 4, 4, 0), in,
                                in.connection(ports[2], clientPorts[2]), "inbound, both"));
            }
        }
    }
}
