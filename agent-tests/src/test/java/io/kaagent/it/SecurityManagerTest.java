package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.untouched;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An application started with a Security Manager (-Djava.security.manager, JDK 8 to 23) whose policy grants the agent
 * nothing: premain's first property read was denied, and the exception out of premain aborted the JVM's start ("FATAL
 * ERROR in native method: processing of -javaagent failed", exit 134). Now the agent steps aside with one line, and
 * the application runs as it would without it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecurityManagerTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"agent enabled", "agent disabled (-Dka.agent.disabled=true)"})
    void underASecurityManagerTheApplicationRunsAndTheAgentStepsAside(String variant, @TempDir Path dir)
            throws Exception {
        TestEnv.assumeSecurityManager();
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path policy = Policies.write(dir, """
                    version: 1
                    rules:
                      - {name: out, port: %d, idle: 31s, intvl: 7s, cnt: 4}
                    """.formatted(peer.port()));
            // What the application needs, granted to all code: the agent would need far more.
            Path grants = dir.resolve("app.policy");
            Files.writeString(grants, """
                    grant {
                      permission java.net.SocketPermission "*", "connect,resolve";
                      permission java.util.PropertyPermission "*", "read";
                    };
                    """, StandardCharsets.UTF_8);
            ChildJvm.Builder builder = ChildJvm.builder().agent(policy).sysProp("java.security.manager", "default")
                    .sysProp("java.security.policy", grants.toString()).mainClass("PathsClient")
                    .args("socket-connect", "127.0.0.1", peer.port());
            boolean disabled = variant.contains("disabled");
            if (disabled) {
                builder.sysProp("ka.agent.disabled", "true");
            }
            try (ChildJvm app = builder.start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertOptions(untouched(), kernel, kernel.connection(local[0], peer.port()),
                        "the agent installed nothing\n" + app.describe());
                int exit = app.quit(TestEnv.STEP_TIMEOUT);
                List<String> agentLines = app.stderrLines().stream().filter(l -> l.startsWith("ka-agent"))
                        .collect(Collectors.toList());
                assertAll(
                        () -> assertEquals(0, exit, app.describe()),
                        () -> assertTrue(app.stderrLines().stream().noneMatch(l -> l.contains("FATAL")
                                || l.contains("Exception")), app.describe()),
                        () -> assertEquals(disabled ? List.of() : List.of("ka-agent: ERROR a Security Manager is "
                                + "installed (java.security.manager): the agent does not run under one and installs "
                                + "nothing"), agentLines, "one line, none when disabled\n" + app.describe()));
            }
        }
    }
}
