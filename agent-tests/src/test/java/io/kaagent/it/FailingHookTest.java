package io.kaagent.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.AgentJmx;
import io.kaagent.it.support.AgentLog;
import io.kaagent.it.support.Checks;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.FreePorts;
import io.kaagent.it.support.LineClient;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PRODUCT.md §5 fail-open: with the test-only switch -Dka.agent.test.failHook=true the agent's socket handler throws
 * on every socket. The application's connect and accept must still work; the failures are counted (MBean
 * HookFailures) and logged once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailingHookTest {

    @Test
    void connectSucceedsWhenTheHookThrows(@TempDir Path dir) throws Exception {
        try (EchoServer peer = EchoServer.start()) {
            Path policy = Policies.write(dir, """
                    version: 1
                    rules:
                      - {name: out, port: %d, idle: 31s, intvl: 7s, cnt: 4}
                    """.formatted(peer.port()));
            for (String path : List.of("socket-connect", "channel-blocking")) {
                try (ChildJvm app = ChildJvm.builder().agent(policy).sysProp("ka.agent.test.failHook", "true")
                        .mainClass("PathsClient").args(path, "127.0.0.1", peer.port(), 3).start()) {
                    int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                    assertEquals(3, local.length, "three connections made and used through " + path);
                    assertFailureCountedAndLoggedOnce(app, path);
                }
            }
        }
    }

    @Test
    void acceptSucceedsWhenTheHookThrows(@TempDir Path dir) throws Exception {
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, """
                version: 1
                rules:
                  - {name: in, port: %d, direction: inbound, idle: 33s, intvl: 8s, cnt: 5}
                """.formatted(port));
        for (String path : List.of("server-socket", "channel-selector")) {
            try (ChildJvm app = ChildJvm.builder().agent(policy).sysProp("ka.agent.test.failHook", "true")
                    .mainClass("PathsServer").args(path, port, 3).start()) {
                app.awaitStdout("LISTENING", TestEnv.START_TIMEOUT);
                try (LineClient a = LineClient.connectAndExchange(port, null);
                     LineClient b = LineClient.connectAndExchange(port, null);
                     LineClient c = LineClient.connectAndExchange(port, null)) {
                    app.awaitStdout("READY", TestEnv.STEP_TIMEOUT);
                    assertFailureCountedAndLoggedOnce(app, path);
                }
            }
        }
    }

    private static void assertFailureCountedAndLoggedOnce(ChildJvm app, String path) {
        AssertionError whileRunning = Checks.runNow(() -> {
            try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                long failures = jmx.longAttribute("HookFailures");
                assertTrue(failures >= 1, "HookFailures = " + failures);
            }
        });
        int exit = app.quit(TestEnv.STEP_TIMEOUT); // the whole log, also what is written late
        List<String> warnings = AgentLog.lines(app.stderrLines(), "WARN");
        assertAll(path,
                Checks.earlier(whileRunning),
                () -> assertEquals(0, exit, "the app ends normally\n" + app.describe()),
                () -> assertEquals(1, warnings.size(), "exactly one WARN line for three failing sockets; stderr:"
                        + AgentLog.dump(app.stderrLines())),
                () -> assertTrue(app.stdoutLines().stream().noneMatch(l -> l.startsWith("FAILED")),
                        app.describe()));
    }
}
