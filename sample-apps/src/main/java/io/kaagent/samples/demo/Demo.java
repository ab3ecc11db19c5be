package io.kaagent.samples.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code demo.sh} runs: one screen that shows what the agent does to an unmodified application.
 *
 * <pre>Demo &lt;ka-agent.jar&gt; &lt;policy.yml&gt;</pre>
 * Starts an H2 database server on loopback, then the same HikariCP application ({@code JdbcPoolApp}, four pooled
 * connections that sit idle, as a service's do) twice: under the agent with the policy, and without it. Once both
 * pools are up, prints each application's TCP connections with SO_KEEPALIVE, idle, intvl, cnt and user_timeout as
 * the kernel reports them — through {@code java -jar ka-agent.jar status <pid>}, or, where that cannot read them,
 * through the demo's own reader ({@link KernelSockets}; the demo is the applications' parent, which Yama allows) —
 * and what the difference means. Everything it started is stopped before it returns.
 */
public final class Demo {
    private static final long START_TIMEOUT_MS = 60_000;
    private static final String APP = "io.kaagent.samples.jdbc.JdbcPoolApp";

    private Demo() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: Demo <ka-agent.jar> <policy.yml>");
            System.exit(2);
        }
        List<Child> children = new ArrayList<>();
        Thread cleanup = new Thread(() -> children.forEach(Child::close), "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        int status = 0;
        try {
            run(Paths.get(args[0]), Paths.get(args[1]), children);
        } catch (Exception e) {
            System.out.println();
            System.out.println("demo FAILED: " + e.getMessage());
            status = 1;
        } finally {
            children.forEach(Child::close);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
        System.exit(status);
    }

    private static void run(Path agentJar, Path policy, List<Child> children) throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path");

        Child db = Child.start("H2 server", List.of(java, "-cp", classPath, "io.kaagent.samples.jdbc.DbServer",
                "127.0.0.1", "h2"));
        children.add(db);
        String[] url = db.awaitStdout("URL h2 ", START_TIMEOUT_MS).split(" ");
        db.awaitStdout("READY", START_TIMEOUT_MS);

        List<String> withCommand = List.of(java, "-javaagent:" + agentJar + "=" + policy, "-cp", classPath, APP,
                url[2], url[3], url[4]);
        List<String> withoutCommand = List.of(java, "-cp", classPath, APP, url[2], url[3], url[4]);
        Child with = Child.start("app with the agent", withCommand);
        children.add(with);
        Child without = Child.start("app without the agent", withoutCommand);
        children.add(without);
        for (Child app : List.of(with, without)) {
            app.awaitStdout("STARTED", START_TIMEOUT_MS);
        }
        // The agent loads its native layer in the background; its start line says it is ready.
        String agentLine = with.awaitStderr(l -> l.startsWith("ka-agent: INFO") && l.contains(" started"),
                "the agent's start line", START_TIMEOUT_MS);
        for (Child app : List.of(with, without)) {
            app.send("connect");
        }
        with.awaitStdout("READY", START_TIMEOUT_MS);
        without.awaitStdout("READY", START_TIMEOUT_MS);

        String shortCp = "sample-apps.jar";
        System.out.println("ka-agent demo: the same unmodified application, with and without the agent");
        System.out.println("  application  " + APP + ": a HikariCP pool of 4 idle connections (it never mentions "
                + "keepalive)");
        System.out.println("  database     H2 TCP server on " + url[2].replaceAll("^jdbc:h2:tcp://([^/]+)/.*$", "$1")
                + " (its own JVM, no agent)");
        System.out.println("  policy       " + policy + " (loopback named explicitly: the embedded default leaves "
                + "loopback alone)");
        System.out.println();
        System.out.println("WITH the agent    java -javaagent:" + agentJar + "=" + policy + " -cp " + shortCp + " "
                + simpleName(APP) + " ...");
        System.out.println("  " + agentLine);
        List<KernelSockets.Connection> withConnections = table(agentJar, policy, with, true, java);
        System.out.println();
        System.out.println("WITHOUT the agent java -cp " + shortCp + " " + simpleName(APP) + " ...");
        List<KernelSockets.Connection> withoutConnections = table(agentJar, policy, without, false, java);
        System.out.println();
        summary(withConnections, withoutConnections);
    }

    /** The connections of one app, as the kernel reports them; printed by ka-agent status, or by the demo. */
    private static List<KernelSockets.Connection> table(Path agentJar, Path policy, Child app, boolean agent,
            String java) throws Exception {
        List<KernelSockets.Connection> connections = null;
        String readError = null;
        try {
            connections = KernelSockets.established(app.pid());
        } catch (IOException | RuntimeException | LinkageError e) {
            readError = e.getMessage();
        }
        List<String> cmd = new ArrayList<>(List.of(java, "-jar", agentJar.toString(), "status",
                Long.toString(app.pid())));
        if (!agent) {
            cmd.add(policy.toString()); // which rule the agent WOULD apply
        }
        System.out.println("  $ java -jar " + agentJar + " status " + app.pid() + (agent ? "" : " " + policy));
        Child status = Child.start("ka-agent status", cmd);
        int exit = status.awaitExit(30_000);
        List<String> out = status.stdoutLines();
        boolean usable = exit == 0 && out.stream().anyMatch(l -> l.contains("KEEPALIVE"))
                && out.stream().noneMatch(l -> l.startsWith("note: the options could not be read"));
        if (usable) {
            out.forEach(l -> System.out.println("  " + l));
            return connections;
        }
        String why = !status.stderrLines().isEmpty() ? status.stderrLines().get(0)
                : out.isEmpty() ? "exit " + exit : out.get(out.size() - 1);
        System.out.println("  (" + why.trim() + " -- the demo reads the kernel itself instead)");
        if (connections == null) {
            throw new IOException("cannot read the sockets of pid " + app.pid() + ": " + readError);
        }
        Map<String, String> rules = new HashMap<>();
        String format = "  %-3s %-22s %-22s %-9s %-6s %-6s %-4s %-12s %s%n";
        System.out.printf(format, "FD", "LOCAL", "REMOTE", "KEEPALIVE", "IDLE", "INTVL", "CNT", "USER_TIMEOUT",
                agent ? "RULE" : "RULE (if the agent ran)");
        for (KernelSockets.Connection c : connections) {
            String remote = text(c.remote());
            String rule = rules.computeIfAbsent(remote, r -> explain(java, agentJar, policy, r));
            System.out.printf(format, c.fd(), text(c.local()), remote, c.keepAlive() ? "on" : "off",
                    c.idleSeconds() + "s", c.intervalSeconds() + "s", c.count(),
                    c.userTimeoutMillis() == 0 ? "off" : c.userTimeoutMillis() + "ms", rule);
        }
        return connections;
    }

    /** The rule the policy matches for an outbound connection: {@code ka-agent.jar explain}'s first line. */
    private static String explain(String java, Path agentJar, Path policy, String remote) {
        try {
            Child explain = Child.start("ka-agent explain", List.of(java, "-jar", agentJar.toString(), "explain",
                    policy.toString(), remote));
            if (explain.awaitExit(30_000) == 0 && !explain.stdoutLines().isEmpty()) {
                String first = explain.stdoutLines().get(0);
                return first.startsWith("rule \"") ? first.substring(6, first.indexOf('"', 6)) : "-";
            }
        } catch (IOException | InterruptedException e) {
            // the column stays empty
        }
        return "?";
    }

    private static void summary(List<KernelSockets.Connection> with, List<KernelSockets.Connection> without) {
        if (with == null || without == null || with.isEmpty()) {
            return;
        }
        KernelSockets.Connection a = with.get(0);
        KernelSockets.Connection b = without.isEmpty() ? null : without.get(0);
        long on = with.stream().filter(KernelSockets.Connection::keepAlive).count();
        System.out.println("What the agent changed, on " + on + " of " + with.size() + " connections, without a "
                + "line of the application changing:");
        if (b != null) {
            System.out.printf("  SO_KEEPALIVE %s -> %s, idle %ds -> %ds, intvl %ds -> %ds, cnt %d -> %d, "
                            + "user_timeout %s -> %s%n", b.keepAlive() ? "on" : "off", a.keepAlive() ? "on" : "off",
                    b.idleSeconds(), a.idleSeconds(), b.intervalSeconds(), a.intervalSeconds(), b.count(), a.count(),
                    b.userTimeoutMillis() == 0 ? "off" : b.userTimeoutMillis() + "ms",
                    a.userTimeoutMillis() == 0 ? "off" : a.userTimeoutMillis() + "ms");
        }
        int detect = a.idleSeconds() + a.intervalSeconds() * a.count();
        System.out.println("  - an idle connection now sends a probe after " + a.idleSeconds() + " s of silence, so "
                + "NATs and load balancers");
        System.out.println("    that forget idle flows (AWS NLB 350 s, Azure 4 min, GCP 10 min) keep it;");
        System.out.println("  - a dead database is noticed within " + detect + " s (idle + intvl x cnt)"
                + (a.userTimeoutMillis() > 0 ? ", a request in flight within " + a.userTimeoutMillis() / 1000
                + " s (user_timeout)," : ""));
        System.out.println("    instead of " + (b != null && b.keepAlive() ? "after " + (b.idleSeconds()
                + b.intervalSeconds() * b.count()) + " s" : "never: no keepalive at all without the agent") + ".");
        System.out.println("See docs/lab.md: both shown on a real network, behind a NAT that forgets idle flows.");
    }

    private static String text(java.net.InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
