package io.kaagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The last -javaagent's read is the launch's, as long as it comes before the init thread takes one. */
class LaunchPolicyReadTest {

    @Test
    void theLastReadOfferedBeforeTheTakeIsTheLaunchsAndALaterOneIsRefused() throws Exception {
        LaunchPolicyRead first = read();
        LaunchPolicyRead second = read();
        LaunchPolicyRead third = read();
        LaunchPolicyRead fourth = read();
        assertSame(first, first.last());
        assertEquals(List.of(), first.replacedByLast());
        assertTrue(first.offerLater(second));
        assertTrue(first.offerLater(third));
        assertSame(third, first.last());
        assertSame(third, first.takeLast());
        assertEquals(List.of(first, second), first.replacedByLast());
        assertFalse(first.offerLater(fourth), "too late: the policy was handed over");
        assertSame(third, first.last());
        assertEquals(List.of(first, second), first.replacedByLast());
    }

    @Test
    void aSingleReadIsTheLaunchsAndReplacesNothing() throws Exception {
        LaunchPolicyRead only = read();
        assertSame(only, only.takeLast());
        assertEquals(List.of(), only.replacedByLast());
    }

    /** The embedded default's read: no file, on a thread of its own as at a launch. */
    private static LaunchPolicyRead read() throws Exception {
        LaunchPolicyRead read = LaunchPolicyRead.start(null, Map.of(), () -> { });
        read.await();
        return read;
    }
}
