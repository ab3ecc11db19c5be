package io.kaagent.runtime;

import java.util.concurrent.atomic.AtomicLong;

/** What happened to the sockets one rule matched. Kept by rule name, so a reload keeps the counts. */
public final class RuleCounters {
    final AtomicLong matched = new AtomicLong();
    final AtomicLong applied = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong neutralised = new AtomicLong();

    public long matched() {
        return matched.get();
    }

    public long applied() {
        return applied.get();
    }

    public long failed() {
        return failed.get();
    }

    public long neutralised() {
        return neutralised.get();
    }
}
