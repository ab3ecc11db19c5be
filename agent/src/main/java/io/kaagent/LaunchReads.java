package io.kaagent;

import java.util.ArrayList;
import java.util.List;

/**
 * The policy reads of one launch: one per {@code -javaagent:ka-agent.jar} among the JVM's options, in their order
 * (JAVA_TOOL_OPTIONS come before the command line). The last one's policy is the launch's, as a later JVM option
 * overrides an earlier one: a base image's default and an application's own {@code -javaagent} then load the agent
 * once, under the application's policy. The init thread takes it once, when it hands the policy to the hooks; a
 * read offered after that is refused, and its premain replaces the policy in force instead.
 */
final class LaunchReads {
    private final List<LaunchPolicyRead> reads = new ArrayList<LaunchPolicyRead>(2);
    private boolean taken;

    LaunchReads(LaunchPolicyRead first) {
        reads.add(first);
    }

    /** @return false once the launch's policy was taken: too late to be it */
    synchronized boolean offer(LaunchPolicyRead later) {
        if (taken) {
            return false;
        }
        reads.add(later);
        return true;
    }

    /** The read that is the launch's policy unless a later one is offered before it is taken. */
    synchronized LaunchPolicyRead latest() {
        return reads.get(reads.size() - 1);
    }

    /** The launch's read, for good. */
    synchronized LaunchPolicyRead take() {
        taken = true;
        return latest();
    }

    /** The reads a later one replaced, in their order (empty for a single {@code -javaagent}). */
    synchronized List<LaunchPolicyRead> replaced() {
        return new ArrayList<LaunchPolicyRead>(reads.subList(0, reads.size() - 1));
    }
}
