package io.kaagent.instrument;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The gate between registering the hooks and preparing the JVM for them: a class loading meanwhile waits for the
 * preparation and learns its outcome; the preparing thread never waits for itself; the first waiter calls for it.
 */
class HookGateTest {

    @Test
    void aLoadingThreadWaitsUntilPreparedAndCallsForThePreparation() throws Exception {
        HookGate gate = new HookGate();
        CompletableFuture<Boolean> loading = CompletableFuture.supplyAsync(gate::awaitPrepared);
        long start = System.nanoTime();
        gate.awaitWanted(10_000); // returns as soon as the loading thread waits at the gate
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the waiter called for it");
        assertFalse(loading.isDone(), "still waiting: nothing decided yet");
        gate.prepared(true);
        assertTrue(loading.get(5, TimeUnit.SECONDS), "rewrite: the JVM is prepared");
        assertTrue(gate.awaitPrepared(), "and no waiting once decided");
    }

    /** A class that carries the bridge (BridgeDefiner) only calls for the preparation; it never waits at the gate. */
    @Test
    void aClassCarryingTheBridgeCallsForThePreparationWithoutWaiting() throws Exception {
        HookGate gate = new HookGate();
        assertFalse(gate.isWanted());
        assertFalse(gate.refused(), "nothing decided: not refused");
        gate.want();
        assertTrue(gate.isWanted());
        long start = System.nanoTime();
        gate.awaitWanted(10_000);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the preparation starts at once");
        gate.prepared(false);
        assertTrue(gate.refused(), "a failed preparation: later classes are left alone");
    }

    @Test
    void aFailedPreparationLeavesTheClassesAlone() throws Exception {
        HookGate gate = new HookGate();
        CompletableFuture<Boolean> loading = CompletableFuture.supplyAsync(gate::awaitPrepared);
        gate.awaitWanted(10_000);
        gate.prepared(false);
        assertFalse(loading.get(5, TimeUnit.SECONDS));
        assertFalse(gate.awaitPrepared());
    }

    @Test
    void thePreparingThreadNeverWaitsForItself() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        boolean[] result = new boolean[1];
        HookGate[] gate = new HookGate[1];
        Thread preparer = new Thread(() -> {
            try {
                started.await();
            } catch (InterruptedException e) {
                return;
            }
            result[0] = gate[0].awaitPrepared();
        });
        gate[0] = new HookGate();
        gate[0].preparedBy(preparer);
        preparer.start();
        started.countDown();
        preparer.join(5000);
        assertFalse(preparer.isAlive(), "the preparer went on at once");
        assertTrue(result[0]);
    }

    @Test
    void aPreparationThatNeverEndsHoldsUpOneClassOnceAndNoneAfter() throws Exception {
        HookGate gate = new HookGate(100);
        long start = System.nanoTime();
        assertFalse(gate.awaitPrepared(), "the first class waited its bound, then loads as the JDK made it");
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(90));
        start = System.nanoTime();
        assertFalse(gate.awaitPrepared());
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(50), "the next does not wait at all");
        gate.prepared(true);
        assertTrue(gate.awaitPrepared(), "a late preparation still opens the gate (its retransform catches up)");
    }

    @Test
    void withoutAWaiterThePreparationWaitsOnlyItsDelay() throws Exception {
        HookGate gate = new HookGate();
        long start = System.nanoTime();
        gate.awaitWanted(50);
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waitedMillis >= 45 && waitedMillis < 5000, "waited " + waitedMillis + " ms");
        assertEquals(true, HookGate.open().awaitPrepared(), "an open gate (attach, strict mode) never waits");
    }
}
