package io.kaagent.config;

import java.util.Collections;
import java.util.List;

import io.kaagent.policy.Policy;

/** A valid policy and the warnings {@code check} prints about it (e.g. idle not shorter than nat_timeout). */
public final class LoadResult {
    private final Policy policy;
    private final List<Problem> warnings;

    public LoadResult(Policy policy, List<Problem> warnings) {
        this.policy = policy;
        this.warnings = Collections.unmodifiableList(warnings);
    }

    public Policy policy() {
        return policy;
    }

    public List<Problem> warnings() {
        return warnings;
    }
}
