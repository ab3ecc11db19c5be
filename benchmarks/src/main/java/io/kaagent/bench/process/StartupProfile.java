package io.kaagent.bench.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where the start-up time goes. Three views of the same hello-world start, per JDK:
 * <ol>
 * <li>Phases by wall clock: a probe agent stamps the time right before and right after ka-agent's premain
 * ({@code -javaagent:probe=before -javaagent:ka-agent.jar -javaagent:probe=after}), main stamps its start, the
 * parent knows spawn and exit. The same with the probe alone is the baseline.</li>
 * <li>Classes: {@code -Xlog:class+load} of a run with no agent, with the disabled agent and with the agent, counted
 * by origin (the agent's own, each shaded library, JDK classes from the CDS archive or from the jimage) and by the
 * thread that loaded them (the application's main thread, or one of the agent's: policy, warm-up, init).</li>
 * <li>A timeline inside premain, from the load times of marker classes (Xlog's uptime in ns; Xlog itself slows
 * class loading, so read these as proportions).</li>
 * </ol>
 * {@code -Dbench.runs=N} (default 15) rounds for view 1, and 5 runs for view 3.
 */
public final class StartupProfile {
    private StartupProfile() {
    }

    public static void main(String[] args) throws Exception {
        BenchEnv env = BenchEnv.fromSystemProperties();
        if (env.probeJar.isEmpty()) {
            throw new IllegalArgumentException("-Dbench.probe is required");
        }
        int runs = BenchEnv.intProperty("bench.runs", 15);
        Path policy = Policies.matching(env.work);
        // The agent's caches primed, as on a JVM's second start on this machine (see StartupBench).
        String cache = BenchCaches.primed(env, "profile", List.of("-javaagent:" + env.agentJar + "=" + policy));
        System.out.println("## Start-up profile: where the agent's start-up time goes");
        System.out.println(BenchEnv.machineLine());
        phases(env, policy, cache, runs);
        for (BenchEnv.Jdk jdk : env.jdks) {
            classes(env, jdk, policy, cache);
        }
        for (BenchEnv.Jdk jdk : env.jdks) {
            timeline(env, jdk, policy, cache, 5);
        }
        System.out.println();
    }

    // ---- 1. phases by wall clock ----

    private static void phases(BenchEnv env, Path policy, String cache, int runs) throws Exception {
        String probe = "-javaagent:" + env.probeJar;
        Map<String, List<String>> variants = new LinkedHashMap<>();
        variants.put("probe only", List.of(probe + "=before", probe + "=after"));
        variants.put("probe + ka-agent", List.of(cache, probe + "=before", "-javaagent:" + env.agentJar + "=" + policy,
                probe + "=after"));
        String[] phases = {"spawn -> 1st premain", "ka-agent premain", "premain -> main", "main -> exit", "total"};
        Map<String, Stats[]> stats = new LinkedHashMap<>();
        for (BenchEnv.Jdk jdk : env.jdks) {
            for (String name : variants.keySet()) {
                Stats[] row = new Stats[phases.length];
                for (int i = 0; i < row.length; i++) {
                    row[i] = new Stats();
                }
                stats.put(jdk.label + "|" + name, row);
            }
        }
        for (int round = -1; round < runs; round++) {
            for (BenchEnv.Jdk jdk : env.jdks) {
                for (Map.Entry<String, List<String>> variant : variants.entrySet()) {
                    ChildJvm.Result r = new ChildJvm(jdk.java).args(variant.getValue())
                            .args("-Dbench.stamp=true", "-cp", env.classes, Hello.class.getName())
                            .run(env.work).requireSuccess(variant.getKey());
                    if (round < 0) {
                        continue;
                    }
                    long before = Long.parseLong(r.line("stamp before"));
                    long after = Long.parseLong(r.line("stamp after"));
                    long main = Long.parseLong(r.line("stamp main"));
                    Stats[] row = stats.get(jdk.label + "|" + variant.getKey());
                    row[0].add((before - r.startMicros) / 1e3);
                    row[1].add((after - before) / 1e3);
                    row[2].add((main - after) / 1e3);
                    row[3].add((r.endMicros - main) / 1e3);
                    row[4].add((r.endMicros - r.startMicros) / 1e3);
                }
            }
        }
        System.out.println();
        System.out.println("### Phases (ms, median of " + runs + " interleaved runs; p10..p90 in brackets)");
        Table table = new Table("JDK", "variant", phases[0], phases[1], phases[2], phases[3], phases[4]);
        for (Map.Entry<String, Stats[]> entry : stats.entrySet()) {
            String[] key = entry.getKey().split("\\|");
            Object[] cells = new Object[2 + phases.length];
            cells[0] = key[0];
            cells[1] = key[1];
            for (int i = 0; i < phases.length; i++) {
                Stats s = entry.getValue()[i];
                cells[2 + i] = Stats.f1(s.median()) + " [" + Stats.f0(s.percentile(10)) + ".."
                        + Stats.f0(s.percentile(90)) + "]";
            }
            table.row(cells);
        }
        table.print();
    }

    // ---- 2. classes ----

    private static final class Load {
        final long uptimeNanos;
        final String thread;
        final String name;
        final String source;

        Load(long uptimeNanos, String thread, String name, String source) {
            this.uptimeNanos = uptimeNanos;
            this.thread = thread;
            this.name = name;
            this.source = source;
        }
    }

    private static List<Load> classLoads(BenchEnv env, BenchEnv.Jdk jdk, List<String> agentArgs, String tag)
            throws Exception {
        Path log = env.work.resolve("classload-" + tag + ".log");
        Files.deleteIfExists(log);
        new ChildJvm(jdk.java).args(agentArgs)
                .args("-Xlog:class+load=info:file=" + log + ":uptimenanos,tid", "-cp", env.classes,
                        Hello.class.getName())
                .run(env.work).requireSuccess("class+load " + tag);
        List<Load> loads = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            // [123456789ns][4567] java.lang.Object source: shared objects file
            if (!line.startsWith("[")) {
                continue;
            }
            int ns = line.indexOf("ns]");
            int tidEnd = line.indexOf(']', ns + 3);
            long uptime = Long.parseLong(line.substring(1, ns));
            String tid = line.substring(ns + 4, tidEnd);
            String rest = line.substring(tidEnd + 1).trim();
            int space = rest.indexOf(' ');
            String name = space < 0 ? rest : rest.substring(0, space);
            int src = rest.indexOf("source: ");
            String source = src < 0 ? "" : rest.substring(src + 8);
            loads.add(new Load(uptime, tid, name, source));
        }
        return loads;
    }

    private static String origin(String name, String source) {
        if (name.startsWith("io.kaagent.shaded.")) {
            String rest = name.substring("io.kaagent.shaded.".length());
            String lib = rest.substring(0, rest.indexOf('.'));
            if (lib.equals("bytebuddy")) {
                return rest.startsWith("bytebuddy.jar.asm") ? "shaded ASM (Byte Buddy's copy)" : "shaded Byte Buddy";
            }
            if (lib.equals("kenai")) {
                return "shaded jnr";
            }
            return "shaded " + lib;
        }
        if (name.startsWith("com.kenai.jffi")) {
            return "jffi";
        }
        if (name.startsWith("io.kaagent.bench.")) {
            return "benchmark (Hello)";
        }
        if (name.startsWith("io.kaagent.")) {
            String rest = name.substring("io.kaagent.".length());
            int dot = rest.indexOf('.');
            return "ka-agent " + (dot < 0 ? "(top level)" : rest.substring(0, dot));
        }
        if (source.startsWith("shared")) {
            return "JDK, from the CDS archive";
        }
        if (name.contains("$$Lambda") || name.contains("LambdaForm$") || name.contains("/0x")
                || source.contains("__JVM_LookupDefineClass__") || source.contains("__Lookup_defineClass__")) {
            return "JDK, generated at run time (lambdas, LambdaForms)";
        }
        return "JDK, parsed from the jimage";
    }

    private static void classes(BenchEnv env, BenchEnv.Jdk jdk, Path policy, String cache) throws Exception {
        List<Load> none = classLoads(env, jdk, List.of(), "none");
        List<Load> disabled = classLoads(env, jdk, List.of("-Dka.agent.disabled=true",
                "-javaagent:" + env.agentJar + "=" + policy), "disabled");
        List<Load> agent = classLoads(env, jdk, List.of(cache, "-javaagent:" + env.agentJar + "=" + policy), "agent");
        Set<String> baseline = new HashSet<>();
        for (Load load : none) {
            baseline.add(load.name);
        }
        Set<String> bare = new HashSet<>();
        for (Load load : disabled) {
            bare.add(load.name);
        }
        String mainThread = agent.get(0).thread;
        Map<String, int[]> byOrigin = new TreeMap<>();
        Map<String, Integer> extraJdkPackages = new TreeMap<>();
        for (Load load : agent) {
            if (baseline.contains(load.name) || bare.contains(load.name)) {
                continue;
            }
            String origin = origin(load.name, load.source);
            int[] counts = byOrigin.computeIfAbsent(origin, k -> new int[2]);
            counts[load.thread.equals(mainThread) ? 0 : 1]++;
            if (origin.startsWith("JDK")) {
                int dot = load.name.lastIndexOf('.');
                String pkg = dot < 0 ? "" : load.name.substring(0, dot);
                if (pkg.contains("$$Lambda") || pkg.contains("/")) {
                    pkg = "(generated)";
                }
                extraJdkPackages.merge(pkg, 1, Integer::sum);
            }
        }
        System.out.println();
        System.out.println("### Classes loaded, " + jdk.label + " (-Xlog:class+load)");
        System.out.println("no agent: " + none.size() + " classes; -javaagent, disabled: " + disabled.size()
                + " (+" + (disabled.size() - none.size()) + "); agent, 10-rule file: " + agent.size() + " (+"
                + (agent.size() - none.size()) + "); CDS-archived in each: " + fromCds(none) + " / "
                + fromCds(disabled) + " / " + fromCds(agent));
        Table table = new Table("classes the agent adds (beyond -javaagent itself), by origin", "main thread",
                "other threads (policy, warm-up, init)");
        int totalMain = 0;
        int totalOther = 0;
        for (Map.Entry<String, int[]> entry : byOrigin.entrySet()) {
            table.row(entry.getKey(), entry.getValue()[0], entry.getValue()[1]);
            totalMain += entry.getValue()[0];
            totalOther += entry.getValue()[1];
        }
        table.row("total", totalMain, totalOther);
        table.print();
        StringBuilder top = new StringBuilder("extra JDK classes by package:");
        extraJdkPackages.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(12)
                .forEach(e -> top.append(' ').append(e.getKey()).append('=').append(e.getValue()));
        System.out.println(top);
    }

    private static int fromCds(List<Load> loads) {
        int count = 0;
        for (Load load : loads) {
            if (load.source.startsWith("shared")) {
                count++;
            }
        }
        return count;
    }

    // ---- 3. a timeline inside premain ----

    /** The main thread's markers first, then the other threads' (their "since previous" is to the row above). */
    private static final String[][] MARKERS = {
            {"AgentMain (premain entered)", "io.kaagent.AgentMain"},
            {"Agent (hidden loader up)", "io.kaagent.Agent"},
            {"LaunchPolicyRead (policy thread starts)", "io.kaagent.LaunchPolicyRead"},
            {"HookGate (transformer registered)", "io.kaagent.instrument.HookGate"},
            {"Hello (main)", "io.kaagent.bench.process.Hello"},
            {"policy thread: EntryReader (cached policy read)", "io.kaagent.cache.EntryReader"},
            {"policy thread: YamlDocument (YAML read: not cached)", "io.kaagent.config.YamlDocument"},
            {"policy thread: RuleSet (policy being built)", "io.kaagent.policy.RuleSet"},
            {"init thread: BootstrapBridge (preparing the hooks, 30 ms on)", "io.kaagent.instrument.BootstrapBridge"},
            {"KaBridge (bridge defined: first socket class, or init thread)", "io.kaagent.bootstrap.KaBridge"},
            {"first ASM class (only when a hooked class is not cached)", "io.kaagent.shaded.bytebuddy.jar.asm."},
    };

    private static void timeline(BenchEnv env, BenchEnv.Jdk jdk, Path policy, String cache, int runs)
            throws Exception {
        Stats[] at = new Stats[MARKERS.length + 1];
        for (int i = 0; i < at.length; i++) {
            at[i] = new Stats();
        }
        for (int run = 0; run < runs; run++) {
            List<Load> loads = classLoads(env, jdk, List.of(cache, "-javaagent:" + env.agentJar + "=" + policy),
                    "timeline-" + run);
            String mainThread = loads.get(0).thread;
            for (int m = 0; m < MARKERS.length; m++) {
                for (Load load : loads) {
                    if (load.name.equals(MARKERS[m][1]) || (MARKERS[m][1].endsWith(".")
                            && load.name.startsWith(MARKERS[m][1]))) {
                        at[m].add(load.uptimeNanos / 1e6);
                        break;
                    }
                }
            }
            long lastInit = -1;
            for (Load load : loads) {
                if (!load.thread.equals(mainThread) && (load.name.startsWith("io.kaagent")
                        || load.name.startsWith("com.kenai"))) {
                    lastInit = load.uptimeNanos;
                }
            }
            if (lastInit > 0) {
                at[MARKERS.length].add(lastInit / 1e6);
            }
        }
        System.out.println();
        System.out.println("### Timeline, " + jdk.label + ": JVM uptime (ms) when a marker class loads, median of "
                + runs + " runs with -Xlog:class+load");
        Table table = new Table("marker", "uptime ms", "since previous");
        double previous = Double.NaN;
        for (int m = 0; m <= MARKERS.length; m++) {
            String label = m < MARKERS.length ? MARKERS[m][0] : "last agent class of another thread";
            double value = at[m].median();
            table.row(label, Stats.f1(value), Double.isNaN(previous) || m == MARKERS.length ? ""
                    : Stats.signed1(value - previous));
            if (!Double.isNaN(value) && m < MARKERS.length) {
                previous = value;
            }
        }
        table.print();
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // scratch
        }
    }
}
