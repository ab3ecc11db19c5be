package io.kaagent.it.support;

import static org.junit.jupiter.api.Assertions.assertAll;

import org.junit.jupiter.api.function.Executable;

/**
 * Checks that must run while a child is alive (kernel reads, JMX) whose failures are reported together with checks
 * that need the child's complete output (after it exited).
 */
public final class Checks {
    private Checks() {
    }

    /** Runs every check now and returns their failures (or null), instead of throwing. */
    public static AssertionError runNow(Executable... checks) {
        try {
            assertAll(checks);
            return null;
        } catch (AssertionError e) {
            return e;
        }
    }

    /** A check that rethrows what {@link #runNow} collected. */
    public static Executable earlier(AssertionError collected) {
        return () -> {
            if (collected != null) {
                throw collected;
            }
        };
    }
}
