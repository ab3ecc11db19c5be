package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static io.kaagent.it.support.KernelSocketOptions.untouched;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Security Managers (JDK 8 to 23). One the JVM starts with (-Djava.security.manager) whose policy grants the agent
 * nothing: premain's first property read was denied, and the exception out of premain aborted the JVM's start ("FATAL
 * ERROR in native method: processing of -javaagent failed", exit 134); now the agent steps aside with one line, and
 * the application runs as it would without it. One whose policy grants the agent's jar AllPermission, and one the
 * application installs itself (Elasticsearch's way) under a policy that knows nothing of the agent: the agent works,
 * native mode, enforcement and reloads included (before: every socket left untouched, a WARN AccessControlException).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecurityManagerTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"agent enabled", "agent disabled (-Dka.agent.disabled=true)"})
    void underASecurityManagerTheApplicationRunsAndTheAgentStepsAside(String variant, @TempDir Path dir)
            throws Exception {
        TestEnv.assumeSecurityManager();
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path policy = Policies.write(dir, """
                    version: 1
                    rules:
                      - {name: out, port: %d, idle: 31s, intvl: 7s, cnt: 4}
                    """.formatted(peer.port()));
            // What the application needs, granted to all code: the agent would need far more.
            Path grants = dir.resolve("app.policy");
            Files.writeString(grants, """
                    grant {
                      permission java.net.SocketPermission "*", "connect,resolve";
                      permission java.util.PropertyPermission "*", "read";
                    };
                    """, StandardCharsets.UTF_8);
            ChildJvm.Builder builder = ChildJvm.builder().agent(policy).sysProp("java.security.manager", "default")
                    .sysProp("java.security.policy", grants.toString()).mainClass("PathsClient")
                    .args("socket-connect", "127.0.0.1", peer.port());
            boolean disabled = variant.contains("disabled");
            if (disabled) {
                builder.sysProp("ka.agent.disabled", "true");
            }
            try (ChildJvm app = builder.start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertOptions(untouched(), kernel, kernel.connection(local[0], peer.port()),
                        "the agent installed nothing\n" + app.describe());
                int exit = app.quit(TestEnv.STEP_TIMEOUT);
                List<String> agentLines = app.stderrLines().stream().filter(l -> l.startsWith("ka-agent"))
                        .collect(Collectors.toList());
                assertAll(
                        () -> assertEquals(0, exit, app.describe()),
                        () -> assertTrue(app.stderrLines().stream().noneMatch(l -> l.contains("FATAL")
                                || l.contains("Exception")), app.describe()),
                        () -> assertEquals(disabled ? List.of() : List.of("ka-agent: ERROR a Security Manager is "
                                + "installed (java.security.manager) and its policy does not grant ka-agent.jar "
                                + "AllPermission: the agent installs nothing"), agentLines,
                                "one line, none when disabled\n" + app.describe()));
            }
        }
    }

    /** Started with a Security Manager whose policy grants the agent's jar AllPermission: the agent works. */
    @Test
    void aPolicyThatGrantsTheAgentLetsItWork(@TempDir Path dir) throws Exception {
        TestEnv.assumeSecurityManager();
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path policy = loopbackPolicy(dir, 31);
            Path grants = dir.resolve("app.policy");
            Files.writeString(grants, """
                    grant codeBase "%s" { permission java.security.AllPermission; };
                    grant codeBase "%s" {
                      permission java.net.SocketPermission "*", "connect,resolve,listen,accept";
                      permission java.util.PropertyPermission "*", "read";
                    };
                    """.formatted(TestEnv.agentJar().toUri(), TestEnv.sampleJar().toUri()), StandardCharsets.UTF_8);
            try (ChildJvm app = ChildJvm.builder().agent(policy).sysProp("java.security.manager", "default")
                    .sysProp("java.security.policy", grants.toString()).mainClass("PathsClient")
                    .args("socket-connect", "127.0.0.1", peer.port()).start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                app.awaitStderr(l -> l.startsWith("ka-agent: INFO ka-agent "), TestEnv.START_TIMEOUT);
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertOptions(applied(31, 7, 4, 0), kernel, kernel.connection(local[0], peer.port()), app.describe());
                assertEquals(0, app.quit(TestEnv.STEP_TIMEOUT), app.describe());
                assertQuietNativeAgent(app);
            }
        }
    }

    /**
     * The application installs a Security Manager as its first act (SecuredApp), while the agent is still starting,
     * under a policy that grants the application's jar only its sockets. The agent's classes hold their own
     * permissions and work inside doPrivileged: the driver-like connection keeps its values (setKeepAlive(false)
     * neutralised), accepted and self connections get theirs, and an edited policy reaches the next connection.
     */
    @Test
    void aSecurityManagerTheApplicationInstallsLeavesTheAgentWorking(@TempDir Path dir) throws Exception {
        TestEnv.assumeSecurityManager();
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            // DEBUG: each socket is logged on the application's thread, under its Security Manager.
            Path policy = loopbackPolicy(dir, 31, "debug");
            Path grants = dir.resolve("app.policy");
            Files.writeString(grants, """
                    grant codeBase "%s" {
                      permission java.net.SocketPermission "*", "connect,resolve,listen,accept";
                    };
                    """.formatted(TestEnv.sampleJar().toUri()), StandardCharsets.UTF_8);
            // An empty cache directory: the agent copies its libraries and writes every entry while the application
            // installs its Security Manager, as in a fresh container.
            Path cache = Files.createDirectories(dir.resolve("cache"));
            try (ChildJvm app = ChildJvm.builder().agent(policy).sysProp("java.security.manager", "allow")
                    .sysProp("java.security.policy", grants.toString()).sysProp("ka.agent.native.dir", cache.toString())
                    .mainClass("SecuredApp").args(peer.port()).start()) {
                int[] ports = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                app.awaitStderr(l -> l.startsWith("ka-agent: INFO ka-agent "), TestEnv.START_TIMEOUT);
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertAll(
                        () -> assertOptions(applied(31, 7, 4, 0), kernel, kernel.connection(ports[0], peer.port()),
                                "the driver's setKeepAlive(false) neutralised\n" + app.describe()),
                        () -> assertOptions(applied(31, 7, 4, 0), kernel, kernel.connection(ports[2], ports[1]),
                                app.describe()),
                        () -> assertOptions(applied(31, 7, 4, 0), kernel, kernel.connection(ports[1], ports[2]),
                                "accepted\n" + app.describe()));

                Files.writeString(policy, Files.readString(loopbackPolicy(dir.resolve("next"), 41, "debug")));
                app.awaitStderr(l -> l.startsWith("ka-agent: INFO policy reloaded"), Duration.ofSeconds(20));
                app.sendLine("connect");
                int next = SampleOutput.ports(app.awaitStdout("CONNECTED", TestEnv.STEP_TIMEOUT))[0];
                assertOptions(applied(41, 7, 4, 0), kernel, kernel.connection(next, peer.port()), app.describe());
                assertEquals(0, app.quit(TestEnv.STEP_TIMEOUT), app.describe());
                assertQuietNativeAgent(app);
            }
        }
    }

    /** Every loopback connection, both ways: these idle seconds, intvl 7 s, cnt 4; the INFO lines logged. */
    private static Path loopbackPolicy(Path dir, int idleSeconds) throws IOException {
        return loopbackPolicy(dir, idleSeconds, "info");
    }

    private static Path loopbackPolicy(Path dir, int idleSeconds, String log) throws IOException {
        Files.createDirectories(dir);
        return Policies.write(dir, """
                version: 1
                log: %s
                rules:
                  - {name: loopback, cidr: ["127.0.0.0/8"], direction: both, idle: %ds, intvl: 7s, cnt: 4}
                """.formatted(log, idleSeconds));
    }

    /** The start line in native mode, no WARN or ERROR of the agent's, no exception anywhere on stderr. */
    private static void assertQuietNativeAgent(ChildJvm app) {
        List<String> stderr = app.stderrLines();
        assertAll(
                () -> assertTrue(stderr.stream().anyMatch(l -> l.startsWith("ka-agent: INFO ka-agent ")
                        && l.endsWith("native mode")), app.describe()),
                () -> assertTrue(stderr.stream().noneMatch(l -> l.startsWith("ka-agent: WARN")
                        || l.startsWith("ka-agent: ERROR") || l.contains("Exception")), app.describe()));
    }
}
