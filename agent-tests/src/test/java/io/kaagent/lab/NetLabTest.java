package io.kaagent.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.TestEnv;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The lab itself: what it builds, that its addresses never reach the host's namespace, and that its namespaces go
 * away however the JVM that made them ends — closed, stopped (SIGTERM: the shutdown hook), or killed (SIGKILL: the
 * next run removes them).
 */
@Tag("lab")
class NetLabTest {
    @BeforeAll
    static void needsTheLab() {
        NetLab.assumeAvailable();
    }

    @Test
    void buildsTheNatAndRemovesEverythingOnClose() {
        List<String> names;
        try (NetLab lab = NetLab.create(Duration.ofSeconds(7), NetLab.ForgetMode.RESET)) {
            names = List.of(lab.clientNs(), lab.routerNs(), lab.serverNs());
            assertTrue(NetLab.namespaces().containsAll(names), "namespaces " + names + " exist");
            assertEquals("0", lab.inNs(lab.routerNs(), "sysctl", "-n", "net.netfilter.nf_conntrack_tcp_loose").trim());
            assertEquals("7", lab.inNs(lab.routerNs(), "sysctl", "-n",
                    "net.netfilter.nf_conntrack_tcp_timeout_established").trim());
            // Per namespace: the host's conntrack keeps its own settings.
            String hostLoose = Commands.run(List.of("sysctl", "-n", "net.netfilter.nf_conntrack_tcp_loose"), null,
                    NetLab.COMMAND_TIMEOUT).trim();
            assertTrue(hostLoose.equals("0") || hostLoose.equals("1"), hostLoose);
            assertTrue(lab.describe().contains("reject with tcp reset"), lab.describe());
            lab.forgetMode(NetLab.ForgetMode.DROP);
            assertFalse(lab.describe().contains("reject with tcp reset"), lab.describe());
            lab.blackhole(NetLab.SERVER_ADDRESS);
            assertTrue(lab.describe().contains(NetLab.SERVER_ADDRESS), lab.describe());
            lab.heal();
            assertFalse(lab.describe().contains("elements"), lab.describe());
            assertTrue(lab.inNs(lab.clientNs(), "ip", "-o", "addr").contains(NetLab.CLIENT_ADDRESS));
            String host = Commands.run(List.of("ip", "-o", "addr"), null, NetLab.COMMAND_TIMEOUT);
            assertFalse(host.contains("10.77."), "the lab's addresses exist only inside its namespaces:\n" + host);
        }
        List<String> left = NetLab.namespaces();
        assertTrue(names.stream().noneMatch(left::contains), "still there after close: " + left);
    }

    @Test
    void aStoppedJvmRemovesItsLabAndAKilledJvmsLabIsRemovedByTheNextRun() throws Exception {
        String stopped = holdLab(false);
        assertTrue(NetLab.namespaces().stream().noneMatch(n -> n.startsWith(stopped + "-")),
                "the shutdown hook of a JVM ended by SIGTERM removes its lab: " + NetLab.namespaces());

        String killed = holdLab(true);
        assertTrue(NetLab.namespaces().stream().anyMatch(n -> n.startsWith(killed + "-")),
                "SIGKILL leaves the namespaces behind (nothing runs in the JVM any more)");
        NetLab.removeLeftovers();
        assertTrue(NetLab.namespaces().stream().noneMatch(n -> n.startsWith(killed + "-")),
                "the next run removes what a dead JVM left: " + NetLab.namespaces());
    }

    /** Runs {@link Holder} in a child JVM, waits until its lab exists, ends it; the lab's id. */
    private static String holdLab(boolean kill) throws Exception {
        Process p = new ProcessBuilder(TestEnv.javaExecutable().toString(), "-cp",
                System.getProperty("java.class.path"), Holder.class.getName()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine(); // bounded: the child builds the lab in well under a minute or dies
            assertTrue(line != null && line.startsWith("LAB "), "the child should print its lab: " + line);
            if (kill) {
                p.destroyForcibly();
            } else {
                p.destroy();
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child did not end");
            return line.substring(4).trim();
        } finally {
            p.destroyForcibly();
        }
    }

    /** A JVM that builds a lab and waits to be ended. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            NetLab lab = NetLab.create(Duration.ofSeconds(5), NetLab.ForgetMode.DROP);
            System.out.println("LAB " + lab);
            System.out.flush();
            Thread.sleep(60_000);
        }
    }
}
