package io.kaagent.bench.process;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-connection cost measured inside one JVM ({@link InProcessLoop}): batches with the agent's handlers plugged in,
 * unplugged, and unplugged with the application setting the four options itself, taking turns. Each child JVM gives
 * the medians of its per-block paired differences; the table shows the median over child JVMs. This is the steadier
 * of the two per-connection benchmarks on a noisy machine: {@link ConnectLoopBench} compares separate JVMs, whose
 * connect times differ by several µs between two runs of the same mode.
 *
 * <p>{@code -Dbench.rounds=N} child JVMs per JDK, jar and policy (default 3), {@code -Dbench.cycles=N} cycles per batch
 * (default 2000; 15 blocks of three batches after 21,000 warm-up cycles). {@code -Dbench.baseline=JAR} runs that
 * jar's children too, interleaved; {@code -Dbench.uring=true} children of this jar with {@code -Dka.agent.io_uring=true}
 * too (each socket's options in one io_uring submission). {@code -Dbench.early=N} (default 0) has each child open N connections at its start
 * and keep them open, as a pool does: the agent sets those through the JDK's options while its native layer loads.
 * The policies: the loopback rule by address, by port, by address with 1 in 10 clients under none, and by port with
 * the policy reloaded to other values for that rule after the warm-up.
 */
public final class InProcessConnectBench {
    private static final String[] SIDES = {"connect_us", "accept_us", "connect_cpu_us", "accept_cpu_us"};
    private static final String MIXED = "by cidr, 1 in 10 clients none";
    private static final String RELOADED = "by port, reloaded to idle 45 s";

    private InProcessConnectBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchEnv env = BenchEnv.fromSystemProperties();
        int rounds = BenchEnv.intProperty("bench.rounds", 3);
        int perBatch = BenchEnv.intProperty("bench.cycles", 2000);
        int blocks = 15;
        int warmup = 21_000;
        int early = BenchEnv.intProperty("bench.early", 0);
        // The loopback rule by address (an accepted socket's rule depends on its client: each is set on its own) and
        // by port (the same for every client: the agent puts it on the listener, accepted sockets copy it).
        Map<String, Path> policies = new LinkedHashMap<>();
        policies.put("rule by cidr", Policies.matching(env.work));
        policies.put("rule by port", Policies.matchingByPort(env.work));
        // By address, every tenth client from 127.0.0.2, which no rule is for: a listener that guesses the rule of
        // most of its clients puts its values back on those.
        policies.put(MIXED, Policies.matchingOneAddress(env.work));
        // By port, and after the warm-up the policy reloaded with other values for that rule: the listener carried
        // the old ones, which the agent takes back (and, since c6fba29, carries the new ones).
        policies.put(RELOADED, Policies.matchingByPortToReload(env.work));
        Path reloadTo = Policies.matchingByPortReloaded(env.work);
        // label -> the jar, and the agent's setting for the child (none, or io_uring's)
        Map<String, String[]> jars = new LinkedHashMap<>();
        jars.put("this jar", new String[] {env.agentJar, "-Dka.agent.io_uring=false"});
        if (Boolean.getBoolean("bench.uring")) {
            jars.put("this jar, io_uring", new String[] {env.agentJar, "-Dka.agent.io_uring=true"});
        }
        String baseline = BenchEnv.baselineJar();
        if (baseline != null) {
            jars.put("baseline jar", new String[] {baseline, "-Dka.agent.io_uring=false"});
        }
        System.out.println("## Per connection, in one process: the agent's handlers plugged in and out between batches"
                + " (µs per connection)");
        System.out.println(BenchEnv.machineLine() + "; " + rounds + " child JVMs per JDK, jar and policy, each "
                + blocks + " blocks x 3 batches x " + perBatch + " cycles after " + warmup + " warm-up cycles;"
                + " 10-rule policy, last rule matches (idle " + Policies.IDLE + " s, intvl " + Policies.INTVL
                + " s, cnt " + Policies.CNT + "): by loopback cidr, or by port (then the accepted sockets copy it"
                + " from the listener)" + (early == 0 ? "" : "; " + early + " connections opened at each child's start"
                        + " and kept open (a pool, set through the JDK's options while the native layer loads)"));
        // key: JDK|jar|policy -> [agent connect, agent accept, setOption connect, setOption accept, inert connect,
        //                  inert accept, ratio] x (wall, CPU)
        Map<String, Stats[]> stats = new LinkedHashMap<>();
        Map<String, String> kernel = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (BenchEnv.Jdk jdk : env.jdks) {
                for (Map.Entry<String, String[]> jar : jars.entrySet()) {
                    for (Map.Entry<String, Path> policy : policies.entrySet()) {
                        String key = jdk.label + "|" + jar.getKey() + "|" + policy.getKey();
                        boolean reloading = policy.getKey().equals(RELOADED);
                        if (reloading) {
                            Policies.matchingByPortToReload(env.work); // the old text back, overwritten last time
                        }
                        ChildJvm.Result r = new ChildJvm(jdk.java)
                                .args(List.of("-javaagent:" + jar.getValue()[0] + "=" + policy.getValue(),
                                        jar.getValue()[1], "-Dbench.early=" + early,
                                        "-Dbench.strangerEvery=" + (policy.getKey().equals(MIXED) ? 10 : 0)))
                                .args(reloading ? List.of("-Dbench.reloadTo=" + reloadTo,
                                        "-Dbench.policy=" + policy.getValue(), "-Dka.agent.reload.seconds=0.2")
                                        : List.of())
                                .args("-cp", env.classes, InProcessLoop.class.getName(), String.valueOf(warmup),
                                        String.valueOf(blocks), String.valueOf(perBatch))
                                .timeoutSeconds(600).run(env.work).requireSuccess(key);
                        Stats[] s = stats.computeIfAbsent(key, k -> ConnectLoopBench.newStats(14));
                        for (int side = 0; side < 2; side++) {
                            String connect = SIDES[side * 2];
                            String accept = SIDES[side * 2 + 1];
                            int o = side * 7;
                            double agentConnect = r.value("result", "agent_added_" + connect);
                            double agentAccept = r.value("result", "agent_added_" + accept);
                            double ownConnect = r.value("result", "setoption_added_" + connect);
                            double ownAccept = r.value("result", "setoption_added_" + accept);
                            s[o].add(agentConnect);
                            s[o + 1].add(agentAccept);
                            s[o + 2].add(ownConnect);
                            s[o + 3].add(ownAccept);
                            s[o + 4].add(r.value("result", "inert_" + connect));
                            s[o + 5].add(r.value("result", "inert_" + accept));
                            s[o + 6].add((agentConnect + agentAccept) / (ownConnect + ownAccept));
                        }
                        kernel.putIfAbsent(key, r.line("kernel")
                                + (r.err.isBlank() ? "" : "; stderr: " + r.err.trim().replace('\n', ' ')));
                    }
                }
            }
        }
        for (int side = 0; side < 2; side++) {
            int o = side * 7;
            System.out.println();
            System.out.println(side == 0 ? "### Wall time (nanoTime)" : "### CPU time of the loop thread");
            Table table = new Table("JDK", "jar", "policy", "connect, hooks inert", "accept, hooks inert",
                    "agent adds: connect", "accept", "app's setOption x4 adds: connect", "accept",
                    "agent / setOption", "kernel after the loop");
            for (Map.Entry<String, Stats[]> e : stats.entrySet()) {
                String[] key = e.getKey().split("\\|");
                Stats[] s = e.getValue();
                table.row(key[0], key[1], key[2], Stats.f2(s[o + 4].median()), Stats.f2(s[o + 5].median()),
                        s[o].signedRange(), s[o + 1].signedRange(), s[o + 2].signedRange(), s[o + 3].signedRange(),
                        Stats.f2(s[o + 6].median()) + "x [" + Stats.f2(s[o + 6].min()) + ".."
                                + Stats.f2(s[o + 6].max()) + "]",
                        side == 0 ? kernel.get(e.getKey()) : "");
            }
            table.print();
        }
        System.out.println("(each cell: median over child JVMs [min..max] of each child's median per-block difference"
                + " to the inert batches of the same block)");
        for (Map.Entry<String, Stats[]> e : stats.entrySet()) {
            Stats[] s = e.getValue();
            String[] key = e.getKey().split("\\|");
            System.out.println(key[0] + ", " + key[1] + ", " + key[2] + ", wall: agent adds "
                    + Stats.f2(s[0].median()) + " / "
                    + Stats.f2(s[1].median()) + " µs (connect / accept; goal <= 3 µs each: "
                    + (s[0].median() <= 3 && s[1].median() <= 3 ? "met" : "NOT met") + "), "
                    + Stats.f2(s[6].median()) + "x the application's own setOption x4 (goal <= 1.5x: "
                    + (s[6].median() <= 1.5 ? "met" : "NOT met") + ")");
        }
        System.out.println();
    }
}
