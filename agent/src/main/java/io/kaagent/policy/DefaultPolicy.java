package io.kaagent.policy;

import java.util.Arrays;

/**
 * The policy in force when there is no policy file (PRODUCT.md §4): every connection, outbound or inbound, to a
 * non-loopback peer gets idle 60s, intvl 10s, cnt 6 (a dead peer found within two minutes; idle flows refreshed well
 * inside every common NAT timeout), user_timeout off, enforced. Loopback is left alone: no NAT sits on it.
 */
public final class DefaultPolicy {
    public static final String SOURCE = "embedded default";

    private DefaultPolicy() {
    }

    public static Policy create() {
        Rule loopback = Rule.builder("loopback")
                .directions(Direction.OUTBOUND, Direction.INBOUND)
                .cidr("127.0.0.0/8", "::1/128")
                .keepaliveOff()
                .build();
        Rule everythingElse = Rule.builder("default")
                .directions(Direction.OUTBOUND, Direction.INBOUND)
                .build();
        return new Policy(SOURCE, null, null, PartialSettings.BUILT_IN_DEFAULTS,
                Arrays.asList(loopback, everythingElse));
    }
}
