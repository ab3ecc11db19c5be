package io.kaagent.runtime;

import java.lang.ref.WeakReference;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.kaagent.policy.Rule;

/**
 * The only per-socket state, and only for sockets a rule's values were put on (or are about to be): the rule, for
 * enforce; what the hook saw of the socket, so that a reload decides again exactly as the hook did (the host name
 * the application dialled is known only at connect time: /proc cannot tell it). A socket no rule matched costs
 * nothing. Sockets are held weakly: one the application dropped is never kept reachable.
 *
 * <p>A socket whose descriptor is known (every socket the native layer set) sits in the slot of its descriptor
 * number: no hashing, no lock, and nothing to purge, because a closed socket's slot is taken over by the next
 * socket the kernel gives that lowest free number. Under connection churn this costs a fraction of what a
 * WeakHashMap did: there, closed sockets piled up until the garbage collector cleared them, and resizes, purges and
 * the cold cache lines of a fresh socket's identity hash took a sixth of the connect hook's time. Sockets set
 * before the native layer was ready (through the JDK's options, which do not tell the descriptor) go into a
 * WeakHashMap instead, as do descriptors above {@link #MAX_SLOT_FD}; they move to their slots when the native layer
 * arrives, and once that map is empty again no put or lookup takes its lock.
 */
final class TrackedSockets {
    static final class Entry {
        final Rule rule;
        /** What the hook saw; null for a socket the open-socket sweep set by descriptor. */
        final Endpoint endpoint;
        volatile boolean applied;

        Entry(Rule rule, Endpoint endpoint) {
            this.rule = rule;
            this.endpoint = endpoint;
        }
    }

    /** A socket's descriptor: the native layer's, or a test's. */
    interface Descriptors {
        /** -1 when the socket has none (closed, or not yet created). */
        int fdOf(Object socket) throws Throwable;
    }

    /** A socket, weakly, and its entry. */
    static final class Slot extends WeakReference<Object> {
        final Entry entry;

        Slot(Object socket, Entry entry) {
            super(socket);
            this.entry = entry;
        }
    }

    private static final int CHUNK_BITS = 10;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int CHUNKS = 1024;
    /** Descriptors from here on are tracked by identity: a million open descriptors is far beyond any ulimit seen. */
    static final int MAX_SLOT_FD = CHUNKS * CHUNK_SIZE - 1;
    /** Fewest entries before a put into the identity map looks for closed sockets. */
    private static final int MIN_SCAN_SIZE = 64;

    /** Chunks of slots, allocated when a descriptor in their range is first tracked. */
    private final AtomicReferenceArray<AtomicReferenceArray<Slot>> chunks =
            new AtomicReferenceArray<AtomicReferenceArray<Slot>>(CHUNKS);
    /** Finds a socket's slot; null until the native layer is ready (only then are descriptors known). */
    private volatile Descriptors fds;

    private final Map<Object, Entry> byIdentity = new WeakHashMap<Object, Entry>();
    /** Spares the lock on every lookup in the common case: nothing was ever tracked by identity. */
    private volatile boolean byIdentityUsed;
    /** The identity map's size at which put next drops the entries of closed sockets (guarded by this). */
    private int scanAt = MIN_SCAN_SIZE;

    /** From now on lookups find sockets by descriptor; those tracked by identity until now move to their slots. */
    void useDescriptors(Descriptors descriptors) {
        this.fds = descriptors;
        moveToSlots(descriptors);
    }

    /**
     * The sockets set while the native layer was loading (1 s after start, by design) go to their descriptors'
     * slots. A JVM whose pool connected in its first second would otherwise take the identity map's lock, and hash
     * each fresh socket, on every later put for as long as those connections stay open.
     */
    private void moveToSlots(Descriptors descriptors) {
        Object[] sockets;
        synchronized (this) {
            if (!byIdentityUsed) {
                return;
            }
            sockets = byIdentity.keySet().toArray();
        }
        for (Object socket : sockets) {
            int fd = socket == null ? -1 : descriptorOf(descriptors, socket);
            if (fd < 0 || fd > MAX_SLOT_FD) {
                continue; // closed meanwhile, or a descriptor past the slots: stays where it is
            }
            Entry entry;
            synchronized (this) {
                entry = byIdentity.get(socket);
            }
            if (entry != null && claimSlot(socket, fd, entry)) {
                synchronized (this) {
                    if (byIdentity.get(socket) == entry) {
                        byIdentity.remove(socket);
                    }
                }
            }
        }
        synchronized (this) {
            noteIfIdentityMapEmpty();
        }
    }

    /**
     * Puts an entry found in the identity map into its socket's slot, unless the slot holds newer news: the socket
     * itself (a hook put it there since, with the entry that counts) or another socket still open.
     *
     * @return whether the socket's slot now speaks for it
     */
    private boolean claimSlot(Object socket, int fd, Entry entry) {
        AtomicReferenceArray<Slot> chunk = chunkOf(fd);
        int index = fd & (CHUNK_SIZE - 1);
        Slot previous = chunk.get(index);
        Object holder = previous == null ? null : previous.get();
        if (holder == socket) {
            return true;
        }
        if (holder != null && KeepAliveRuntime.isOpen(holder)) {
            return false;
        }
        Slot slot = new Slot(socket, entry);
        if (!chunk.compareAndSet(index, previous, slot)) {
            return false; // a hook put a socket there meanwhile: left as it is
        }
        if (!KeepAliveRuntime.isOpen(socket)) {
            chunk.compareAndSet(index, slot, previous); // closed meanwhile: the number may be another's by now
            return false;
        }
        return true;
    }

    /** Whether puts and lookups still take the identity map's lock. */
    boolean identityMapInUse() {
        return byIdentityUsed;
    }

    /** Called holding this: an empty identity map no longer costs puts and lookups its lock. */
    private void noteIfIdentityMapEmpty() {
        if (byIdentity.isEmpty()) {
            byIdentityUsed = false; // a later putByIdentity sets it again, under the same lock
        }
    }

    Entry get(Object socket) {
        Descriptors descriptors = fds;
        if (descriptors != null) {
            Slot slot = slotAt(descriptorOf(descriptors, socket));
            if (slot != null && slot.get() == socket) {
                return slot.entry;
            }
        }
        if (!byIdentityUsed) {
            return null;
        }
        synchronized (this) {
            return byIdentity.get(socket);
        }
    }

    /** @param fd the socket's descriptor, or -1 when unknown */
    void put(Object socket, int fd, Entry entry) {
        if (fd >= 0 && fd <= MAX_SLOT_FD) {
            AtomicReferenceArray<Slot> chunk = chunkOf(fd);
            int index = fd & (CHUNK_SIZE - 1);
            Slot slot = new Slot(socket, entry);
            Slot previous = chunk.getAndSet(index, slot);
            if (previous != null && !KeepAliveRuntime.isOpen(socket)) {
                // Closed while its hook ran: the number may already be another socket's, whose entry stays.
                chunk.compareAndSet(index, slot, previous);
            }
            if (byIdentityUsed) {
                synchronized (this) {
                    byIdentity.remove(socket); // tracked by identity while the native layer was loading
                    noteIfIdentityMapEmpty();
                }
            }
            return;
        }
        putByIdentity(socket, entry);
    }

    void remove(Object socket) {
        Descriptors descriptors = fds;
        if (descriptors != null) {
            int fd = descriptorOf(descriptors, socket);
            Slot slot = slotAt(fd);
            if (slot != null && slot.get() == socket) {
                chunks.get(fd >>> CHUNK_BITS).compareAndSet(fd & (CHUNK_SIZE - 1), slot, null);
            }
        }
        if (byIdentityUsed) {
            synchronized (this) {
                byIdentity.remove(socket);
                noteIfIdentityMapEmpty();
            }
        }
    }

    /** Housekeeping: empties the slots of collected sockets and purges the identity map. */
    void dropCollected() {
        for (int c = 0; c < CHUNKS; c++) {
            AtomicReferenceArray<Slot> chunk = chunks.get(c);
            for (int i = 0; chunk != null && i < CHUNK_SIZE; i++) {
                Slot slot = chunk.get(i);
                if (slot != null && slot.get() == null) {
                    chunk.compareAndSet(i, slot, null);
                }
            }
        }
        synchronized (this) {
            noteIfIdentityMapEmpty(); // isEmpty purges collected keys first, as a WeakHashMap does on every use
        }
    }

    /**
     * The sockets still referenced by the application, with their entries. Slots may still hold sockets closed
     * since (until their descriptor is reused); callers ask isOpen, as they must anyway.
     */
    List<Map.Entry<Object, Entry>> snapshot() {
        List<Map.Entry<Object, Entry>> copy = new ArrayList<Map.Entry<Object, Entry>>();
        for (int c = 0; c < CHUNKS; c++) {
            AtomicReferenceArray<Slot> chunk = chunks.get(c);
            for (int i = 0; chunk != null && i < CHUNK_SIZE; i++) {
                Slot slot = chunk.get(i);
                Object socket = slot == null ? null : slot.get();
                if (socket != null) {
                    copy.add(new AbstractMap.SimpleImmutableEntry<Object, Entry>(socket, slot.entry));
                }
            }
        }
        synchronized (this) {
            for (Map.Entry<Object, Entry> entry : byIdentity.entrySet()) {
                if (entry.getKey() != null) {
                    copy.add(new AbstractMap.SimpleImmutableEntry<Object, Entry>(entry.getKey(),
                            entry.getValue()));
                }
            }
        }
        return copy;
    }

    private Slot slotAt(int fd) {
        if (fd < 0 || fd > MAX_SLOT_FD) {
            return null;
        }
        AtomicReferenceArray<Slot> chunk = chunks.get(fd >>> CHUNK_BITS);
        return chunk == null ? null : chunk.get(fd & (CHUNK_SIZE - 1));
    }

    private AtomicReferenceArray<Slot> chunkOf(int fd) {
        int index = fd >>> CHUNK_BITS;
        AtomicReferenceArray<Slot> chunk = chunks.get(index);
        if (chunk == null) {
            chunks.compareAndSet(index, null, new AtomicReferenceArray<Slot>(CHUNK_SIZE));
            chunk = chunks.get(index);
        }
        return chunk;
    }

    /** -1 for a socket closed meanwhile, or one whose descriptor cannot be read (a SocketChannel's adaptor). */
    private static int descriptorOf(Descriptors descriptors, Object socket) {
        try {
            return descriptors.fdOf(socket);
        } catch (Throwable t) {
            return -1;
        }
    }

    // ---- by identity ----

    private void putByIdentity(Object socket, Entry entry) {
        Object[] scan = null;
        synchronized (this) {
            byIdentity.put(socket, entry);
            byIdentityUsed = true;
            if (byIdentity.size() >= scanAt) {
                scan = byIdentity.keySet().toArray();
                scanAt = Integer.MAX_VALUE; // one scan at a time
            }
        }
        if (scan != null) {
            dropClosed(scan);
        }
    }

    /**
     * A closed socket stays in a WeakHashMap until the garbage collector clears it; scanning whenever the map has
     * doubled since the last scan keeps it near the number of open sockets at a constant cost per put. Asks each
     * socket outside the lock: isClosed may take the socket's own lock, or be an application override.
     */
    private void dropClosed(Object[] sockets) {
        int checked = 0;
        try {
            for (; checked < sockets.length; checked++) {
                if (sockets[checked] != null && KeepAliveRuntime.isOpen(sockets[checked])) {
                    sockets[checked] = null;
                }
            }
        } finally {
            synchronized (this) {
                for (int i = 0; i < checked; i++) {
                    if (sockets[i] != null) {
                        byIdentity.remove(sockets[i]);
                    }
                }
                scanAt = Math.max(MIN_SCAN_SIZE, 2 * byIdentity.size());
                noteIfIdentityMapEmpty();
            }
        }
    }
}
