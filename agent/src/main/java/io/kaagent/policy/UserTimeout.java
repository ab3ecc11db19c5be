package io.kaagent.policy;

/**
 * The {@code user_timeout} setting as written: {@code off}, {@code auto} or a number of milliseconds. {@code auto}
 * becomes idle + intvl * cnt once the rule's effective values are known: when TCP_USER_TIMEOUT is set it replaces
 * TCP_KEEPCNT (FACTS.md), so {@code auto} keeps the dead-peer time keepalive alone would give.
 */
public final class UserTimeout {
    public static final UserTimeout OFF = new UserTimeout(-1);
    public static final UserTimeout AUTO = new UserTimeout(-2);

    private final int millis;

    private UserTimeout(int millis) {
        this.millis = millis;
    }

    public static UserTimeout ofMillis(int millis) {
        if (millis < 1 || millis > SettingValues.MAX_USER_TIMEOUT_MILLIS) {
            throw new IllegalArgumentException("user_timeout " + millis + "ms is out of range 1ms..24h");
        }
        return new UserTimeout(millis);
    }

    public boolean isOff() {
        return this == OFF;
    }

    public boolean isAuto() {
        return this == AUTO;
    }

    /** The value in milliseconds that TCP_USER_TIMEOUT gets for these keepalive values; 0 means off. */
    int resolveMillis(int idleSeconds, int intervalSeconds, int count) throws InvalidValueException {
        if (isOff()) {
            return 0;
        }
        if (!isAuto()) {
            return millis;
        }
        long autoSeconds = idleSeconds + (long) intervalSeconds * count;
        if (autoSeconds * 1000 > SettingValues.MAX_USER_TIMEOUT_MILLIS) {
            throw new InvalidValueException("user_timeout auto = idle " + idleSeconds + "s + intvl " + intervalSeconds
                    + "s * cnt " + count + " = " + autoSeconds + "s is above the maximum 24h; "
                    + "set user_timeout to off or to a duration");
        }
        return (int) (autoSeconds * 1000);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof UserTimeout && ((UserTimeout) other).millis == millis;
    }

    @Override
    public int hashCode() {
        return millis;
    }

    /** {@code off}, {@code auto} or {@code 45000ms}. */
    @Override
    public String toString() {
        return isOff() ? "off" : isAuto() ? "auto" : millis + "ms";
    }
}
