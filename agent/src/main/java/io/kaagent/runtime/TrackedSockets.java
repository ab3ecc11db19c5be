package io.kaagent.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

import io.kaagent.policy.Rule;

/**
 * The only per-socket state, and only for sockets a rule's values were put on (or are about to be): the rule, for
 * enforce; what the hook saw of the socket, so that a reload decides again exactly as the hook did (the host name
 * the application dialled is known only at connect time: /proc cannot tell it). A socket no rule matched costs
 * nothing. Keys are weak — a socket the application dropped is never kept reachable — and JDK sockets and channels
 * keep identity equals/hashCode, so this is an identity map.
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

    /** Also drops the entries of sockets the garbage collector has taken (a WeakHashMap does that on access). */
    synchronized int size() {
        return entries.size();
    }

    /** The sockets still referenced by the application, with their entries. */
    synchronized List<Map.Entry<Object, Entry>> snapshot() {
        List<Map.Entry<Object, Entry>> copy = new ArrayList<Map.Entry<Object, Entry>>(entries.size());
        for (Map.Entry<Object, Entry> entry : entries.entrySet()) {
            if (entry.getKey() != null) {
                copy.add(new java.util.AbstractMap.SimpleImmutableEntry<Object, Entry>(entry.getKey(),
                        entry.getValue()));
            }
        }
        return copy;
    }
}
