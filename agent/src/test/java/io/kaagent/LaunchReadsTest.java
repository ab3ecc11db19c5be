package io.kaagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The last -javaagent's read is the launch's, as long as it comes before the init thread takes one. */
class LaunchReadsTest {

    @Test
    void theLastReadOfferedBeforeTheTakeIsTheLaunchsAndALaterOneIsRefused() throws Exception {
        LaunchPolicyRead first = read();
        LaunchPolicyRead second = read();
        LaunchPolicyRead third = read();
        LaunchReads launch = new LaunchReads(first);
        assertSame(first, launch.latest());
        assertEquals(List.of(), launch.replaced());
        assertTrue(launch.offer(second));
        assertSame(second, launch.latest());
        assertSame(second, launch.take());
        assertEquals(List.of(first), launch.replaced());
        assertFalse(launch.offer(third), "too late: the policy was handed over");
        assertSame(second, launch.latest());
        assertEquals(List.of(first), launch.replaced());
    }

    /** The embedded default's read: no file, on a thread of its own as at a launch. */
    private static LaunchPolicyRead read() throws Exception {
        LaunchPolicyRead read = LaunchPolicyRead.start(null, Map.of(), () -> { });
        read.await();
        return read;
    }
}
