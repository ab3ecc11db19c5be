package io.kaagent.bench.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The first connection of a fresh JVM, with and without the agent (10 rules, the last matching loopback), at once
 * after main starts (the native layer not loaded yet: the JDK's extended socket options set the options; the agent's
 * init thread may still be preparing the JVM for its hooks), after 100 ms (as an application that loads a driver or a
 * framework first; the preparation done) and after 2.5 s (native ready, a second after start: the first connection
 * goes through the native apply path, with every class it needs loaded lazily).
 * Interleaved, each round starting with the next variant (a fixed order gave the variant in the middle of a round a
 * few ms of its own: the host's state after the one before); "added" is the median of per-round paired differences.
 * Each jar keeps its caches in a directory of its own, primed: the timed runs are a JVM's second start.
 * {@code -Dbench.runs=N} (default 15); {@code -Dbench.delays=0,100} only those delays (default 0,100,2500);
 * {@code -Dbench.baseline=JAR} runs that jar too, interleaved, and prints this jar against it.
 */
public final class FirstConnectBench {
    private FirstConnectBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchEnv env = BenchEnv.fromSystemProperties();
        int runs = BenchEnv.intProperty("bench.runs", 15);
        Path policy = Policies.matching(env.work);
        Map<String, List<String>> modes = new LinkedHashMap<>();
        modes.put("no agent", List.of());
        modes.put("agent, rule matches", BenchCaches.primedAgent(env, "agent", env.agentJar, policy));
        String baseline = BenchEnv.baselineJar();
        if (baseline != null) {
            modes.put("baseline jar, rule matches", BenchCaches.primedAgent(env, "baseline", baseline, policy));
        }
        String[] delays = System.getProperty("bench.delays", "0,100,2500").split(",");
        String[] keys = {"bind_ms", "connect_ms", "accept_ms", "total_ms", "second_ms"};
        Map<String, Stats[]> stats = new LinkedHashMap<>();
        Map<String, Stats> initDone = new LinkedHashMap<>();
        Map<String, Stats> againstBaseline = new LinkedHashMap<>();
        System.out.println("## First connection of a fresh JVM (ms)");
        System.out.println(BenchEnv.machineLine() + "; " + runs + " interleaved rounds");
        for (int round = -1; round < runs; round++) {
            for (BenchEnv.Jdk jdk : env.jdks) {
                for (String delay : delays) {
                    Map<String, double[]> thisRound = new LinkedHashMap<>();
                    for (Map.Entry<String, List<String>> mode : rotated(modes, round)) {
                        ChildJvm.Result r = new ChildJvm(jdk.java).args(mode.getValue())
                                .args("-cp", env.classes, FirstConnect.class.getName(), delay)
                                .run(env.work).requireSuccess(mode.getKey());
                        double[] values = new double[keys.length];
                        for (int i = 0; i < keys.length; i++) {
                            values[i] = r.value("first", keys[i]);
                        }
                        thisRound.put(mode.getKey(), values);
                        if (round >= 0 && r.value("init", "running") > 0 && !mode.getKey().startsWith("baseline")) {
                            initDone.computeIfAbsent(jdk.label + "|" + delay, k -> new Stats())
                                    .add(r.value("init", "done_after_main_ms"));
                        }
                    }
                    if (round < 0) {
                        continue;
                    }
                    double[] none = thisRound.get("no agent");
                    for (Map.Entry<String, double[]> e : thisRound.entrySet()) {
                        Stats[] s = stats.computeIfAbsent(jdk.label + "|" + delay + "|" + e.getKey(),
                                k -> ConnectLoopBench.newStats(keys.length + 1));
                        for (int i = 0; i < keys.length; i++) {
                            s[i].add(e.getValue()[i]);
                        }
                        s[keys.length].add(e.getValue()[3] - none[3]);
                    }
                    double[] before = thisRound.get("baseline jar, rule matches");
                    if (before != null) {
                        double[] now = thisRound.get("agent, rule matches");
                        againstBaseline.computeIfAbsent(jdk.label + "|" + delay, k -> new Stats())
                                .add(now[3] - before[3]);
                    }
                }
            }
        }
        Table table = new Table("JDK", "first connect", "mode", "bind", "connect", "accept",
                "first connection (bind+connect+accept+close)", "added (paired) [p10..p90]", "second connection");
        for (Map.Entry<String, Stats[]> e : stats.entrySet()) {
            String[] key = e.getKey().split("\\|");
            Stats[] s = e.getValue();
            boolean base = key[2].equals("no agent");
            table.row(key[0], when(key[1]), key[2],
                    Stats.f2(s[0].median()), Stats.f2(s[1].median()), Stats.f2(s[2].median()),
                    Stats.f2(s[3].median()), base ? "" : Stats.signed2(s[5].median()) + " ["
                            + Stats.signed1(s[5].percentile(10)) + ".." + Stats.signed1(s[5].percentile(90)) + "]",
                    Stats.f2(s[4].median()));
        }
        table.print();
        for (Map.Entry<String, Stats> e : initDone.entrySet()) {
            String[] key = e.getKey().split("\\|");
            System.out.println(key[0] + ", first connect " + when(key[1]) + ": the agent's init thread was still"
                    + " running in " + e.getValue().count() + "/" + runs + " runs and finished "
                    + Stats.f1(e.getValue().median()) + " ms (median) after main started");
        }
        for (Map.Entry<String, Stats> e : againstBaseline.entrySet()) {
            String[] key = e.getKey().split("\\|");
            Stats s = e.getValue();
            System.out.println(key[0] + ", first connect " + when(key[1]) + ": this jar against the baseline jar "
                    + Stats.signed2(s.median()) + " ms (paired) [" + Stats.signed1(s.percentile(10)) + ".."
                    + Stats.signed1(s.percentile(90)) + "]");
        }
        System.out.println();
    }

    /** The variants in their order, starting with the {@code round}-th: each takes each place in turn. */
    static <K, V> List<Map.Entry<K, V>> rotated(Map<K, V> variants, int round) {
        List<Map.Entry<K, V>> all = new ArrayList<>(variants.entrySet());
        Collections.rotate(all, -Math.floorMod(round, all.size()));
        return all;
    }

    /** A delay in ms before the first connect, as the tables say it. */
    private static String when(String delay) {
        return delay.equals("0") ? "at once" : "after " + delay + " ms";
    }
}
