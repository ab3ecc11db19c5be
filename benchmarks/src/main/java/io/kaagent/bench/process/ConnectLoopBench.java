package io.kaagent.bench.process;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-connection cost: {@link ConnectLoop} run as child JVMs, interleaved round after round, in five modes — no
 * agent; the agent with a 10-rule policy whose last rule matches loopback (so it sets the options on both sides); the
 * agent with 10 rules none of which matches (it decides, then leaves the socket alone); no agent but the application
 * setting the four options itself through setOption; and no agent but Debian's libkeepalive preloaded, which sets
 * them inside socket() for every socket. "added" is the median over rounds of the per-round difference to the
 * no-agent run of the same round and JDK.
 *
 * <p>{@code -Dbench.rounds=N} (default 3), {@code -Dbench.cycles=N} cycles per batch (default 4000; 10 batches after
 * 20,000 warm-up cycles).
 */
public final class ConnectLoopBench {
    static final String LIBKEEPALIVE = "/usr/lib/libkeepalive.so";
    private static final String[] RESULT_KEYS = {"connect_us", "accept_us", "close_us", "connect_cpu_us",
            "accept_cpu_us", "close_cpu_us"};

    private ConnectLoopBench() {
    }

    private static final class Mode {
        final String name;
        final List<String> jvmArgs;
        final String loopMode;
        final Map<String, String> env;

        Mode(String name, List<String> jvmArgs, String loopMode, Map<String, String> env) {
            this.name = name;
            this.jvmArgs = jvmArgs;
            this.loopMode = loopMode;
            this.env = env;
        }
    }

    public static void main(String[] args) throws Exception {
        BenchEnv env = BenchEnv.fromSystemProperties();
        int rounds = BenchEnv.intProperty("bench.rounds", 3);
        int perBatch = BenchEnv.intProperty("bench.cycles", 4000);
        int batches = 10;
        int warmup = 20_000;
        Path match = Policies.matching(env.work);
        Path noMatch = Policies.nonMatching(env.work);
        List<Mode> modes = new ArrayList<>();
        modes.add(new Mode("no agent", List.of(), "plain", Map.of()));
        modes.add(new Mode("agent, rule matches", List.of("-javaagent:" + env.agentJar + "=" + match), "plain",
                Map.of()));
        modes.add(new Mode("agent, no rule matches", List.of("-javaagent:" + env.agentJar + "=" + noMatch), "plain",
                Map.of()));
        modes.add(new Mode("app setOption x4, no agent", List.of(), "setoption", Map.of()));
        if (new File(LIBKEEPALIVE).isFile()) {
            modes.add(new Mode("LD_PRELOAD libkeepalive", List.of(), "plain", Map.of("LD_PRELOAD", LIBKEEPALIVE,
                    "KEEPIDLE", String.valueOf(Policies.IDLE), "KEEPINTVL", String.valueOf(Policies.INTVL),
                    "KEEPCNT", String.valueOf(Policies.CNT))));
        } else {
            System.out.println("(LD_PRELOAD mode skipped: " + LIBKEEPALIVE + " missing; apt-get install libkeepalive0)");
        }

        System.out.println("## Per connection: loopback connect/accept/close loop, one thread (µs per connection)");
        System.out.println(BenchEnv.machineLine() + "; " + rounds + " interleaved rounds x " + batches + " batches x "
                + perBatch + " cycles after " + warmup + " warm-up cycles; policy values idle " + Policies.IDLE
                + " s, intvl " + Policies.INTVL + " s, cnt " + Policies.CNT);
        Map<String, Stats[]> stats = new LinkedHashMap<>();
        Map<String, String> kernel = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (BenchEnv.Jdk jdk : env.jdks) {
                Map<String, double[]> thisRound = new LinkedHashMap<>();
                for (int i = 0; i < modes.size(); i++) {
                    Mode mode = modes.get(Math.floorMod(i + round, modes.size()));
                    ChildJvm child = new ChildJvm(jdk.java).args(mode.jvmArgs)
                            .args("-cp", env.classes, ConnectLoop.class.getName(), mode.loopMode,
                                    String.valueOf(warmup), String.valueOf(batches), String.valueOf(perBatch))
                            .timeoutSeconds(600);
                    for (Map.Entry<String, String> e : mode.env.entrySet()) {
                        child.env(e.getKey(), e.getValue());
                    }
                    ChildJvm.Result r = child.run(env.work).requireSuccess(jdk.label + " " + mode.name);
                    double[] v = new double[6];
                    for (int k = 0; k < 6; k++) {
                        v[k] = r.value("result", RESULT_KEYS[k]);
                    }
                    thisRound.put(mode.name, v);
                    kernel.putIfAbsent(jdk.label + "|" + mode.name, r.line("kernel"));
                    if (!r.err.isBlank()) {
                        kernel.put(jdk.label + "|" + mode.name, r.line("kernel") + "; stderr: "
                                + r.err.trim().replace('\n', ' '));
                    }
                }
                double[] none = thisRound.get("no agent");
                for (Map.Entry<String, double[]> e : thisRound.entrySet()) {
                    Stats[] s = stats.computeIfAbsent(jdk.label + "|" + e.getKey(), k -> newStats(12));
                    double[] v = e.getValue();
                    for (int k = 0; k < 6; k++) {
                        s[k].add(v[k]);
                    }
                    for (int side = 0; side < 2; side++) { // 0: wall, 1: CPU
                        int o = side * 3;
                        s[6 + o].add(v[o] - none[o]);
                        s[7 + o].add(v[o + 1] - none[o + 1]);
                        s[8 + o].add(v[o] + v[o + 1] + v[o + 2] - none[o] - none[o + 1] - none[o + 2]);
                    }
                }
            }
        }
        for (int side = 0; side < 2; side++) {
            int o = side * 3;
            System.out.println();
            System.out.println(side == 0 ? "### Wall time (µs per connection, nanoTime)"
                    : "### CPU time of the loop thread (µs per connection, user + system)");
            Table table = side == 0
                    ? new Table("JDK", "mode", "connect", "accept", "close", "added connect", "added accept",
                            "added per cycle", "kernel after the loop: client / server (keepalive/idle/intvl/cnt)")
                    : new Table("JDK", "mode", "connect", "accept", "close", "added connect", "added accept",
                            "added per cycle");
            for (Map.Entry<String, Stats[]> e : stats.entrySet()) {
                String[] key = e.getKey().split("\\|");
                Stats[] s = e.getValue();
                boolean base = key[1].equals("no agent");
                table.row(key[0], key[1], Stats.f2(s[o].median()), Stats.f2(s[o + 1].median()),
                        Stats.f2(s[o + 2].median()), base ? "" : s[6 + o].signedRange(),
                        base ? "" : s[7 + o].signedRange(), base ? "" : s[8 + o].signedRange(),
                        side == 0 ? kernel.get(e.getKey()) : "");
            }
            table.print();
        }
        System.out.println("(medians over rounds of each child's median batch; added: median [min..max] of the "
                + "per-round paired differences to the no-agent run)");
        for (BenchEnv.Jdk jdk : env.jdks) {
            for (int side = 0; side < 2; side++) {
                int o = side * 3;
                Stats[] agent = stats.get(jdk.label + "|agent, rule matches");
                Stats[] own = stats.get(jdk.label + "|app setOption x4, no agent");
                Stats[] preload = stats.get(jdk.label + "|LD_PRELOAD libkeepalive");
                double agentAdded = agent[6 + o].median() + agent[7 + o].median();
                double ownAdded = own[6 + o].median() + own[7 + o].median();
                System.out.println(jdk.label + (side == 0 ? ", wall" : ", CPU") + ": agent adds "
                        + Stats.f2(agent[6 + o].median()) + " µs on connect, " + Stats.f2(agent[7 + o].median())
                        + " µs on accept (goal <= 3 µs each: "
                        + (agent[6 + o].median() <= 3 && agent[7 + o].median() <= 3 ? "met" : "NOT met")
                        + "); the app's own setOption x4 adds " + Stats.f2(own[6 + o].median()) + " / "
                        + Stats.f2(own[7 + o].median()) + " µs; agent / setOption = "
                        + Stats.f2(agentAdded / ownAdded) + "x (goal <= 1.5x: "
                        + (agentAdded <= 1.5 * ownAdded ? "met" : "NOT met") + ")"
                        + (preload == null ? "" : "; libkeepalive adds " + Stats.f2(preload[6 + o].median()) + " / "
                        + Stats.f2(preload[7 + o].median()) + " µs"));
            }
        }
        System.out.println();
    }

    static Stats[] newStats(int n) {
        Stats[] stats = new Stats[n];
        for (int i = 0; i < n; i++) {
            stats[i] = new Stats();
        }
        return stats;
    }
}
