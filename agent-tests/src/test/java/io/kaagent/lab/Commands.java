package io.kaagent.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Short-lived system commands (ip, nft, sysctl) with a bounded wait and their output in every failure message. */
final class Commands {
    private Commands() {
    }

    /** Runs a command to its end; its stdout. Fails, naming the command and both outputs, on a non-zero exit. */
    static String run(List<String> command, String stdin, Duration timeout) {
        Result r = execute(command, stdin, timeout);
        if (r.exitCode != 0) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' exited with " + r.exitCode
                    + (stdin == null ? "" : "\n--- stdin ---\n" + stdin) + "\n--- stdout ---\n" + r.stdout
                    + "--- stderr ---\n" + r.stderr);
        }
        return r.stdout;
    }

    /** Like {@link #run} for clean-up: a failure is printed, not thrown; stdout, or "" on failure. */
    static String runQuietly(List<String> command, Duration timeout) {
        try {
            Result r = execute(command, null, timeout);
            if (r.exitCode != 0) {
                System.err.println("lab clean-up: '" + String.join(" ", command) + "' exited with " + r.exitCode
                        + ": " + r.stderr.trim());
            }
            return r.stdout;
        } catch (RuntimeException e) {
            System.err.println("lab clean-up: " + e.getMessage());
            return "";
        }
    }

    record Result(int exitCode, String stdout, String stderr) {
    }

    static Result execute(List<String> command, String stdin, Duration timeout) {
        List<String> cmd = new ArrayList<>(command);
        Path exe = findExecutable(cmd.get(0));
        if (exe != null) {
            cmd.set(0, exe.toString());
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start '" + String.join(" ", command) + "'", e);
        }
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException ignored) {
            // the command exited without reading its input: its exit code tells
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
                throw new IllegalStateException("'" + String.join(" ", command) + "' did not finish within "
                        + timeout + "\n--- stdout ---\n" + out.text() + "--- stderr ---\n" + err.text());
            }
            out.join(timeout.toMillis());
            err.join(timeout.toMillis());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running '" + String.join(" ", command) + "'", e);
        }
        return new Result(p.exitValue(), out.text(), err.text());
    }

    /** The executable on PATH or in the sbin directories (a test JVM's PATH may lack them). */
    static Path findExecutable(String name) {
        if (name.contains("/")) {
            return Paths.get(name);
        }
        List<String> dirs = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Paths.get(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Reads a stream to its end on a daemon thread, so a chatty command never blocks on a full pipe. */
    private static final class Drain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Drain(InputStream in) {
            this.in = in;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    synchronized (bytes) {
                        bytes.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process was destroyed
            }
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
