package io.kaagent.policy;

/** A {@code port} value: one port or an inclusive range {@code a-b}, within 1..65535. */
public final class PortRange {
    public static final int MAX_PORT = 65535;

    private final int first;
    private final int last;

    private PortRange(int first, int last) {
        this.first = first;
        this.last = last;
    }

    public static PortRange of(int first, int last) {
        if (first < 1 || last > MAX_PORT || first > last) {
            throw new IllegalArgumentException("bad port range " + first + "-" + last);
        }
        return new PortRange(first, last);
    }

    /** Parses {@code 5432} or {@code 5432-5439} (spaces around the dash are fine). */
    public static PortRange parse(String text) throws InvalidValueException {
        int dash = text.indexOf('-', 1);
        if (dash < 0) {
            int port = port(text, text);
            return new PortRange(port, port);
        }
        int first = port(text, text.substring(0, dash).trim());
        int last = port(text, text.substring(dash + 1).trim());
        if (first > last) {
            throw new InvalidValueException(text + " is not a valid port range: " + first + " is above " + last);
        }
        return new PortRange(first, last);
    }

    private static int port(String text, String number) throws InvalidValueException {
        if (!Digits.isInteger(number)) {
            throw new InvalidValueException(SettingValues.quote(text)
                    + " is not a port or a port range, use a number 1..65535 or a range like 5432-5439");
        }
        long value = number.length() > 6 ? Long.MAX_VALUE : Long.parseLong(number);
        if (value < 1 || value > MAX_PORT) {
            throw new InvalidValueException((number.equals(text) ? text : number + " in " + text)
                    + " is out of range, allowed 1..65535");
        }
        return (int) value;
    }

    public int first() {
        return first;
    }

    public int last() {
        return last;
    }

    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PortRange && ((PortRange) other).first == first && ((PortRange) other).last == last;
    }

    @Override
    public int hashCode() {
        return first * 65536 + last;
    }

    /** {@code 5432} or {@code 5432-5439}. */
    @Override
    public String toString() {
        return first == last ? Integer.toString(first) : first + "-" + last;
    }
}
