package io.kaagent.runtime;

import static io.kaagent.policy.Direction.INBOUND;
import static io.kaagent.policy.Direction.OUTBOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.kaagent.policy.Direction;
import io.kaagent.policy.PartialSettings;
import io.kaagent.policy.Policy;
import io.kaagent.policy.PortRange;
import io.kaagent.policy.Rule;

/** The hooks' one-entry memo must give exactly what Policy.match gives, for every sequence of questions. */
class LastDecisionTest {
    private static final Policy POLICY = policy(
            Rule.builder("postgres").host("*.db.internal").port(PortRange.of(5432, 5432)).build(),
            Rule.builder("ten").cidr("10.0.0.0/8").build(),
            Rule.builder("inbound-api").port(PortRange.of(8443, 8443)).directions(INBOUND).build(),
            Rule.builder("loopback").cidr("127.0.0.0/8", "::1/128").directions(OUTBOUND, INBOUND).build());

    private static Policy policy(Rule... rules) {
        return new Policy("test", null, null, PartialSettings.EMPTY, Arrays.asList(rules));
    }

    @Test
    void theSameQuestionIsAnsweredFromTheMemo() throws Exception {
        InetAddress remote = InetAddress.getByName("10.1.2.3");
        LastDecision first = LastDecision.decide(null, POLICY, OUTBOUND, "pg.db.internal", remote, 5432);
        assertEquals("postgres", first.rule.name());
        // an equal address and host in new objects, as a fresh InetSocketAddress gives them
        LastDecision again = LastDecision.decide(first, POLICY, OUTBOUND, new String("pg.db.internal"),
                InetAddress.getByName("10.1.2.3"), 5432);
        assertSame(first, again);
    }

    @Test
    void anyDifferenceAsksThePolicyAgain() throws Exception {
        InetAddress remote = InetAddress.getByName("10.1.2.3");
        LastDecision first = LastDecision.decide(null, POLICY, OUTBOUND, "pg.db.internal", remote, 5432);
        assertEquals("ten", LastDecision.decide(first, POLICY, OUTBOUND, "pg.db.internal", remote, 5433).rule.name());
        assertEquals("ten", LastDecision.decide(first, POLICY, OUTBOUND, "pg.other", remote, 5432).rule.name());
        assertEquals("ten", LastDecision.decide(first, POLICY, OUTBOUND, null, remote, 5432).rule.name());
        assertNull(LastDecision.decide(first, POLICY, INBOUND, "pg.db.internal", remote, 5432).rule);
        assertNull(LastDecision.decide(first, POLICY, OUTBOUND, "pg.db.internal",
                InetAddress.getByName("11.1.2.3"), 5433).rule);
    }

    @Test
    void aReplacedPolicyIsAskedEvenForTheSameEndpoint() throws Exception {
        InetAddress remote = InetAddress.getByName("10.1.2.3");
        LastDecision first = LastDecision.decide(null, POLICY, OUTBOUND, "x", remote, 80);
        assertEquals("ten", first.rule.name());
        Policy reloaded = policy(Rule.builder("other").cidr("10.0.0.0/8").build());
        LastDecision after = LastDecision.decide(first, reloaded, OUTBOUND, "x", remote, 80);
        assertNotSame(first, after);
        assertEquals("other", after.rule.name());
    }

    @Test
    void aMissIsRememberedToo() throws Exception {
        InetAddress remote = InetAddress.getByName("192.0.2.1");
        LastDecision miss = LastDecision.decide(null, POLICY, OUTBOUND, "example.org", remote, 443);
        assertNull(miss.rule);
        assertSame(miss, LastDecision.decide(miss, POLICY, OUTBOUND, "example.org", remote, 443));
    }

    @Test
    void randomSequencesAgreeWithTheFullMatch() throws Exception {
        Random random = new Random(42);
        String[] hosts = {null, "pg.db.internal", "PG.db.internal", "cache", "localhost"};
        InetAddress[] addresses = {null, InetAddress.getByName("10.0.0.1"), InetAddress.getByName("127.0.0.1"),
                InetAddress.getByName("::1"), InetAddress.getByName("192.0.2.9")};
        int[] ports = {80, 5432, 8443, 6379};
        Direction[] directions = Direction.values();
        LastDecision last = null;
        int memoHits = 0;
        for (int i = 0; i < 5000; i++) {
            Direction direction = directions[random.nextInt(directions.length)];
            String host = hosts[random.nextInt(hosts.length)];
            InetAddress remote = addresses[random.nextInt(addresses.length)];
            int port = ports[random.nextInt(ports.length)];
            LastDecision next = LastDecision.decide(last, POLICY, direction, host, remote, port);
            memoHits += next == last ? 1 : 0;
            assertSame(POLICY.match(direction, host, remote, port), next.rule,
                    direction + " " + host + " " + remote + " " + port);
            last = next;
        }
        assertTrue(memoHits > 0, "the memo was never used");
        assertFalse(memoHits == 5000);
    }
}
