package io.kaagent;

import java.io.File;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.kaagent.config.PolicyCache;
import io.kaagent.config.PolicyException;
import io.kaagent.policy.Policy;

/**
 * The policy of a launch, read on a thread of its own from the start of premain: YAML in a cold JVM costs ~100 ms,
 * and this way it overlaps with everything else premain and the application do instead of preceding it. Through
 * the {@link PolicyCache}: from the second start with the same policy text on, no YAML is read at all.
 */
final class LaunchPolicyRead implements Runnable {
    private final File file;
    private final Map<String, String> env;
    private final CountDownLatch done = new CountDownLatch(1);
    private Policy policy;
    private PolicyException invalid;
    private RuntimeException failed;

    private LaunchPolicyRead(File file, Map<String, String> env) {
        this.file = file;
        this.env = env;
    }

    static LaunchPolicyRead start(File file, Map<String, String> env) {
        LaunchPolicyRead read = new LaunchPolicyRead(file, env);
        Thread thread = new Thread(read, "ka-agent-policy");
        thread.setDaemon(true);
        thread.start();
        return read;
    }

    @Override
    public void run() {
        try {
            delayForTests();
            policy = PolicySources.load(file, env, PolicyCache.forUser(Agent.version()));
        } catch (PolicyException e) {
            invalid = e;
        } catch (RuntimeException e) {
            failed = e;
        } catch (Error e) {
            failed = new IllegalStateException("reading the policy failed: " + e, e);
        } finally {
            done.countDown();
        }
    }

    /**
     * -Dka.agent.test.policyDelayMillis: tests make the read slow, to connect sockets before the policy is known
     * (agent-tests EnforceTest).
     */
    private static void delayForTests() {
        String millis = System.getProperty("ka.agent.test.policyDelayMillis");
        if (millis != null) {
            try {
                Thread.sleep(Long.parseLong(millis.trim()));
            } catch (NumberFormatException ignored) {
                // not a test run that asked for it properly: no delay
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
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
