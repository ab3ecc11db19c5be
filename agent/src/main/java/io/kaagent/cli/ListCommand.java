package io.kaagent.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import io.kaagent.attach.AgentPresence;
import io.kaagent.attach.JvmProcess;

/**
 * {@code list}: the JVMs of this user — every process of this user with libjvm mapped — with main class and whether
 * ka-agent runs there ({@link AgentPresence}: only JVMs with a ka-agent jar open are asked, in parallel).
 */
final class ListCommand {
    private static final String FORMAT = "%-8s %-9s %-9s %s%n";
    private static final long ANSWER_SECONDS = 15;
    private static final int MAIN_WIDTH = 100;

    private ListCommand() {
    }

    /** A main class with a page of arguments (javac, build tools) would bury the table. */
    private static String shorten(String command) {
        return command.length() <= MAIN_WIDTH ? command : command.substring(0, MAIN_WIDTH - 3) + "...";
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (!args.isEmpty()) {
            return Cli.usageError(err, "list takes no arguments");
        }
        List<JvmProcess> jvms;
        try {
            jvms = JvmProcess.jvmsOfCurrentUser();
        } catch (IOException e) {
            err.println("ka-agent: cannot list processes: " + e + " (list needs Linux /proc)");
            return 1;
        }
        ExecutorService pool = Executors.newFixedThreadPool(4, new ThreadFactory() {
            @Override
            public Thread newThread(Runnable task) {
                Thread thread = new Thread(task, "ka-agent-list");
                thread.setDaemon(true);
                return thread;
            }
        });
        List<Future<AgentPresence>> answers = new ArrayList<Future<AgentPresence>>();
        for (final JvmProcess jvm : jvms) {
            answers.add(pool.submit(new Callable<AgentPresence>() {
                @Override
                public AgentPresence call() {
                    return AgentPresence.of(jvm);
                }
            }));
        }
        pool.shutdown();
        out.printf(FORMAT, "PID", "AGENT", "VERSION", "MAIN");
        List<String> notes = new ArrayList<String>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_SECONDS);
        for (int i = 0; i < jvms.size(); i++) {
            JvmProcess jvm = jvms.get(i);
            AgentPresence presence;
            try {
                presence = answers.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                presence = null;
            }
            String state = presence == null ? "unknown" : presence.state().word();
            out.printf(FORMAT, jvm.pid(), state, presence == null || presence.version() == null ? "-"
                    : presence.version(), shorten(jvm.mainCommand()));
            if (presence == null) {
                notes.add("pid " + jvm.pid() + ": did not answer within " + ANSWER_SECONDS + " s");
            } else if (presence.state() != AgentPresence.State.LOADED && presence.detail() != null) {
                notes.add("pid " + jvm.pid() + ": " + presence.detail());
            }
        }
        for (String note : notes) {
            out.println("note: " + note);
        }
        return 0;
    }
}
