package io.kaagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.AgentLog;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.TestEnv;
import io.kaagent.ops.support.KaCli;
import io.kaagent.ops.support.OpsApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 / PRODUCT.md §7: the agent re-reads its policy file when it changes; a valid new policy is applied to the
 * open sockets within seconds, an invalid one is reported as FILE:LINE:COL and the old values stay.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReloadTest {
    /** The agent checks every 2 s; a change must show well within this. */
    static final Duration RELOAD_WITHIN = Duration.ofSeconds(8);

    @BeforeAll
    static void needsKernelReader() {
        KernelSocketReader.assumeAvailable();
    }

    /** Waits until every socket has the policy's values, failing with the last difference. */
    static void awaitPolicy(OpsApp app, int echoPort, int idleOffset) throws Exception {
        long deadline = System.nanoTime() + RELOAD_WITHIN.toNanos();
        while (true) {
            try {
                AttachTest.assertPolicyOnAllSockets(app, echoPort, idleOffset);
                return;
            } catch (AssertionError notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the edited policy was not applied within " + RELOAD_WITHIN + "\n"
                            + app.jvm().describe(), notYet);
                }
                Thread.sleep(200);
            }
        }
    }

    @Test
    void editedPolicyReachesOpenSocketsAndABrokenEditChangesNothing(@TempDir Path dir) throws Exception {
        try (EchoServer echo = EchoServer.start(); OpsApp app = OpsApp.start(echo.port())) {
            Path policy = AttachTest.policy(dir, "policy.yml", app, echo.port(), 0);
            KaCli.Result attach = KaCli.run("attach", app.pid(), policy);
            assertEquals(0, attach.exit(), attach.describe());
            app.connect(echo.port()); // one connection the hooks saw, the others the attach found open

            // An edit in place.
            Path edited = AttachTest.policy(dir, "next.yml", app, echo.port(), 10);
            Files.writeString(policy, Files.readString(edited));
            awaitPolicy(app, echo.port(), 10);

            // A broken edit: reported with its position, the values stay.
            Files.writeString(policy, Files.readString(policy).replace("cnt: 4", "cnt: 400"), StandardCharsets.UTF_8);
            String error = app.jvm().awaitStderr(l -> l.startsWith("ka-agent: ERROR " + policy + ":"), RELOAD_WITHIN);
            assertTrue(error.matches("ka-agent: ERROR " + java.util.regex.Pattern.quote(policy.toString())
                    + ":3:\\d+: .*cnt.*"), "FILE:LINE:COL: message naming the key: " + error);
            app.jvm().awaitStderr(l -> l.startsWith("ka-agent: ERROR policy not reloaded"), TestEnv.STEP_TIMEOUT);
            Thread.sleep(3000); // more than one more check interval: nothing may change
            AttachTest.assertPolicyOnAllSockets(app, echo.port(), 10);

            // An editor's save (write elsewhere, rename over): picked up too, the watcher survived the error.
            Path saved = AttachTest.policy(dir, "saved.yml", app, echo.port(), 20);
            Files.move(saved, policy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            awaitPolicy(app, echo.port(), 20);
            assertTrue(AgentLog.lines(app.jvm().stderrLines(), "ERROR").stream()
                    .allMatch(l -> l.contains(policy.toString()) || l.contains("policy not reloaded")),
                    "only the broken edit was reported" + AgentLog.dump(app.jvm().stderrLines()));
            app.query();
        }
    }

    /**
     * A reload decides again as the hook did, with the host name the application dialled — a rule on the host must
     * not lose its socket to an address rule below it just because /proc knows no names.
     */
    @Test
    void reloadKeepsHostRulesOnTheirSockets(@TempDir Path dir) throws Exception {
        try (EchoServer echo = EchoServer.start()) {
            String rules = """
                    version: 1
                    rules:
                      - {name: by-host, host: localhost, port: %d, idle: %ds, intvl: 5s, cnt: 3}
                      - {name: by-address, cidr: ["127.0.0.0/8"], port: %d, idle: %ds, intvl: 5s, cnt: 3}
                    """;
            Path policy = Policies.write(dir, rules.formatted(echo.port(), 21, echo.port(), 22));
            try (OpsApp app = OpsApp.start(b -> b.agent(policy), echo.port())) {
                KernelSocketReader reader = KernelSocketReader.of(app.pid());
                int byName = app.connectHost("localhost", echo.port());
                int byAddress = app.echoLocalPorts().get(0);
                assertEquals(KernelSocketOptions.applied(21, 5, 3, 0),
                        reader.options(reader.connection(byName, echo.port())), "dialled as localhost");
                assertEquals(KernelSocketOptions.applied(22, 5, 3, 0),
                        reader.options(reader.connection(byAddress, echo.port())), "dialled as 127.0.0.1");

                Files.writeString(policy, rules.formatted(echo.port(), 23, echo.port(), 24));

                long deadline = System.nanoTime() + RELOAD_WITHIN.toNanos();
                while (reader.options(reader.connection(byAddress, echo.port())).idleSeconds() != 24
                        && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertEquals(KernelSocketOptions.applied(24, 5, 3, 0),
                        reader.options(reader.connection(byAddress, echo.port())), app.jvm().describe());
                assertEquals(KernelSocketOptions.applied(23, 5, 3, 0),
                        reader.options(reader.connection(byName, echo.port())),
                        "still the host rule after the reload\n" + app.jvm().describe());
            }
        }
    }
}
