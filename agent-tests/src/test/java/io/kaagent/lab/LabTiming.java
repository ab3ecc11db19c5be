package io.kaagent.lab;

import java.time.Duration;
import java.util.List;

/** The lab's bounded waits, and the measurements it prints (surefire shows them; docs/lab.md quotes them). */
final class LabTiming {
    /**
     * A child JVM's first line: several start at once on a 2-core machine, and the database server runs initdb;
     * ample, since every wait ends as soon as the line comes.
     */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /**
     * How much later than the kernel's nominal time (idle + intvl x cnt, or user_timeout) an application may see a
     * dead peer. The kernel's timers are never early but may be late: at HZ=250 a 1–2 s timer lands in the timer
     * wheel's second level (32 ms granularity), so the four timers of idle + 3 probes add up to ~130 ms; then the
     * blocked thread must be woken and scheduled, and the JVM prints — on a 2-core CI machine that also runs the
     * other JVMs of the test, a few hundred ms more. docs/lab.md lists the measured values.
     */
    static final Duration DETECTION_TOLERANCE = Duration.ofSeconds(1);
    /**
     * How much earlier the application may see it: it timestamps the last data when its read returns, a little after
     * the kernel received it (and started the idle clock).
     */
    static final long EARLY_MARGIN_MS = 100;

    private LabTiming() {
    }

    static long secondsSince(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1e9);
    }

    static void report(String title, List<String> lines) {
        StringBuilder sb = new StringBuilder("\n[lab] ").append(title).append('\n');
        for (String l : lines) {
            sb.append("[lab]   ").append(l).append('\n');
        }
        System.out.print(sb);
        System.out.flush();
    }
}
