package io.kaagent.lab;

import io.kaagent.it.support.TestEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Three network namespaces joined by veth pairs, a NAT between them that forgets idle flows the way a cloud NAT or
 * load balancer does, and switches to cut the path to a host (docs/lab.md):
 *
 * <pre>
 *  client ns               router ns                               server ns
 *  c0 10.77.1.2/24 ─── r0 10.77.1.1 | masquerade out of r1 | r1 10.77.2.1 ─── s0 10.77.2.2/24
 * </pre>
 *
 * The router keeps an ESTABLISHED flow for {@code natTimeout} after its last packet
 * ({@code nf_conntrack_tcp_timeout_established}, per namespace) and, with {@code nf_conntrack_tcp_loose=0}, never
 * re-creates a forgotten flow from a mid-stream packet: such a packet is conntrack state INVALID, and the router drops
 * it ({@link ForgetMode#DROP}) or answers it with a TCP reset ({@link ForgetMode#RESET}). With loose=1 (the kernel
 * default) the next packet would silently re-create the flow and a NAT test would prove nothing (FACTS.md).
 *
 * <p>Names are {@code ka-<pid of the creating JVM>-<random>-c|r|s}: two runs never collide, and a run deletes the
 * namespaces of earlier runs whose JVM is gone (with whatever processes they left inside). Every command is bounded
 * by {@link #COMMAND_TIMEOUT}. {@link #close()} kills what still runs inside and deletes the namespaces (the veths
 * go with them); a shutdown hook does the same if the test JVM is stopped first.
 */
public final class NetLab implements AutoCloseable {
    public static final String CLIENT_ADDRESS = "10.77.1.2";
    public static final String ROUTER_CLIENT_SIDE = "10.77.1.1";
    /** What the server sees as the client's address: the router masquerades. */
    public static final String ROUTER_SERVER_SIDE = "10.77.2.1";
    public static final String SERVER_ADDRESS = "10.77.2.2";
    public static final String SERVER_NET = "10.77.2.0/24";

    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final String PREFIX = "ka-";
    private static final String TABLE = "ka_lab";

    /** What the router does with a packet of a flow it has forgotten. */
    public enum ForgetMode {
        /** Drops it silently: the sender retransmits into the void (GCP Cloud NAT, Azure LB by default). */
        DROP("drop"),
        /** Answers it with a TCP reset (AWS NLB after its idle timeout, Azure LB with TCP reset enabled). */
        RESET("meta l4proto tcp reject with tcp reset", "drop");

        private final List<String> nftRules;

        ForgetMode(String... nftRules) {
            this.nftRules = List.of(nftRules);
        }
    }

    private final String id;
    private final Duration natTimeout;
    private final Thread shutdownHook;
    private boolean closed;

    private NetLab(String id, Duration natTimeout) {
        this.id = id;
        this.natTimeout = natTimeout;
        this.shutdownHook = new Thread(this::deleteQuietly, "netlab-cleanup-" + id);
    }

    /** Skips the calling test, with the reason, where the lab cannot be built. */
    public static void assumeAvailable() {
        String reason = unavailabilityReason();
        TestEnv.requireOrSkip(reason == null, () -> "network lab unavailable: " + reason);
    }

    /** Why the lab cannot run here, or null. */
    public static String unavailabilityReason() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "network namespaces are Linux only, this is " + System.getProperty("os.name");
        }
        if (!isRoot()) {
            return "needs root to create network namespaces (run the lab as root, as CI does)";
        }
        for (String tool : Arrays.asList("ip", "nft", "sysctl")) {
            if (Commands.findExecutable(tool) == null) {
                return "'" + tool + "' is not installed (apt-get install iproute2 nftables procps)";
            }
        }
        if (!Files.isDirectory(Paths.get("/proc/sys/net/netfilter"))) {
            return "the kernel has no conntrack (no /proc/sys/net/netfilter; modprobe nf_conntrack)";
        }
        return null;
    }

    /** Builds the lab: deletes earlier runs' leftovers first, then namespaces, links, routes, NAT and sysctls. */
    public static NetLab create(Duration natTimeout, ForgetMode mode) {
        removeLeftovers();
        String id = PREFIX + ProcessHandle.current().pid() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        NetLab lab = new NetLab(id, natTimeout);
        Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
        try {
            lab.build(mode);
        } catch (RuntimeException | Error e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    public String clientNs() {
        return id + "-c";
    }

    public String routerNs() {
        return id + "-r";
    }

    public String serverNs() {
        return id + "-s";
    }

    public Duration natTimeout() {
        return natTimeout;
    }

    private void build(ForgetMode mode) {
        for (String ns : List.of(clientNs(), routerNs(), serverNs())) {
            run("ip", "netns", "add", ns);
            run("ip", "-n", ns, "link", "set", "lo", "up");
        }
        // Created directly inside the namespaces: no interface name ever exists in the host's namespace.
        run("ip", "link", "add", "c0", "netns", clientNs(), "type", "veth", "peer", "name", "r0", "netns", routerNs());
        run("ip", "link", "add", "s0", "netns", serverNs(), "type", "veth", "peer", "name", "r1", "netns", routerNs());
        address(clientNs(), "c0", CLIENT_ADDRESS + "/24");
        address(routerNs(), "r0", ROUTER_CLIENT_SIDE + "/24");
        address(routerNs(), "r1", ROUTER_SERVER_SIDE + "/24");
        address(serverNs(), "s0", SERVER_ADDRESS + "/24");
        run("ip", "-n", clientNs(), "route", "add", "default", "via", ROUTER_CLIENT_SIDE);
        run("ip", "-n", serverNs(), "route", "add", "default", "via", ROUTER_SERVER_SIDE);
        inNs(routerNs(), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        nft(ruleset(mode));
        // The conntrack sysctls of a namespace exist once its conntrack is in use, i.e. after the NAT rule is loaded.
        inNs(routerNs(), "sysctl", "-q", "-w", "net.netfilter.nf_conntrack_tcp_loose=0",
                "net.netfilter.nf_conntrack_tcp_timeout_established=" + natTimeout.toSeconds());
        String loose = inNs(routerNs(), "sysctl", "-n", "net.netfilter.nf_conntrack_tcp_loose").trim();
        String timeout = inNs(routerNs(), "sysctl", "-n", "net.netfilter.nf_conntrack_tcp_timeout_established").trim();
        if (!loose.equals("0") || !timeout.equals(String.valueOf(natTimeout.toSeconds()))) {
            throw new IllegalStateException("the router's conntrack did not take the lab's settings: tcp_loose="
                    + loose + " tcp_timeout_established=" + timeout);
        }
    }

    private void address(String ns, String dev, String cidr) {
        run("ip", "-n", ns, "addr", "add", cidr, "dev", dev);
        run("ip", "-n", ns, "link", "set", dev, "up");
    }

    /**
     * The router's rules. Packets of a forgotten flow reach the router in two places: the client's through forward,
     * the server's, addressed to the masquerading address 10.77.2.1, through input — both must see the same fate, or
     * the router's own TCP stack would answer the server with a reset even in drop mode.
     */
    private static String ruleset(ForgetMode mode) {
        return "table ip " + TABLE + " {\n"
                + "  set blackholed { type ipv4_addr; }\n"
                + "  chain forgotten {\n    " + String.join("\n    ", mode.nftRules) + "\n  }\n"
                + "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n"
                + "    oifname \"r1\" masquerade\n  }\n"
                + "  chain forward {\n    type filter hook forward priority filter; policy accept;\n"
                + "    ip saddr @blackholed drop\n    ip daddr @blackholed drop\n"
                + "    ct state invalid jump forgotten\n  }\n"
                + "  chain input {\n    type filter hook input priority filter; policy accept;\n"
                + "    ip saddr @blackholed drop\n"
                + "    ct state invalid jump forgotten\n  }\n"
                + "}\n";
    }

    /** From now on, packets of forgotten flows are dropped or reset. Flows the router still knows are unaffected. */
    public void forgetMode(ForgetMode mode) {
        StringBuilder script = new StringBuilder("flush chain ip " + TABLE + " forgotten\n");
        for (String rule : mode.nftRules) {
            script.append("add rule ip ").append(TABLE).append(" forgotten ").append(rule).append('\n');
        }
        nft(script.toString()); // one nft run is one transaction: no packet sees the chain empty
    }

    /** The host at this address vanishes: the router drops every packet from or to it, like a pulled cable. */
    public void blackhole(String address) {
        nft("add element ip " + TABLE + " blackholed { " + address + " }\n");
    }

    /** Every blackholed host is reachable again. */
    public void heal() {
        nft("flush set ip " + TABLE + " blackholed\n");
    }

    /** The router's ruleset as nft prints it: for failure messages. */
    public String describe() {
        return "lab " + id + " (nat timeout " + natTimeout.toSeconds() + " s)\n" + inNs(routerNs(), "nft", "list",
                "table", "ip", TABLE);
    }

    private void nft(String script) {
        Commands.run(List.of("ip", "netns", "exec", routerNs(), "nft", "-f", "-"), script, COMMAND_TIMEOUT);
    }

    /** Runs a command inside one of the lab's namespaces; its stdout. */
    public String inNs(String ns, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(Arrays.asList(command));
        return Commands.run(cmd, null, COMMAND_TIMEOUT);
    }

    private static String run(String... command) {
        return Commands.run(Arrays.asList(command), null, COMMAND_TIMEOUT);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or about to: it finds closed == true
        }
        delete(id);
    }

    private synchronized void deleteQuietly() {
        if (!closed) {
            closed = true;
            delete(id);
        }
    }

    /** Kills what runs inside a run's namespaces, then deletes them; never throws. */
    private static void delete(String runId) {
        for (String ns : namespaces()) {
            if (ns.startsWith(runId + "-")) {
                killInside(ns);
                Commands.runQuietly(List.of("ip", "netns", "del", ns), COMMAND_TIMEOUT);
            }
        }
    }

    /**
     * Processes the lab started inside a namespace (a child JVM, a database server and its children) would keep the
     * namespace alive after {@code ip netns del}; they all die here.
     */
    private static void killInside(String ns) {
        String pids = Commands.runQuietly(List.of("ip", "netns", "pids", ns), COMMAND_TIMEOUT);
        for (String pid : pids.split("\\s+")) {
            if (!pid.isEmpty()) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** Namespaces of earlier runs whose JVM no longer exists (killed, crashed, interrupted before its hook ran). */
    static void removeLeftovers() {
        for (String ns : namespaces()) {
            String[] parts = ns.split("-");
            if (parts.length != 4 || !ns.startsWith(PREFIX)) {
                continue;
            }
            long pid;
            try {
                pid = Long.parseLong(parts[1]);
            } catch (NumberFormatException e) {
                continue;
            }
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue; // a run still going on (this JVM's or a concurrent one's)
            }
            killInside(ns);
            Commands.runQuietly(List.of("ip", "netns", "del", ns), COMMAND_TIMEOUT);
        }
    }

    /** {@code ip netns list} prints {@code name (id: N)} or just {@code name}. */
    static List<String> namespaces() {
        List<String> names = new ArrayList<>();
        for (String line : Commands.runQuietly(List.of("ip", "netns", "list"), COMMAND_TIMEOUT).split("\n")) {
            String name = line.trim().split("\\s+")[0];
            if (name.startsWith(PREFIX)) {
                names.add(name);
            }
        }
        return names;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return false;
    }

    @Override
    public String toString() {
        return id;
    }
}
