package io.kaagent.lab;

import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.TcpSocket;
import io.kaagent.it.support.TcpState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A lab app's sockets as the kernel reports them (through {@link KernelSocketReader}: pidfd_getfd + getsockopt, from
 * outside the app, inside its namespace), waited for with a bound.
 */
final class KernelView {
    /**
     * How long the agent may take to put a rule on a connection. It is not instantaneous: the agent applies the
     * options of a JVM's first connections from the background once its native layer is loaded (measured here:
     * 0.2–0.8 s after connect on an idle machine, more while several JVMs start on 2 cores).
     */
    static final Duration APPLY_TIMEOUT = Duration.ofSeconds(10);

    private KernelView() {
    }

    static Predicate<TcpSocket> establishedToPort(int remotePort) {
        return s -> s.state() == TcpState.ESTABLISHED && s.remotePort() == remotePort;
    }

    static Predicate<TcpSocket> acceptedOn(int localPort) {
        return s -> s.state() == TcpState.ESTABLISHED && s.localPort() == localPort;
    }

    /**
     * Waits until every socket of the app that the filter selects (at least {@code count}) has exactly these
     * options; the milliseconds it took. Fails listing every socket and the app's output.
     */
    static long awaitOptions(LabJvm app, Predicate<TcpSocket> filter, int count, KernelSocketOptions expected)
            throws IOException, InterruptedException {
        KernelSocketReader reader = KernelSocketReader.of(app.pid());
        long start = System.nanoTime();
        long deadline = start + APPLY_TIMEOUT.toNanos();
        String last = "";
        while (true) {
            List<TcpSocket> sockets = reader.sockets().stream().filter(filter).collect(Collectors.toList());
            boolean all = sockets.size() >= count;
            StringBuilder seen = new StringBuilder();
            for (TcpSocket s : sockets) {
                KernelSocketOptions actual = reader.options(s);
                seen.append("\n  ").append(s).append(": ").append(actual);
                all &= actual.equals(expected);
            }
            if (all) {
                return (System.nanoTime() - start) / 1_000_000L;
            }
            last = seen.toString();
            if (System.nanoTime() > deadline) {
                throw new AssertionError(app.name() + ": expected " + count + " socket(s) with " + expected
                        + " within " + APPLY_TIMEOUT.toMillis() + " ms; the kernel reports:" + (last.isEmpty()
                        ? " no such socket" : last) + "\n" + app.describe());
            }
            Thread.sleep(50);
        }
    }

    /** What one app's sockets must show once it printed a line: {@code count} sockets the filter selects. */
    record Expectation(LabJvm app, String afterLine, Predicate<TcpSocket> filter, int count,
                       KernelSocketOptions expected) {
    }

    /**
     * For every app at once: waits for its line (its connections are open), then for the kernel to show the options;
     * one line per app saying how many milliseconds after that line the kernel showed them.
     */
    static List<String> awaitEach(List<Expectation> expectations) {
        List<CompletableFuture<String>> futures = new ArrayList<>();
        for (Expectation e : expectations) {
            futures.add(CompletableFuture.supplyAsync(() -> {
                e.app().await(e.afterLine(), LabTiming.START_TIMEOUT);
                try {
                    long ms = awaitOptions(e.app(), e.filter(), e.count(), e.expected());
                    return e.app().name() + ": " + e.expected() + " (seen " + ms + " ms after " + e.afterLine() + ")";
                } catch (IOException | InterruptedException ex) {
                    throw new CompletionException(ex);
                }
            }, runnable -> {
                Thread t = new Thread(runnable, "kernel-view-" + e.app().name());
                t.setDaemon(true);
                t.start();
            }));
        }
        List<String> lines = new ArrayList<>();
        for (CompletableFuture<String> f : futures) {
            try {
                lines.add(f.join());
            } catch (CompletionException ex) {
                Throwable cause = ex.getCause();
                if (cause instanceof AssertionError) {
                    throw (AssertionError) cause;
                }
                throw new AssertionError(cause);
            }
        }
        return lines;
    }
}
