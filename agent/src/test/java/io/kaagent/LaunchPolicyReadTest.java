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
     * The read's thread builds the policy's rule index once it has handed the policy over (its hooks check the rules
     * in turn meanwhile): a launch's policy never stays without it.
     */
    @Test
    void theReadsThreadIndexesThePolicyAfterHandingItOver(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yml");
        Files.write(file, String.join("\n", "version: 1", "rules:", "  - name: db", "    port: 5432",
                "  - name: cache", "    cidr: [\"10.1.0.0/16\"]", "").getBytes(StandardCharsets.UTF_8));
        LaunchPolicyRead read = LaunchPolicyRead.start(file.toFile(), Map.of(), () -> { });
        Policy policy = read.await();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!policy.indexed() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(policy.indexed(), "the index was built");
        assertEquals("cache", policy.match(Direction.OUTBOUND, null, InetAddress.getByName("10.1.2.3"), 80).name());
    }

    /** The embedded default's read: no file, on a thread of its own as at a launch. */
    private static LaunchPolicyRead read() throws Exception {
        LaunchPolicyRead read = LaunchPolicyRead.start(null, Map.of(), () -> { });
        read.await();
        return read;
    }
}
