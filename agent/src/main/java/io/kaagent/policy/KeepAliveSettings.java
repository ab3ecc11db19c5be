package io.kaagent.policy;

/** What a matching rule sets on a socket: the three keepalive timers, TCP_USER_TIMEOUT and whether to enforce them. */
public final class KeepAliveSettings {
    private final int idleSeconds;
    private final int intervalSeconds;
    private final int count;
    private final int userTimeoutMillis;
    private final boolean enforce;

    /**
     * @param userTimeoutMillis 0 leaves TCP_USER_TIMEOUT alone; {@code auto} is resolved before this point
     * @throws IllegalArgumentException for a value the kernel would reject
     */
    public KeepAliveSettings(int idleSeconds, int intervalSeconds, int count, int userTimeoutMillis,
                             boolean enforce) {
        requireRange("idle", idleSeconds, 1, SettingValues.MAX_TIMER_SECONDS);
        requireRange("intvl", intervalSeconds, 1, SettingValues.MAX_TIMER_SECONDS);
        requireRange("cnt", count, 1, SettingValues.MAX_COUNT);
        requireRange("user_timeout", userTimeoutMillis, 0, SettingValues.MAX_USER_TIMEOUT_MILLIS);
        this.idleSeconds = idleSeconds;
        this.intervalSeconds = intervalSeconds;
        this.count = count;
        this.userTimeoutMillis = userTimeoutMillis;
        this.enforce = enforce;
    }

    private static void requireRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " " + value + " is out of range " + min + ".." + max);
        }
    }

    /** TCP_KEEPIDLE. */
    public int idleSeconds() {
        return idleSeconds;
    }

    /** TCP_KEEPINTVL. */
    public int intervalSeconds() {
        return intervalSeconds;
    }

    /** TCP_KEEPCNT. */
    public int count() {
        return count;
    }

    /** TCP_USER_TIMEOUT in milliseconds; 0 = off, leave the socket's value alone. */
    public int userTimeoutMillis() {
        return userTimeoutMillis;
    }

    /** Whether later changes by the application are neutralised (PRODUCT.md §5). */
    public boolean enforce() {
        return enforce;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof KeepAliveSettings)) {
            return false;
        }
        KeepAliveSettings that = (KeepAliveSettings) other;
        return idleSeconds == that.idleSeconds && intervalSeconds == that.intervalSeconds && count == that.count
                && userTimeoutMillis == that.userTimeoutMillis && enforce == that.enforce;
    }

    @Override
    public int hashCode() {
        int hash = idleSeconds;
        hash = 31 * hash + intervalSeconds;
        hash = 31 * hash + count;
        hash = 31 * hash + userTimeoutMillis;
        return 31 * hash + (enforce ? 1 : 0);
    }

    /** {@code idle=30s intvl=5s cnt=3 user_timeout=off enforce=true}. */
    @Override
    public String toString() {
        return "idle=" + idleSeconds + "s intvl=" + intervalSeconds + "s cnt=" + count
                + " user_timeout=" + (userTimeoutMillis == 0 ? "off" : userTimeoutMillis + "ms")
                + " enforce=" + enforce;
    }
}
