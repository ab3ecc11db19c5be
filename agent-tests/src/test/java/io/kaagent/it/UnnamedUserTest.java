package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.AgentLog;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container run under a user id that /etc/passwd does not name (OpenShift gives every container one; {@code docker
 * run --user 54321} does too): the JDK says {@code user.name} is "?", and the owner of a file it makes is named by
 * its number. The agent's cache directory and jffi's stub directory are checked by user id, so such a JVM loads the
 * native layer (TCP_USER_TIMEOUT is set) and reads at its next start what it cached at its first. Compared by name,
 * neither was ever used: fallback mode and a start without caches, every time.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class UnnamedUserTest {
    /** A user id no passwd file of a test machine names. */
    private static final int UID = 54321;
    private Path agentJar;
    private Path sampleJar;

    @Test
    void aUserWithoutANameGetsNativeOptionsAndItsCaches(@TempDir Path dir) throws Exception {
        prepare(dir);
        Path base = Files.createDirectory(dir.resolve("cache-base"));
        Files.setAttribute(base, "unix:uid", UID);
        Files.setAttribute(base, "unix:gid", UID);
        try (EchoServer server = EchoServer.start()) {
            Path policy = Policies.write(dir, """
                    version: 1
                    rules:
                      - {name: out, port: %d, idle: 31s, intvl: 7s, cnt: 4, user_timeout: 20s}
                    """.formatted(server.port()));
            Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
            Path cache = base.resolve("ka-agent-uid-" + UID); // the JDK's "?" names no one

            startAndCheck(server, policy, base, "first start");
            Map<String, Object> entries = entries(cache);
            List<String> names = List.copyOf(entries.keySet());
            assertTrue(names.stream().anyMatch(n -> n.startsWith("policy-") && n.endsWith(".bin"))
                    && names.stream().anyMatch(n -> n.startsWith("libs-") && n.endsWith(".jar"))
                    && names.stream().anyMatch(n -> n.startsWith("libjffi")),
                    "the compiled policy, the libraries' copy and jffi's stub are cached: " + names);
            assertTrue(names.stream().noneMatch(n -> n.endsWith(".tmp")), "no temporary file left: " + names);
            for (Path entry : list(cache)) {
                assertEquals(UID, Files.getAttribute(entry, "unix:uid"), entry + " belongs to the JVM's user");
            }

            startAndCheck(server, policy, base, "second start");
            assertEquals(entries, entries(cache),
                    "the second start used every entry as the first wrote it: none written again, none added");
        }
    }

    /**
     * A base image whose build ran one JVM with the agent as root, then opened root's directory to every user (the
     * agent writes everything owner-only): a container under a user id without a name, whose own directory cannot
     * even be made there, starts warm from it — the compiled policy, the rewritten classes, jffi's stub.
     */
    @Test
    void anImagePrimedByRootServesAUserWithoutAName(@TempDir Path dir) throws Exception {
        prepare(dir);
        Path base = Files.createDirectory(dir.resolve("opt-ka-agent")); // root's, rwxr-xr-x: like /opt in an image
        Path logs = Files.createDirectory(dir.resolve("logs"));
        Files.setAttribute(logs, "unix:uid", UID);
        try (EchoServer server = EchoServer.start()) {
            Path policy = Policies.write(dir, """
                    version: 1
                    log: info
                    rules:
                      - {name: out, port: %d, idle: 31s, intvl: 7s, cnt: 4, user_timeout: 20s}
                    """.formatted(server.port()));
            Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
            try (ChildJvm build = ChildJvm.builder().agentJar(agentJar).classPath(sampleJar).agent(policy)
                    .sysProp("ka.agent.native.dir", base.toString())
                    .mainClass("PathsClient").args("socket-connect", "127.0.0.1", server.port()).start()) {
                build.awaitStderr(l -> l.contains("ka-agent") && l.contains(" started: "), TestEnv.START_TIMEOUT);
                assertEquals(0, build.quit(TestEnv.STEP_TIMEOUT), build.describe());
            }
            Path primed = base.resolve("ka-agent-root");
            // The image's next step: chmod -R go+rX
            Files.setPosixFilePermissions(primed, PosixFilePermissions.fromString("rwxr-xr-x"));
            for (Path entry : list(primed)) {
                Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-r--r--"));
            }
            Path classLog = logs.resolve("classes.txt");
            try (ChildJvm app = ChildJvm.builder().runAs(UID).agentJar(agentJar).classPath(sampleJar).agent(policy)
                    .jvmArg("-Xlog:class+load:file=" + classLog)
                    .sysProp("ka.agent.native.dir", base.toString())
                    .mainClass("PathsClient").args("socket-connect", "127.0.0.1", server.port()).start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertOptions(applied(31, 7, 4, 20_000), kernel, kernel.connection(local[0], server.port()),
                        "TCP_USER_TIMEOUT: jffi's stub loaded from root's directory\n" + app.describe());
                app.awaitStderr(l -> l.contains("ka-agent") && l.contains(" started: "), TestEnv.START_TIMEOUT);
                assertEquals(0, app.quit(TestEnv.STEP_TIMEOUT), app.describe());
                assertNoComplaints(app, "a container of another user");
            }
            assertEquals(List.of(base.resolve("ka-agent-root")), list(base),
                    "the user could not make a directory of its own");
            List<String> loaded = Files.readAllLines(classLog);
            assertTrue(loaded.stream().noneMatch(l -> l.contains("io.kaagent.config.SimpleYamlComposer ")),
                    "the policy came compiled from root's directory: no YAML was read");
            assertTrue(loaded.stream().noneMatch(l -> l.contains("io.kaagent.instrument.HookMethodVisitor ")),
                    "the socket classes came rewritten from root's directory: none was rewritten here");
        }
    }

    /**
     * The preconditions; and what the other user reads, copied into the test's directory, opened to everyone: the
     * repository may sit in a directory only root can enter.
     */
    private void prepare(Path dir) throws IOException {
        KernelSocketReader.assumeAvailable();
        TestEnv.requireOrSkip(TestEnv.isLinux() && "0".equals(String.valueOf(Files.getAttribute(
                Paths.get("/proc/self"), "unix:uid"))) && Files.isExecutable(Paths.get("/usr/bin/setpriv")),
                () -> "running a JVM under another user id needs Linux, root and setpriv (util-linux)");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        agentJar = readableCopy(TestEnv.agentJar(), dir.resolve("ka-agent.jar"));
        sampleJar = readableCopy(TestEnv.sampleJar(), dir.resolve("sample-apps.jar"));
    }

    private static void assertNoComplaints(ChildJvm app, String what) {
        List<String> complaints = app.stderrLines().stream()
                .filter(l -> l.startsWith("ka-agent: WARN") || l.startsWith("ka-agent: ERROR"))
                .collect(Collectors.toList());
        assertTrue(complaints.isEmpty(), what + ": nothing to warn about; stderr:" + AgentLog.dump(app.stderrLines()));
    }

    private void startAndCheck(EchoServer server, Path policy, Path base, String what) throws Exception {
        try (ChildJvm app = ChildJvm.builder().runAs(UID).agentJar(agentJar).classPath(sampleJar).agent(policy)
                .sysProp("ka.agent.native.dir", base.toString())
                .mainClass("PathsClient").args("socket-connect", "127.0.0.1", server.port()).start()) {
            int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
            KernelSocketReader kernel = KernelSocketReader.of(app.pid());
            assertOptions(applied(31, 7, 4, 20_000), kernel, kernel.connection(local[0], server.port()),
                    what + ": the timers and TCP_USER_TIMEOUT, which only the native layer sets\n" + app.describe());
            assertEquals(0, app.quit(TestEnv.STEP_TIMEOUT), app.describe());
            assertNoComplaints(app, what);
        }
    }

    private static Path readableCopy(Path from, Path to) throws IOException {
        Files.copy(from, to);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
        return to;
    }

    /** Each entry's name and file key (device and inode): an entry written anew is a new file. */
    private static Map<String, Object> entries(Path cache) throws IOException {
        Map<String, Object> entries = new TreeMap<>();
        for (Path entry : list(cache)) {
            entries.put(entry.getFileName().toString(), Files.readAttributes(entry,
                    java.nio.file.attribute.BasicFileAttributes.class).fileKey());
        }
        return entries;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.collect(Collectors.toList());
        }
    }
}
