package io.kaagent.policy;

/**
 * The syntax and the allowed ranges of the keepalive values, shared by the policy file and the {@code KA_AGENT_*}
 * environment variables so both accept exactly the same text.
 *
 * <p>A duration is a whole number of seconds ({@code 30}) or a whole number with a unit: {@code ms}, {@code s},
 * {@code m} or {@code h}.
 */
public final class SettingValues {
    /** Linux rejects TCP_KEEPIDLE and TCP_KEEPINTVL above MAX_TCP_KEEPIDLE / MAX_TCP_KEEPINTVL (32767 s). */
    public static final int MAX_TIMER_SECONDS = 32767;
    /** Linux rejects TCP_KEEPCNT above MAX_TCP_KEEPCNT (127). */
    public static final int MAX_COUNT = 127;
    /** A day: the kernel would accept up to 24.8 days, but a longer user timeout is certainly a typo. */
    public static final int MAX_USER_TIMEOUT_MILLIS = 24 * 3600 * 1000;
    /** A week: longer than any NAT or load balancer keeps an idle flow (Linux conntrack: 5 days). */
    public static final int MAX_NAT_TIMEOUT_SECONDS = 7 * 24 * 3600;

    static final String DURATION_FORMS = "a whole number of seconds or a whole number with ms, s, m or h, e.g. 30s";

    private SettingValues() {
    }

    /** TCP_KEEPIDLE or TCP_KEEPINTVL: whole seconds, 1s..32767s. */
    public static int parseTimerSeconds(String text) throws InvalidValueException {
        return wholeSeconds(text, MAX_TIMER_SECONDS, "1s.." + MAX_TIMER_SECONDS + "s",
                "keepalive timers are set in whole seconds");
    }

    /** TCP_KEEPCNT: a plain number, 1..127. */
    public static int parseCount(String text) throws InvalidValueException {
        String allowed = "allowed 1.." + MAX_COUNT;
        if (!Digits.isInteger(text)) {
            throw new InvalidValueException(quote(text) + " is not a whole number, " + allowed);
        }
        long value = text.length() > 12 ? Long.MAX_VALUE : Long.parseLong(text);
        if (value < 1 || value > MAX_COUNT) {
            throw new InvalidValueException(text + " is out of range, " + allowed);
        }
        return (int) value;
    }

    /** TCP_USER_TIMEOUT: {@code off}, {@code auto}, or a duration 1ms..24h. */
    public static UserTimeout parseUserTimeout(String text) throws InvalidValueException {
        if ("off".equals(text)) {
            return UserTimeout.OFF;
        }
        if ("auto".equals(text)) {
            return UserTimeout.AUTO;
        }
        long millis;
        try {
            millis = parseDurationMillis(text);
        } catch (InvalidValueException notADuration) {
            throw new InvalidValueException(quote(text) + " is not allowed, use off, auto or a duration such as 45s");
        }
        if (millis < 1 || millis > MAX_USER_TIMEOUT_MILLIS) {
            throw new InvalidValueException(text + " is out of range, allowed off, auto or 1ms..24h");
        }
        return UserTimeout.ofMillis((int) millis);
    }

    /** The {@code nat_timeout} hint: whole seconds, 1s..168h. */
    public static int parseNatTimeoutSeconds(String text) throws InvalidValueException {
        return wholeSeconds(text, MAX_NAT_TIMEOUT_SECONDS, "1s..168h", "NAT timeouts are given in whole seconds");
    }

    /** Parses a duration into milliseconds; a value too large for a {@code long} counts as {@code Long.MAX_VALUE}. */
    public static long parseDurationMillis(String text) throws InvalidValueException {
        int digitsEnd = text.startsWith("-") ? 1 : 0;
        int digitsStart = digitsEnd;
        while (digitsEnd < text.length() && text.charAt(digitsEnd) >= '0' && text.charAt(digitsEnd) <= '9') {
            digitsEnd++;
        }
        String unit = text.substring(digitsEnd);
        long unitMillis = unitMillis(unit);
        if (digitsEnd == digitsStart || unitMillis == 0) {
            throw new InvalidValueException(quote(text) + " is not a duration; use " + DURATION_FORMS);
        }
        String digits = text.substring(0, digitsEnd);
        // 12 digits of hours still fit a long in milliseconds; anything longer is out of every range anyway.
        if (digits.length() > 12) {
            return digits.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return Long.parseLong(digits) * unitMillis;
    }

    private static long unitMillis(String unit) {
        switch (unit) {
            case "ms":
                return 1;
            case "":
            case "s":
                return 1000;
            case "m":
                return 60 * 1000;
            case "h":
                return 3600 * 1000;
            default:
                return 0;
        }
    }

    private static int wholeSeconds(String text, int maxSeconds, String allowed, String why)
            throws InvalidValueException {
        long millis = parseDurationMillis(text);
        if (millis <= 0 || millis > maxSeconds * 1000L) {
            throw new InvalidValueException(text + " is out of range, allowed " + allowed);
        }
        if (millis % 1000 != 0) {
            throw new InvalidValueException(text + " is not a whole number of seconds; " + why);
        }
        return (int) (millis / 1000);
    }

    static String quote(String text) {
        return "\"" + text + "\"";
    }
}
