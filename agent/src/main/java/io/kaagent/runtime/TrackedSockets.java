package io.kaagent.runtime;

import java.util.Map;
import java.util.WeakHashMap;

import io.kaagent.policy.Rule;

/**
 * The only per-socket state: sockets whose options the agent must still defend (enforce) or still has to apply
 * (waiting for native init). Keys are weak — a socket the application dropped is never kept reachable — and JDK
 * sockets and channels keep identity equals/hashCode, so this is an identity map.
 */
final class TrackedSockets {
    static final class Entry {
        final Rule rule;
        volatile boolean applied;

        Entry(Rule rule) {
            this.rule = rule;
        }
    }

    private final Map<Object, Entry> entries = new WeakHashMap<Object, Entry>();

    synchronized Entry get(Object socket) {
        return entries.isEmpty() ? null : entries.get(socket);
    }

    synchronized void put(Object socket, Entry entry) {
        entries.put(socket, entry);
    }

    synchronized void remove(Object socket) {
        entries.remove(socket);
    }

    synchronized int size() {
        return entries.size();
    }
}
