package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static io.kaagent.it.support.KernelSocketOptions.untouched;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.AgentJmx;
import io.kaagent.it.support.AgentLog;
import io.kaagent.it.support.Checks;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PRODUCT.md §5 fallback: when jffi cannot load its native stub (the agent copies it into -Dka.agent.native.dir,
 * else java.io.tmpdir — here a noexec tmpfs, as in a hardened container, FACTS.md; jffi.extract.dir, jffi's own
 * knob, points there too and must change nothing), the agent applies
 * SO_KEEPALIVE and the timers through jdk.net.ExtendedSocketOptions, cannot apply TCP_USER_TIMEOUT, and says so in
 * exactly one WARN line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FallbackTest {
    private static final String FALLBACK_MESSAGE = "using jdk.net.ExtendedSocketOptions";

    @Test
    void withoutNativeAccessTheJdkOptionsCarryThePolicy(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        Path noexec = Files.createDirectory(dir.resolve("noexec"));
        String mountFailure = run("mount", "-t", "tmpfs", "-o", "noexec,nosuid,nodev,size=32m", "tmpfs",
                noexec.toString());
        TestEnv.requireOrSkip(mountFailure == null,
                () -> "cannot mount a noexec tmpfs to make jffi fail: " + mountFailure);
        try {
            assertTheJdkOptionsCarryThePolicy(dir, Map.of("jffi.extract.dir", noexec.toString(), "java.io.tmpdir",
                    noexec.toString()));
        } finally {
            String unmountFailure = run("umount", noexec.toString());
            if (unmountFailure != null) {
                run("umount", "-l", noexec.toString());
            }
        }
    }

    /**
     * A container whose root filesystem is read-only and that has no writable /tmp: no cache directory, and no
     * place in java.io.tmpdir for the copy of the agent's libraries that rewriting the socket classes needs. The
     * copy goes to /dev/shm (gone once open: nothing left there), jffi's stub has nowhere to go, and the agent runs
     * in fallback mode; before, it said it could not open its libraries and hooked nothing.
     */
    @Test
    void withoutAWritableTemporaryDirectoryTheAgentStillHooks(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        Path shm = Path.of("/dev/shm");
        TestEnv.requireOrSkip(Files.isDirectory(shm) && Files.isWritable(shm),
                () -> "no writable /dev/shm here for the agent's libraries");
        List<String> before = libraryCopies(shm);
        assertTheJdkOptionsCarryThePolicy(dir, Map.of("java.io.tmpdir", dir.resolve("missing").toString()));
        assertEquals(before, libraryCopies(shm), "no copy of the libraries left in /dev/shm");
    }

    private static List<String> libraryCopies(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("ka-agent-libs-")).sorted()
                    .collect(Collectors.toList());
        }
    }

    /** Under these system properties the agent runs in fallback mode, and the kernel has what it set. */
    private static void assertTheJdkOptionsCarryThePolicy(Path dir, Map<String, String> sysProps) throws Exception {
        try (EchoServer matched = EchoServer.start(); EchoServer unmatched = EchoServer.start()) {
            Path policy = Policies.write(dir, """
                    version: 1
                    rules:
                      - {name: out, port: %d, idle: 31s, intvl: 7s, cnt: 4, user_timeout: 20s}
                    """.formatted(matched.port()));
            try (ChildJvm app = ChildJvm.builder().agent(policy).sysProps(sysProps).mainClass("PathsClient")
                    .args("socket-connect", "127.0.0.1", SampleOutput.portList(matched.port(), unmatched.port()), 2)
                    .start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                AssertionError whileRunning = Checks.runNow(
                        () -> assertOptions(applied(31, 7, 4, 0), kernel, kernel.connection(local[0],
                                matched.port()), "first matched connection: timers yes, TCP_USER_TIMEOUT no\n"
                                + app.describe()),
                        () -> assertOptions(applied(31, 7, 4, 0), kernel, kernel.connection(local[1],
                                matched.port()), "second matched connection"),
                        () -> assertOptions(untouched(), kernel, kernel.connection(local[2],
                                unmatched.port()), "unmatched connection"),
                        () -> {
                            try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                                assertEquals("fallback", jmx.stringAttribute("Mode"));
                            }
                        });
                int exit = app.quit(TestEnv.STEP_TIMEOUT); // the whole log, also what is written late
                List<String> notices = app.stderrLines().stream().filter(l -> l.contains(FALLBACK_MESSAGE))
                        .collect(Collectors.toList());
                assertAll(
                        Checks.earlier(whileRunning),
                        () -> assertEquals(0, exit, app.describe()),
                        () -> assertEquals(1, notices.size(), "exactly one line saying '" + FALLBACK_MESSAGE
                                + "'; stderr:" + AgentLog.dump(app.stderrLines())),
                        () -> assertTrue(notices.isEmpty() || notices.get(0).startsWith("ka-agent: WARN "),
                                "the fallback notice is a WARN line: " + notices),
                        () -> assertEquals(List.of(), app.stderrLines().stream()
                                .filter(l -> l.contains("ERROR")).collect(Collectors.toList()), "no ERROR line"));
            }
        }
    }

    /** Runs a command; null when it succeeded, else what it printed. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.toString();
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", command) + " did not finish in 10 s";
        }
        return p.exitValue() == 0 ? null : String.join(" ", command) + " exited " + p.exitValue() + ": " + output;
    }
}
