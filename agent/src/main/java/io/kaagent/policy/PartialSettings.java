package io.kaagent.policy;

/**
 * The values one place of the policy declares itself — the {@code defaults:} block, a rule, or the
 * {@code KA_AGENT_*} variables — with {@code null} for "not set here, inherit". Kept apart from the resolved
 * {@link KeepAliveSettings} so that overriding the defaults later changes exactly the values rules inherited.
 */
public final class PartialSettings {
    public static final PartialSettings EMPTY = new PartialSettings(null, null, null, null, null, null);

    /** What an absent {@code defaults:} key means: the values of the embedded default policy (PRODUCT.md §4). */
    public static final PartialSettings BUILT_IN_DEFAULTS =
            new PartialSettings(60, 10, 6, UserTimeout.OFF, Boolean.TRUE, null);

    private final Integer idleSeconds;
    private final Integer intervalSeconds;
    private final Integer count;
    private final UserTimeout userTimeout;
    private final Boolean enforce;
    private final Integer natTimeoutSeconds;

    private PartialSettings(Integer idleSeconds, Integer intervalSeconds, Integer count, UserTimeout userTimeout,
                            Boolean enforce, Integer natTimeoutSeconds) {
        this.idleSeconds = idleSeconds;
        this.intervalSeconds = intervalSeconds;
        this.count = count;
        this.userTimeout = userTimeout;
        this.enforce = enforce;
        this.natTimeoutSeconds = natTimeoutSeconds;
    }

    public Integer idleSeconds() {
        return idleSeconds;
    }

    public Integer intervalSeconds() {
        return intervalSeconds;
    }

    public Integer count() {
        return count;
    }

    public UserTimeout userTimeout() {
        return userTimeout;
    }

    public Boolean enforce() {
        return enforce;
    }

    /** The idle timeout of the NAT or load balancer on the path: a hint for {@code check}, not a socket option. */
    public Integer natTimeoutSeconds() {
        return natTimeoutSeconds;
    }

    public PartialSettings withIdleSeconds(int seconds) {
        return new PartialSettings(seconds, intervalSeconds, count, userTimeout, enforce, natTimeoutSeconds);
    }

    public PartialSettings withIntervalSeconds(int seconds) {
        return new PartialSettings(idleSeconds, seconds, count, userTimeout, enforce, natTimeoutSeconds);
    }

    public PartialSettings withCount(int probes) {
        return new PartialSettings(idleSeconds, intervalSeconds, probes, userTimeout, enforce, natTimeoutSeconds);
    }

    public PartialSettings withUserTimeout(UserTimeout timeout) {
        return new PartialSettings(idleSeconds, intervalSeconds, count, timeout, enforce, natTimeoutSeconds);
    }

    public PartialSettings withEnforce(boolean enforced) {
        return new PartialSettings(idleSeconds, intervalSeconds, count, userTimeout, enforced, natTimeoutSeconds);
    }

    public PartialSettings withNatTimeoutSeconds(int seconds) {
        return new PartialSettings(idleSeconds, intervalSeconds, count, userTimeout, enforce, seconds);
    }

    /** Whether any keepalive value is set here (the NAT hint does not count: it sets nothing on a socket). */
    public boolean setsKeepAliveValues() {
        return idleSeconds != null || intervalSeconds != null || count != null || userTimeout != null
                || enforce != null;
    }

    /** These values where set, the {@code inherited} ones elsewhere. */
    public PartialSettings over(PartialSettings inherited) {
        return new PartialSettings(
                idleSeconds != null ? idleSeconds : inherited.idleSeconds,
                intervalSeconds != null ? intervalSeconds : inherited.intervalSeconds,
                count != null ? count : inherited.count,
                userTimeout != null ? userTimeout : inherited.userTimeout,
                enforce != null ? enforce : inherited.enforce,
                natTimeoutSeconds != null ? natTimeoutSeconds : inherited.natTimeoutSeconds);
    }

    /**
     * The socket values these settings stand for, with {@code user_timeout: auto} computed.
     *
     * @throws InvalidValueException when {@code auto} comes out above the allowed maximum
     * @throws IllegalStateException when a keepalive value is unset: resolve {@code over(BUILT_IN_DEFAULTS)}
     */
    public KeepAliveSettings resolve() throws InvalidValueException {
        if (idleSeconds == null || intervalSeconds == null || count == null || userTimeout == null
                || enforce == null) {
            throw new IllegalStateException("unresolved settings " + this);
        }
        int userTimeoutMillis = userTimeout.resolveMillis(idleSeconds, intervalSeconds, count);
        return new KeepAliveSettings(idleSeconds, intervalSeconds, count, userTimeoutMillis, enforce);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PartialSettings && toString().equals(other.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    /** The set values in policy-file terms, e.g. {@code idle=30s cnt=3}; {@code (nothing set)} when empty. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        append(text, "idle", idleSeconds == null ? null : idleSeconds + "s");
        append(text, "intvl", intervalSeconds == null ? null : intervalSeconds + "s");
        append(text, "cnt", count);
        append(text, "user_timeout", userTimeout);
        append(text, "enforce", enforce);
        append(text, "nat_timeout", natTimeoutSeconds == null ? null : natTimeoutSeconds + "s");
        return text.length() == 0 ? "(nothing set)" : text.toString();
    }

    private static void append(StringBuilder text, String key, Object value) {
        if (value != null) {
            text.append(text.length() == 0 ? "" : " ").append(key).append('=').append(value);
        }
    }
}
