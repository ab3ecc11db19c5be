package io.kaagent.ops;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.AgentJmx;
import io.kaagent.it.support.EchoServer;
import io.kaagent.ops.support.KaCli;
import io.kaagent.ops.support.OpsApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 / PRODUCT.md §7: {@code ka.agent:type=KeepAlive} of an attached agent, read from the test through the
 * child's platform MBean server (attach API local connector): per-rule matched/applied/failed/neutralised, policy
 * source, mode, reload count, and what the last reload and sweep did.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpsJmxTest {

    /** rule name → {matched, applied, failed, neutralised} */
    static Map<String, long[]> rules(AgentJmx jmx) throws Exception {
        CompositeData[] rules = (CompositeData[]) jmx.attribute("Rules");
        return Arrays.stream(rules).collect(Collectors.toMap(r -> (String) r.get("name"), r -> new long[] {
            (Long) r.get("matched"), (Long) r.get("applied"), (Long) r.get("failed"), (Long) r.get("neutralised")}));
    }

    static void assertCounts(Map<String, long[]> rules, String rule, long matched, long applied) {
        long[] counts = rules.get(rule);
        assertTrue(counts != null, "rule " + rule + " in " + rules.keySet());
        assertEquals(matched + "/" + applied + "/0/0", counts[0] + "/" + counts[1] + "/" + counts[2] + "/" + counts[3],
                "matched/applied/failed/neutralised of rule " + rule);
    }

    @Test
    void countersOfAnAttachedAgent(@TempDir Path dir) throws Exception {
        try (EchoServer echo = EchoServer.start(); OpsApp app = OpsApp.start(echo.port())) {
            Path policy = AttachTest.policy(dir, "policy.yml", app, echo.port(), 0);
            KaCli.Result attach = KaCli.run("attach", app.pid(), policy);
            assertEquals(0, attach.exit(), attach.describe());
            app.connect(echo.port());

            try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                Map<String, long[]> rules = rules(jmx);
                assertAll(
                        () -> assertEquals(policy.toString(), jmx.stringAttribute("PolicySource")),
                        () -> assertEquals("native", jmx.stringAttribute("Mode")),
                        () -> assertEquals(0, jmx.longAttribute("ReloadCount")),
                        () -> assertEquals(6, jmx.longAttribute("SocketsApplied"), "5 open at attach, 1 after"),
                        () -> assertCounts(rules, "jdbc", 2, 2),
                        () -> assertCounts(rules, "db-server", 2, 2),
                        () -> assertCounts(rules, "echo", 2, 2),
                        () -> assertTrue(jmx.stringAttribute("LastSweep").contains("updated 5, skipped 2"),
                                jmx.stringAttribute("LastSweep")),
                        () -> assertNull(jmx.attribute("LastReloadError")));

                Files.writeString(policy, Files.readString(policy).replace("idle: 31s", "idle: 32s"));
                awaitReloads(jmx, 1);
                assertCounts(rules(jmx), "echo", 4, 4);
                // Skipped now also counts the JMX connector's own listener and this test's connection to it
                // (loopback, no rule), whose number is RMI's business: only updated and failed are exact.
                String sweep = jmx.stringAttribute("LastSweep");
                assertTrue(sweep.contains("updated 6, skipped ") && sweep.contains("failed 0"), sweep);

                Files.writeString(policy, Files.readString(policy).replace("idle: 32s", "idle: 0s"));
                long deadline = System.nanoTime() + ReloadTest.RELOAD_WITHIN.toNanos();
                while (jmx.attribute("LastReloadError") == null && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                String error = (String) jmx.attribute("LastReloadError");
                assertTrue(error != null && error.startsWith(policy + ":3:"), "FILE:LINE:COL: " + error);
                assertEquals(1, jmx.longAttribute("ReloadCount"), "the broken edit replaced nothing");

                KaCli.Result again = KaCli.run("attach", app.pid(),
                        AttachTest.policy(dir, "other.yml", app, echo.port(), 5));
                assertEquals(0, again.exit(), again.describe());
                assertEquals(2, jmx.longAttribute("ReloadCount"), "a second attach replaces the policy");
                assertEquals(dir.resolve("other.yml").toString(), jmx.stringAttribute("PolicySource"));
                assertNull(jmx.attribute("LastReloadError"));
            }
        }
    }

    static void awaitReloads(AgentJmx jmx, long count) throws Exception {
        Duration within = ReloadTest.RELOAD_WITHIN;
        long deadline = System.nanoTime() + within.toNanos();
        while (jmx.longAttribute("ReloadCount") < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("ReloadCount did not reach " + count + " within " + within);
            }
            Thread.sleep(200);
        }
    }
}
