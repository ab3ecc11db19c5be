package io.kaagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.TestEnv;
import io.kaagent.ops.support.KaCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5: {@code attach} fails with one clear line and exit status 1 — no such process, not a JVM, another user's
 * JVM, attach disabled, a Security Manager, a system class loader that takes no agent, a broken policy — and explains
 * the JDK 21+ dynamic-agent warning.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AttachErrorsTest {
    static final String WAIT_APP = "io.kaagent.samples.ops.WaitApp";

    static void assertOneLineFailure(KaCli.Result result, String expected) {
        assertEquals(1, result.exit(), result.describe());
        assertEquals(1, result.stderr().size(), "exactly one line on stderr\n" + result.describe());
        assertTrue(result.stderr().get(0).startsWith("ka-agent: "), result.describe());
        assertTrue(result.err().contains(expected), "expected '" + expected + "'\n" + result.describe());
        assertTrue(result.stdout().isEmpty(), result.describe());
    }

    static long unusedPid() {
        for (long pid = 4_000_000; pid > 3_000_000; pid -= 7919) {
            if (!Files.exists(Paths.get("/proc", Long.toString(pid)))) {
                return pid;
            }
        }
        throw new AssertionError("no unused pid found");
    }

    @Test
    void noSuchProcess() {
        long pid = unusedPid();
        assertOneLineFailure(KaCli.run("attach", pid), "no process with pid " + pid);
        assertOneLineFailure(KaCli.run("status", pid), "no process with pid " + pid);
    }

    @Test
    void notAJvm() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "60").start();
        try {
            assertOneLineFailure(KaCli.run("attach", sleep.pid()), "pid " + sleep.pid() + " (sleep) is not a Java VM");
            assertOneLineFailure(KaCli.run("status", sleep.pid()), "is not a Java VM");
        } finally {
            sleep.destroyForcibly();
        }
    }

    @Test
    void attachDisabled() {
        try (ChildJvm app = ChildJvm.builder().noAgent().jvmArg("-XX:+DisableAttachMechanism").mainClass(WAIT_APP)
                .start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            assertOneLineFailure(KaCli.run("attach", app.pid()), "attach mechanism disabled (-XX:+DisableAttachMechanism)");
        }
    }

    /**
     * A JVM started with a Security Manager (JDK 8 to 23) whose policy does not grant the agent: the agent steps aside
     * with one line on that JVM's stderr, and the command says why nothing came back.
     */
    @Test
    void securityManager(@TempDir Path dir) throws Exception {
        TestEnv.assumeSecurityManager();
        Path grants = dir.resolve("app.policy");
        Files.writeString(grants, "grant { permission java.util.PropertyPermission \"*\", \"read\"; };\n");
        try (ChildJvm app = ChildJvm.builder().noAgent().sysProp("java.security.manager", "default")
                .sysProp("java.security.policy", grants.toString()).mainClass(WAIT_APP).start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            assertOneLineFailure(KaCli.run("attach", app.pid()), "the agent did not report back from pid " + app.pid()
                    + ", which runs with a Security Manager (-Djava.security.manager=default): the agent steps aside "
                    + "under one whose policy does not grant ka-agent.jar AllPermission (its stderr says so)");
            app.awaitStderr(l -> l.equals("ka-agent: ERROR a Security Manager is installed (java.security.manager) "
                    + "and its policy does not grant ka-agent.jar AllPermission: the agent installs nothing"),
                    TestEnv.STEP_TIMEOUT);
            assertTrue(app.isAlive(), app.describe());
        }
    }

    /** The same JVM, its policy granting the agent's jar AllPermission: attached. */
    @Test
    void securityManagerThatGrantsTheAgent(@TempDir Path dir) throws Exception {
        TestEnv.assumeSecurityManager();
        Path grants = dir.resolve("app.policy");
        Files.writeString(grants, "grant codeBase \"" + TestEnv.agentJar().toUri()
                + "\" { permission java.security.AllPermission; };\n");
        try (ChildJvm app = ChildJvm.builder().noAgent().sysProp("java.security.manager", "default")
                .sysProp("java.security.policy", grants.toString()).mainClass(WAIT_APP).start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            KaCli.Result attach = KaCli.run("attach", app.pid());
            assertEquals(0, attach.exit(), attach.describe() + app.describe());
            assertTrue(attach.out().contains("attached to pid " + app.pid() + " (native mode)"), attach.describe());
            assertTrue(app.stderrLines().stream().noneMatch(l -> l.startsWith("ka-agent: ERROR")
                    || l.startsWith("ka-agent: WARN")), app.describe());
        }
    }

    /**
     * A system class loader of the application's own without appendToClassPathForInstrumentation: the JVM cannot add
     * any agent's jar, says so on its stderr and runs on; the command names the loader in one line.
     */
    @Test
    void systemClassLoaderThatTakesNoAgent() {
        String loader = "io.kaagent.samples.ops.PlainSystemLoader";
        try (ChildJvm app = ChildJvm.builder().noAgent().sysProp("java.system.class.loader", loader)
                .mainClass(WAIT_APP).start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            assertOneLineFailure(KaCli.run("attach", app.pid()), "pid " + app.pid() + "'s system class loader ("
                    + loader + ", -Djava.system.class.loader) cannot take an agent's jar (it has no "
                    + "appendToClassPathForInstrumentation method): no Java agent can be loaded into this JVM");
            assertTrue(app.isAlive(), app.describe());
            assertTrue(app.stderrLines().stream().noneMatch(l -> l.startsWith("ka-agent")),
                    "none of the agent ran\n" + app.describe());
        }
    }

    /**
     * The attach API wakes a JVM's attach listener with SIGQUIT, which kills a process that does not handle it. A JVM
     * run with -Xrs handles no SIGQUIT, but HotSpot on Linux then starts its attach listener at start-up
     * (AttachListener::init_at_startup() is ReduceSignalUsage): the CLI must see the listener, attach through it
     * without a signal, and the JVM must live on.
     */
    @Test
    void jvmWithoutSigquitHandlerIsAttachedWithoutASignal() {
        try (ChildJvm app = ChildJvm.builder().noAgent().jvmArg("-Xrs").mainClass(WAIT_APP).start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            KaCli.Result attach = KaCli.run("attach", app.pid());
            assertEquals(0, attach.exit(), attach.describe());
            assertTrue(attach.out().contains("attached to pid " + app.pid()), attach.describe());
            assertTrue(app.isAlive(), "the JVM was not killed by a SIGQUIT\n" + app.describe());
        }
    }

    @Test
    void anotherUsersJvm() {
        assumeTrue(TestEnv.isLinux() && "root".equals(System.getProperty("user.name")),
                "needs root to run the command as another user (nobody)");
        assumeTrue(Files.isExecutable(Paths.get("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        assumeTrue(everyoneCanRead(TestEnv.agentJar()) && everyoneCanRead(TestEnv.javaExecutable()),
                "the agent jar and java must be readable by nobody");
        try (ChildJvm app = ChildJvm.builder().noAgent().mainClass(WAIT_APP).start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");
            assertOneLineFailure(KaCli.runAs(asNobody, "attach", app.pid()),
                    "pid " + app.pid() + " belongs to user root");
            assertOneLineFailure(KaCli.runAs(asNobody, "status", app.pid()),
                    "pid " + app.pid() + " belongs to user root");
        }
    }

    static boolean everyoneCanRead(Path file) {
        for (Path p = file.toAbsolutePath(); p != null; p = p.getParent()) {
            try {
                String perms = java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                if (perms.charAt(Files.isDirectory(p) ? 8 : 6) == '-') {
                    return false;
                }
            } catch (Exception e) {
                return false;
            }
        }
        return true;
    }

    @Test
    void brokenPolicyIsReportedAndNothingIsLoaded(@TempDir Path dir) {
        Path policy = Policies.write(dir, """
                version: 1
                rules:
                  - name: db
                    idel: 30s
                """);
        try (ChildJvm app = ChildJvm.builder().noAgent().jvmArg("-XX:+EnableDynamicAgentLoading").mainClass(WAIT_APP)
                .start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            KaCli.Result result = KaCli.run("attach", app.pid(), policy);
            assertEquals(1, result.exit(), result.describe());
            assertTrue(result.err().contains(policy + ":4:5: "), "FILE:LINE:COL of the unknown key\n"
                    + result.describe());
            assertTrue(result.stderr().get(result.stderr().size() - 1).startsWith("ka-agent: not attached: "),
                    result.describe());
            KaCli.Result list = KaCli.run("list");
            assertTrue(list.stdout().stream().anyMatch(l -> l.matches(app.pid() + "\\s+no\\s+.*")),
                    "the JVM has no agent\n" + list.describe());
        }
    }

    /** JEP 451: on 21+ loading an agent into a running JVM prints a warning there; the command says why. */
    @Test
    void dynamicAgentWarningIsExplained(@TempDir Path dir) {
        Path policy = Policies.write(dir, "version: 1\nrules: []\n");
        try (ChildJvm app = ChildJvm.builder().noAgent().mainClass(WAIT_APP).start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            KaCli.Result result = KaCli.run("attach", app.pid(), policy);
            assertEquals(0, result.exit(), result.describe());
            boolean warns = TestEnv.javaFeature() >= 21;
            assertEquals(warns, result.out().contains("note: pid " + app.pid() + " runs Java " + TestEnv.javaFeature()
                    + ", which printed \"WARNING: A Java agent has been loaded dynamically\""), result.describe());
            if (warns) {
                app.awaitStderr(l -> l.startsWith("WARNING: A Java agent has been loaded dynamically"),
                        TestEnv.STEP_TIMEOUT);
            } else {
                assertFalse(app.stderrLines().stream().anyMatch(l -> l.contains("loaded dynamically")),
                        app.describe());
            }
        }
    }
}
