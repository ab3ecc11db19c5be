package io.kaagent.samples;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/** What the sample apps share: argument parsing, running on a virtual thread, holding until told to quit. */
final class Samples {
    /** Exit code of a sample asked for something this JDK cannot do (virtual threads before 21). */
    static final int EXIT_UNSUPPORTED = 3;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final long TASK_TIMEOUT_SECONDS = 60;

    private Samples() {
    }

    /** "40001" or "40001,40002" → ports, in order. */
    static List<Integer> ports(String arg) {
        List<Integer> ports = new ArrayList<>();
        for (String p : arg.split(",")) {
            ports.add(Integer.parseInt(p.trim()));
        }
        return ports;
    }

    static void println(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static String localPorts(List<Connection> connections) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Connection c : connections) {
            sb.append(' ').append(c.localPort());
        }
        return sb.toString();
    }

    /**
     * Runs the task on the calling thread, or on a new virtual thread. Virtual threads exist from JDK 21 only and the
     * samples are compiled for 17, hence reflection; prints {@code THREAD virtual=...} so a test sees where it ran.
     */
    static <T> T run(boolean virtual, Callable<T> task) throws Exception {
        if (!virtual) {
            println("THREAD virtual=false");
            return task.call();
        }
        Object builder;
        Method start;
        try {
            builder = Thread.class.getMethod("ofVirtual").invoke(null);
            start = Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class);
        } catch (NoSuchMethodException | ClassNotFoundException e) {
            System.err.println("virtual threads need JDK 21+, this is " + System.getProperty("java.version"));
            println("UNSUPPORTED virtual threads");
            System.exit(EXIT_UNSUPPORTED);
            throw new AssertionError();
        }
        Method isVirtual = Thread.class.getMethod("isVirtual");
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Boolean> ranVirtual = new AtomicReference<>(false);
        Runnable body = () -> {
            try {
                ranVirtual.set((Boolean) isVirtual.invoke(Thread.currentThread()));
                result.set(task.call());
            } catch (Throwable t) {
                failure.set(t);
            }
        };
        Thread thread;
        try {
            thread = (Thread) start.invoke(builder, body);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(e.getCause());
        }
        thread.join(TimeUnit.SECONDS.toMillis(TASK_TIMEOUT_SECONDS));
        if (thread.isAlive()) {
            throw new TimeoutException("virtual thread still running after " + TASK_TIMEOUT_SECONDS + " s");
        }
        println("THREAD virtual=" + ranVirtual.get());
        if (failure.get() instanceof Exception) {
            throw (Exception) failure.get();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get());
        }
        return result.get();
    }

    /** Blocks until standard input reaches EOF or a line "quit". */
    static void holdUntilQuit() throws IOException {
        holdUntilQuit(line -> { });
    }

    /** A command a sample takes on standard input while it holds. */
    interface InputLine {
        void handle(String trimmed) throws IOException;
    }

    /** Blocks until standard input reaches EOF or a line "quit", handing every other line to {@code onLine}. */
    static void holdUntilQuit(InputLine onLine) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.trim().equals("quit")) {
                return;
            }
            onLine.handle(line.trim());
        }
    }

    static void closeAll(List<? extends Closeable> closeables) {
        for (Closeable c : closeables) {
            try {
                c.close();
            } catch (IOException ignored) {
                // the app is exiting
            }
        }
    }

    /** Reports a failure the way every sample does: the stack trace on stderr, one FAILED line on stdout. */
    static void fail(Throwable t) {
        t.printStackTrace();
        println("FAILED " + t);
        System.exit(EXIT_FAILED);
    }

    /** A CompletionHandler that completes a future, for the CompletionHandler flavour of the async channels. */
    static <V> CompletionHandler<V, Void> handler(CompletableFuture<V> future) {
        return new CompletionHandler<V, Void>() {
            @Override
            public void completed(V result, Void attachment) {
                future.complete(result);
            }

            @Override
            public void failed(Throwable exc, Void attachment) {
                future.completeExceptionally(exc);
            }
        };
    }

    static <V> V await(java.util.concurrent.Future<V> future) throws Exception {
        try {
            return future.get(TASK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof Exception ? (Exception) cause : e;
        }
    }
}
