package io.kaagent.policy;

import static io.kaagent.policy.Direction.INBOUND;
import static io.kaagent.policy.Direction.OUTBOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Collections;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Policy.match against the semantics of PRODUCT.md §3; each case is also checked against Rule.matches. */
class PolicyMatchTest {
    private static final Policy POLICY = new Policy("test", null, null, PartialSettings.EMPTY, Arrays.asList(
            Rule.builder("postgres").host("*.db.internal", "db-?.example.com").cidr("10.0.0.0/8", "fd00::/8")
                    .port(range(5432, 5432), range(6432, 6432)).build(),
            Rule.builder("loopback").cidr("127.0.0.0/8", "::1/128").directions(OUTBOUND, INBOUND).keepaliveOff()
                    .build(),
            Rule.builder("redis-by-name").host("redis.example.com").port(range(6379, 6380)).build(),
            Rule.builder("ssh-server").port(range(22, 22)).directions(INBOUND).build(),
            Rule.builder("ephemeral").port(range(32768, 60999)).directions(OUTBOUND, INBOUND).build(),
            Rule.builder("internal-v6").cidr("2001:db8::/32").build(),
            Rule.builder("mapped-block").cidr("::ffff:192.168.0.0/112").build(),
            Rule.builder("api").host("api-*").build(),
            Rule.builder("catch-all-https").port(range(443, 443)).build()));

    private static PortRange range(int first, int last) {
        return PortRange.of(first, last);
    }

    @ParameterizedTest(name = "{0} {1} [{2}]:{3} -> {4}")
    @CsvSource(nullValues = "-", value = {
            // criteria ANDed: host, cidr and port must all match
            "OUTBOUND, pg.db.internal, 10.1.2.3, 5432, postgres",
            "OUTBOUND, PG.DB.Internal, 10.1.2.3, 6432, postgres",
            "OUTBOUND, db-7.example.com, fd00::17, 5432, postgres",
            "OUTBOUND, db-7.example.com, ::ffff:10.9.9.9, 5432, postgres",
            "OUTBOUND, pg.db.internal, 11.1.2.3, 5432, -",
            "OUTBOUND, pg.db.internal, 10.1.2.3, 5433, -",
            "OUTBOUND, db-77.example.com, 10.1.2.3, 5432, -",
            // a host criterion never matches an unknown host; a cidr criterion never an unknown address
            "OUTBOUND, -, 10.1.2.3, 5432, -",
            "OUTBOUND, pg.db.internal, -, 5432, -",
            // direction: outbound by default; inbound rules only for accepted sockets; both for both
            "INBOUND, pg.db.internal, 10.1.2.3, 5432, -",
            "OUTBOUND, -, 127.0.0.1, 5432, loopback",
            "INBOUND, -, 127.0.0.1, 5432, loopback",
            "INBOUND, -, ::1, 8080, loopback",
            "INBOUND, -, ::ffff:127.0.0.9, 8080, loopback",
            "INBOUND, -, 203.0.113.5, 22, ssh-server",
            "OUTBOUND, -, 203.0.113.5, 22, -",
            "INBOUND, -, 203.0.113.5, 40000, ephemeral",
            "OUTBOUND, -, 203.0.113.5, 32768, ephemeral",
            "OUTBOUND, -, 203.0.113.5, 60999, ephemeral",
            "OUTBOUND, -, 203.0.113.5, 61000, -",
            // first match wins: loopback (#2) before the later rules that would match too
            "OUTBOUND, redis.example.com, 127.0.0.1, 6379, loopback",
            "OUTBOUND, redis.example.com, 10.0.0.5, 6379, redis-by-name",
            "OUTBOUND, redis.example.com, -, 6380, redis-by-name",
            "OUTBOUND, redis.example.com, -, 6381, -",
            "OUTBOUND, REDIS.EXAMPLE.COM, -, 6379, redis-by-name",
            // IPv6 and IPv4-mapped blocks
            "OUTBOUND, -, 2001:db8::1, 443, internal-v6",
            "OUTBOUND, -, 2001:db9::1, 443, catch-all-https",
            "OUTBOUND, -, 192.168.3.4, 80, mapped-block",
            "OUTBOUND, -, ::ffff:192.168.3.4, 80, mapped-block",
            "OUTBOUND, -, 192.169.3.4, 80, -",
            // globs that need checking one by one
            "OUTBOUND, api-eu, 203.0.113.5, 80, api",
            "OUTBOUND, xapi-eu, 203.0.113.5, 443, catch-all-https",
            "OUTBOUND, -, -, 443, catch-all-https",
            // an IP-literal host matches host globs as text
            "OUTBOUND, 10.1.2.3, 10.1.2.3, 443, catch-all-https",
            // ports outside 1..65535 (0 = not known) only match rules without a port criterion
            "OUTBOUND, -, 2001:db8::1, 0, internal-v6",
            "OUTBOUND, -, 203.0.113.5, 0, -",
            "OUTBOUND, -, 203.0.113.5, 70000, -",
    })
    void firstMatchingRuleInFileOrder(Direction direction, String host, String address, int port, String expected) {
        Rule rule = POLICY.match(direction, host, address == null ? null : IpLiteral.toAddress(address), port);
        assertEquals(expected, rule == null ? null : rule.name());
        Rule reference = null;
        for (Rule candidate : POLICY.rules()) {
            if (candidate.matches(direction, host, address == null ? null : IpLiteral.toAddress(address), port)) {
                reference = candidate;
                break;
            }
        }
        assertEquals(expected, reference == null ? null : reference.name(), "Rule.matches agrees");
    }

    /** Only a port whose first inbound rule names no client has one rule for every client; checked against match. */
    @ParameterizedTest(name = "local port {0} -> {1}")
    @CsvSource(nullValues = "-", value = {
            "22, ssh",          // the outbound-only rule before it does not count
            "8080, web",        // the catch-all after it is shadowed for this port
            "5432, -",          // a cidr rule comes first: the rule depends on the client
            "6379, -",          // a host rule comes first
            "9000, catch-all",  // only the catch-all is for this port
    })
    void ruleForEveryClientOfAPort(int port, String expected) {
        Policy policy = new Policy("t", null, null, PartialSettings.EMPTY, Arrays.asList(
                Rule.builder("out-22").port(range(22, 22)).build(),
                Rule.builder("ssh").port(range(22, 22)).directions(INBOUND).build(),
                Rule.builder("web").port(range(8080, 8080)).directions(INBOUND).build(),
                Rule.builder("pg-clients").cidr("10.0.0.0/8").port(range(5432, 5432)).directions(INBOUND).build(),
                Rule.builder("redis-clients").host("app-*").port(range(6379, 6379)).directions(INBOUND).build(),
                Rule.builder("catch-all").directions(INBOUND, OUTBOUND).build()));
        Rule rule = policy.ruleForEveryClient(port);
        assertEquals(expected, rule == null ? null : rule.name());
        if (rule != null) {
            for (String client : new String[] {"10.1.2.3", "192.0.2.7", "::1", "127.0.0.1"}) {
                assertEquals(rule, policy.match(INBOUND, client, IpLiteral.toAddress(client), port), client);
            }
        }
    }

    @Test
    void keepaliveOffMatchesAndCarriesNoSettings() {
        Rule rule = POLICY.match(OUTBOUND, null, IpLiteral.toAddress("127.0.0.1"), 5432);
        assertTrue(rule.keepaliveOff());
        assertNull(rule.settings());
    }

    @Test
    void emptyPolicyMatchesNothing() {
        Policy empty = new Policy("empty", null, null, PartialSettings.EMPTY, Collections.<Rule>emptyList());
        assertNull(empty.match(OUTBOUND, "x", IpLiteral.toAddress("10.0.0.1"), 1));
        assertFalse(empty.anyEnforce());
    }

    @Test
    void ruleWithoutCriteriaMatchesEveryOutboundSocket() {
        Policy policy = new Policy("t", null, null, PartialSettings.EMPTY,
                Collections.singletonList(Rule.builder("all").build()));
        assertEquals("all", policy.match(OUTBOUND, null, null, 0).name());
        assertNull(policy.match(INBOUND, null, null, 0));
    }

    @Test
    void rulesInheritTheDefaultsTheyDoNotSet() {
        PartialSettings defaults = PartialSettings.EMPTY.withIdleSeconds(45).withCount(4)
                .withUserTimeout(UserTimeout.AUTO).withEnforce(false);
        Policy policy = new Policy("t", null, null, defaults, Arrays.asList(
                Rule.builder("own-idle").port(range(1, 1))
                        .settings(PartialSettings.EMPTY.withIdleSeconds(20).withEnforce(true)).build(),
                Rule.builder("inherits-all").build(),
                Rule.builder("own-timeout").port(range(3, 3))
                        .settings(PartialSettings.EMPTY.withUserTimeout(UserTimeout.ofMillis(1500))).build()));
        // intvl comes from the built-in defaults (10s): the defaults block does not set it
        assertEquals(new KeepAliveSettings(20, 10, 4, (20 + 10 * 4) * 1000, true), policy.rules().get(0).settings());
        assertEquals(new KeepAliveSettings(45, 10, 4, (45 + 10 * 4) * 1000, false), policy.rules().get(1).settings());
        assertEquals(new KeepAliveSettings(45, 10, 4, 1500, false), policy.rules().get(2).settings());
        assertEquals(new KeepAliveSettings(45, 10, 4, 85000, false), policy.defaults());
        assertTrue(policy.anyEnforce());
    }

    @Test
    void builtInDefaultsFillAnEmptyDefaultsBlock() {
        Policy policy = new Policy("t", null, null, PartialSettings.EMPTY,
                Collections.singletonList(Rule.builder("all").build()));
        assertEquals(new KeepAliveSettings(60, 10, 6, 0, true), policy.defaults());
        assertEquals(new KeepAliveSettings(60, 10, 6, 0, true), policy.rules().get(0).settings());
        assertEquals("warn", policy.logLevel());
        assertNull(policy.logFile());
    }

    @Test
    void anyEnforceIsFalseWhenNoRuleEnforces() {
        Policy policy = new Policy("t", "info", "/var/log/ka.log", PartialSettings.EMPTY.withEnforce(false),
                Arrays.asList(Rule.builder("a").build(), Rule.builder("off").keepaliveOff().build()));
        assertFalse(policy.anyEnforce());
        assertEquals("info", policy.logLevel());
        assertEquals("/var/log/ka.log", policy.logFile());
    }

    @Test
    void natTimeoutIsInheritedLikeEveryOtherValue() {
        Policy policy = new Policy("t", null, null, PartialSettings.EMPTY.withNatTimeoutSeconds(350), Arrays.asList(
                Rule.builder("inherits").port(range(1, 1)).build(),
                Rule.builder("own").settings(PartialSettings.EMPTY.withNatTimeoutSeconds(240)).build()));
        assertEquals(350, policy.rules().get(0).natTimeoutSeconds());
        assertEquals(240, policy.rules().get(1).natTimeoutSeconds());
    }

    @Test
    void refusesDuplicateNamesAndUnknownLogLevels() {
        assertThrows(IllegalArgumentException.class, () -> new Policy("t", null, null, PartialSettings.EMPTY,
                Arrays.asList(Rule.builder("a").build(), Rule.builder("a").build())));
        assertThrows(IllegalArgumentException.class, () -> new Policy("t", "verbose", null, PartialSettings.EMPTY,
                Collections.<Rule>emptyList()));
    }

    @Test
    void autoUserTimeoutAboveTheMaximumIsRefused() {
        PartialSettings huge = PartialSettings.EMPTY.withIdleSeconds(32767).withIntervalSeconds(32767).withCount(127)
                .withUserTimeout(UserTimeout.AUTO);
        InvalidValueException e = assertThrows(InvalidValueException.class,
                () -> Rule.builder("huge").settings(huge).build(PartialSettings.EMPTY));
        assertEquals("user_timeout auto = idle 32767s + intvl 32767s * cnt 127 = 4194176s is above the maximum 24h; "
                + "set user_timeout to off or to a duration", e.getMessage());
    }

    @Test
    void describesCriteriaInWords() {
        assertEquals("outbound; host *.db.internal or db-?.example.com; cidr 10.0.0.0/8 or fd00::/8; "
                + "port 5432 or 6432", POLICY.rules().get(0).describeCriteria());
        assertEquals("outbound and inbound; any host; cidr 127.0.0.0/8 or ::1/128; any port",
                POLICY.rules().get(1).describeCriteria());
        assertEquals("inbound; any host; any address; port 22", POLICY.rules().get(3).describeCriteria());
        assertEquals("rule \"ephemeral\": outbound and inbound; any host; any address; port 32768-60999: "
                + "idle=60s intvl=10s cnt=6 user_timeout=off enforce=true", POLICY.rules().get(4).toString());
    }
}
