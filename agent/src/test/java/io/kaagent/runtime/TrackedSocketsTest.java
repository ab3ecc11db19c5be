package io.kaagent.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sockets set while the native layer was loading are tracked by identity; when descriptors become known they move
 * to their slots, and the identity map stops costing every put and lookup its lock once it is empty. Descriptors
 * come from a table here, so that a hook running in the middle of the move can be staged exactly.
 */
class TrackedSocketsTest {
    private final TrackedSockets tracked = new TrackedSockets();
    private final Map<Object, Integer> fds = new IdentityHashMap<Object, Integer>();
    /** Runs inside the next descriptor lookup: what another thread's hook did meanwhile. */
    private Runnable meanwhile;
    private final TrackedSockets.Descriptors table = socket -> {
        Runnable once = meanwhile;
        meanwhile = null;
        if (once != null) {
            once.run();
        }
        Integer fd = fds.get(socket);
        return fd == null ? -1 : fd;
    };
    private final Socket first = new Socket();
    private final Socket second = new Socket();

    @AfterEach
    void close() throws Exception {
        first.close();
        second.close();
    }

    private static TrackedSockets.Entry entry() {
        return new TrackedSockets.Entry(null, null);
    }

    @Test
    void socketsSetWhileNativeLoadedMoveToTheirSlots() {
        TrackedSockets.Entry one = entry();
        TrackedSockets.Entry two = entry();
        tracked.put(first, -1, one);
        tracked.put(second, -1, two);
        assertTrue(tracked.identityMapInUse());
        fds.put(first, 5);
        fds.put(second, 6);

        tracked.useDescriptors(table);

        assertFalse(tracked.identityMapInUse());
        assertSame(one, tracked.get(first));
        assertSame(two, tracked.get(second));
    }

    @Test
    void aSocketWithoutADescriptorStaysUntilItIsRemoved() throws Exception {
        TrackedSockets.Entry one = entry();
        tracked.put(first, -1, one);
        tracked.useDescriptors(table); // no descriptor for it: closed, as far as the table tells

        assertTrue(tracked.identityMapInUse());
        assertSame(one, tracked.get(first));
        tracked.remove(first);
        assertFalse(tracked.identityMapInUse());
    }

    @Test
    void aSocketThatLaterGetsItsSlotLeavesTheIdentityMap() {
        tracked.put(first, -1, entry());
        tracked.useDescriptors(table);
        assertTrue(tracked.identityMapInUse());

        TrackedSockets.Entry set = entry();
        fds.put(first, 7);
        tracked.put(first, 7, set); // set with native options once they arrived

        assertFalse(tracked.identityMapInUse());
        assertSame(set, tracked.get(first));
    }

    @Test
    void anEntryAHookPutMeanwhileIsNotOverwritten() {
        tracked.put(first, -1, entry());
        fds.put(first, 5);
        TrackedSockets.Entry newer = entry();
        meanwhile = () -> tracked.put(first, 5, newer);

        tracked.useDescriptors(table);

        assertSame(newer, tracked.get(first));
        assertFalse(tracked.identityMapInUse());
    }

    @Test
    void aSlotAnotherOpenSocketHoldsIsLeftToIt() {
        TrackedSockets.Entry old = entry();
        TrackedSockets.Entry holder = entry();
        tracked.put(first, -1, old);
        fds.put(first, 5);
        fds.put(second, 5);
        meanwhile = () -> tracked.put(second, 5, holder);

        tracked.useDescriptors(table);

        assertSame(holder, tracked.get(second));
        assertSame(old, tracked.get(first)); // still found, by identity
        assertTrue(tracked.identityMapInUse());
    }

    @Test
    void aSocketClosedDuringTheMoveKeepsNoSlot() throws Exception {
        tracked.put(first, -1, entry());
        fds.put(first, 5);
        meanwhile = () -> {
            try {
                first.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };

        tracked.useDescriptors(table);

        fds.put(second, 5);
        assertNull(tracked.get(second)); // the number is free for the next socket
    }
}
