package io.kaagent.lab;

import io.kaagent.it.support.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A sample app in a child JVM inside one of the lab's namespaces: the command {@link ChildJvm.Builder} builds (the
 * test JVM's java, {@code -javaagent} or not, sample-apps.jar), run through {@code ip netns exec NS}, which execs it:
 * {@link #pid()} is the JVM's own pid, so {@code KernelSocketReader.of(pid)} reads its sockets. Output is collected
 * line by line; every wait is bounded; {@link #close()} always ends the process.
 */
final class LabJvm implements AutoCloseable {
    private static final Duration GRACEFUL_EXIT = Duration.ofSeconds(2);

    private final String name;
    private final List<String> command;
    private final Process process;
    private final OutputStream stdin;
    private final Lines stdout;
    private final Lines stderr;
    private int cursor;

    private LabJvm(String name, List<String> command) throws IOException {
        this.name = name;
        this.command = command;
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("KA_AGENT_"));
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        this.process = pb.start();
        this.stdin = process.getOutputStream();
        this.stdout = new Lines(process.getInputStream(), name + " stdout");
        this.stderr = new Lines(process.getErrorStream(), name + " stderr");
    }

    /** Starts {@code app} inside namespace {@code ns}; {@code name} labels it in every message. */
    static LabJvm start(String name, String ns, ChildJvm.Builder app) {
        List<String> cmd = new ArrayList<>(List.of(Commands.findExecutable("ip").toString(), "netns", "exec", ns));
        cmd.addAll(app.command());
        try {
            return new LabJvm(name, cmd);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The first stdout line starting with the prefix; fails with everything the app printed if none comes in time. */
    String await(String prefix, Duration timeout) {
        return await(l -> l.startsWith(prefix), "a line starting '" + prefix + "'", timeout);
    }

    String await(Predicate<String> wanted, String what, Duration timeout) {
        String line = stdout.await(wanted, 0, new int[1], timeout);
        if (line == null) {
            throw new AssertionError(name + ": " + what + (process.isAlive() ? " did not come within "
                    + timeout.toMillis() + " ms" : " never came: the app ended") + "\n" + describe());
        }
        return line;
    }

    /**
     * Waits for the agent's start line ({@code ka-agent: INFO ... started: ...}, PRODUCT.md §7; the policy must log at
     * info or debug). The agent loads its native layer on a background thread and logs this line once it is ready;
     * a connection opened before then gets its options only when it is (seconds later on a loaded 2-core machine):
     * the lab opens its connections after this line, so that what it measures is keepalive, not that delay.
     */
    String awaitAgentStarted(Duration timeout) {
        String line = stderr.await(l -> l.startsWith("ka-agent: INFO ") && l.contains(" started"), 0, new int[1],
                timeout);
        if (line == null) {
            throw new AssertionError(name + ": the agent's start line did not come within " + timeout.toMillis()
                    + " ms\n" + describe());
        }
        return line;
    }

    /**
     * The next stdout line starting with the prefix after the one the previous call returned: for replies to
     * commands that are sent more than once.
     */
    String next(String prefix, Duration timeout) {
        int[] index = {-1};
        String line = stdout.await(l -> l.startsWith(prefix), cursor, index, timeout);
        if (line == null) {
            throw new AssertionError(name + ": no further line starting '" + prefix + "' within "
                    + timeout.toMillis() + " ms\n" + describe());
        }
        cursor = index[0] + 1;
        return line;
    }

    /**
     * Waits the whole duration and fails if a matching line comes after those {@link #next} returned, or if the app
     * exits: it is still blocked, as expected.
     */
    void assertStillBlocked(String prefix, Duration during, String why) {
        String line = stdout.await(l -> l.startsWith(prefix), cursor, new int[1], during);
        if (line != null) {
            throw new AssertionError(name + ": expected no '" + prefix + "' line for " + during.toMillis()
                    + " ms (" + why + "), got: " + line + "\n" + describe());
        }
        if (!process.isAlive()) {
            throw new AssertionError(name + ": expected it still blocked (" + why + "), but it exited\n"
                    + describe());
        }
    }

    void send(String line) {
        try {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot write to its stdin\n" + describe(), e);
        }
    }

    List<String> stdoutLines() {
        return stdout.snapshot();
    }

    List<String> stderrLines() {
        return stderr.snapshot();
    }

    /** The command, whether it runs, and all it printed. */
    String describe() {
        StringBuilder sb = new StringBuilder("--- ").append(name).append(": pid ").append(process.pid()).append(' ')
                .append(process.isAlive() ? "still running" : "exited with " + process.exitValue()).append('\n')
                .append(String.join(" ", command)).append('\n').append("--- stdout ---\n");
        stdout.snapshot().forEach(l -> sb.append(l).append('\n'));
        sb.append("--- stderr ---\n");
        stderr.snapshot().forEach(l -> sb.append(l).append('\n'));
        return sb.append("---").toString();
    }

    /** Asks the app to quit (stdin EOF), and kills it if it does not within a moment (it may be blocked on purpose). */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(GRACEFUL_EXIT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Closes every app, in parallel: a blocked app waits for its graceful-exit time, not all of them in turn. */
    static void closeAll(List<LabJvm> apps) {
        List<Thread> closers = new ArrayList<>();
        for (LabJvm app : apps) {
            if (app == null) {
                continue;
            }
            Thread t = new Thread(app::close, "close-" + app.name);
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One output stream, collected line by line on a daemon thread. */
    private static final class Lines {
        private final List<String> lines = new ArrayList<>();
        private boolean eof;

        Lines(InputStream in, String threadName) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        synchronized (this) {
                            lines.add(l);
                            notifyAll();
                        }
                    }
                } catch (IOException ignored) {
                    // destroyed
                } finally {
                    synchronized (this) {
                        eof = true;
                        notifyAll();
                    }
                }
            }, threadName);
            t.setDaemon(true);
            t.start();
        }

        synchronized List<String> snapshot() {
            return new ArrayList<>(lines);
        }

        /**
         * The first matching line at or after index {@code from} (its index into {@code foundAt[0]}), or null when
         * none came within the timeout or the stream ended.
         */
        synchronized String await(Predicate<String> wanted, int from, int[] foundAt, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int seen = from;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (wanted.test(lines.get(seen))) {
                        foundAt[0] = seen;
                        return lines.get(seen);
                    }
                }
                long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
                if (eof || leftMs <= 0) {
                    return null;
                }
                try {
                    wait(leftMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }
}
