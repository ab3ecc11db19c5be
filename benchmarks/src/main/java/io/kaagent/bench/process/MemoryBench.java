package io.kaagent.bench.process;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory: RSS, heap and metaspace at rest with and without the agent (after full GCs, once the agent's init thread
 * is done), then 200,000 loopback connect/accept/close cycles, and heap, metaspace, threads and file descriptors
 * before/after (after full GCs), plus the live instances of the agent's runtime classes and of sockets afterwards.
 * At rest also the CPU time the process has used (user + system): what the agent's start, native layer and JIT work
 * cost a JVM in all, and that time per kind of thread (the agent's, the JIT's, ...). {@code -Dbench.cycles=N}
 * (default 200000), {@code -Dbench.rounds=N} (default 2; the table shows medians), {@code -Dbench.baseline=JAR}
 * (run.sh's BASELINE_JAR) adds that jar's two modes.
 */
public final class MemoryBench {
    private static final String[] FIELDS = {"rss_kb", "heap_kb", "metaspace_kb", "classes", "threads", "fds",
        "cpu_ms"};

    private MemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchEnv env = BenchEnv.fromSystemProperties();
        int cycles = BenchEnv.intProperty("bench.cycles", 200_000);
        int rounds = BenchEnv.intProperty("bench.rounds", 2);
        Map<String, List<String>> modes = new LinkedHashMap<>();
        modes.put("no agent", List.of());
        modes.put("agent, rule matches (enforce)", List.of("-javaagent:" + env.agentJar + "="
                + Policies.matching(env.work)));
        modes.put("agent, no rule matches", List.of("-javaagent:" + env.agentJar + "="
                + Policies.nonMatching(env.work)));
        String baselineJar = BenchEnv.baselineJar();
        if (baselineJar != null) {
            modes.put("baseline jar, rule matches (enforce)", List.of("-javaagent:" + baselineJar + "="
                    + Policies.matching(env.work)));
            modes.put("baseline jar, no rule matches", List.of("-javaagent:" + baselineJar + "="
                    + Policies.nonMatching(env.work)));
        }
        System.out.println("## Memory at rest, and after " + cycles + " connect/accept/close cycles");
        System.out.println(BenchEnv.machineLine() + "; " + rounds + " rounds, medians");
        Map<String, Stats[]> stats = new LinkedHashMap<>();
        Map<String, String> live = new LinkedHashMap<>();
        Map<String, Stats[]> cpuByThread = new LinkedHashMap<>();
        String[] snapshots = {"rest", "before", "after"};
        for (int round = 0; round < rounds; round++) {
            for (BenchEnv.Jdk jdk : env.jdks) {
                for (Map.Entry<String, List<String>> mode : modes.entrySet()) {
                    ChildJvm.Result r = new ChildJvm(jdk.java).args(mode.getValue())
                            .args("-cp", env.classes, MemoryProbe.class.getName(), String.valueOf(cycles))
                            .timeoutSeconds(900).run(env.work).requireSuccess(jdk.label + " " + mode.getKey());
                    String key = jdk.label + "|" + mode.getKey();
                    Stats[] s = stats.computeIfAbsent(key, k -> ConnectLoopBench.newStats(
                            snapshots.length * FIELDS.length + 1));
                    for (int i = 0; i < snapshots.length; i++) {
                        for (int f = 0; f < FIELDS.length; f++) {
                            s[i * FIELDS.length + f].add(r.value("snapshot " + snapshots[i], FIELDS[f]));
                        }
                    }
                    s[snapshots.length * FIELDS.length].add(r.value("cycles", "us_per_cycle"));
                    Stats[] cpu = cpuByThread.computeIfAbsent(key, k -> ConnectLoopBench.newStats(
                            MemoryProbe.THREAD_KINDS.length));
                    for (int i = 0; i < MemoryProbe.THREAD_KINDS.length; i++) {
                        cpu[i].add(r.value("cpu_by_thread", MemoryProbe.THREAD_KINDS[i] + "_ms"));
                    }
                    StringBuilder l = new StringBuilder();
                    for (String line : r.out.split("\n")) {
                        if (line.startsWith("live ")) {
                            String[] p = line.substring(5).split(" ");
                            l.append(p[0].replace("io.kaagent.", "")).append(' ')
                                    .append(p[1].replace("instances=", "")).append("; ");
                        }
                    }
                    live.put(key, l.toString());
                }
            }
        }
        System.out.println();
        System.out.println("### At rest (3 s after start, after full GCs)");
        Table rest = new Table("JDK", "mode", "RSS MiB", "heap used KiB", "metaspace KiB", "classes", "threads",
                "fds", "CPU used, ms");
        Map<String, double[]> baseline = new LinkedHashMap<>();
        for (Map.Entry<String, Stats[]> e : stats.entrySet()) {
            String[] key = e.getKey().split("\\|");
            Stats[] s = e.getValue();
            double[] v = new double[FIELDS.length];
            for (int f = 0; f < FIELDS.length; f++) {
                v[f] = s[f].median();
            }
            if (key[1].equals("no agent")) {
                baseline.put(key[0], v);
            }
            double[] b = baseline.get(key[0]);
            boolean base = key[1].equals("no agent");
            rest.row(key[0], key[1], Stats.f1(v[0] / 1024) + (base ? "" : " (" + Stats.signed1((v[0] - b[0]) / 1024)
                    + ")"), Stats.f0(v[1]) + (base ? "" : " (" + Stats.signed1(v[1] - b[1]) + ")"),
                    Stats.f0(v[2]) + (base ? "" : " (" + Stats.signed1(v[2] - b[2]) + ")"),
                    Stats.f0(v[3]) + (base ? "" : " (" + Stats.signed1(v[3] - b[3]) + ")"),
                    Stats.f0(v[4]), Stats.f0(v[5]), Stats.f0(v[6]) + (base ? "" : " (" + Stats.signed1(v[6] - b[6])
                    + ")"));
        }
        rest.print();
        System.out.println();
        System.out.println("### CPU used by then, per thread (ms; /proc/self/task/*/schedstat; exited: the process's"
                + " total, in clock ticks, less the live threads')");
        Table perThread = new Table("JDK", "mode", "main", "agent's threads", "JIT", "GC", "other", "exited");
        Map<String, double[]> noAgent = new LinkedHashMap<>();
        for (Map.Entry<String, Stats[]> e : cpuByThread.entrySet()) {
            String[] key = e.getKey().split("\\|");
            double[] v = new double[MemoryProbe.THREAD_KINDS.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = e.getValue()[i].median();
            }
            if (key[1].equals("no agent")) {
                noAgent.put(key[0], v);
            }
            double[] b = noAgent.get(key[0]);
            String[] cells = new String[2 + v.length];
            cells[0] = key[0];
            cells[1] = key[1];
            for (int i = 0; i < v.length; i++) {
                cells[2 + i] = Stats.f1(v[i]) + (b == null || b == v ? "" : " (" + Stats.signed1(v[i] - b[i]) + ")");
            }
            perThread.row(cells);
        }
        perThread.print();
        System.out.println();
        System.out.println("### " + cycles + " cycles: before -> after (after full GCs)");
        Table flat = new Table("JDK", "mode", "µs/cycle", "heap KiB", "metaspace KiB", "classes", "threads", "fds",
                "RSS MiB", "live after (histogram)");
        for (Map.Entry<String, Stats[]> e : stats.entrySet()) {
            String[] key = e.getKey().split("\\|");
            Stats[] s = e.getValue();
            int b = FIELDS.length;
            int a = 2 * FIELDS.length;
            flat.row(key[0], key[1], Stats.f1(s[3 * FIELDS.length].median()),
                    delta(s[b + 1], s[a + 1], 1), delta(s[b + 2], s[a + 2], 1), delta(s[b + 3], s[a + 3], 1),
                    delta(s[b + 4], s[a + 4], 1), delta(s[b + 5], s[a + 5], 1), delta(s[b], s[a], 1024),
                    live.get(e.getKey()));
        }
        flat.print();
        System.out.println();
    }

    private static String delta(Stats before, Stats after, double unit) {
        return Stats.f0(before.median() / unit) + " -> " + Stats.f0(after.median() / unit) + " ("
                + Stats.signed1((after.median() - before.median()) / unit) + ")";
    }
}
