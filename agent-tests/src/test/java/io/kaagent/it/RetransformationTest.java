package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.tools.attach.VirtualMachine;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.RetransformingAgent;
import io.kaagent.it.support.TestEnv;
import io.kaagent.ops.support.KaCli;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another agent retransforms the JDK's socket classes after ka-agent hooked them, as JFR does on JDK 11-21 when a
 * recording starts (`jcmd PID JFR.start`: SocketChannelImpl) and APM agents do. The JVM starts a retransformation
 * from the bytes as they were before the first retransformable transformer: ka-agent's rewrites, made by such a
 * transformer that was gone by then, were undone, and every connection made afterwards through those classes was
 * left without keepalive (by hand on JDK 17: channels lost it at JFR.start, with -javaagent and with attach).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RetransformationTest {

    @Test
    void hooksMadeAsTheClassesLoadSurviveAnotherAgentsRetransformation(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path policy = policy(dir, peer.port());
            // ka-agent first: the other agent's premain waits for it to be done with its hooks.
            try (ChildJvm app = ChildJvm.builder().noAgent().jvmArg("-javaagent:" + TestEnv.agentJar() + "=" + policy)
                    .jvmArg("-javaagent:" + RetransformingAgent.jar(dir) + "=" + peer.port()).mainClass("PathsClient")
                    .args("socket-connect", "127.0.0.1", peer.port()).start()) {
                assertConnectionsAfterTheRetransformationAreSet(app, peer);
                app.awaitStdout("READY", TestEnv.START_TIMEOUT);
                assertDecisions(3, app); // the other agent's two, then the application's own
            }
        }
    }

    /**
     * The classes an attach finds loaded are retransformed by ka-agent itself: those hooks must outlive another's. An
     * application of asynchronous channels has not loaded SocketChannelImpl by then: it is rewritten as it loads
     * during the attach, and must not be hooked a second time at the other agent's retransformation.
     */
    @Test
    void hooksMadeAtAttachSurviveAnotherAgentsRetransformation(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start()) {
            Path policy = policy(dir, peer.port());
            try (ChildJvm app = ChildJvm.builder().noAgent().mainClass("PathsClient")
                    .args("async-future", "127.0.0.1", peer.port()).start()) {
                app.awaitStdout("READY", TestEnv.START_TIMEOUT);
                KaCli.Result attach = KaCli.run("attach", app.pid(), policy);
                assertEquals(0, attach.exit(), attach.describe());
                VirtualMachine vm = VirtualMachine.attach(Long.toString(app.pid()));
                try {
                    vm.loadAgent(RetransformingAgent.jar(dir).toString(), Integer.toString(peer.port()));
                } finally {
                    vm.detach();
                }
                assertConnectionsAfterTheRetransformationAreSet(app, peer);
                assertDecisions(2, app); // the other agent's two (the application's own was swept at the attach)
            }
        }
    }

    /**
     * One decision per connection: a hook made twice (a class rewritten at its load, then again by the attach's
     * retransformer when another agent retransforms it) would decide and set each socket twice.
     */
    private static void assertDecisions(int connections, ChildJvm app) throws InterruptedException {
        Thread.sleep(200); // the last decision's line, written after its connect returned
        List<String> decided = app.stderrLines().stream().filter(l -> l.startsWith("ka-agent: DEBUG outbound ")
                && l.contains(": rule \"collector\" applied ")).collect(Collectors.toList());
        assertEquals(connections, decided.size(), "one decision per connection\n" + app.describe());
    }

    private static void assertConnectionsAfterTheRetransformationAreSet(ChildJvm app, EchoServer peer)
            throws Exception {
        String line = app.awaitStdout("RETRANSFORMED", TestEnv.START_TIMEOUT);
        String[] fields = line.split(" ");
        int classes = Integer.parseInt(fields[1]);
        int channelPort = Integer.parseInt(fields[2]);
        int socketPort = Integer.parseInt(fields[3]);
        KernelSocketReader kernel = KernelSocketReader.of(app.pid());
        assertAll(
                () -> assertTrue(classes > 10, "socket classes retransformed: " + classes),
                () -> assertOptions(applied(33, 6, 5, 0), kernel, kernel.connection(channelPort, peer.port()),
                        "a channel connected after the retransformation\n" + app.describe()),
                () -> assertOptions(applied(33, 6, 5, 0), kernel, kernel.connection(socketPort, peer.port()),
                        "a socket connected after the retransformation\n" + app.describe()));
    }

    private static Path policy(Path dir, int port) {
        return Policies.write(dir, """
                version: 1
                log: debug
                rules:
                  - {name: collector, port: %d, idle: 33s, intvl: 6s, cnt: 5}
                """.formatted(port));
    }
}
