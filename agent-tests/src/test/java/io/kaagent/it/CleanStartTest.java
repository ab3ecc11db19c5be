package io.kaagent.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.kaagent.it.support.AgentJmx;
import io.kaagent.it.support.AgentLog;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.FreePorts;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent adds nothing a user can see (PRODUCT.md §7, FACTS.md "A user must never see a warning the agent could
 * have avoided"): on this test JVM's own java (17, or 25 in the second surefire run) a hello world that opens a
 * loopback connection the policy matches prints exactly what it prints without the agent, and nothing on stderr:
 * no JDK warnings (Unsafe, native access, CDS, dynamic agent loading) and no agent lines at the default log level.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CleanStartTest {
    private static final String WAIT_APP = "io.kaagent.samples.ops.WaitApp";

    @Test
    void validPolicyAndDefaultLogLevelPrintNothing(@TempDir Path dir) {
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, """
                version: 1
                rules:
                  - {name: hello, port: %d, direction: both, idle: 31s, intvl: 7s, cnt: 4, user_timeout: auto}
                """.formatted(port));
        assertSameAsWithoutAgent(ChildJvm.builder().agent(policy), port);
    }

    @Test
    void embeddedDefaultPolicyPrintsNothing() {
        assumeFalse(Files.exists(Paths.get("/etc/ka-agent/config.yml")),
                "/etc/ka-agent/config.yml exists on this machine and would be the policy");
        assertSameAsWithoutAgent(ChildJvm.builder().agent(), FreePorts.allocate(1)[0]);
    }

    /** log: debug shows the hooks really ran: one line per socket decision (here a connect and an accept). */
    @Test
    void debugLogHasOneLinePerSocketDecision(@TempDir Path dir) {
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, """
                version: 1
                log: debug
                rules:
                  - {name: hello, port: %d, direction: both, idle: 31s, intvl: 7s, cnt: 4}
                """.formatted(port));
        try (ChildJvm app = ChildJvm.builder().agent(policy).mainClass("HelloApp").args(port).start()) {
            assertEquals(0, app.awaitExit(TestEnv.START_TIMEOUT), app.describe());
            List<String> stderr = app.stderrLines();
            List<String> decisions = decisionLines(stderr, port);
            assertAll(
                    () -> assertEquals(2, decisions.size(), "two DEBUG decision lines mentioning port " + port
                            + " (the connect and the accept); stderr:" + AgentLog.dump(stderr)),
                    () -> assertTrue(stderr.stream().allMatch(AgentLog::isWellFormed),
                            "every stderr line is an agent line 'ka-agent: LEVEL ...':" + AgentLog.dump(stderr)));
        }
    }

    /**
     * Files: jffi's own loader unpacked its stub into java.io.tmpdir on every start, into the working directory when
     * that failed, and a JVM that ended meanwhile left empty jffi*.so files in both. The agent keeps exactly one
     * copy, in an owner-only cache directory of its own, beside the compiled policy (PolicyCache), and nothing
     * else — however short-lived the JVMs.
     */
    @Test
    void shortLivedJvmsLeaveNothingButTheAgentsCache(@TempDir Path dir) throws Exception {
        Path work = Files.createDirectory(dir.resolve("work"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, """
                version: 1
                rules:
                  - {name: hello, port: %d, direction: both, idle: 31s, intvl: 7s, cnt: 4}
                """.formatted(port));
        // A stub an older build left two days ago (named by SHA-256 until 2026-12-03): the first copy of this
        // build's stub removes it.
        String user = System.getProperty("user.name");
        Path cache = Files.createDirectory(tmp.resolve("ka-agent-" + user),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path oldStub = Files.write(cache.resolve("libjffi-1.2-" + "5".repeat(64) + ".so"), new byte[] {1, 2, 3});
        Files.setLastModifiedTime(oldStub, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - TimeUnit.DAYS.toMillis(2)));
        // The first JVM lives until its native layer is up (the MBean says so), so the copy is surely complete;
        // the short-lived ones after it only check that copy.
        try (ChildJvm first = ChildJvm.builder().agent(policy).workingDirectory(work)
                .sysProp("java.io.tmpdir", tmp.toString()).mainClass(WAIT_APP).start()) {
            first.awaitStdout("READY", TestEnv.START_TIMEOUT);
            try (AgentJmx jmx = AgentJmx.attach(first.pid())) {
                assertEquals("native", jmx.stringAttribute("Mode"), first.describe());
            }
        }
        for (int i = 0; i < 4; i++) {
            try (ChildJvm app = ChildJvm.builder().agent(policy).workingDirectory(work)
                    .sysProp("java.io.tmpdir", tmp.toString()).mainClass("HelloApp").args(port).start()) {
                assertEquals(0, app.awaitExit(TestEnv.START_TIMEOUT), app.describe());
            }
        }
        try (Stream<Path> inWork = Files.list(work); Stream<Path> inTmp = Files.list(tmp)) {
            assertAll(
                    () -> assertEquals(List.of(), inWork.collect(Collectors.toList()), "the working directory"),
                    () -> assertEquals(List.of(cache), inTmp.collect(Collectors.toList()), "java.io.tmpdir"));
        }
        try (Stream<Path> cached = Files.list(cache)) {
            List<String> names = cached.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
            // Five JVMs, one JDK, one policy text: one stub, one copy of the agent's libraries, one compiled policy
            // and one rewritten class per hook target (as rewritten at its load: carrying the bridge, "-b-"), no
            // half-written copy of any, and not the older build's stub.
            List<String> hooks = names.stream().filter(n -> n.startsWith("hooks-")).collect(Collectors.toList());
            List<String> rest = names.stream().filter(n -> !n.startsWith("hooks-")).collect(Collectors.toList());
            assertAll(
                    () -> assertEquals(3, rest.size(), "one stub, one libraries' jar, one compiled policy: " + names),
                    () -> assertTrue(rest.get(0).matches("libjffi-1\\.2-[0-9a-f]+-[0-9]+\\.so"), names.toString()),
                    () -> assertTrue(rest.get(1).matches("libs-[0-9a-f]{16}\\.jar"), names.toString()),
                    () -> assertTrue(rest.get(2).matches("policy-[0-9a-f]+-[0-9]+\\.bin"), names.toString()),
                    () -> assertEquals(List.of("java.net.ServerSocket", "java.net.Socket",
                            "sun.nio.ch.AsynchronousSocketChannelImpl", "sun.nio.ch.ServerSocketChannelImpl",
                            "sun.nio.ch.SocketChannelImpl", "sun.nio.ch.UnixAsynchronousServerSocketChannelImpl",
                            "sun.nio.ch.UnixAsynchronousSocketChannelImpl"),
                            hooks.stream().map(n -> n.replaceFirst("^hooks-[0-9a-f]+-b-(.*)\\.bin$", "$1"))
                                    .collect(Collectors.toList()), "one rewritten class per hook target: " + names),
                    () -> assertEquals("rw-------", PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(cache.resolve(rest.get(1)))), "owner-only libraries"),
                    () -> assertEquals("rw-------", PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(cache.resolve(rest.get(2)))), "owner-only entry"),
                    () -> assertEquals("rw-------", PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(cache.resolve(hooks.get(0)))), "owner-only hook entry"),
                    () -> assertEquals("rwx------", PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(cache)), "owner-only cache directory"));
        }
    }

    /**
     * The compiled policies kept stay bounded: a JVM that compiles a policy text not met before removes the oldest
     * entries beyond 64 once its policy is in force, and a JVM served from an entry marks it used (its time, once a
     * day at most), so that the entries kept are those used last. Here 70 entries of other policies, untouched for
     * ten days, wait in the directory: the first JVM leaves 64, its own among them; the second, whose entry is made
     * to look ten days old, is served from it and marks it used again.
     */
    @Test
    void theCompiledPoliciesKeptAreTheOnesUsedLast(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path cache = Files.createDirectory(tmp.resolve("ka-agent-" + System.getProperty("user.name")),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        long tenDaysAgo = System.currentTimeMillis() - TimeUnit.DAYS.toMillis(10);
        for (int i = 0; i < 70; i++) {
            Path other = Files.write(cache.resolve("policy-" + Integer.toHexString(0xa000 + i) + "-99.bin"),
                    new byte[] {(byte) i});
            Files.setLastModifiedTime(other, java.nio.file.attribute.FileTime.fromMillis(tenDaysAgo + i * 60_000L));
        }
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, """
                version: 1
                rules:
                  - {name: hello, port: %d, direction: both, idle: 31s, intvl: 7s, cnt: 4}
                """.formatted(port));
        Path own;
        try (ChildJvm first = ChildJvm.builder().agent(policy).sysProp("java.io.tmpdir", tmp.toString())
                .mainClass(WAIT_APP).start()) {
            first.awaitStdout("READY", TestEnv.START_TIMEOUT);
            awaitTrue(() -> policyEntries(cache).size() == 64, "64 compiled policies left; " + first.describe());
            List<Path> left = policyEntries(cache);
            own = left.stream().filter(p -> !p.getFileName().toString().endsWith("-99.bin")).findFirst().orElseThrow();
            for (int i = 0; i < 70; i++) {
                Path other = cache.resolve("policy-" + Integer.toHexString(0xa000 + i) + "-99.bin");
                assertEquals(i >= 7, Files.exists(other), "the oldest go: " + other.getFileName());
            }
        }
        Files.setLastModifiedTime(own, java.nio.file.attribute.FileTime.fromMillis(tenDaysAgo));
        try (ChildJvm second = ChildJvm.builder().agent(policy).sysProp("java.io.tmpdir", tmp.toString())
                .mainClass(WAIT_APP).start()) {
            second.awaitStdout("READY", TestEnv.START_TIMEOUT);
            awaitTrue(() -> Files.getLastModifiedTime(own).toMillis() > tenDaysAgo + TimeUnit.DAYS.toMillis(9),
                    "the entry it was served from is marked used; " + second.describe());
            assertEquals(64, policyEntries(cache).size(), "a JVM that wrote nothing removes nothing");
        }
    }

    /**
     * A JVM at rest weighs what it loads and runs: once its caches are warm, the agent's native layer is up without
     * the nested jar of relocated libraries ever opened (jffi sits beside the agent's classes; the nested jar's ~670
     * entries indexed and its classes inflated cost every JVM's init thread milliseconds) and without a thread of
     * jffi's own (its Cleaner made one, "Cleaner-0", in every JVM). Seen from outside: the process's open files and
     * memory maps (the stub mapped means the native layer is up) and its threads' names. The fresh first JVM opens
     * the nested jar (ASM rewrites the socket classes), which shows the check can see it. Neither JVM holds a socket
     * but a Unix one (the JDK keeps one for closing sockets, once it has closed one): the one the agent makes to take
     * the JDK's way to the options once, before the application's first connection, is closed (the application here
     * has none).
     */
    @Test
    void aWarmJvmAtRestHasNeitherTheNestedLibrariesOpenNorAThreadOfJffis(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path policy = Policies.write(dir, """
                version: 1
                rules:
                  - {name: any, cidr: 127.0.0.0/8, direction: both, idle: 31s, intvl: 7s, cnt: 4}
                """);
        for (String start : new String[] {"fresh", "warm"}) {
            try (ChildJvm app = ChildJvm.builder().agent(policy).sysProp("java.io.tmpdir", tmp.toString())
                    .mainClass(WAIT_APP).start()) {
                app.awaitStdout("READY", TestEnv.START_TIMEOUT);
                Path proc = Paths.get("/proc", Long.toString(app.pid()));
                awaitTrue(() -> Files.readAllLines(proc.resolve("maps")).stream()
                        .anyMatch(l -> l.contains("/libjffi-1.2-")), start + ": jffi's stub mapped; " + app.describe());
                Thread.sleep(300); // the rest of the init thread's work after the native layer
                List<String> nested = openFiles(proc).stream().filter(f -> f.matches(".*/libs-[^/]*\\.jar"))
                        .collect(Collectors.toList());
                List<String> jffiThreads = app.threadNames().stream().filter(n -> n.matches("Cleaner-\\d+"))
                        .collect(Collectors.toList());
                assertEquals(List.of(), socketsButUnixOnes(proc), start + ": the agent's own socket is closed");
                if (start.equals("fresh")) {
                    assertFalse(nested.isEmpty(), "the first start rewrote the socket classes with the nested "
                            + "libraries' ASM: " + openFiles(proc));
                } else {
                    assertAll(() -> assertEquals(List.of(), nested, "a warm start opened the nested libraries"),
                            () -> assertEquals(List.of(), jffiThreads, "threads " + app.threadNames()),
                            () -> assertEquals(List.of(), app.stderrLines(), "nothing printed"));
                }
            }
        }
    }

    /**
     * The policy's rule index is built by the init thread, after its handover and the hooks' warm-up (until then the
     * policy checks its rules in turn), not by the policy's own thread in parallel: that took two cores' share from an
     * application connecting at once. Seen from outside: the JVM's class-load log names the thread that loaded the
     * index's class, and that thread, still running, is the agent's init thread (renamed for housekeeping once done).
     */
    @Test
    void theInitThreadBuildsTheRuleIndexAfterTheHandover(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path policy = Policies.write(dir, """
                version: 1
                rules:
                  - {name: db, host: "*.db.internal", port: 5432}
                  - {name: any, cidr: 127.0.0.0/8, direction: both, idle: 31s, intvl: 7s, cnt: 4}
                """);
        for (String start : new String[] {"fresh", "warm"}) {
            Path log = dir.resolve("classes-" + start + ".log");
            try (ChildJvm app = ChildJvm.builder().agent(policy).sysProp("java.io.tmpdir", tmp.toString())
                    .jvmArg("-Xlog:class+load=info:file=" + log + ":tid").mainClass(WAIT_APP).start()) {
                app.awaitStdout("READY", TestEnv.START_TIMEOUT);
                awaitTrue(() -> Files.exists(log) && Files.readAllLines(log).stream()
                        .anyMatch(l -> l.contains(" io.kaagent.policy.RuleIndex ")), start + ": the index built");
                String line = Files.readAllLines(log).stream()
                        .filter(l -> l.contains(" io.kaagent.policy.RuleIndex ")).findFirst().orElseThrow();
                String tid = line.substring(line.indexOf('[') + 1, line.indexOf(']'));
                Path comm = Paths.get("/proc", Long.toString(app.pid()), "task", tid, "comm");
                String thread = Files.exists(comm) ? Files.readString(comm).trim() : "(ended) " + line;
                assertTrue(thread.equals("ka-agent-init") || thread.equals("ka-agent-housek"),
                        start + ": the index was built on " + thread + "; " + app.describe());
            }
        }
    }

    private static List<String> openFiles(Path proc) throws Exception {
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (java.io.IOException closedMeanwhile) {
                    return "";
                }
            }).collect(Collectors.toList());
        }
    }

    /** The process's sockets ({@code socket:[inode]} in its fd directory) that its Unix socket table does not list. */
    private static List<String> socketsButUnixOnes(Path proc) throws Exception {
        Set<String> unixInodes = Files.readAllLines(proc.resolve("net/unix")).stream().skip(1)
                .map(line -> line.trim().split("\\s+")).filter(f -> f.length > 6).map(f -> f[6])
                .collect(Collectors.toSet());
        return openFiles(proc).stream().filter(f -> f.startsWith("socket:["))
                .filter(f -> !unixInodes.contains(f.substring("socket:[".length(), f.length() - 1)))
                .collect(Collectors.toList());
    }

    private static List<Path> policyEntries(Path cache) throws Exception {
        try (Stream<Path> files = Files.list(cache)) {
            return files.filter(p -> p.getFileName().toString().startsWith("policy-")).collect(Collectors.toList());
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + TestEnv.START_TIMEOUT.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + TestEnv.START_TIMEOUT + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * The hook cache: a JVM whose JDK and agent build rewrote the socket classes before gets them from the cache and
     * never loads ASM, and its hooks still run (DEBUG: one decision line each for the connect and the accept).
     * The second needs none of the agent's relocated libraries either (their nested jar is never opened) but the
     * logger, and the JVM's reflective call of its premain spins no method handles. Neither JVM retransforms a socket class: each is rewritten once, as it loads, including those the application
     * loaded while the agent was still preparing the JVM (a retransformation stops every thread at a safepoint).
     */
    @Test
    void aSecondStartTakesTheRewrittenSocketClassesFromTheCacheWithoutAsm(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, """
                version: 1
                log: debug
                rules:
                  - {name: hello, port: %d, direction: both, idle: 31s, intvl: 7s, cnt: 4}
                """.formatted(port));
        // The first JVM lives until its native layer is up: by then it has loaded (and rewritten) every target.
        Path firstLog = dir.resolve("classes-first.log");
        try (ChildJvm first = ChildJvm.builder().agent(policy).sysProp("java.io.tmpdir", tmp.toString())
                .jvmArg("-Xlog:class+load=info:file=" + firstLog).mainClass(WAIT_APP).start()) {
            first.awaitStdout("READY", TestEnv.START_TIMEOUT);
            try (AgentJmx jmx = AgentJmx.attach(first.pid())) {
                assertEquals("native", jmx.stringAttribute("Mode"), first.describe());
            }
        }
        Path secondLog = dir.resolve("classes-second.log");
        try (ChildJvm app = ChildJvm.builder().agent(policy).sysProp("java.io.tmpdir", tmp.toString())
                .jvmArg("-Xlog:class+load=info:file=" + secondLog).mainClass("HelloApp").args(port).start()) {
            assertEquals(0, app.awaitExit(TestEnv.START_TIMEOUT), app.describe());
            List<String> decisions = decisionLines(app.stderrLines(), port);
            assertEquals(2, decisions.size(), "the connect and the accept were hooked; " + app.describe());
        }
        assertAll(
                () -> assertFalse(asmClasses(firstLog).isEmpty(), "the first start rewrote with ASM"),
                () -> assertEquals(List.of(), asmClasses(secondLog), "the second start loaded no ASM class"),
                () -> assertEquals(List.of(), libraryClassesButTheLogger(secondLog),
                        "the second start needed none of the agent's libraries (but tinylog, for log: debug)"),
                () -> assertEquals(List.of(), spunBeforeLaunch(secondLog),
                        "the JVM's reflective call of premain spun no method handles (ACC_VARARGS on premain)"),
                () -> assertEquals(List.of(), retransformed(firstLog), "the first start retransformed nothing"),
                () -> assertEquals(List.of(), retransformed(secondLog), "the second start retransformed nothing"));
    }

    /**
     * A policy in the plain YAML policies are written in is read by the agent's own reader (config.SimpleYamlComposer)
     * into its own nodes, without one class of SnakeYAML: on a fresh container's first start (a cache directory of its
     * own, empty) that read is what a short JVM's exit waits for, and SnakeYAML's node, mark, tag and schema classes
     * were ~15 class loads of it. The same policy in flow style goes to SnakeYAML, which the class log shows: the
     * check sees SnakeYAML where it is used. Both policies are applied (one DEBUG decision each for the connect and
     * the accept).
     */
    @Test
    void aPolicyInPlainYamlIsReadWithoutSnakeYaml(@TempDir Path dir) throws Exception {
        int port = FreePorts.allocate(1)[0];
        Path plain = Policies.write(dir, "plain.yml", """
                version: 1
                log: debug
                rules:
                  - name: hello
                    port: %d
                    direction: both
                    idle: 31s
                """.formatted(port));
        Path flow = Policies.write(dir, "flow.yml", """
                version: 1
                log: debug
                rules:
                  - {name: hello, port: %d, direction: both, idle: 31s}
                """.formatted(port));
        Path plainLog = startFresh(plain, port, dir.resolve("cache-plain"), dir.resolve("classes-plain.log"));
        Path flowLog = startFresh(flow, port, dir.resolve("cache-flow"), dir.resolve("classes-flow.log"));
        assertAll(
                () -> assertEquals(List.of(), snakeYamlClasses(plainLog), "plain YAML: no SnakeYAML class loaded"),
                () -> assertFalse(snakeYamlClasses(flowLog).isEmpty(), "flow style: read through SnakeYAML"));
    }

    /** Runs HelloApp under the policy with a new, empty cache directory; returns its class log. */
    private static Path startFresh(Path policy, int port, Path cache, Path classLog) {
        try (ChildJvm app = ChildJvm.builder().agent(policy).sysProp("ka.agent.native.dir", cache.toString())
                .jvmArg("-Xlog:class+load=info:file=" + classLog).mainClass("HelloApp").args(port).start()) {
            assertEquals(0, app.awaitExit(TestEnv.START_TIMEOUT), app.describe());
            assertEquals(2, decisionLines(app.stderrLines(), port).size(),
                    "the connect and the accept were hooked under " + policy + "; " + app.describe());
        }
        return classLog;
    }

    private static List<String> snakeYamlClasses(Path classLog) throws java.io.IOException {
        return linesWhere(classLog, l -> l.contains(" io.kaagent.shaded.snakeyaml."));
    }

    /** Relocated library classes (nested in inst/libs.jar, opened when first needed) other than tinylog's. */
    private static List<String> libraryClassesButTheLogger(Path classLog) throws java.io.IOException {
        return linesWhere(classLog, l -> (l.contains(" io.kaagent.shaded.") || l.contains(" com.kenai."))
                && !l.contains(" io.kaagent.shaded.tinylog."));
    }

    /**
     * Classes java.lang.invoke generated between the launcher's load and io.kaagent.Launch: the JVM's reflective call
     * of premain, which on JDK 18+ spins them unless premain is marked varargs (AgentMain, MarkEntryPointsVarargs).
     */
    private static List<String> spunBeforeLaunch(Path classLog) throws java.io.IOException {
        List<String> lines = Files.readAllLines(classLog);
        int launcher = -1;
        int launch = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (launcher < 0 && lines.get(i).contains(" io.kaagent.AgentMain ")) {
                launcher = i;
            } else if (launch < 0 && lines.get(i).contains(" io.kaagent.Launch ")) {
                launch = i;
            }
        }
        assertTrue(launcher >= 0 && launch > launcher, "the launcher, then Launch, in " + classLog);
        return lines.subList(launcher, launch).stream()
                .filter(l -> l.contains("java.lang.invoke.LambdaForm$") || l.contains("$Species_"))
                .collect(Collectors.toList());
    }

    /** Classes redefined or retransformed after they loaded (-Xlog:class+load names their source so). */
    private static List<String> retransformed(Path classLog) throws java.io.IOException {
        return linesWhere(classLog, l -> l.contains("__VM_RedefineClasses__"));
    }

    /** The agent's DEBUG lines that mention this port: its socket decisions. */
    private static List<String> decisionLines(List<String> stderr, int port) {
        Pattern portNumber = Pattern.compile("(?<!\\d)" + port + "(?!\\d)");
        return AgentLog.lines(stderr, "DEBUG").stream().filter(l -> portNumber.matcher(l).find())
                .collect(Collectors.toList());
    }

    /**
     * The hook rewriter's ASM (Byte Buddy's copy). Until 2026-12-03 this looked for jnr-ffi's relocated ASM instead,
     * which the native layer loaded: the first start's "rewrote with ASM" then held whether or not the hooks did.
     */
    private static List<String> asmClasses(Path classLog) throws java.io.IOException {
        return linesWhere(classLog, l -> l.contains("io.kaagent.shaded.bytebuddy.jar.asm."));
    }

    /** The lines of a -Xlog:class+load file that pass the test. */
    private static List<String> linesWhere(Path classLog, Predicate<String> test) throws java.io.IOException {
        return Files.readAllLines(classLog).stream().filter(test).collect(Collectors.toList());
    }

    private static void assertSameAsWithoutAgent(ChildJvm.Builder withAgent, int port) {
        Run without = run(ChildJvm.builder().mainClass("HelloApp").args(port));
        Run with = run(withAgent.mainClass("HelloApp").args(port));
        assertAll(
                () -> assertEquals(List.of("hello", "echo: ping", "bye"), without.stdout,
                        "the app itself, without the agent; stderr:" + AgentLog.dump(without.stderr)),
                () -> assertEquals(0, with.exit, "exit code with the agent"),
                () -> assertEquals(without.stdout, with.stdout, "stdout with the agent"),
                () -> assertEquals(without.stderr, with.stderr, "stderr with the agent must be what it is without:"
                        + AgentLog.dump(with.stderr)),
                () -> assertEquals(List.of(), with.stderr, "nothing on stderr at all"));
    }

    private record Run(int exit, List<String> stdout, List<String> stderr) {
    }

    private static Run run(ChildJvm.Builder builder) {
        try (ChildJvm app = builder.start()) {
            int exit = app.awaitExit(TestEnv.START_TIMEOUT);
            return new Run(exit, app.stdoutLines(), app.stderrLines());
        }
    }
}
