package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The index, and the rule-by-rule check a policy makes until its index is built, must each give exactly what a linear
 * first-match scan with {@link Rule#matches} gives. Random policies drawn from small pools of hosts, ports and blocks
 * make overlaps, nested ranges and shared suffixes common.
 */
class RuleIndexEquivalenceTest {
    private static final String[] HOST_GLOBS = {"db.example.com", "*.example.com", "*.db.internal", "db-?.example.com",
            "api-*", "*", "*db*", "cache.internal", "*.internal", "10.0.0.*", "x?y.example.com", "example.com",
            "pg-1-?.example.com", "pg-2-?.example.com", "pg-1*", "?b.example.com", "a*b", "db-*.internal", "db*"};
    private static final String[] HOSTS = {"db.example.com", "a.example.com", "pg.db.internal", "db-1.example.com",
            "api-eu", "cache.internal", "example.com", "10.0.0.7", "xzy.example.com", "other.org", "DB.EXAMPLE.COM", "",
            "pg-1-a.example.com", "pg-2-b.example.com", "pg-12-a.example.com", "ab.example.com", "ab", "axxb",
            "db-eu.internal", "db", "api-"};
    private static final String[] CIDRS = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3", "0.0.0.0/0",
            "192.168.0.0/16", "::/0", "fd00::/8", "fd00:1::/32", "::1/128", "::ffff:10.0.0.0/104", "127.0.0.0/8"};
    private static final String[] ADDRESSES = {"10.1.2.3", "10.1.2.4", "10.2.0.1", "192.168.1.1", "8.8.8.8",
            "fd00:1::5", "fd00:2::5", "::1", "::ffff:10.1.2.3", "2001:db8::1", "127.0.0.1", "0.0.0.0",
            "255.255.255.255"};
    private static final int[] PORTS = {1, 22, 80, 443, 5432, 5433, 6379, 8080, 32768, 65535};

    @ParameterizedTest(name = "{1} rules, seed {0}")
    @CsvSource({"1, 1", "2, 5", "3, 10", "4, 16", "5, 17", "6, 40", "7, 150", "8, 300"})
    void indexAndPolicyAgreeWithLinearScan(long seed, int ruleCount) throws Exception {
        Random random = new Random(seed);
        List<Rule> rules = new ArrayList<Rule>();
        for (int i = 0; i < ruleCount; i++) {
            rules.add(randomRule("r" + i, random));
        }
        Policy policy = new Policy("random", null, null, PartialSettings.EMPTY, rules);
        RuleIndex index = new RuleIndex(policy.rules());
        assertFalse(policy.indexed(), "a policy checks its rules in turn until its index is prepared");
        for (int lookup = 0; lookup < 3000; lookup++) {
            Direction direction = random.nextBoolean() ? Direction.OUTBOUND : Direction.INBOUND;
            String host = random.nextInt(6) == 0 ? null : HOSTS[random.nextInt(HOSTS.length)];
            InetAddress address = random.nextInt(6) == 0 ? null
                    : IpLiteral.toAddress(ADDRESSES[random.nextInt(ADDRESSES.length)]);
            int port = random.nextInt(4) == 0 ? random.nextInt(65536) : PORTS[random.nextInt(PORTS.length)];
            Rule expected = null;
            for (Rule rule : policy.rules()) {
                if (rule.matches(direction, host, address, port)) {
                    expected = rule;
                    break;
                }
            }
            String lookupText = direction + " " + host + " " + address + " " + port;
            assertEquals(expected, index.match(direction, host, address, port), "index: " + lookupText);
            assertEquals(expected, policy.match(direction, host, address, port), "rule by rule: " + lookupText);
        }
    }

    private static Rule randomRule(String name, Random random) {
        Rule.Builder rule = Rule.builder(name);
        for (int i = random.nextInt(4) - 1; i > 0; i--) {
            rule.host(HOST_GLOBS[random.nextInt(HOST_GLOBS.length)]);
        }
        for (int i = random.nextInt(4) - 1; i > 0; i--) {
            rule.cidr(CIDRS[random.nextInt(CIDRS.length)]);
        }
        for (int i = random.nextInt(4) - 1; i > 0; i--) {
            int first = random.nextBoolean() ? PORTS[random.nextInt(PORTS.length)] : 1 + random.nextInt(65535);
            int last = random.nextBoolean() ? first : first + random.nextInt(65536 - first);
            rule.port(PortRange.of(first, last));
        }
        int direction = random.nextInt(3);
        if (direction == 1) {
            rule.directions(Direction.INBOUND);
        } else if (direction == 2) {
            rule.directions(Direction.OUTBOUND, Direction.INBOUND);
        }
        if (random.nextInt(5) == 0) {
            rule.keepaliveOff();
        }
        return rule.build();
    }
}
