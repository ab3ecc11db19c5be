package io.kaagent.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
