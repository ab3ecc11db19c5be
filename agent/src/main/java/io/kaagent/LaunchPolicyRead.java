package io.kaagent;

import java.io.File;
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
    private PolicyWatcher.Stamp stamp;
    /** What makes a JVM's exit wait for this read's verdict (Agent#waitForPolicyAtExit); null when none. */
    private volatile Thread exitHook;
    private Policy policy;
    private PolicyException invalid;
    private RuntimeException failed;

    private LaunchPolicyRead(File file, Map<String, String> env, Runnable afterwards) {
        this.file = file;
        this.env = env;
        this.afterwards = afterwards;
    }

    /** @param afterwards what the thread does once the policy is read, best effort */
    static LaunchPolicyRead start(File file, Map<String, String> env, Runnable afterwards) {
        LaunchPolicyRead read = new LaunchPolicyRead(file, env, afterwards);
        Thread thread = new Thread(read, "ka-agent-policy");
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
            policy = PolicySources.load(file, env, PolicyCache.forUser(), new Runnable() {
                @Override
                public void run() {
                    verdict.countDown();
                }
            });
            // Read and built, so valid: nothing is left to say about it at the JVM's exit. A short-lived JVM whose
            // policy was not compiled before (a fresh container) then exits without waiting for the init thread's
            // handover, which rewrites the socket classes there with ASM.
            verdict.countDown();
            // After the verdict, off the way to a short JVM's exit, and here rather than on the init thread (whose
            // KeepAliveRuntime.policyLoaded would build it otherwise): in parallel with that thread's preparation.
            policy.prepareIndex();
        } catch (PolicyException e) {
            invalid = e;
        } catch (RuntimeException e) {
            failed = e;
        } catch (Error e) {
            failed = new IllegalStateException("reading the policy failed: " + e, e);
        } finally {
            done.countDown();
        }
        try {
            afterwards.run();
        } catch (Throwable t) {
            // best effort, and nothing the application could notice
        }
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
