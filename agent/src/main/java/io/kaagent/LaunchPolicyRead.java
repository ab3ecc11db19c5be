package io.kaagent;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.kaagent.config.PolicyCache;
import io.kaagent.config.PolicyException;
import io.kaagent.policy.Policy;
import io.kaagent.runtime.PolicyWatcher;

/**
 * The policy of a launch, read on a thread of its own from the start of premain: YAML in a cold JVM costs ~100 ms,
 * and this way it overlaps with everything else premain and the application do instead of preceding it. Through
 * the {@link PolicyCache}: from the second start with the same policy text on, no YAML is read at all.
 * <p>
 * One per {@code -javaagent:ka-agent.jar} among the JVM's options, in their order (JAVA_TOOL_OPTIONS come before the
 * command line); the first keeps the later ones ({@link #offerLater}). The last one's policy is the launch's, as a
 * later JVM option overrides an earlier one: a base image's default and an application's own {@code -javaagent} then
 * load the agent once, under the application's policy. The init thread takes it once, when it hands the policy to the
 * hooks; a read offered after that is refused, and its premain replaces the policy in force instead. Kept here, not in
 * a class of its own: every JVM's premain would load that class, ~0.3 ms of its start.
 */
final class LaunchPolicyRead implements Runnable {
    private final File file;
    private final Map<String, String> env;
    private final CountDownLatch done = new CountDownLatch(1);
    /**
     * Counted down once nothing is left to say about this policy at the JVM's exit: it is known to be valid (a text
     * compiled before: early, while the policy is still being built; any other once it is built), or the agent has
     * printed what is wrong with it ({@link #verdictReported}).
     */
    private final CountDownLatch verdict = new CountDownLatch(1);
    private final Runnable afterwards;
    /** Where the policy may come from; null when caching is off. Set on the read's thread. */
    private PolicyCache cache;
    private PolicyWatcher.Stamp stamp;
    /** What makes a JVM's exit wait for this read's verdict (Agent#waitForPolicyAtExit); null when none. */
    private volatile Thread exitHook;
    private Policy policy;
    private PolicyException invalid;
    private RuntimeException failed;
    /** On the first read: the later ones, in their order; guarded by this. */
    private List<LaunchPolicyRead> later;
    /** On the first read: the launch's policy was handed over; guarded by this. */
    private boolean taken;

    private LaunchPolicyRead(File file, Map<String, String> env, Runnable afterwards) {
        this.file = file;
        this.env = env;
        this.afterwards = afterwards;
    }

    /** @param afterwards what the thread does once the policy is read, best effort */
    static LaunchPolicyRead start(File file, Map<String, String> env, Runnable afterwards) {
        LaunchPolicyRead read = new LaunchPolicyRead(file, env, afterwards);
        Thread thread = Privileged.newThread(read, "ka-agent-policy");
        thread.setDaemon(true);
        thread.start();
        return read;
    }

    @Override
    public void run() {
        try {
            // Stamped before it is read: an edit made while the agent starts is then a change the watcher sees.
            stamp = PolicyWatcher.Stamp.of(file);
            Agent.delayForTests("ka.agent.test.policyDelayMillis");
            cache = PolicyCache.forUser();
            policy = PolicySources.load(file, env, cache, new Runnable() {
                @Override
                public void run() {
                    verdict.countDown();
                }
            });
            // Read and built, so valid: nothing is left to say about it at the JVM's exit. A short-lived JVM whose
            // policy was not compiled before (a fresh container) then exits without waiting for the init thread's
            // handover, which rewrites the socket classes there with ASM.
            verdict.countDown();
        } catch (PolicyException e) {
            invalid = e;
        } catch (RuntimeException e) {
            failed = e;
        } catch (Error e) {
            failed = new IllegalStateException("reading the policy failed: " + e, e);
        } finally {
            done.countDown();
        }
        // The policy's rule index is not built here but by the init thread, after its handover and the JDK's way to
        // the options (Agent.InitWork): built here, in parallel, it took a share of two cores from an application
        // connecting at once (FirstConnectBench). Until then the policy checks its rules in turn.
        try {
            afterwards.run();
        } catch (Throwable t) {
            // best effort, and nothing the application could notice
        }
        try {
            if (cache != null) {
                cache.tidy();
            }
        } catch (Throwable t) {
            // best effort too: an untidy cache directory costs only disk space
        }
    }

    /** @return false once the launch's policy was taken: too late to be it. Called on the first read. */
    synchronized boolean offerLater(LaunchPolicyRead read) {
        if (taken) {
            return false;
        }
        if (later == null) {
            later = new ArrayList<LaunchPolicyRead>(1);
        }
        later.add(read);
        return true;
    }

    /** The read that is the launch's policy unless a later one is offered before it is taken. */
    synchronized LaunchPolicyRead last() {
        return later == null ? this : later.get(later.size() - 1);
    }

    /** The launch's read, for good. */
    synchronized LaunchPolicyRead takeLast() {
        taken = true;
        return last();
    }

    /** The reads the last one replaced, in their order (empty for a single {@code -javaagent}). */
    synchronized List<LaunchPolicyRead> replacedByLast() {
        List<LaunchPolicyRead> replaced = new ArrayList<LaunchPolicyRead>(2);
        if (later != null) {
            replaced.add(this);
            replaced.addAll(later.subList(0, later.size() - 1));
        }
        return replaced;
    }

    /** The policy file, or null for the embedded default. */
    File file() {
        return file;
    }

    /** The environment the policy's overrides come from. */
    Map<String, String> env() {
        return env;
    }

    Thread exitHook() {
        return exitHook;
    }

    void exitHook(Thread hook) {
        exitHook = hook;
    }

    /** The file's stamp from right before it was read; valid once {@link #await} returned. */
    PolicyWatcher.Stamp stamp() {
        return stamp;
    }

    /** The policy's errors were printed (or nobody will print them). */
    void verdictReported() {
        verdict.countDown();
    }

    /** Waits (bounded) until nothing is left to report about the policy; false on time-out. */
    boolean awaitVerdict(long millis) throws InterruptedException {
        return verdict.await(millis, TimeUnit.MILLISECONDS);
    }

    /** True once the policy is read (or failed to be): {@link #await} then returns at once. */
    boolean isRead() {
        return done.getCount() == 0;
    }

    /** The policy, once read; the read's own exception when the file is broken (or the reader failed). */
    Policy await() throws PolicyException, InterruptedException {
        done.await();
        if (invalid != null) {
            throw invalid;
        }
        if (failed != null) {
            throw failed;
        }
        return policy;
    }
}
