package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.AgentJmx;
import io.kaagent.it.support.AgentLog;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.ConnectingAgent;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A base image's JAVA_TOOL_OPTIONS has -javaagent:ka-agent.jar, and the application's command line has its own with
 * its own policy: the agent is loaded once, under the command line's policy (the later option, as the JVM's own
 * options go). Before, two agents ran side by side, each with its threads and native layer, and the policy in force
 * was the one whose handlers the bridge took last.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RepeatedAgentTest {

    @Test
    void aBaseImageDefaultAndTheApplicationsOwnLoadTheAgentOnceUnderTheLastPolicy(@TempDir Path dir)
            throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path base = basePolicy(dir, peer.port());
            Path own = ownPolicy(dir, peer.port());
            try (ChildJvm app = baseAndOwn(base, own, peer.port()).start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertOptions(applied(31, 7, 4, 20_000), kernel, kernel.connection(local[0], peer.port()),
                        "the command line's policy\n" + app.describe());
                app.awaitStderr(l -> l.contains(" started: policy "), TestEnv.START_TIMEOUT);
                List<String> agentThreads = housekeepingThreadsAfterStart(app);
                int exit = app.quit(TestEnv.STEP_TIMEOUT);
                List<String> started = app.stderrLines().stream().filter(l -> l.contains(" started: policy "))
                        .collect(Collectors.toList());
                assertAll(
                        () -> assertEquals(0, exit, app.describe()),
                        () -> assertEquals(1, started.size(), "one agent started: " + started),
                        () -> assertTrue(started.get(0).contains(own.toAbsolutePath().toString()), started.get(0)),
                        () -> assertEquals(1, AgentLog.lines(app.stderrLines(), "INFO").stream()
                                .filter(l -> l.contains("is given 2 times") && l.contains(base.toAbsolutePath()
                                        + "")).count(), "the line that says so\n" + app.describe()),
                        () -> assertEquals(List.of(), AgentLog.lines(app.stderrLines(), "WARN"), "no warnings"),
                        () -> assertEquals(List.of(), AgentLog.lines(app.stderrLines(), "ERROR"), "no errors"),
                        () -> assertEquals(1, agentThreads.stream().filter(n -> n.startsWith(HOUSEKEEPING)).count(),
                                "one init thread, so one runtime; the agent's threads: " + agentThreads));
            }
        }
    }

    /**
     * Another agent between the two connects in its premain: the first policy is in force before the second premain
     * runs. The second then replaces it as an attach would, once the agent is ready, and brings the sockets already
     * open under it (the application's connection, opened at once, had the first policy's values until then).
     */
    @Test
    void aSecondAgentAfterTheFirstPolicyIsInForceReplacesIt(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path base = basePolicy(dir, peer.port());
            Path own = ownPolicy(dir, peer.port());
            try (ChildJvm app = baseAndOwn(base, own, peer.port())
                    .jvmArg("-javaagent:" + ConnectingAgent.jar(dir) + "=" + peer.port()).start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                String replaced = app.awaitStderr(l -> l.contains("policy replaced: "), TestEnv.START_TIMEOUT);
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertOptions(applied(31, 7, 4, 20_000), kernel, kernel.connection(local[0], peer.port()),
                        "the command line's policy, on the connection opened before it was in force\n"
                                + app.describe());
                List<String> agentThreads = housekeepingThreadsAfterStart(app);
                int exit = app.quit(TestEnv.STEP_TIMEOUT);
                assertAll(
                        () -> assertEquals(0, exit, app.describe()),
                        () -> assertTrue(replaced.contains(own.toAbsolutePath().toString())
                                && replaced.contains("updated 1"), replaced),
                        () -> assertEquals(List.of(), AgentLog.lines(app.stderrLines(), "WARN"), "no warnings"),
                        () -> assertEquals(List.of(), AgentLog.lines(app.stderrLines(), "ERROR"), "no errors"),
                        () -> assertEquals(1, agentThreads.stream().filter(n -> n.startsWith(HOUSEKEEPING)).count(),
                                "one init thread, so one runtime; the agent's threads: " + agentThreads));
            }
        }
    }

    /**
     * Strict mode: each premain reads its policy itself, so that a broken one stops the JVM before the application
     * runs. The second takes over before the application's first socket and is swept in once the agent is ready:
     * one replacement, as the MBean counts it (it counted two before: the take-over and the sweep).
     */
    @Test
    void inStrictModeTheLastPolicyIsInForceAndCountedAsOneReplacement(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path base = basePolicy(dir, peer.port());
            Path own = ownPolicy(dir, peer.port());
            try (ChildJvm app = baseAndOwn(base, own, peer.port()).sysProp("ka.agent.strict", "true").start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                String replaced = app.awaitStderr(l -> l.contains("policy replaced: "), TestEnv.START_TIMEOUT);
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertOptions(applied(31, 7, 4, 20_000), kernel, kernel.connection(local[0], peer.port()),
                        "the command line's policy\n" + app.describe());
                long reloads;
                try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                    reloads = jmx.longAttribute("ReloadCount");
                }
                int exit = app.quit(TestEnv.STEP_TIMEOUT);
                assertAll(
                        () -> assertEquals(0, exit, app.describe()),
                        () -> assertTrue(replaced.contains(own.toAbsolutePath().toString()), replaced),
                        () -> assertEquals(1, reloads, "one replacement\n" + app.describe()),
                        () -> assertEquals(List.of(), AgentLog.lines(app.stderrLines(), "WARN"), "no warnings"),
                        () -> assertEquals(List.of(), AgentLog.lines(app.stderrLines(), "ERROR"), "no errors"));
            }
        }
    }

    /** Strict mode, the application's own policy broken: the JVM does not start, as with one -javaagent. */
    @Test
    void inStrictModeABrokenLastPolicyStopsTheJvm(@TempDir Path dir) throws Exception {
        try (EchoServer peer = EchoServer.start()) {
            Path base = basePolicy(dir, peer.port());
            Path broken = Policies.write(dir, "own.yml", """
                    version: 1
                    rules:
                      - {name: own, port: %d, idle: soon}
                    """.formatted(peer.port()));
            try (ChildJvm app = baseAndOwn(base, broken, peer.port()).sysProp("ka.agent.strict", "true").start()) {
                int exit = app.awaitExit(TestEnv.START_TIMEOUT);
                List<String> errors = AgentLog.lines(app.stderrLines(), "ERROR");
                assertAll(
                        () -> assertEquals(1, exit, app.describe()),
                        () -> assertTrue(app.stdoutLines().stream().noneMatch(l -> l.startsWith("READY")),
                                "the application did not run\n" + app.describe()),
                        () -> assertTrue(errors.stream().anyMatch(l -> l.contains("strict mode")), app.describe()),
                        () -> assertTrue(errors.stream().anyMatch(l -> l.contains("soon")), app.describe()));
            }
        }
    }

    /**
     * The application's JVM: the base image's -javaagent (in JAVA_TOOL_OPTIONS, so before the command line's) and
     * its own, on the command line; it connects to the peer at once.
     */
    private static ChildJvm.Builder baseAndOwn(Path base, Path own, int peerPort) {
        return ChildJvm.builder().env("JAVA_TOOL_OPTIONS", "-javaagent:" + TestEnv.agentJar() + "="
                + base.toAbsolutePath()).agent(own).mainClass("PathsClient")
                .args("socket-connect", "127.0.0.1", peerPort);
    }

    /** The base image's policy (JAVA_TOOL_OPTIONS). */
    private static Path basePolicy(Path dir, int port) {
        return Policies.write(dir, "base.yml", """
                version: 1
                log: info
                rules:
                  - {name: base, port: %d, idle: 41s, intvl: 9s, cnt: 5}
                """.formatted(port));
    }

    /** The application's own policy (its command line). */
    private static Path ownPolicy(Path dir, int port) {
        return Policies.write(dir, "own.yml", """
                version: 1
                log: info
                rules:
                  - {name: own, port: %d, idle: 31s, intvl: 7s, cnt: 4, user_timeout: 20s}
                """.formatted(port));
    }

    /** The init thread's name once its work is done ("ka-agent-housekeeping"), as the kernel has it. */
    private static final String HOUSEKEEPING = "ka-agent-house";

    /**
     * The agent's threads once an init thread has renamed itself, and half a second more: time for a second one
     * (as two agents had) to get there too.
     */
    private static List<String> housekeepingThreadsAfterStart(ChildJvm app) throws Exception {
        long deadline = System.nanoTime() + TestEnv.STEP_TIMEOUT.toNanos();
        while (agentThreads(app).stream().noneMatch(n -> n.startsWith(HOUSEKEEPING))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(500);
        return agentThreads(app);
    }

    /** The agent's threads, as the kernel names them, sorted. */
    private static List<String> agentThreads(ChildJvm app) throws IOException {
        return app.threadNames().stream().filter(n -> n.startsWith("ka-agent")).sorted()
                .collect(Collectors.toList());
    }
}
