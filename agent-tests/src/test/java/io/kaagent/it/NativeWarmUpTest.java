package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Once the native layer is in, the agent's thread takes the way a socket set through it takes, on sockets of its own
 * (KeepAliveRuntime.warm): an application whose first connection comes after that loads none of the
 * agent's classes and has the JVM spin no method handle invokers on its own thread for it. Before, that connection
 * paid for them (FirstConnectBench, 2.5 s after start: connect 4.45 ms against 1.73 after 100 ms, JDK 17). Seen from
 * outside the JVM: its class-load log names the thread that loaded each class, and the kernel's values on both ends.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NativeWarmUpTest {
    private static final KernelSocketOptions POLICY = applied(31, 7, 4, 0);
    /** The init thread's name once its start-up work, the warm-up included, is done (/proc comm: 15 characters). */
    private static final String INIT_DONE = "ka-agent-housek";

    @Test
    void theFirstConnectionAfterTheNativeLayerLoadsNothingOfTheAgentsOnTheApplicationsThread(@TempDir Path dir)
            throws Exception {
        KernelSocketReader.assumeAvailable();
        Path policy = Policies.write(dir, """
                version: 1
                rules:
                  - {name: loopback, cidr: 127.0.0.0/8, direction: both, idle: 31s, intvl: 7s, cnt: 4}
                """);
        Path log = dir.resolve("classes.log");
        try (ChildJvm app = ChildJvm.builder().agent(policy).jvmArg("-Xlog:class+load=info:file=" + log + ":tid")
                .mainClass("io.kaagent.samples.ConnectOnCommandApp").start()) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            awaitInitDone(app);
            int before = Files.readAllLines(log).size();
            app.sendLine("connect");
            int[] ports = SampleOutput.ports(app.awaitStdout("CONNECTED", TestEnv.STEP_TIMEOUT));

            List<String> lines = Files.readAllLines(log);
            String main = threadOf(lines, "io.kaagent.samples.ConnectOnCommandApp");
            List<String> onMain = lines.subList(before, lines.size()).stream()
                    .filter(l -> l.startsWith("[" + main + "]")).collect(Collectors.toList());
            List<String> agentsOrInvokers = onMain.stream().filter(l -> l.contains(" io.kaagent.")
                    || l.contains("java.lang.invoke.LambdaForm$") || l.contains("$Species_"))
                    .collect(Collectors.toList());
            assertEquals(List.of(), agentsOrInvokers, "classes the application's thread loaded for its first"
                    + " connection that are the agent's or invokers; all it loaded: " + onMain);

            KernelSocketReader kernel = KernelSocketReader.of(app.pid());
            assertOptions(POLICY, kernel, kernel.connection(ports[0], ports[1]), "the client\n" + app.describe());
            assertOptions(POLICY, kernel, kernel.connection(ports[1], ports[0]), "the accepted\n" + app.describe());
        }
    }

    /** The init thread is renamed for housekeeping after the native layer loaded and its way was warmed. */
    private static void awaitInitDone(ChildJvm app) throws Exception {
        long deadline = System.nanoTime() + TestEnv.START_TIMEOUT.toNanos();
        while (!app.threadNames().contains(INIT_DONE)) {
            assertTrue(System.nanoTime() < deadline, "no thread " + INIT_DONE + " within "
                    + TestEnv.START_TIMEOUT.toSeconds() + " s: " + app.threadNames() + "\n" + app.describe());
            Thread.sleep(20);
        }
    }

    /** The thread id the class-load log gives the line that loaded this class. */
    private static String threadOf(List<String> classLog, String className) {
        String line = classLog.stream().filter(l -> l.contains("] " + className + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(className + " not in the class-load log"));
        return line.substring(line.indexOf('[') + 1, line.indexOf(']'));
    }
}
