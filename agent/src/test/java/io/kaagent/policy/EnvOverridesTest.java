package io.kaagent.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.kaagent.config.PolicyException;

class EnvOverridesTest {
    private static final Policy POLICY = new Policy("/etc/ka-agent/config.yml", null, null,
            PartialSettings.EMPTY.withIdleSeconds(60).withUserTimeout(UserTimeout.AUTO), Arrays.asList(
            Rule.builder("own-idle").port(PortRange.of(1, 1))
                    .settings(PartialSettings.EMPTY.withIdleSeconds(20).withCount(2)).build(),
            Rule.builder("inherits").build()));

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<String, String>();
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void noVariablesLeaveThePolicyAsItIs() throws PolicyException {
        assertSame(POLICY, EnvOverrides.apply(POLICY, env("PATH", "/bin", "KA_AGENT_IDLE", "", "KA_AGENT_CNT", " ")));
    }

    @Test
    void variablesReplaceTheDefaultsBlockAndWhatRulesInherited() throws PolicyException {
        Policy overridden = EnvOverrides.apply(POLICY, env("KA_AGENT_IDLE", "30s", "KA_AGENT_INTVL", "5",
                "KA_AGENT_CNT", "3", "KA_AGENT_USER_TIMEOUT", "off"));
        assertEquals(new KeepAliveSettings(30, 5, 3, 0, true), overridden.defaults());
        // own-idle keeps the idle and cnt it sets itself, and takes intvl and user_timeout from the new defaults
        assertEquals(new KeepAliveSettings(20, 5, 2, 0, true), overridden.rules().get(0).settings());
        assertEquals(new KeepAliveSettings(30, 5, 3, 0, true), overridden.rules().get(1).settings());
        assertEquals("/etc/ka-agent/config.yml + KA_AGENT_IDLE=30s KA_AGENT_INTVL=5 KA_AGENT_CNT=3 "
                + "KA_AGENT_USER_TIMEOUT=off", overridden.source());
        assertEquals("inherits", overridden.match(Direction.OUTBOUND, null, null, 2).name());
    }

    @Test
    void autoFollowsTheOverriddenValues() throws PolicyException {
        Policy overridden = EnvOverrides.apply(POLICY, env("KA_AGENT_INTVL", "2"));
        assertEquals(new KeepAliveSettings(20, 2, 2, 24000, true), overridden.rules().get(0).settings());
        assertEquals(new KeepAliveSettings(60, 2, 6, 72000, true), overridden.rules().get(1).settings());
    }

    @Test
    void overridesApplyToTheEmbeddedDefault() throws PolicyException {
        Policy overridden = EnvOverrides.apply(DefaultPolicy.create(), env("KA_AGENT_USER_TIMEOUT", "auto"));
        assertEquals(new KeepAliveSettings(60, 10, 6, 120000, true),
                overridden.match(Direction.OUTBOUND, null, IpLiteral.toAddress("10.0.0.1"), 443).settings());
        assertEquals("embedded default + KA_AGENT_USER_TIMEOUT=auto", overridden.source());
    }

    @ParameterizedTest(name = "{0}={1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "KA_AGENT_IDLE|0|KA_AGENT_IDLE: 0 is out of range, allowed 1s..32767s",
            "KA_AGENT_IDLE|32768|KA_AGENT_IDLE: 32768 is out of range, allowed 1s..32767s",
            "KA_AGENT_IDLE|1500ms|KA_AGENT_IDLE: 1500ms is not a whole number of seconds; keepalive timers are set "
                    + "in whole seconds",
            "KA_AGENT_INTVL|ten|KA_AGENT_INTVL: \"ten\" is not a duration; use a whole number of seconds or a whole "
                    + "number with ms, s, m or h, e.g. 30s",
            "KA_AGENT_CNT|128|KA_AGENT_CNT: 128 is out of range, allowed 1..127",
            "KA_AGENT_USER_TIMEOUT|25h|KA_AGENT_USER_TIMEOUT: 25h is out of range, allowed off, auto or 1ms..24h",
    })
    void badValuesNameTheVariable(String variable, String value, String message) {
        PolicyException e = assertThrows(PolicyException.class, () -> EnvOverrides.apply(POLICY, env(variable, value)));
        assertEquals(message, e.getMessage());
    }

    @Test
    void everyBadVariableIsReported() {
        PolicyException e = assertThrows(PolicyException.class,
                () -> EnvOverrides.apply(POLICY, env("KA_AGENT_IDLE", "0", "KA_AGENT_CNT", "0")));
        assertEquals(2, e.problems().size());
    }

    @Test
    void autoTooLargeAfterOverrideNamesTheRuleAndVariables() {
        Policy policy = new Policy("p.yml", null, null, PartialSettings.EMPTY.withUserTimeout(UserTimeout.AUTO),
                Collections.singletonList(Rule.builder("big").build()));
        PolicyException e = assertThrows(PolicyException.class, () -> EnvOverrides.apply(policy,
                env("KA_AGENT_IDLE", "32767", "KA_AGENT_INTVL", "32767")));
        assertEquals("environment: with KA_AGENT_IDLE=32767 KA_AGENT_INTVL=32767: user_timeout auto = idle 32767s + "
                + "intvl 32767s * cnt 6 = 229369s is above the maximum 24h; set user_timeout to off or to a duration",
                e.getMessage());
    }
}
