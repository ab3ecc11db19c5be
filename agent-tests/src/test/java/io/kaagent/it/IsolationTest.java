package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PRODUCT.md §5: the agent loads none of its dependencies where the application can see them. OwnDepsApp brings its
 * own Byte Buddy 1.12, jnr-ffi 2.2 (and jffi) and tinylog 2.6 with its own tinylog.properties (format
 * {@code APP-TINYLOG {level}: {message}} to stderr): under the agent they all work, the app cannot load a single
 * class of the agent's jar, its tinylog.properties does not leak into the agent's log lines, and its connection
 * still gets the policy.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IsolationTest {
    /**
     * What an application may see of the agent: the launcher (the -javaagent jar is on the system class path) and the
     * bootstrap bridge advice calls into (FACTS.md). jffi keeps its package (its JNI symbols), the app has its own.
     */
    private static final List<String> MAY_BE_VISIBLE = List.of("io.kaagent.AgentMain", "io.kaagent.bootstrap.",
            "com.kenai.jffi.");

    @Test
    void applicationsOwnLibrariesWorkAndTheAgentStaysInvisible(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        List<String> agentClasses = agentClassNames();
        Path probe = dir.resolve("agent-classes.txt");
        Files.write(probe, agentClasses);
        try (EchoServer peer = EchoServer.start()) {
            Path policy = Policies.write(dir, """
                    version: 1
                    log: info
                    rules:
                      - {name: own, port: %d, idle: 41s, intvl: 9s, cnt: 3}
                    """.formatted(peer.port()));
            try (ChildJvm app = ChildJvm.builder().agent(policy).sysProp("probe.classes", probe.toString())
                    .mainClass("OwnDepsApp").args("127.0.0.1", peer.port()).start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                AssertionError whileRunning = Checks.runNow(
                        () -> assertOptions(applied(41, 9, 3, 0), kernel, kernel.connection(local[0], peer.port()),
                                "the app's connection"),
                        () -> {
                            // The app's own jffi must not be the one the agent ends up with.
                            try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                                assertEquals("native", jmx.stringAttribute("Mode"), app.describe());
                            }
                        });
                int exit = app.quit(TestEnv.STEP_TIMEOUT); // the whole log, also what is written late
                List<String> out = app.stdoutLines();
                List<String> err = app.stderrLines();
                String sampleJar = TestEnv.sampleJar().getFileName().toString();
                List<String> appTinylog = err.stream().filter(l -> l.contains("APP-TINYLOG"))
                        .collect(Collectors.toList());
                assertAll(
                        Checks.earlier(whileRunning),
                        () -> assertEquals(0, exit, "exit code\n" + app.describe()),
                        () -> assertTrue(out.stream().anyMatch(l -> l.startsWith("BYTEBUDDY ok made-by-byte-buddy")),
                                "the app's Byte Buddy 1.12 works\n" + app.describe()),
                        () -> assertTrue(out.contains("JNR ok getpid=" + app.pid()), "the app's jnr-ffi works"),
                        () -> assertTrue(out.contains("TINYLOG ok"), "the app's tinylog works"),
                        () -> assertEquals(List.of("APP-TINYLOG INFO: tinylog-ok from the application"), appTinylog,
                                "the app's own log line, in its own format, and no other line in that format"),
                        () -> assertTrue(out.stream().filter(l -> l.startsWith("CODESOURCE "))
                                        .allMatch(l -> l.endsWith("/" + sampleJar)),
                                "the app's libraries come from its own jar: " + out),
                        () -> assertEquals(5, out.stream().filter(l -> l.startsWith("CODESOURCE ")).count()),
                        () -> assertEquals(List.of(), out.stream().filter(l -> l.startsWith("VISIBLE "))
                                .collect(Collectors.toList()), "agent classes the application can load"),
                        () -> assertTrue(out.contains("PROBED " + (agentClasses.size() + 5) + " VISIBLE 0"),
                                "probed every class of the agent jar: " + out),
                        () -> assertFalse(AgentLog.lines(err, "INFO").isEmpty(),
                                "log: info gives the agent's start line, in the agent's own format; stderr:"
                                        + AgentLog.dump(err)),
                        () -> assertTrue(AgentLog.agentLines(err).stream().allMatch(AgentLog::isWellFormed),
                                "every agent line is 'ka-agent: LEVEL ...':" + AgentLog.dump(err)));
            }
        }
    }

    /**
     * Every class in the agent jar (at its root, hidden as inst/*.classdata, or in the nested libraries' jar
     * inst/libs.jar) an application must not see.
     */
    private static List<String> agentClassNames() throws IOException {
        List<String> names = new ArrayList<>();
        int nested = 0;
        try (JarFile jar = new JarFile(TestEnv.agentJar().toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                if (entry.getName().equals("inst/libs.jar")) {
                    try (JarInputStream libraries = new JarInputStream(jar.getInputStream(entry))) {
                        for (JarEntry inner; (inner = libraries.getNextJarEntry()) != null; nested++) {
                            addClassName(names, "inst/" + inner.getName());
                        }
                    }
                } else {
                    addClassName(names, entry.getName());
                }
            }
        }
        assertFalse(names.isEmpty(), "no classes found in " + TestEnv.agentJar());
        assertTrue(nested > 500, "the relocated libraries' classes, nested in inst/libs.jar: " + nested);
        return names;
    }

    private static void addClassName(List<String> names, String entry) {
        String name = null;
        if (entry.startsWith("inst/") && entry.endsWith(".classdata")) {
            name = entry.substring("inst/".length(), entry.length() - ".classdata".length());
        } else if (entry.endsWith(".class")) {
            name = entry.substring(0, entry.length() - ".class".length());
        }
        if (name == null || name.endsWith("module-info") || name.startsWith("META-INF/")) {
            return;
        }
        String className = name.replace('/', '.');
        if (MAY_BE_VISIBLE.stream().noneMatch(className::startsWith)) {
            names.add(className);
        }
    }
}
