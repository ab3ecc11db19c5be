package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DefaultPolicyTest {
    private static final KeepAliveSettings PRODUCT_DEFAULTS = new KeepAliveSettings(60, 10, 6, 0, true);

    @ParameterizedTest(name = "{0} {1}:{2} -> {3}")
    @CsvSource(nullValues = "-", value = {
            "OUTBOUND, 10.1.2.3, 5432, applied",
            "INBOUND, 10.1.2.3, 8080, applied",
            "OUTBOUND, 2001:db8::1, 443, applied",
            "OUTBOUND, ::ffff:203.0.113.9, 443, applied",
            "OUTBOUND, -, 443, applied",
            "OUTBOUND, 127.0.0.1, 5432, untouched",
            "INBOUND, 127.0.0.1, 8080, untouched",
            "OUTBOUND, 127.255.255.254, 1, untouched",
            "OUTBOUND, ::1, 5432, untouched",
            "INBOUND, ::1, 8080, untouched",
            "OUTBOUND, ::ffff:127.0.0.1, 5432, untouched",
            "INBOUND, ::ffff:127.0.0.1, 8080, untouched",
            "OUTBOUND, 128.0.0.1, 80, applied",
            "OUTBOUND, ::2, 80, applied",
    })
    void everyNonLoopbackConnectionGetsTheProductDefaults(Direction direction, String address, int port,
                                                          String outcome) {
        Policy policy = DefaultPolicy.create();
        Rule rule = policy.match(direction, address, address == null ? null : IpLiteral.toAddress(address), port);
        if ("applied".equals(outcome)) {
            assertEquals(PRODUCT_DEFAULTS, rule.settings());
        } else {
            assertTrue(rule.keepaliveOff());
            assertNull(rule.settings());
        }
    }

    @Test
    void describesItself() {
        Policy policy = DefaultPolicy.create();
        assertEquals("embedded default", policy.source());
        assertEquals("warn", policy.logLevel());
        assertNull(policy.logFile());
        assertEquals(PRODUCT_DEFAULTS, policy.defaults());
        assertTrue(policy.anyEnforce());
        assertEquals(2, policy.rules().size());
    }
}
