package io.kaagent.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.kaagent.config.PolicyException;
import io.kaagent.config.Problem;

/**
 * {@code KA_AGENT_IDLE}, {@code KA_AGENT_INTVL}, {@code KA_AGENT_CNT} and {@code KA_AGENT_USER_TIMEOUT} override the
 * {@code defaults:} block of the policy in force (PRODUCT.md §2): every rule that inherited the value follows, a
 * value a rule sets itself stays. They take the same text as the policy file. An empty variable counts as unset,
 * because container tooling often passes {@code VAR=} for "no value".
 */
public final class EnvOverrides {
    public static final String IDLE = "KA_AGENT_IDLE";
    public static final String INTVL = "KA_AGENT_INTVL";
    public static final String CNT = "KA_AGENT_CNT";
    public static final String USER_TIMEOUT = "KA_AGENT_USER_TIMEOUT";

    private EnvOverrides() {
    }

    /** Whether {@code env} sets any of the variables (an empty one counts as unset). */
    public static boolean any(Map<String, String> env) {
        for (String variable : new String[] {IDLE, INTVL, CNT, USER_TIMEOUT}) {
            String value = env.get(variable);
            if (value != null && !value.trim().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The policy with the overrides found in {@code env} applied; the same policy when there are none. The new
     * policy's source names the variables, e.g. {@code /etc/ka-agent/config.yml + KA_AGENT_IDLE=30s}.
     *
     * @throws PolicyException listing every bad variable, as {@code KA_AGENT_IDLE: 0 is out of range, ...}
     */
    public static Policy apply(Policy policy, Map<String, String> env) throws PolicyException {
        List<Problem> problems = new ArrayList<Problem>();
        PartialSettings overrides = PartialSettings.EMPTY;
        StringBuilder applied = new StringBuilder();
        for (String variable : new String[] {IDLE, INTVL, CNT, USER_TIMEOUT}) {
            String value = env.get(variable);
            if (value == null || value.trim().isEmpty()) {
                continue;
            }
            value = value.trim();
            try {
                overrides = with(overrides, variable, value);
                applied.append(' ').append(variable).append('=').append(value);
            } catch (InvalidValueException e) {
                problems.add(new Problem(variable, 0, 0, e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new PolicyException(problems);
        }
        if (applied.length() == 0) {
            return policy;
        }
        try {
            return policy.withDefaults(overrides.over(policy.declaredDefaults()), policy.source() + " +" + applied);
        } catch (InvalidValueException e) {
            throw new PolicyException(java.util.Collections.singletonList(
                    new Problem("environment", 0, 0, "with" + applied + ": " + e.getMessage())));
        }
    }

    private static PartialSettings with(PartialSettings settings, String variable, String value)
            throws InvalidValueException {
        if (IDLE.equals(variable)) {
            return settings.withIdleSeconds(SettingValues.parseTimerSeconds(value));
        }
        if (INTVL.equals(variable)) {
            return settings.withIntervalSeconds(SettingValues.parseTimerSeconds(value));
        }
        if (CNT.equals(variable)) {
            return settings.withCount(SettingValues.parseCount(value));
        }
        return settings.withUserTimeout(SettingValues.parseUserTimeout(value));
    }
}
