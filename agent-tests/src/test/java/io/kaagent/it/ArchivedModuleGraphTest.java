package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.FreePorts;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two ways docs/operations.md ("Start-up") gives to keep CDS's archived module graph, which -javaagent costs every
 * JVM (it adds {@code --add-modules java.instrument}, which the JDK's archive was not dumped with: BENCHMARKS.md, most
 * of what any -javaagent costs a start). The agent loaded as {@code -agentlib:instrument=ka-agent.jar=POLICY}: the
 * same JPLIS library and premain without that option, for class-path applications, whose module graph has
 * java.instrument anyway (an application started from a named module must add it itself, or its JVM aborts at start:
 * ModularApplicationTest). And on JDK 24+ (JDK-8319343), -javaagent with a CDS archive dumped with that option.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ArchivedModuleGraphTest {

    /** The kernel's view of a connection, read from outside the process: the rule's values, as with -javaagent. */
    @Test
    void aClassPathApplicationGetsItsRule(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path policy = Policies.write(dir, """
                    version: 1
                    rules:
                      - {name: out, port: %d, idle: 31s, intvl: 7s, cnt: 4, user_timeout: auto}
                    """.formatted(peer.port()));
            try (ChildJvm app = ChildJvm.builder().agent(policy).asAgentLib().mainClass("PathsClient")
                    .args("socket-connect", "127.0.0.1", peer.port()).start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertOptions(applied(31, 7, 4, 59_000), kernel, kernel.connection(local[0], peer.port()),
                        app.describe());
                int exit = app.quit(TestEnv.STEP_TIMEOUT);
                assertAll(
                        () -> assertEquals(0, exit, app.describe()),
                        () -> assertEquals(List.of(), app.stderrLines(), "nothing on stderr"));
            }
        }
    }

    /**
     * What the form is for: -javaagent makes the JVM map no archived module graph (its property
     * jdk.module.addmods=java.instrument differs from the archive's), -agentlib:instrument leaves it mapped; the
     * application prints the same either way, and nothing on stderr.
     */
    @Test
    void theJvmKeepsItsArchivedModuleGraph(@TempDir Path dir) throws Exception {
        int port = FreePorts.allocate(1)[0];
        Path policy = helloPolicy(dir, port);
        Path none = dir.resolve("cds-none.log");
        Path javaAgent = dir.resolve("cds-javaagent.log");
        Path agentLib = dir.resolve("cds-agentlib.log");
        List<String> without = hello(ChildJvm.builder(), none, port);
        assumeTrue(Files.readString(none).contains("full module graph: enabled"),
                "this JDK maps no archived module graph without an agent either (no CDS archive?)");
        List<String> withJavaAgent = hello(ChildJvm.builder().agent(policy), javaAgent, port);
        List<String> withAgentLib = hello(ChildJvm.builder().agent(policy).asAgentLib(), agentLib, port);
        assertAll(
                () -> assertTrue(Files.readString(javaAgent).contains("full module graph: disabled"),
                        "-javaagent: no archived module graph"),
                () -> assertTrue(Files.readString(agentLib).contains("full module graph: enabled"),
                        "-agentlib:instrument: the archived module graph is used"),
                () -> assertEquals(without, withJavaAgent, "stdout under -javaagent"),
                () -> assertEquals(without, withAgentLib, "stdout under -agentlib:instrument"));
    }

    /**
     * JDK 24+ compares the module options a JVM runs with to those its archive was dumped with, rather than refusing
     * any: -javaagent with an archive dumped with {@code --add-modules=java.instrument} maps the module graph.
     */
    @Test
    void anArchiveDumpedWithJavaInstrumentKeepsItUnderJavaagent(@TempDir Path dir) throws Exception {
        assumeTrue(Runtime.version().feature() >= 24, "JDK " + Runtime.version().feature() + " maps no archived "
                + "module graph whenever --add-modules is given, whatever the archive was dumped with");
        int port = FreePorts.allocate(1)[0];
        Path policy = helloPolicy(dir, port);
        Path archive = dir.resolve("instrument.jsa");
        Process dump = new ProcessBuilder(TestEnv.javaExecutable().toString(), "-Xshare:dump",
                "-XX:SharedArchiveFile=" + archive, "--add-modules=java.instrument")
                .redirectErrorStream(true).redirectOutput(dir.resolve("dump.log").toFile()).start();
        assertTrue(dump.waitFor(60, TimeUnit.SECONDS), "-Xshare:dump ended");
        assertEquals(0, dump.exitValue(), "-Xshare:dump: " + Files.readString(dir.resolve("dump.log")));
        Path none = dir.resolve("cds-none.log");
        Path withArchive = dir.resolve("cds-archive.log");
        List<String> without = hello(ChildJvm.builder(), none, port);
        List<String> withAgent = hello(ChildJvm.builder().jvmArg("-XX:SharedArchiveFile=" + archive).agent(policy),
                withArchive, port);
        assertAll(
                () -> assertTrue(Files.readString(withArchive).contains("full module graph: enabled"),
                        "-javaagent with the archive: the archived module graph is used"),
                () -> assertEquals(without, withAgent, "stdout under -javaagent with the archive"));
    }

    /** A rule for HelloApp's connection to itself on this port. */
    private static Path helloPolicy(Path dir, int port) {
        return Policies.write(dir, """
                version: 1
                rules:
                  - {name: hello, port: %d, direction: both, idle: 31s}
                """.formatted(port));
    }

    /** HelloApp's stdout, its CDS log written to {@code cdsLog}; it must exit 0 with nothing on stderr. */
    private static List<String> hello(ChildJvm.Builder builder, Path cdsLog, int port) {
        try (ChildJvm app = builder.jvmArg("-Xlog:cds=info:file=" + cdsLog).mainClass("HelloApp").args(port)
                .start()) {
            assertEquals(0, app.awaitExit(TestEnv.START_TIMEOUT), app.describe());
            assertEquals(List.of(), app.stderrLines(), "nothing on stderr; " + app.describe());
            return app.stdoutLines();
        }
    }
}
