package io.kaagent.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What the hooks saw of each socket they reported (direction, the host the application dialled, remote, port), so a
 * reload can decide again exactly as the hook did — the host name is known only at connect time, a sweep of /proc
 * alone cannot see it. Weak keys: a socket the application dropped is never kept reachable.
 */
final class KnownSockets {
    private final Map<Object, Endpoint> endpoints = new WeakHashMap<Object, Endpoint>();

    synchronized void put(Object socket, Endpoint endpoint) {
        endpoints.put(socket, endpoint);
    }

    /** The sockets still referenced by the application, with what the hook saw. */
    synchronized List<Map.Entry<Object, Endpoint>> snapshot() {
        List<Map.Entry<Object, Endpoint>> copy = new ArrayList<Map.Entry<Object, Endpoint>>(endpoints.size());
        for (Map.Entry<Object, Endpoint> entry : endpoints.entrySet()) {
            if (entry.getKey() != null) {
                copy.add(new java.util.AbstractMap.SimpleImmutableEntry<Object, Endpoint>(entry.getKey(),
                        entry.getValue()));
            }
        }
        return copy;
    }
}
