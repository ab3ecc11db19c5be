package io.kaagent.it.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A child JVM running a sample app, with or without the agent. Both output streams are collected line by line on
 * their own threads; every wait is bounded; {@link #close()} always ends the process.
 *
 * <pre>{@code
 * try (ChildJvm app = ChildJvm.builder().agent(policy).mainClass("io.kaagent.samples.PathsClient")
 *         .args("socket-connect", "127.0.0.1", "4000").start()) {
 *     String ready = app.awaitStdout(l -> l.startsWith("READY"), TestEnv.START_TIMEOUT);
 * }
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {
    private static final Duration GRACEFUL_EXIT = Duration.ofSeconds(3);

    private final List<String> command;
    private final Process process;
    private final OutputStream stdin;
    private final Collector stdout;
    private final Collector stderr;

    private ChildJvm(List<String> command, Map<String, String> env, Path directory) throws IOException {
        this.command = command;
        ProcessBuilder pb = new ProcessBuilder(command);
        if (directory != null) {
            pb.directory(directory.toFile());
        }
        pb.environment().putAll(env);
        pb.environment().keySet().removeIf(k -> k.startsWith("KA_AGENT_") && !env.containsKey(k));
        if (!env.containsKey("JAVA_TOOL_OPTIONS")) { // a test that sets it means it (a base image's default)
            pb.environment().remove("JAVA_TOOL_OPTIONS");
        }
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        this.process = pb.start();
        this.stdin = process.getOutputStream();
        this.stdout = new Collector(process.getInputStream(), "stdout of pid " + process.pid());
        this.stderr = new Collector(process.getErrorStream(), "stderr of pid " + process.pid());
    }

    public static Builder builder() {
        return new Builder();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Its threads as the kernel names them (/proc/PID/task/TID/comm: the first 15 characters of a Java name). */
    public List<String> threadNames() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid()), "task"))) {
            return tasks.map(task -> {
                try {
                    return Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).trim();
                } catch (IOException endedMeanwhile) {
                    return "";
                }
            }).collect(Collectors.toList());
        }
    }

    /** Waits for a stdout line; fails with the whole output so far if none comes in time or the process ends. */
    public String awaitStdout(Predicate<String> line, Duration timeout) {
        return stdout.await(line, timeout, this);
    }

    /** Waits for the first stdout line that starts with the prefix. */
    public String awaitStdout(String prefix, Duration timeout) {
        return awaitStdout(l -> l.startsWith(prefix), timeout);
    }

    public String awaitStderr(Predicate<String> line, Duration timeout) {
        return stderr.await(line, timeout, this);
    }

    public List<String> stdoutLines() {
        return stdout.snapshot();
    }

    public List<String> stderrLines() {
        return stderr.snapshot();
    }

    /** Writes a line to the child's stdin (the samples stop on "quit"). */
    public void sendLine(String line) {
        try {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + describeProcess(), e);
        }
    }

    public void closeStdin() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /**
     * Waits for the process to end and both streams to reach EOF, so the collected output is complete.
     * Fails (after destroying the process) if it does not end in time.
     */
    public int awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                destroy();
                throw new AssertionError("process did not exit within " + timeout + "\n" + describe());
            }
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
            stdout.join(left + 1000);
            stderr.join(left + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return process.exitValue();
    }

    /** Asks the sample to quit (stdin EOF) and waits for it to end. */
    public int quit(Duration timeout) {
        closeStdin();
        return awaitExit(timeout);
    }

    @Override
    public void close() {
        closeStdin();
        try {
            if (!process.waitFor(GRACEFUL_EXIT.toMillis(), TimeUnit.MILLISECONDS)) {
                destroy();
            }
            stdout.join(2000);
            stderr.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            destroy();
        }
    }

    private void destroy() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String describeProcess() {
        return "pid " + process.pid() + " (" + String.join(" ", command) + ")";
    }

    /** The command line, whether it still runs, and everything it printed: the message of every failure. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("child ").append(describeProcess());
        sb.append(process.isAlive() ? " still running" : " exited with " + process.exitValue()).append('\n');
        sb.append("--- stdout ---\n");
        stdout.snapshot().forEach(l -> sb.append(l).append('\n'));
        sb.append("--- stderr ---\n");
        stderr.snapshot().forEach(l -> sb.append(l).append('\n'));
        sb.append("--------------");
        return sb.toString();
    }

    /** Reads one stream line by line on a daemon thread. */
    private static final class Collector {
        private final List<String> lines = new ArrayList<>();
        private final Thread thread;
        private boolean eof;

        Collector(InputStream in, String name) {
            thread = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        synchronized (this) {
                            lines.add(l);
                            notifyAll();
                        }
                    }
                } catch (IOException ignored) {
                    // the process was destroyed
                } finally {
                    synchronized (this) {
                        eof = true;
                        notifyAll();
                    }
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }

        synchronized List<String> snapshot() {
            return new ArrayList<>(lines);
        }

        synchronized String await(Predicate<String> wanted, Duration timeout, ChildJvm owner) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (wanted.test(lines.get(seen))) {
                        return lines.get(seen);
                    }
                }
                if (eof) {
                    throw new AssertionError("the expected line never came; " + thread.getName()
                            + " ended\n" + describeLater(owner));
                }
                long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
                if (leftMs <= 0) {
                    throw new AssertionError("the expected line did not come within " + timeout + "\n"
                            + describeLater(owner));
                }
                try {
                    wait(leftMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }

        /** Describing takes the other collector's lock: do it without holding this one for long. */
        private String describeLater(ChildJvm owner) {
            try {
                owner.process.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return owner.describe();
        }

        void join(long millis) throws InterruptedException {
            thread.join(millis);
        }
    }

    /**
     * Builds the command line: java [jvm args] [-javaagent | -agentlib:instrument] [-D...] -cp sample-apps.jar MAIN
     * [args], or with -p DIR -m MODULE/CLASS in place of the class path and main class.
     */
    public static final class Builder {
        private final List<String> jvmArgs = new ArrayList<>();
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> launcher = new ArrayList<>();
        private String agentOption;
        private boolean agent;
        private Path agentJar;
        private boolean asAgentLib;
        private Integer uid;
        private Path classPath;
        private Path directory;
        private String mainClass;
        private Path modulePath;
        private final List<String> args = new ArrayList<>();

        /** -javaagent:ka-agent.jar=POLICY */
        public Builder agent(Path policy) {
            return agentOption(policy.toAbsolutePath().toString());
        }

        /** -javaagent:ka-agent.jar with no option: the policy comes from elsewhere (PRODUCT.md §2). */
        public Builder agent() {
            this.agent = true;
            this.agentOption = null;
            return this;
        }

        /** -javaagent:ka-agent.jar=OPTION, or without an agent when option is null and agent() was not called. */
        public Builder agentOption(String option) {
            this.agent = true;
            this.agentOption = option;
            return this;
        }

        /** Another copy of ka-agent.jar (one another user can read), instead of the build's. */
        public Builder agentJar(Path jar) {
            this.agentJar = jar;
            return this;
        }

        /**
         * Loads the agent as {@code -agentlib:instrument=ka-agent.jar[=OPTION]}, the JPLIS library -javaagent loads,
         * without the {@code --add-modules java.instrument} -javaagent implies (docs/operations.md, "Start-up").
         */
        public Builder asAgentLib() {
            this.asAgentLib = true;
            return this;
        }

        /** Runs the JVM under that user and group id, with no supplementary groups (setpriv; needs root). */
        public Builder runAs(int uid) {
            this.uid = uid;
            return this;
        }

        /** Started through this command, which runs the rest of the command line (a seccomp launcher, say). */
        public Builder through(String... launcher) {
            this.launcher.addAll(List.of(launcher));
            return this;
        }

        public Builder noAgent() {
            this.agent = false;
            this.asAgentLib = false;
            this.agentOption = null;
            return this;
        }

        public Builder sysProp(String key, String value) {
            systemProperties.put(key, value);
            return this;
        }

        public Builder sysProps(Map<String, String> properties) {
            systemProperties.putAll(properties);
            return this;
        }

        public Builder jvmArg(String arg) {
            jvmArgs.add(arg);
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder classPath(Path jar) {
            this.classPath = jar;
            return this;
        }

        /** The child's working directory (user.dir); the test JVM's when not set. */
        public Builder workingDirectory(Path dir) {
            this.directory = dir;
            return this;
        }

        public Builder mainClass(String name) {
            this.mainClass = name.contains(".") ? name : "io.kaagent.samples." + name;
            return this;
        }

        /** Runs {@code MODULE/CLASS} from this module path ({@code -p DIR -m MODULE/CLASS}), not the class path. */
        public Builder mainModule(Path path, String moduleAndClass) {
            this.modulePath = path;
            this.mainClass = moduleAndClass;
            return this;
        }

        public Builder args(Object... values) {
            for (Object v : values) {
                args.add(String.valueOf(v));
            }
            return this;
        }

        public List<String> command() {
            if (mainClass == null) {
                throw new IllegalStateException("no main class");
            }
            List<String> cmd = new ArrayList<>(launcher);
            if (uid != null) {
                cmd.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"));
            }
            cmd.add(TestEnv.javaExecutable().toString());
            cmd.addAll(jvmArgs);
            if (agent) {
                String javaagent = (asAgentLib ? "-agentlib:instrument=" : "-javaagent:")
                        + (agentJar == null ? TestEnv.agentJar() : agentJar);
                cmd.add(agentOption == null ? javaagent : javaagent + "=" + agentOption);
            }
            systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            if (modulePath != null) {
                cmd.addAll(List.of("-p", modulePath.toString(), "-m", mainClass));
            } else {
                cmd.add("-cp");
                cmd.add((classPath == null ? TestEnv.sampleJar() : classPath).toString());
                cmd.add(mainClass);
            }
            cmd.addAll(args);
            return cmd;
        }

        public ChildJvm start() {
            try {
                return new ChildJvm(command(), env, directory);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command(), e);
            }
        }

        @Override
        public String toString() {
            return String.join(" ", command()) + (env.isEmpty() ? "" : " env " + env);
        }
    }
}
