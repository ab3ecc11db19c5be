package io.kaagent.it;

import static io.kaagent.it.support.KernelSocketOptions.applied;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.DriverConnections;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.TestEnv;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -Dka.agent.io_uring=true}: the options of a socket in one io_uring submission. Seen from outside the JVM:
 * the kernel's values on each connection, the JVM's [io_uring] descriptors, and the submissions those rings took
 * (their SqTail in /proc/PID/fdinfo). Without the setting the agent opens no ring at all.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoUringTest {
    /** idle 31 s, intvl 7 s, cnt 4, user_timeout auto: five options a socket, TCP_USER_TIMEOUT included. */
    private static final KernelSocketOptions POLICY = applied(31, 7, 4, (31 + 7 * 4) * 1000);
    /**
     * The options the agent sets through a ring at start on sockets of its own, before any of the application's: four
     * to prove the ring, four more when it takes the native layer's way once (its warm-up).
     */
    private static final int AGENTS_OWN_SUBMISSIONS = 8;

    @Test
    void aDriversConnectionsAreSetThroughTheRings(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start();
             ChildJvm app = driver(dir, peer).sysProp("ka.agent.io_uring", "true").start()) {
            String line = app.awaitStderr(l -> l.contains("io_uring"), TestEnv.START_TIMEOUT);
            assumeTrue(!line.contains("unavailable"), "io_uring refused here: " + line);
            assertTrue(line.contains("setting socket options through io_uring"), line);
            DriverConnections.assertEach(POLICY, app, peer);
            List<Path> rings = rings(app.pid());
            int processors = Runtime.getRuntime().availableProcessors();
            assertEquals(Math.min(processors, 8), rings.size(), "[io_uring] descriptors, one per processor up to 8");
            // Each connection: five options when the agent sets it, five again each time the driver's own
            // setKeepAlive is taken back (enforce). Every one a submitted SQE of a ring.
            long submitted = submitted(rings);
            assertTrue(submitted >= AGENTS_OWN_SUBMISSIONS + 5L * DriverConnections.KINDS.length,
                    submitted + " SQEs submitted through the rings\n" + app.describe());
            assertEquals(0, (submitted - AGENTS_OWN_SUBMISSIONS) % 5, submitted + " SQEs: five a socket");
        }
    }

    /**
     * Under a seccomp filter that refuses io_uring_setup (EPERM, as container runtimes' default profiles do): one WARN
     * line with the reason, no ring, and every connection set by setsockopt as without the setting.
     */
    @Test
    void whereIoUringIsRefusedTheAgentSaysSoAndSetsTheOptionsAnyway(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        Path launcher = compileLauncher(dir);
        try (EchoServer peer = EchoServer.start();
             ChildJvm app = driver(dir, peer).sysProp("ka.agent.io_uring", "true").through(launcher.toString())
                     .start()) {
            String line = app.awaitStderr(l -> l.contains("io_uring"), TestEnv.START_TIMEOUT);
            // EPERM's text is the C library's, in the JVM's locale: the errno is what the filter returned.
            assertTrue(line.startsWith("ka-agent: WARN io_uring asked for (ka.agent.io_uring / KA_AGENT_IO_URING) but"
                    + " unavailable: io_uring_setup failed: ")
                    && line.endsWith(" (errno 1); one setsockopt call per option instead"), line);
            DriverConnections.assertEach(POLICY, app, peer);
            assertEquals(List.of(), rings(app.pid()), "[io_uring] descriptors\n" + app.describe());
            assertEquals(1, app.stderrLines().stream().filter(l -> l.contains("io_uring")).count(), app.describe());
        }
    }

    /** without_io_uring.c (src/test/c), built with the C compiler CI installs. */
    private static Path compileLauncher(Path dir) throws Exception {
        boolean compiler = Files.isExecutable(Paths.get("/usr/bin/cc"));
        TestEnv.requireOrSkip(compiler, () -> "no C compiler for the seccomp launcher (apt-get install gcc libc6-dev)");
        Path source = Paths.get(System.getProperty("ka.test.c.dir", "src/test/c"), "without_io_uring.c");
        Path launcher = dir.resolve("without-io-uring");
        Process cc = new ProcessBuilder("/usr/bin/cc", "-O2", "-o", launcher.toString(), source.toString())
                .redirectErrorStream(true).start();
        String output = new String(cc.getInputStream().readAllBytes());
        assertEquals(0, cc.waitFor(), "cc " + source + ":\n" + output);
        return launcher;
    }

    @Test
    void noRingWithoutTheSetting(@TempDir Path dir) throws Exception {
        try (EchoServer peer = EchoServer.start(); ChildJvm app = driver(dir, peer).start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            app.awaitStderr(l -> l.contains("\" applied "), TestEnv.START_TIMEOUT);
            assertEquals(List.of(), rings(app.pid()), "[io_uring] descriptors\n" + app.describe());
            assertTrue(app.stderrLines().stream().noneMatch(l -> l.contains("io_uring")), app.describe());
        }
    }

    /** DriverLikeClient connecting once the native layer is up (2.5 s), keepalive on by itself on each connection. */
    private static ChildJvm.Builder driver(Path dir, EchoServer peer) {
        Path policy = Policies.write(dir, """
                version: 1
                log: debug
                rules:
                  - {name: db, port: %d, idle: 31s, intvl: 7s, cnt: 4, user_timeout: auto}
                """.formatted(peer.port()));
        return ChildJvm.builder().agent(policy).mainClass("DriverLikeClient")
                .args("127.0.0.1", peer.port(), "2500");
    }

    /** The /proc/PID/fdinfo files of that process's descriptors that are io_uring instances. */
    private static List<Path> rings(long pid) throws IOException {
        List<Path> rings = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc/" + pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]")) {
                        rings.add(Paths.get("/proc/" + pid + "/fdinfo").resolve(fd.getFileName()));
                    }
                } catch (IOException closed) {
                    // closed while listed
                }
            }
        }
        return rings;
    }

    /** SQEs the rings took, by the kernel's count (SqTail; no ring here wraps its 32-bit counter). */
    private static long submitted(List<Path> fdinfos) throws IOException {
        long total = 0;
        for (Path fdinfo : fdinfos) {
            for (String line : Files.readAllLines(fdinfo)) {
                if (line.startsWith("SqTail:")) {
                    total += Long.parseLong(line.substring("SqTail:".length()).trim());
                }
            }
        }
        return total;
    }
}
