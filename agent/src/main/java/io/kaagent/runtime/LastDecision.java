package io.kaagent.runtime;

import java.net.InetAddress;

import io.kaagent.policy.Direction;
import io.kaagent.policy.Policy;
import io.kaagent.policy.Rule;

/**
 * The last match the hooks made, and what it was made on. A pool reconnects to the same few endpoints, so most
 * sockets ask what the one before asked; on a fresh connection every index line the full match reads is a cache
 * miss (the kernel's connect work in between evicts them), which made the match cost ~0.6 µs in the connect loop
 * against ~0.1 µs warm. Immutable, published through a volatile field: a race only costs a match.
 */
final class LastDecision {
    private final Policy policy;
    private final Direction direction;
    private final String host;
    private final InetAddress remote;
    private final int port;
    final Rule rule;

    private LastDecision(Policy policy, Direction direction, String host, InetAddress remote, int port, Rule rule) {
        this.policy = policy;
        this.direction = direction;
        this.host = host;
        this.remote = remote;
        this.port = port;
        this.rule = rule;
    }

    /** The policy's answer for this endpoint, from {@code last} when it was asked the same, else from a match. */
    static LastDecision decide(LastDecision last, Policy policy, Direction direction, String host,
            InetAddress remote, int port) {
        if (last != null && last.policy == policy && last.direction == direction && last.port == port
                && same(last.host, host) && same(last.remote, remote)) {
            return last;
        }
        return new LastDecision(policy, direction, host, remote, port, policy.match(direction, host, remote, port));
    }

    Policy policy() {
        return policy;
    }

    private static boolean same(Object a, Object b) {
        return a == b || (a != null && a.equals(b));
    }
}
