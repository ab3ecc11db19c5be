package io.kaagent.samples.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A process the demo started: its output collected line by line, bounded waits, always ended by {@link #close()}. */
final class Child implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Lines stdout;
    private final Lines stderr;

    private Child(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdout = new Lines(process.getInputStream());
        this.stderr = new Lines(process.getErrorStream());
    }

    static Child start(String name, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        // The demo shows what the policy file does: no agent options from the environment.
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().keySet().removeIf(k -> k.startsWith("KA_AGENT_"));
        return new Child(name, pb.start());
    }

    long pid() {
        return process.pid();
    }

    String awaitStdout(String prefix, long timeoutMs) throws IOException {
        return await(stdout, l -> l.startsWith(prefix), "a line starting " + prefix, timeoutMs);
    }

    String awaitStderr(Predicate<String> wanted, String what, long timeoutMs) throws IOException {
        return await(stderr, wanted, what, timeoutMs);
    }

    private String await(Lines lines, Predicate<String> wanted, String what, long timeoutMs) throws IOException {
        String line = lines.await(wanted, timeoutMs);
        if (line == null) {
            throw new IOException(name + ": " + what + (process.isAlive() ? " did not come within " + timeoutMs
                    + " ms" : " never came, it exited with " + process.exitValue()) + "\n" + describe());
        }
        return line;
    }

    List<String> stdoutLines() {
        return stdout.snapshot();
    }

    List<String> stderrLines() {
        return stderr.snapshot();
    }

    void send(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Waits for the end of a short-lived command; its exit code, or -1 (and it is killed) after the timeout. */
    int awaitExit(long timeoutMs) throws InterruptedException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        stdout.awaitEof(2000);
        stderr.awaitEof(2000);
        return process.exitValue();
    }

    String describe() {
        StringBuilder sb = new StringBuilder("--- ").append(name).append(" stdout ---\n");
        stdout.snapshot().forEach(l -> sb.append(l).append('\n'));
        sb.append("--- ").append(name).append(" stderr ---\n");
        stderr.snapshot().forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    /** Asks it to quit (stdin EOF), then kills it if it has not within two seconds. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // gone already
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static final class Lines {
        private final List<String> lines = new ArrayList<>();
        private boolean eof;

        Lines(InputStream in) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        synchronized (this) {
                            lines.add(l);
                            notifyAll();
                        }
                    }
                } catch (IOException ignored) {
                    // the process was killed
                } finally {
                    synchronized (this) {
                        eof = true;
                        notifyAll();
                    }
                }
            }, "demo-output");
            t.setDaemon(true);
            t.start();
        }

        synchronized List<String> snapshot() {
            return new ArrayList<>(lines);
        }

        synchronized String await(Predicate<String> wanted, long timeoutMs) {
            long deadline = System.currentTimeMillis() + timeoutMs;
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (wanted.test(lines.get(seen))) {
                        return lines.get(seen);
                    }
                }
                long left = deadline - System.currentTimeMillis();
                if (eof || left <= 0) {
                    return null;
                }
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }

        synchronized void awaitEof(long timeoutMs) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (!eof && System.currentTimeMillis() < deadline) {
                wait(Math.max(1, deadline - System.currentTimeMillis()));
            }
        }
    }
}
