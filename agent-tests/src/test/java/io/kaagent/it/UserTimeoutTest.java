package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kaagent.it.support.AgentJmx;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * TCP_USER_TIMEOUT (PRODUCT.md §3): auto = idle + intvl * cnt, a duration as given, off = 0; inherited from defaults.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UserTimeoutTest {

    @Test
    void userTimeoutIsAppliedAsTheRuleSays(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        List<EchoServer> peers = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                peers.add(EchoServer.start());
            }
            KernelSocketOptions[] expected = {
                applied(31, 7, 4, (31 + 7 * 4) * 1000), // auto
                applied(20, 5, 3, 20_000),              // 20s
                applied(20, 5, 3, 1_500),               // 1500ms
                applied(20, 5, 3, 120_000),             // 2m
                applied(20, 5, 3, 0),                   // off, overriding the defaults' auto
                applied(10, 2, 5, (10 + 2 * 5) * 1000), // auto inherited from defaults, with the rule's timers
            };
            Path policy = Policies.write(dir, """
                    version: 1
                    defaults: {idle: 60s, intvl: 10s, cnt: 6, user_timeout: auto}
                    rules:
                      - {name: auto, port: %d, idle: 31s, intvl: 7s, cnt: 4, user_timeout: auto}
                      - {name: seconds, port: %d, idle: 20s, intvl: 5s, cnt: 3, user_timeout: 20s}
                      - {name: millis, port: %d, idle: 20s, intvl: 5s, cnt: 3, user_timeout: 1500ms}
                      - {name: minutes, port: %d, idle: 20s, intvl: 5s, cnt: 3, user_timeout: 2m}
                      - {name: off, port: %d, idle: 20s, intvl: 5s, cnt: 3, user_timeout: off}
                      - {name: inherited, port: %d, idle: 10s, intvl: 2s, cnt: 5}
                    """.formatted(peers.stream().map(EchoServer::port).toArray()));
            int[] peerPorts = peers.stream().mapToInt(EchoServer::port).toArray();
            try (ChildJvm app = ChildJvm.builder().agent(policy).mainClass("PathsClient")
                    .args("socket-connect", "127.0.0.1", SampleOutput.portList(peerPorts)).start()) {
                int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                String[] names = {"auto", "20s", "1500ms", "2m", "off", "auto inherited from defaults"};
                List<Executable> checks = new ArrayList<>();
                for (int i = 0; i < expected.length; i++) {
                    int n = i;
                    checks.add(() -> assertOptions(expected[n], kernel,
                            kernel.connection(local[n], peerPorts[n]), names[n]));
                }
                checks.add(() -> {
                    try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                        assertEquals("native", jmx.stringAttribute("Mode"), "TCP_USER_TIMEOUT needs native mode");
                    }
                });
                assertAll(checks);
            }
        } finally {
            for (EchoServer p : peers) {
                p.close();
            }
        }
    }
}
