package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptionsWithin;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.ModularClient;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * JVMs whose boot layer lacks modules the agent uses where they are there. An application started from a named module
 * (ModularClient, {@code java -m}): its boot layer holds only the modules it reads and those bound to services, so
 * neither jdk.net (the JDK's keepalive timers, which the agent's fallback sets before its native layer is up) nor
 * jdk.unsupported (which the agent's jffi module read) is there. The agent applies the rule once its native layer is
 * up, and prints nothing: on JDK 22+ its jffi module failed for want of jdk.unsupported, so jffi loaded in an unnamed
 * module and the JDK warned about native access (JEP 472).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ModularApplicationTest {
    /** Sockets opened before the native layer is up wait for it: 0.4-0.6 s here, far more on a loaded CI host. */
    private static final Duration NATIVE_LAYER_UP = Duration.ofSeconds(20);

    @Test
    void theRuleIsAppliedAndNothingIsPrinted(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        Path modules = ModularClient.compile(dir);
        try (EchoServer peer = EchoServer.start()) {
            Path policy = policyFor(dir, peer.port());
            assertApplied(ChildJvm.builder().agent(policy), modules, peer.port());
        }
    }

    /**
     * A runtime of java.base and java.instrument only (what jlink makes of a small application, emulated with
     * --limit-modules), running a class-path application: no jdk.net, no java.logging, no jdk.unsupported, and no
     * java.management, so no JMX. The rule is applied natively, and nothing is printed at the default log level: the
     * agent warned in every such JVM that it could not register its MBean.
     */
    @Test
    void aRuntimeOfJavaBaseAndJavaInstrumentOnly(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path policy = policyFor(dir, peer.port());
            assertAppliedAndQuiet(ChildJvm.builder().jvmArg("--limit-modules=java.base,java.instrument").agent(policy)
                    .mainClass("PathsClient").args("socket-connect", "127.0.0.1", peer.port()), peer.port());
        }
    }

    /**
     * Loaded as {@code -agentlib:instrument} (docs/operations.md, "Start-up"), the agent needs java.instrument in the
     * boot layer, which -javaagent adds and a named main module does not read: without
     * {@code --add-modules=java.instrument} the JVM's instrumentation library cannot start and the JVM aborts before
     * any class of the agent runs; with it, the agent works as under -javaagent.
     */
    @Test
    void asAgentLibTheApplicationMustAddJavaInstrument(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        Path modules = ModularClient.compile(dir);
        try (EchoServer peer = EchoServer.start()) {
            Path policy = policyFor(dir, peer.port());
            // JPLIS aborts the JVM (a JNI FatalError): no core file in anyone's working directory.
            try (ChildJvm aborted = ChildJvm.builder().agent(policy).asAgentLib().jvmArg("-XX:-CreateCoredumpOnCrash")
                    .workingDirectory(dir).mainModule(modules, ModularClient.MAIN).args("127.0.0.1", peer.port())
                    .start()) {
                int exit = aborted.awaitExit(TestEnv.START_TIMEOUT);
                assertAll(
                        () -> assertNotEquals(0, exit, aborted.describe()),
                        () -> assertTrue(aborted.stdoutLines().stream().noneMatch(l -> l.startsWith("READY")),
                                "main never ran"),
                        () -> assertTrue(aborted.stderrLines().stream()
                                .anyMatch(l -> l.contains("InstrumentationImpl")),
                                "JPLIS names the class it could not find; " + aborted.describe()));
            }
            assertApplied(ChildJvm.builder().agent(policy).asAgentLib().jvmArg("--add-modules=java.instrument"),
                    modules, peer.port());
        }
    }

    private static Path policyFor(Path dir, int port) {
        return Policies.write(dir, """
                version: 1
                rules:
                  - {name: out, port: %d, idle: 31s, intvl: 7s, cnt: 4, user_timeout: auto}
                """.formatted(port));
    }

    /** The modular client's connection gets the rule (read from outside the process); nothing on stderr. */
    private static void assertApplied(ChildJvm.Builder builder, Path modules, int port) throws Exception {
        assertAppliedAndQuiet(builder.mainModule(modules, ModularClient.MAIN).args("127.0.0.1", port), port);
    }

    /** The application's connection to {@code port} gets the rule (read from outside); nothing on stderr. */
    private static void assertAppliedAndQuiet(ChildJvm.Builder application, int port) throws Exception {
        try (ChildJvm app = application.start()) {
            int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
            KernelSocketReader kernel = KernelSocketReader.of(app.pid());
            assertOptionsWithin(NATIVE_LAYER_UP, applied(31, 7, 4, 59_000), kernel, kernel.connection(local[0], port),
                    app.describe());
            int exit = app.quit(TestEnv.STEP_TIMEOUT);
            assertAll(
                    () -> assertEquals(0, exit, app.describe()),
                    () -> assertEquals(List.of(), app.stderrLines(),
                            "nothing on stderr: no JDK warning, no agent line"));
        }
    }
}
