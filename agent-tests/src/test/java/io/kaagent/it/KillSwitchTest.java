package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static io.kaagent.it.support.KernelSocketOptions.untouched;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kaagent.it.support.AgentLog;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PRODUCT.md §2 kill switch: -Dka.agent.disabled=true or KA_AGENT_DISABLED=true and the agent installs nothing, with
 * the same policy that otherwise applies (the control case proves the policy would have matched).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KillSwitchTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"control: not disabled", "-Dka.agent.disabled=true", "KA_AGENT_DISABLED=true"})
    void disabledAgentTouchesNothing(String variant, @TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path policy = Policies.write(dir, """
                    version: 1
                    rules:
                      - {name: out, port: %d, idle: 31s, intvl: 7s, cnt: 4, user_timeout: auto}
                    """.formatted(peer.port()));
            ChildJvm.Builder builder = ChildJvm.builder().agent(policy).mainClass("PathsClient")
                    .args("socket-connect", "127.0.0.1", peer.port());
            if (variant.startsWith("-D")) {
                builder.sysProp("ka.agent.disabled", "true");
            } else if (variant.startsWith("KA_")) {
                builder.env("KA_AGENT_DISABLED", "true");
            }
            KernelSocketOptions expected = variant.startsWith("control") ? applied(31, 7, 4, 59_000) : untouched();
            try (ChildJvm app = builder.start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertOptions(expected, kernel, kernel.connection(local[0], peer.port()),
                        variant + "\n" + app.describe());
                int exit = app.quit(TestEnv.STEP_TIMEOUT);
                assertAll(
                        () -> assertEquals(0, exit, app.describe()),
                        () -> assertEquals(List.of(), AgentLog.lines(app.stderrLines(), "ERROR"), "no errors"),
                        () -> assertEquals(List.of(), AgentLog.lines(app.stderrLines(), "WARN"), "no warnings"));
            }
        }
    }
}
