package io.kaagent.benchmarks;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import io.kaagent.policy.Direction;
import io.kaagent.policy.IpLiteral;
import io.kaagent.policy.PartialSettings;
import io.kaagent.policy.Policy;
import io.kaagent.policy.PortRange;
import io.kaagent.policy.Rule;
import io.kaagent.policy.UserTimeout;

/**
 * A large policy shaped like real ones: per-service rules by host glob (suffix, literal and {@code ?} globs), by
 * subnet, by IPv6 prefix, and inbound listeners, with ports, ranges and lists. Rule {@code i} serves service
 * {@code i}, so {@link #connectionFor} can name a connection that rule {@code i} and no other matches.
 */
final class GeneratedPolicy {
    private static final int KINDS = 5;

    private GeneratedPolicy() {
    }

    static Policy create(int ruleCount) {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < ruleCount; i++) {
            rules.add(rule(i));
        }
        return new Policy("generated " + ruleCount + " rules", null, null,
                PartialSettings.EMPTY.withNatTimeoutSeconds(350), rules);
    }

    private static Rule rule(int i) {
        switch (i % KINDS) {
            case 0:
                return Rule.builder("postgres-" + i)
                        .host("*.pg-" + i + ".db.internal", "pg-" + i + "-?.example.com")
                        .port(PortRange.of(5432, 5432), PortRange.of(6432, 6432))
                        .settings(PartialSettings.EMPTY.withIdleSeconds(30).withIntervalSeconds(5).withCount(3)
                                .withUserTimeout(UserTimeout.AUTO))
                        .build();
            case 1:
                return Rule.builder("redis-" + i)
                        .host("redis-" + i + ".cache.internal")
                        .port(PortRange.of(6379, 6380))
                        .settings(PartialSettings.EMPTY.withEnforce(false))
                        .build();
            case 2:
                return Rule.builder("subnet-" + i)
                        .cidr("10." + (i / 256 % 256) + "." + (i % 256) + ".0/24")
                        .port(PortRange.of(8000, 8999))
                        .directions(Direction.OUTBOUND, Direction.INBOUND)
                        .build();
            case 3:
                return Rule.builder("ipv6-" + i)
                        .cidr("fd00:" + Integer.toHexString(i) + "::/32")
                        .port(PortRange.of(443, 443))
                        .settings(PartialSettings.EMPTY.withUserTimeout(UserTimeout.ofMillis(20000)))
                        .build();
            default:
                return Rule.builder("listener-" + i)
                        .port(PortRange.of(20000 + i, 20000 + i))
                        .directions(Direction.INBOUND)
                        .settings(PartialSettings.EMPTY.withIdleSeconds(20))
                        .build();
        }
    }

    /** A connection that rule {@code i} matches and no other rule of the policy does. */
    static Connection connectionFor(int i) {
        switch (i % KINDS) {
            case 0:
                return new Connection(Direction.OUTBOUND, "pg-" + i + "-a.example.com", "192.0.2.10", 6432);
            case 1:
                return new Connection(Direction.OUTBOUND, "REDIS-" + i + ".cache.internal", "192.0.2.11", 6380);
            case 2:
                String address = "10." + (i / 256 % 256) + "." + (i % 256) + ".7";
                return new Connection(Direction.OUTBOUND, address, address, 8080);
            case 3:
                return new Connection(Direction.OUTBOUND, null, "fd00:" + Integer.toHexString(i) + ":1::5", 443);
            default:
                return new Connection(Direction.INBOUND, "198.51.100.9", "198.51.100.9", 20000 + i);
        }
    }

    /** The last rule with a {@code ?} glob: all of those share port 6432 and the domain {@code .example.com}. */
    static int lastRuleWithQuestionMarkGlob(int ruleCount) {
        return (ruleCount - 1) / KINDS * KINDS;
    }

    /** An HTTPS connection to a host no rule knows: every port-443 rule is a candidate, none matches. */
    static Connection unknownHttpsConnection() {
        return new Connection(Direction.OUTBOUND, "unknown.example.org", "198.51.100.7", 443);
    }

    static final class Connection {
        final Direction direction;
        final String host;
        final InetAddress remote;
        final int port;

        Connection(Direction direction, String host, String address, int port) {
            this.direction = direction;
            this.host = host;
            this.remote = IpLiteral.toAddress(address);
            this.port = port;
        }

        Rule matchIn(Policy policy) {
            return policy.match(direction, host, remote, port);
        }
    }
}
