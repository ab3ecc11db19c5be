package io.kaagent.ops.support;

import io.kaagent.it.support.TestEnv;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@code java -jar ka-agent.jar ARGS} with the test JVM's java, as a user would, and collects what it printed. */
public final class KaCli {
    private static final long TIMEOUT_SECONDS = 60;

    private KaCli() {
    }

    /** The finished command: exit status and output lines. */
    public record Result(List<String> command, int exit, List<String> stdout, List<String> stderr) {
        public String out() {
            return String.join("\n", stdout);
        }

        public String err() {
            return String.join("\n", stderr);
        }

        /** The command line and everything it printed: the message of a failed assertion. */
        public String describe() {
            return String.join(" ", command) + "\nexit " + exit + "\n--- stdout ---\n" + out() + "\n--- stderr ---\n"
                    + err() + "\n--------------";
        }
    }

    public static Result run(Object... args) {
        return runAs(List.of(), args);
    }

    /**
     * Runs the command behind a prefix such as {@code setpriv --reuid=nobody ...} (another user), with the same java
     * and jar.
     */
    public static Result runAs(List<String> prefix, Object... args) {
        List<String> command = new ArrayList<>(prefix);
        command.add(TestEnv.javaExecutable().toString());
        command.add("-jar");
        command.add(TestEnv.agentJar().toString());
        Arrays.stream(args).map(String::valueOf).forEach(command::add);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().remove("_JAVA_OPTIONS");
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<List<String>> out = lines(process.getInputStream());
            CompletableFuture<List<String>> err = lines(process.getErrorStream());
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(command, process.exitValue(), out.get(10, TimeUnit.SECONDS),
                    err.get(10, TimeUnit.SECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (Exception e) {
            throw new AssertionError("running " + command + " failed", e);
        }
    }

    private static CompletableFuture<List<String>> lines(InputStream in) {
        CompletableFuture<List<String>> result = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (in) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                result.complete(text.isEmpty() ? List.of() : List.of(text.split("\n")));
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        }, "ka-cli-output");
        reader.setDaemon(true);
        reader.start();
        return result;
    }
}
