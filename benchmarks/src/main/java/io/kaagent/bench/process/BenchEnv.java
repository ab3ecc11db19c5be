package io.kaagent.bench.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Where everything is, as benchmarks/run.sh passes it: {@code -Dbench.agent} (a snapshot of ka-agent.jar, so a
 * rebuild during a run cannot change it), {@code -Dbench.classes} (these programs), {@code -Dbench.probe} (the probe
 * agent jar), {@code -Dbench.jdks} (java executables, comma separated), {@code -Dbench.work} (scratch directory).
 */
final class BenchEnv {
    final String agentJar;
    final String classes;
    final String probeJar;
    final List<Jdk> jdks;
    final Path work;

    static final class Jdk {
        final String label;
        final String java;

        Jdk(String label, String java) {
            this.label = label;
            this.java = java;
        }
    }

    private BenchEnv(String agentJar, String classes, String probeJar, List<Jdk> jdks, Path work) {
        this.agentJar = agentJar;
        this.classes = classes;
        this.probeJar = probeJar;
        this.jdks = jdks;
        this.work = work;
    }

    static BenchEnv fromSystemProperties() throws IOException {
        String agent = require("bench.agent");
        String classes = require("bench.classes");
        String probe = System.getProperty("bench.probe", "");
        List<Jdk> jdks = new ArrayList<>();
        for (String java : System.getProperty("bench.jdks",
                "java,/usr/lib/jvm/temurin-25-jdk-amd64/bin/java").split(",")) {
            java = java.trim();
            if (java.isEmpty()) {
                continue;
            }
            if (java.contains("/") && !new File(java).canExecute()) {
                System.out.println("(skipping " + java + ": not installed)");
                continue;
            }
            jdks.add(new Jdk(labelOf(java), java));
        }
        Path work = Paths.get(System.getProperty("bench.work", "benchmarks/target/work"));
        Files.createDirectories(work);
        return new BenchEnv(agent, classes, probe, jdks, work.toAbsolutePath());
    }

    private static String require(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("-D" + property + " is required (benchmarks/run.sh sets it)");
        }
        if (!new File(value).exists()) {
            throw new IllegalArgumentException("-D" + property + "=" + value + " does not exist");
        }
        return value;
    }

    /** "JDK 17" / "JDK 25", from the executable's own version. */
    private static String labelOf(String java) throws IOException {
        try {
            Process process = new ProcessBuilder(java, "-XshowSettings:properties", "-version")
                    .redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes());
            process.waitFor();
            for (String line : out.split("\n")) {
                line = line.trim();
                if (line.startsWith("java.specification.version = ")) {
                    return "JDK " + line.substring("java.specification.version = ".length()).trim();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return java;
    }

    /** {@code -Dbench.baseline=JAR} (run.sh's BASELINE_JAR): the jar to run beside this one, or null. */
    static String baselineJar() {
        String jar = System.getProperty("bench.baseline");
        return jar == null || jar.isEmpty() ? null : jar;
    }

    static int intProperty(String name, int fallback) {
        String value = System.getProperty(name);
        return value == null || value.isEmpty() ? fallback : Integer.parseInt(value.trim());
    }

    /** One line that says how busy the machine was: a shared 2-core machine, so every table carries it. */
    static String machineLine() {
        String load = "?";
        try {
            load = new String(Files.readAllBytes(Paths.get("/proc/loadavg"))).trim();
        } catch (IOException ignored) {
            // not Linux
        }
        return "machine: " + Runtime.getRuntime().availableProcessors() + " cores, load average " + load;
    }
}
