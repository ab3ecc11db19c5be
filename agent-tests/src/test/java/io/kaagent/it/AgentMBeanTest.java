package io.kaagent.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.AgentJmx;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** PRODUCT.md §7: the MBean ka.agent:type=KeepAlive counts what happened, read from outside through attach + JMX. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentMBeanTest {

    @Test
    void countersDescribeAQuietRun(@TempDir Path dir) throws Exception {
        try (EchoServer matched = EchoServer.start(); EchoServer unmatched = EchoServer.start()) {
            Path policy = Policies.write(dir, """
                    version: 1
                    rules:
                      - {name: out, port: %d, idle: 31s, intvl: 7s, cnt: 4}
                    """.formatted(matched.port()));
            try (ChildJvm app = ChildJvm.builder().agent(policy).mainClass("PathsClient")
                    .args("socket-connect", "127.0.0.1", SampleOutput.portList(matched.port(), unmatched.port()), 2)
                    .start()) {
                app.awaitStdout("READY", TestEnv.START_TIMEOUT);
                try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                    assertAll(
                            () -> assertEquals(2, jmx.longAttribute("SocketsApplied"),
                                    "two connections matched the rule, two did not"),
                            () -> assertEquals("native", jmx.stringAttribute("Mode")),
                            () -> assertTrue(jmx.stringAttribute("PolicySource").contains(policy.toString()),
                                    "PolicySource names the file: " + jmx.stringAttribute("PolicySource")),
                            () -> assertEquals(0, jmx.longAttribute("ReloadCount")),
                            () -> assertEquals(0, jmx.longAttribute("HookFailures")),
                            () -> assertEquals(0, jmx.longAttribute("Neutralised")));
                }
            }
        }
    }

    /**
     * The agent never makes the JVM's platform MBean server (that alone costs a JVM ~1,000 classes and 9-17 MiB of
     * RSS): in a JVM nothing else asked for one, there is none once the agent is up in native mode, as the JVM's own
     * class histogram shows from outside. Once something makes one (here the JDK's local management agent, as
     * jconsole does), the MBean is registered within a second or so (AgentJmx waits up to 5 s).
     */
    @Test
    void theMBeanWaitsForAServerTheAgentDoesNotMake(@TempDir Path dir) throws Exception {
        Path policy = Policies.write(dir, """
                version: 1
                log: info
                rules:
                  - {name: out, port: 5432, idle: 31s, intvl: 7s, cnt: 4}
                """);
        try (ChildJvm app = ChildJvm.builder().agent(policy).mainClass("io.kaagent.samples.ops.WaitApp").start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            app.awaitStderr(line -> line.contains("ka-agent") && line.contains("native mode"), TestEnv.START_TIMEOUT);
            Thread.sleep(2500); // more than two of the agent's looks for a server
            String histogram = jcmd(app.pid(), "GC.class_histogram");
            assertTrue(histogram.contains("java.lang.String "), "a class histogram: " + histogram);
            assertFalse(histogram.contains("com.sun.jmx.mbeanserver.JmxMBeanServer"),
                    "no MBean server in a JVM that asked for none; " + app.describe());
            long madeAt = System.nanoTime();
            try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                assertEquals("native", jmx.stringAttribute("Mode"));
                assertEquals(0, jmx.longAttribute("HookFailures"));
            }
            assertTrue(System.nanoTime() - madeAt < TimeUnit.SECONDS.toNanos(4),
                    "the MBean followed the server within the agent's second of polling (and the attach)");
        }
    }

    private static String jcmd(long pid, String command) throws Exception {
        Path jcmd = TestEnv.javaExecutable().resolveSibling("jcmd");
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "jcmd " + command + " did not end");
        assertEquals(0, process.exitValue(), "jcmd " + command + ": " + output);
        return output;
    }
}
