package io.kaagent.bench.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Whole-process start-up: a hello-world JVM with no agent, with {@code -javaagent} but the agent switched off by
 * {@code -Dka.agent.disabled=true} (what the JVM itself charges for any agent), with no agent but the
 * {@code --add-modules=java.instrument} that -javaagent implies (no archived module graph then), with the agent and
 * a 10-rule policy file (policy and rewritten socket classes from the agent's caches, primed by one run first, as
 * from a JVM's second start on; with the caches off; and with a new empty cache directory for each run, as on the
 * first start in a fresh container), and with the agent and its embedded default policy (no YAML read); and the
 * agent loaded as {@code -agentlib:instrument=JAR=POLICY} (switched off, with its caches, with a fresh cache
 * directory), and under -javaagent with a CDS archive of the JDK dumped with that module option. All variants of
 * all JDKs run interleaved, round after round, so a burst of load on this shared machine hits them alike; "added" is
 * the median of the per-round differences to the no-agent run of the same round and JDK.
 *
 * <p>Run as root (with setpriv), it also starts JVMs as a user id no passwd file names, as containers run on
 * OpenShift: with no agent, with a new empty cache directory of that user's, and with a base directory that a root
 * JVM primed and opened to every user (an image build, docs/operations.md); their "added" is to that user's no-agent
 * run of the round.
 *
 * <p>{@code -Dbench.runs=N} rounds (default 21), after 2 untimed warm-up rounds. {@code -Dbench.baseline=JAR}
 * ({@code BASELINE_JAR=} in run.sh) adds that jar with the same policy, interleaved: before/after in one run.
 */
public final class StartupBench {
    private static final String FRESH = "agent, 10-rule file, fresh directory";
    /** Stands in a variant's options for a new empty cache directory, made for each run. */
    private static final String FRESH_DIRECTORY = "<fresh cache directory>";
    /** The user id of the "another user" variants: one no passwd file of a test machine names. */
    private static final int OTHER_UID = 54321;
    private static final String AS_OTHER_USER = "<as user " + OTHER_UID + ">";
    private static final String OTHER_NONE = "user " + OTHER_UID + ": no agent";
    private static final String OTHER_FRESH = "user " + OTHER_UID + ": fresh directory";
    private static final String OTHER_PRIMED = "user " + OTHER_UID + ": image primed by root";
    /** The module option -javaagent adds to the JVM's, with no agent: what it costs by itself. */
    private static final String ADD_MODULES = "no agent, --add-modules=java.instrument";
    /**
     * Stands in a variant's options for {@code -XX:SharedArchiveFile=} a CDS archive of this JDK dumped with
     * {@code --add-modules=java.instrument} (docs/operations.md, "Start-up"): JDK 24+ then keeps its archived module
     * graph under -javaagent; JDK 17 to 23 map no module graph whenever that option is given, archive or not.
     */
    private static final String INSTRUMENT_ARCHIVE = "<CDS archive dumped with java.instrument>";
    private static final String ARCHIVE = "-javaagent, CDS archive with java.instrument";
    private static final String ARCHIVE_FRESH = "-javaagent, CDS archive with java.instrument, fresh directory";
    /**
     * The same agent loaded as {@code -agentlib:instrument=JAR=POLICY}: the JPLIS library -javaagent loads, without
     * the {@code --add-modules java.instrument} that -javaagent implies and that switches off CDS's archived module
     * graph (docs/operations.md: for class-path applications only).
     */
    private static final String AGENTLIB_DISABLED = "-agentlib:instrument, disabled";
    private static final String AGENTLIB = "as -agentlib:instrument, 10-rule file";
    private static final String AGENTLIB_FRESH = "as -agentlib:instrument, fresh directory";

    private StartupBench() {
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(path);
            }
        }
    }

    /**
     * {@code -XX:SharedArchiveFile=} a static CDS archive of this JDK's default classes, dumped with the module option
     * -javaagent adds, as an image build would make it once ({@code java -Xshare:dump}).
     */
    private static String instrumentArchive(BenchEnv env, BenchEnv.Jdk jdk) throws Exception {
        Path archive = env.work.resolve("cds-instrument-" + jdk.label.replaceAll("[^A-Za-z0-9]", "") + ".jsa");
        new ChildJvm(jdk.java).args(List.of("-Xshare:dump", "-XX:SharedArchiveFile=" + archive,
                "--add-modules=java.instrument")).run(env.work).requireSuccess(jdk.label + " -Xshare:dump");
        return "-XX:SharedArchiveFile=" + archive;
    }

    /** Root, with setpriv: the "another user" variants can run. */
    private static boolean canRunAsAnotherUser() throws IOException {
        return "0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")))
                && Files.isExecutable(Path.of("/usr/bin/setpriv"));
    }

    /**
     * A base directory as an image build leaves it (docs/operations.md): root's, readable by everyone, and in it
     * root's cache directory primed by one run per JDK and opened with {@code chmod -R go+rX}.
     */
    private static String primedImage(BenchEnv env, Path policy) throws Exception {
        Path base = env.work.resolve("image");
        if (Files.exists(base)) {
            deleteTree(base);
        }
        Files.createDirectories(base);
        String option = BenchCaches.primedIn(env, base, List.of("-javaagent:" + env.agentJar + "=" + policy));
        Path root = base.resolve("ka-agent-root");
        try (Stream<Path> entries = Files.walk(root)) {
            for (Path entry : entries.collect(Collectors.toList())) {
                Files.setPosixFilePermissions(entry, java.nio.file.attribute.PosixFilePermissions.fromString(
                        Files.isDirectory(entry) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return option;
    }

    public static void main(String[] args) throws Exception {
        BenchEnv env = BenchEnv.fromSystemProperties();
        int runs = BenchEnv.intProperty("bench.runs", 21);
        Path policy = Policies.matching(env.work);
        // Each jar keeps its caches in a directory of its own, primed: the timed runs are a JVM's second start.
        String agentCache = BenchCaches.primed(env, "agent", List.of("-javaagent:" + env.agentJar + "=" + policy));
        Map<String, List<String>> variants = new LinkedHashMap<>();
        variants.put("no agent", List.of());
        variants.put("-javaagent, disabled", List.of("-Dka.agent.disabled=true",
                "-javaagent:" + env.agentJar + "=" + policy));
        // What -javaagent adds to the JVM's properties, without an agent: the archived module graph goes.
        variants.put(ADD_MODULES, List.of("--add-modules=java.instrument"));
        variants.put("agent, 10-rule file", List.of(agentCache, "-javaagent:" + env.agentJar + "=" + policy));
        // What every start pays where the agent may not cache (its caches switched off): the YAML is read, and the
        // first socket class would be rewritten by ASM.
        variants.put("agent, 10-rule file, no cache", List.of(agentCache, "-Dka.agent.cache=false",
                "-Dka.agent.policy.cache=false", "-javaagent:" + env.agentJar + "=" + policy));
        // The first start of a fresh container, where the agent rides in through JAVA_TOOL_OPTIONS: each run gets a
        // new empty cache directory (FRESH_DIRECTORY), so the nested libraries' jar is copied out, the policy read and
        // compiled, the socket classes rewritten, and all of it written to the cache.
        variants.put(FRESH, List.of(FRESH_DIRECTORY, "-javaagent:" + env.agentJar + "=" + policy));
        variants.put("agent, embedded default", List.of(agentCache, "-javaagent:" + env.agentJar));
        String agentLib = "-agentlib:instrument=" + env.agentJar + "=" + policy;
        variants.put(AGENTLIB_DISABLED, List.of("-Dka.agent.disabled=true", agentLib));
        variants.put(AGENTLIB, List.of(agentCache, agentLib));
        variants.put(AGENTLIB_FRESH, List.of(FRESH_DIRECTORY, agentLib));
        variants.put(ARCHIVE, List.of(INSTRUMENT_ARCHIVE, agentCache, "-javaagent:" + env.agentJar + "=" + policy));
        variants.put(ARCHIVE_FRESH, List.of(INSTRUMENT_ARCHIVE, FRESH_DIRECTORY,
                "-javaagent:" + env.agentJar + "=" + policy));
        Map<String, String> instrumentArchives = new LinkedHashMap<>();
        for (BenchEnv.Jdk jdk : env.jdks) {
            instrumentArchives.put(jdk.label, instrumentArchive(env, jdk));
        }
        boolean otherUser = canRunAsAnotherUser();
        if (otherUser) {
            variants.put(OTHER_NONE, List.of(AS_OTHER_USER));
            variants.put(OTHER_FRESH, List.of(AS_OTHER_USER, FRESH_DIRECTORY,
                    "-javaagent:" + env.agentJar + "=" + policy));
            variants.put(OTHER_PRIMED, List.of(AS_OTHER_USER, primedImage(env, policy),
                    "-javaagent:" + env.agentJar + "=" + policy));
        }
        String baseline = BenchEnv.baselineJar();
        if (baseline != null) {
            variants.put("baseline jar, 10-rule file", BenchCaches.primedAgent(env, "baseline", baseline, policy));
            variants.put("baseline jar, 10-rule file, fresh directory", List.of(FRESH_DIRECTORY,
                    "-javaagent:" + baseline + "=" + policy));
            variants.put("baseline jar, 10-rule file, no cache", List.of(agentCache, "-Dka.agent.cache=false",
                    "-Dka.agent.policy.cache=false", "-javaagent:" + baseline + "=" + policy));
        }

        System.out.println("## Start-up: hello world, wall time of the whole process (ms)");
        System.out.println(BenchEnv.machineLine() + "; agent jar " + new File(env.agentJar).length() / 1024
                + " KiB; " + runs + " interleaved rounds");
        Map<String, Map<String, Stats>> wall = new LinkedHashMap<>();
        Map<String, Map<String, Stats>> added = new LinkedHashMap<>();
        Map<String, Map<String, Stats>> cpu = new LinkedHashMap<>();
        Map<String, Map<String, Stats>> cpuAdded = new LinkedHashMap<>();
        Map<String, String> stderrSeen = new LinkedHashMap<>();
        for (BenchEnv.Jdk jdk : env.jdks) {
            wall.put(jdk.label, new LinkedHashMap<>());
            added.put(jdk.label, new LinkedHashMap<>());
            cpu.put(jdk.label, new LinkedHashMap<>());
            cpuAdded.put(jdk.label, new LinkedHashMap<>());
            for (String name : variants.keySet()) {
                wall.get(jdk.label).put(name, new Stats());
                added.get(jdk.label).put(name, new Stats());
                cpu.get(jdk.label).put(name, new Stats());
                cpuAdded.get(jdk.label).put(name, new Stats());
            }
        }
        List<String> names = new ArrayList<>(variants.keySet());
        for (int round = -2; round < runs; round++) {
            for (BenchEnv.Jdk jdk : env.jdks) {
                Map<String, Double> thisRound = new LinkedHashMap<>();
                Map<String, Double> thisRoundCpu = new LinkedHashMap<>();
                for (int i = 0; i < names.size(); i++) {
                    // Rotate the order each round: no variant always runs right after another's exit.
                    String name = names.get(Math.floorMod(i + round, names.size()));
                    Path fresh = Files.createTempDirectory(env.work, "fresh-");
                    List<String> options = new ArrayList<>(variants.get(name));
                    boolean asOther = options.remove(AS_OTHER_USER);
                    if (asOther) {
                        Files.setAttribute(fresh, "unix:uid", OTHER_UID);
                    }
                    options.replaceAll(o -> o.equals(FRESH_DIRECTORY) ? "-Dka.agent.native.dir=" + fresh
                            : o.equals(INSTRUMENT_ARCHIVE) ? instrumentArchives.get(jdk.label) : o);
                    ChildJvm child = new ChildJvm(jdk.java).args(options)
                            .args("-cp", env.classes, Hello.class.getName()).measureCpu();
                    if (asOther) {
                        child.asUser(OTHER_UID);
                    }
                    ChildJvm.Result result = child.run(env.work).requireSuccess(jdk.label + " " + name);
                    deleteTree(fresh);
                    if (!result.out.contains("hello")) {
                        throw new IllegalStateException(name + ": no hello in " + result.out);
                    }
                    if (!result.err.isBlank()) {
                        stderrSeen.putIfAbsent(jdk.label + ", " + name, result.err.trim());
                    }
                    thisRound.put(name, result.wallNanos / 1e6);
                    thisRoundCpu.put(name, result.cpuMillis);
                }
                if (round < 0) {
                    continue;
                }
                for (Map.Entry<String, Double> entry : thisRound.entrySet()) {
                    // Each against the no-agent run of its own user.
                    String none = entry.getKey().startsWith("user ") ? OTHER_NONE : "no agent";
                    wall.get(jdk.label).get(entry.getKey()).add(entry.getValue());
                    added.get(jdk.label).get(entry.getKey()).add(entry.getValue() - thisRound.get(none));
                    double c = thisRoundCpu.get(entry.getKey());
                    if (!Double.isNaN(c)) {
                        cpu.get(jdk.label).get(entry.getKey()).add(c);
                        cpuAdded.get(jdk.label).get(entry.getKey()).add(c - thisRoundCpu.get(none));
                    }
                }
            }
        }
        Table table = new Table("JDK", "variant", "wall median", "p10", "p90", "added wall (median of paired)",
                "added p10..p90", "CPU ms (perf task-clock)", "added CPU");
        for (BenchEnv.Jdk jdk : env.jdks) {
            for (String name : names) {
                Stats w = wall.get(jdk.label).get(name);
                Stats a = added.get(jdk.label).get(name);
                boolean base = name.equals("no agent") || name.equals(OTHER_NONE);
                table.row(jdk.label, name, Stats.f0(w.median()), Stats.f0(w.percentile(10)),
                        Stats.f0(w.percentile(90)), base ? "" : Stats.signed1(a.median()),
                        base ? "" : Stats.signed1(a.percentile(10)) + " .. " + Stats.signed1(a.percentile(90)),
                        Stats.f0(cpu.get(jdk.label).get(name).median()),
                        base ? "" : Stats.signed1(cpuAdded.get(jdk.label).get(name).median()));
            }
        }
        table.print();
        for (BenchEnv.Jdk jdk : env.jdks) {
            Stats agent = added.get(jdk.label).get("agent, 10-rule file");
            Stats bare = added.get(jdk.label).get("-javaagent, disabled");
            System.out.println(jdk.label + ": the agent (10 rules) adds " + Stats.f1(agent.median())
                    + " ms, of which the JVM's own -javaagent machinery is " + Stats.f1(bare.median())
                    + " ms and ka-agent's premain and what it triggers " + Stats.f1(agent.median() - bare.median())
                    + " ms; goal <= 100 ms: " + (agent.median() <= 100 ? "met" : "NOT met"));
            Stats uncached = added.get(jdk.label).get("agent, 10-rule file, no cache");
            System.out.println(jdk.label + ": without the policy cache (the YAML read at start) it adds "
                    + Stats.f1(uncached.median()) + " ms");
            Stats fresh = added.get(jdk.label).get(FRESH);
            System.out.println(jdk.label + ": a fresh container's first start (empty cache directory) adds "
                    + Stats.f1(fresh.median()) + " ms; goal <= 100 ms: " + (fresh.median() <= 100 ? "met" : "NOT met"));
            Stats libWarm = added.get(jdk.label).get(AGENTLIB);
            Stats libFresh = added.get(jdk.label).get(AGENTLIB_FRESH);
            System.out.println(jdk.label + ": --add-modules=java.instrument alone (what -javaagent implies) adds "
                    + Stats.f1(added.get(jdk.label).get(ADD_MODULES).median()) + " ms");
            System.out.println(jdk.label + ": under -javaagent with a CDS archive dumped with java.instrument the "
                    + "agent adds " + Stats.f1(added.get(jdk.label).get(ARCHIVE).median()) + " ms, "
                    + Stats.f1(added.get(jdk.label).get(ARCHIVE_FRESH).median()) + " ms on a fresh container's first "
                    + "start");
            System.out.println(jdk.label + ": loaded as -agentlib:instrument (class-path applications) the agent adds "
                    + Stats.f1(libWarm.median()) + " ms, of which the JVM's own machinery is "
                    + Stats.f1(added.get(jdk.label).get(AGENTLIB_DISABLED).median()) + " ms; a fresh container's "
                    + "first start " + Stats.f1(libFresh.median()) + " ms; goal <= 100 ms: "
                    + (libWarm.median() <= 100 ? "met" : "NOT met") + " / " + (libFresh.median() <= 100 ? "met"
                    : "NOT met"));
            if (otherUser) {
                Stats otherFresh = added.get(jdk.label).get(OTHER_FRESH);
                Stats primed = added.get(jdk.label).get(OTHER_PRIMED);
                System.out.println(jdk.label + ": a container of user " + OTHER_UID + " (no name) adds "
                        + Stats.f1(otherFresh.median()) + " ms at its first start, " + Stats.f1(primed.median())
                        + " ms from an image primed by root; goal <= 100 ms: " + (otherFresh.median() <= 100 ? "met"
                        : "NOT met") + " / " + (primed.median() <= 100 ? "met" : "NOT met"));
            }
            Stats before = added.get(jdk.label).get("baseline jar, 10-rule file");
            if (before != null) {
                Stats freshBefore = added.get(jdk.label).get("baseline jar, 10-rule file, fresh directory");
                Stats uncachedBefore = added.get(jdk.label).get("baseline jar, 10-rule file, no cache");
                System.out.println(jdk.label + ": the baseline jar adds " + Stats.f1(before.median())
                        + " ms; this jar " + Stats.signed1(agent.median() - before.median()) + " ms against it; "
                        + "fresh directory: " + Stats.f1(freshBefore.median()) + " ms, this jar "
                        + Stats.signed1(fresh.median() - freshBefore.median()) + " ms against it; no cache: "
                        + Stats.f1(uncachedBefore.median()) + " ms, this jar "
                        + Stats.signed1(uncached.median() - uncachedBefore.median()) + " ms against it");
            }
        }
        if (stderrSeen.isEmpty()) {
            System.out.println("stderr: empty in every run (no warning shown to the user)");
        } else {
            for (Map.Entry<String, String> entry : stderrSeen.entrySet()) {
                System.out.println("stderr of " + entry.getKey() + ": " + entry.getValue().replace('\n', ' '));
            }
        }
        System.out.println();
    }
}
