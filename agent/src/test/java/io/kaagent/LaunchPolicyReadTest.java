package io.kaagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.kaagent.policy.Direction;
import io.kaagent.policy.Policy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The last -javaagent's read is the launch's, as long as it comes before the init thread takes one; the read's thread
 * indexes the policy once it is handed over.
 */
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

    /**
     * The read's thread leaves the policy's rule index to the init thread (Agent.InitWork builds it after the hooks'
     * way is warm; CleanStartTest sees it built there): all the read's work is done, the policy still checks its rules
     * in turn, and decides as the index would.
     */
    @Test
    void theReadsThreadLeavesTheIndexToTheInitThread(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yml");
        Files.write(file, String.join("\n", "version: 1", "rules:", "  - name: db", "    port: 5432",
                "  - name: cache", "    cidr: [\"10.1.0.0/16\"]", "").getBytes(StandardCharsets.UTF_8));
        CountDownLatch afterwards = new CountDownLatch(1);
        LaunchPolicyRead read = LaunchPolicyRead.start(file.toFile(), Map.of(), afterwards::countDown);
        Policy policy = read.await();
        assertTrue(afterwards.await(10, TimeUnit.SECONDS), "the read's thread ran what comes after the read");
        assertFalse(policy.indexed(), "the read's thread built the index");
        assertEquals("cache", policy.match(Direction.OUTBOUND, null, InetAddress.getByName("10.1.2.3"), 80).name());
        policy.prepareIndex();
        assertEquals("cache", policy.match(Direction.OUTBOUND, null, InetAddress.getByName("10.1.2.3"), 80).name());
    }

    /** The embedded default's read: no file, on a thread of its own as at a launch. */
    private static LaunchPolicyRead read() throws Exception {
        LaunchPolicyRead read = LaunchPolicyRead.start(null, Map.of(), () -> { });
        read.await();
        return read;
    }
}
