package io.kaagent.bench.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * 10,000 open loopback connections in one process, with and without the agent (10 rules, the last matching loopback,
 * enforce on), and without it with the application setting the same four options itself on every socket: outbound
 * (the measured process connects to a peer process) and inbound (the peer connects, the measured process accepts).
 * A process may hold 20,000 descriptors here (the hard limit; run.sh raises the soft one), so the two ends live in
 * two processes. {@code -Dbench.rounds=N} (default 3), {@code -Dbench.connections=N},
 * {@code -Dbench.baseline=JAR} (another agent jar, interleaved). A cold JVM's opens swing by ±20 µs from one child to
 * the next, so each mode's cost per open is also given paired: the median of its per-round differences to the
 * application setting the options itself in the same round.
 */
public final class ScaleBench {
    private static final String APP_SETS = "no agent, app sets the 4 options";
    private static final String[] KEYS = {"open_ms", "us_per_open", "rss_open_mb", "heap_open_kb",
            "cycle_us_with_n_open", "setkeepalive_us", "close_ms", "heap_closed_kb"};

    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchEnv env = BenchEnv.fromSystemProperties();
        int rounds = BenchEnv.intProperty("bench.rounds", 3);
        int n = BenchEnv.intProperty("bench.connections", 10_000);
        String peerJava = env.jdks.get(0).java;
        Map<String, List<String>> modes = new LinkedHashMap<>();
        modes.put("no agent", List.of());
        // What keepalive on every socket costs the kernel, set by the application itself: the agent's floor.
        modes.put(APP_SETS, List.of("-Dbench.setOptions=true"));
        modes.put("agent, rule matches", List.of("-javaagent:" + env.agentJar + "=" + Policies.matching(env.work)));
        String baselineJar = BenchEnv.baselineJar();
        if (baselineJar != null) {
            modes.put("baseline jar, rule matches",
                    List.of("-javaagent:" + baselineJar + "=" + Policies.matching(env.work)));
        }
        System.out.println("## Scale: " + n + " open loopback connections in one process");
        System.out.println(BenchEnv.machineLine() + "; " + rounds + " interleaved rounds, medians");
        Map<String, Stats[]> stats = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (BenchEnv.Jdk jdk : env.jdks) {
                for (String direction : new String[] {"outbound", "inbound"}) {
                    for (Map.Entry<String, List<String>> mode : modes.entrySet()) {
                        String line = direction.equals("outbound")
                                ? outbound(env, peerJava, jdk.java, mode.getValue(), n)
                                : inbound(env, peerJava, jdk.java, mode.getValue(), n);
                        Stats[] s = stats.computeIfAbsent(jdk.label + "|" + direction + "|" + mode.getKey(),
                                k -> ConnectLoopBench.newStats(KEYS.length));
                        for (int i = 0; i < KEYS.length; i++) {
                            s[i].add(value(line, KEYS[i]));
                        }
                    }
                }
            }
        }
        Table table = new Table("JDK", "direction", "mode", "open all (ms)", "µs per open",
                "per open, paired, vs the app's own calls (µs)", "RSS with all open MiB",
                "heap with all open KiB", "connect/accept/close with all open (µs)", "setKeepAlive on each (µs)",
                "close all (ms)", "heap after close KiB");
        for (Map.Entry<String, Stats[]> e : stats.entrySet()) {
            String[] key = e.getKey().split("\\|");
            Stats[] s = e.getValue();
            String appSetsKey = key[0] + "|" + key[1] + "|" + APP_SETS;
            String pairedText = key[2].equals(APP_SETS) ? "" : s[1].minus(stats.get(appSetsKey)[1]).signedRange();
            table.row(key[0], key[1], key[2], Stats.f0(s[0].median()), Stats.f2(s[1].median()), pairedText,
                    Stats.f1(s[2].median()), Stats.f0(s[3].median()), Stats.f2(s[4].median()),
                    Stats.f2(s[5].median()), Stats.f1(s[6].median()), Stats.f0(s[7].median()));
        }
        table.print();
        System.out.println();
    }

    private static String outbound(BenchEnv env, String peerJava, String java, List<String> agent, int n)
            throws Exception {
        Process peer = new ChildJvm(peerJava).args("-cp", env.classes, ScalePeer.class.getName(), "accept")
                .start(env.work);
        try {
            BufferedReader peerOut = reader(peer);
            String port = expect(peerOut, "port ");
            ChildJvm.Result r = new ChildJvm(java).args(agent)
                    .args("-cp", env.classes, ScaleChild.class.getName(), "outbound", port, String.valueOf(n))
                    .timeoutSeconds(300).run(env.work).requireSuccess("scale outbound");
            return r.line("scale");
        } finally {
            stop(peer);
        }
    }

    private static String inbound(BenchEnv env, String peerJava, String java, List<String> agent, int n)
            throws Exception {
        Process child = new ChildJvm(java).args(agent)
                .args("-cp", env.classes, ScaleChild.class.getName(), "inbound", String.valueOf(n)).start(env.work);
        Process peer = null;
        try {
            BufferedReader childOut = reader(child);
            String port = expect(childOut, "port ");
            peer = new ChildJvm(peerJava).args("-cp", env.classes, ScalePeer.class.getName(), "connect", port,
                    String.valueOf(n)).start(env.work);
            return expect(childOut, "scale ");
        } finally {
            if (peer != null) {
                stop(peer);
            }
            stop(child);
        }
    }

    private static BufferedReader reader(Process process) {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The rest of the first line starting with {@code prefix}; fails when the process ends without one. */
    private static String expect(BufferedReader in, String prefix) throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        throw new IllegalStateException("the process ended without printing '" + prefix + "'");
    }

    private static void stop(Process process) throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static double value(String line, String key) {
        for (String part : line.split("\\s+")) {
            if (part.startsWith(key + "=")) {
                return Double.parseDouble(part.substring(key.length() + 1));
            }
        }
        throw new IllegalStateException("no " + key + "= in: " + line);
    }
}
