package io.kaagent.jmx;

/** One rule's counters, as a JMX composite. */
public final class RuleStats {
    private final String name;
    private final long matched;
    private final long applied;
    private final long failed;
    private final long neutralised;

    public RuleStats(String name, long matched, long applied, long failed, long neutralised) {
        this.name = name;
        this.matched = matched;
        this.applied = applied;
        this.failed = failed;
        this.neutralised = neutralised;
    }

    public String getName() {
        return name;
    }

    public long getMatched() {
        return matched;
    }

    public long getApplied() {
        return applied;
    }

    public long getFailed() {
        return failed;
    }

    public long getNeutralised() {
        return neutralised;
    }
}
