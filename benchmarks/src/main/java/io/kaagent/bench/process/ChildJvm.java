package io.kaagent.bench.process;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One child process: its command line, extra environment, and what it printed (through files, no pipe threads). */
final class ChildJvm {
    private final List<String> command = new ArrayList<>();
    private final Map<String, String> env = new HashMap<>();
    private long timeoutSeconds = 300;
    private boolean measureCpu;
    private static Boolean perfWorks;

    ChildJvm(String java) {
        command.add(java);
    }

    ChildJvm args(String... more) {
        command.addAll(Arrays.asList(more));
        return this;
    }

    ChildJvm args(List<String> more) {
        command.addAll(more);
        return this;
    }

    /** Runs the child under that user and group id, without supplementary groups (setpriv; needs root). */
    ChildJvm asUser(int uid) {
        command.addAll(0, Arrays.asList("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"));
        return this;
    }

    ChildJvm env(String name, String value) {
        env.put(name, value);
        return this;
    }

    ChildJvm timeoutSeconds(long seconds) {
        this.timeoutSeconds = seconds;
        return this;
    }

    /**
     * Also measure the child's CPU time (all its threads, user + system) with {@code perf stat -e task-clock}, when
     * perf works here. On a loaded shared machine CPU time moves far less than wall time: it says how much work the
     * agent adds, wall time says how long a user waits.
     */
    ChildJvm measureCpu() {
        this.measureCpu = perfAvailable();
        return this;
    }

    static synchronized boolean perfAvailable() {
        if (perfWorks == null) {
            try {
                Process p = new ProcessBuilder("perf", "stat", "-x,", "-e", "task-clock", "true")
                        .redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                perfWorks = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException | InterruptedException e) {
                perfWorks = false;
            }
        }
        return perfWorks;
    }

    List<String> command() {
        return command;
    }

    static final class Result {
        final int exit;
        final long wallNanos;
        final long startMicros;
        final long endMicros;
        final String out;
        final String err;
        /** CPU time of the child in ms (perf task-clock), NaN when not measured. */
        double cpuMillis = Double.NaN;

        Result(int exit, long wallNanos, long startMicros, long endMicros, String out, String err) {
            this.exit = exit;
            this.wallNanos = wallNanos;
            this.startMicros = startMicros;
            this.endMicros = endMicros;
            this.out = out;
            this.err = err;
        }

        /** The value of the first stdout line {@code key ...}: the rest of the line, or null. */
        String line(String key) {
            for (String line : out.split("\n")) {
                if (line.startsWith(key + " ")) {
                    return line.substring(key.length() + 1).trim();
                }
            }
            return null;
        }

        /** {@code key=value} from the first stdout line starting with {@code prefix}. */
        double value(String prefix, String key) {
            String line = line(prefix);
            if (line == null) {
                throw new IllegalStateException("child printed no '" + prefix + "' line:\n" + out + "\n" + err);
            }
            for (String part : line.split("\\s+")) {
                if (part.startsWith(key + "=")) {
                    return Double.parseDouble(part.substring(key.length() + 1));
                }
            }
            throw new IllegalStateException("no " + key + "= in: " + line);
        }

        Result requireSuccess(String what) {
            if (exit != 0) {
                throw new IllegalStateException(what + " exited " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err);
            }
            return this;
        }
    }

    /** Runs to the end; stdout and stderr are kept. */
    Result run(Path scratch) throws IOException, InterruptedException {
        Path out = Files.createTempFile(scratch, "out", ".txt");
        Path err = Files.createTempFile(scratch, "err", ".txt");
        Path perf = measureCpu ? Files.createTempFile(scratch, "perf", ".txt") : null;
        try {
            List<String> full = new ArrayList<>();
            if (perf != null) {
                full.addAll(List.of("perf", "stat", "-x,", "-e", "task-clock", "-o", perf.toString(), "--"));
            }
            full.addAll(command);
            ProcessBuilder builder = new ProcessBuilder(full).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().putAll(env);
            long startMicros = Clock.epochMicros();
            long start = System.nanoTime();
            Process process = builder.start();
            int exit = waitBounded(process);
            long wall = System.nanoTime() - start;
            long endMicros = Clock.epochMicros();
            Result result = new Result(exit, wall, startMicros, endMicros,
                    new String(Files.readAllBytes(out), StandardCharsets.UTF_8),
                    new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
            if (perf != null) {
                for (String line : Files.readAllLines(perf, StandardCharsets.UTF_8)) {
                    String[] parts = line.split(",");
                    if (parts.length > 2 && parts[2].startsWith("task-clock")) {
                        result.cpuMillis = Double.parseDouble(parts[0]);
                    }
                }
            }
            return result;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            if (perf != null) {
                Files.deleteIfExists(perf);
            }
        }
    }

    /** Starts it with stdin/stdout as pipes, for a peer the parent talks to. */
    Process start(Path scratch) throws IOException {
        Path err = Files.createTempFile(scratch, "peer-err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    private int waitBounded(Process process) throws InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            return -999;
        }
        return process.exitValue();
    }
}
