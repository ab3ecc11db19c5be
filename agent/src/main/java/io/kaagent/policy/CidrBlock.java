package io.kaagent.policy;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * A {@code cidr} value: an IPv4 or IPv6 block such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is a
 * block of one. A block written in IPv4-mapped form ({@code ::ffff:10.0.0.0/104}) is the IPv4 block it denotes, so
 * mapped and plain IPv4 addresses and blocks all meet in the IPv4 family.
 */
public final class CidrBlock {
    private final String text;
    private final boolean ipv4;
    private final int prefixLength;
    private final long firstHigh;
    private final long firstLow;
    private final long lastHigh;
    private final long lastLow;

    private CidrBlock(String text, NormalizedAddress first, NormalizedAddress last, int prefixLength) {
        this.text = text;
        this.ipv4 = first.ipv4;
        this.prefixLength = prefixLength;
        this.firstHigh = first.high;
        this.firstLow = first.low;
        this.lastHigh = last.high;
        this.lastLow = last.low;
    }

    public static CidrBlock parse(String text) throws InvalidValueException {
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        if (addressText.indexOf('%') >= 0) {
            throw invalid(text, "zone ids (%...) are not allowed");
        }
        byte[] bytes = IpLiteral.parse(addressText);
        if (bytes == null) {
            boolean name = !addressText.isEmpty() && Character.isLetter(addressText.charAt(addressText.length() - 1));
            throw invalid(text, SettingValues.quote(addressText) + " is not an IPv4 or IPv6 address"
                    + (name && slash < 0 ? "; to match host names use host:" : ""));
        }
        int maxPrefix = bytes.length * 8;
        int prefix = slash < 0 ? maxPrefix : prefixLength(text, text.substring(slash + 1), maxPrefix);
        byte[] first = bytes.clone();
        byte[] last = bytes.clone();
        for (int bit = prefix; bit < maxPrefix; bit++) {
            first[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
            last[bit / 8] |= (byte) (0x80 >>> (bit % 8));
        }
        if (!Arrays.equals(first, bytes)) {
            throw new InvalidValueException(text + " has host bits set; did you mean "
                    + IpLiteral.format(first) + "/" + prefix + "?");
        }
        // Only a block inside ::ffff:0:0/96 is IPv4; a wider one also covers plain IPv6 space and stays IPv6.
        boolean mappedIpv4 = bytes.length == 16 && prefix >= 96 && NormalizedAddress.isIpv4Mapped(first);
        if (bytes.length == 16 && !mappedIpv4) {
            return new CidrBlock(text, NormalizedAddress.ipv6(first), NormalizedAddress.ipv6(last), prefix);
        }
        return new CidrBlock(text, NormalizedAddress.of(first), NormalizedAddress.of(last),
                mappedIpv4 ? prefix - 96 : prefix);
    }

    private static int prefixLength(String text, String digits, int maxPrefix) throws InvalidValueException {
        if (!Digits.isDigits(digits, 3)) {
            throw invalid(text, "the prefix length " + SettingValues.quote(digits) + " is not a number 0.."
                    + maxPrefix);
        }
        int prefix = Integer.parseInt(digits);
        if (prefix > maxPrefix) {
            throw invalid(text, "the prefix length " + prefix + " is out of range, allowed 0.." + maxPrefix);
        }
        return prefix;
    }

    private static InvalidValueException invalid(String text, String why) {
        return new InvalidValueException(SettingValues.quote(text) + " is not a valid CIDR block: " + why);
    }

    /** Whether the block is in the IPv4 family (including blocks written as IPv4-mapped IPv6). */
    public boolean isIpv4() {
        return ipv4;
    }

    /** The prefix length within the block's family (so 8 for both 10.0.0.0/8 and ::ffff:10.0.0.0/104). */
    public int prefixLength() {
        return prefixLength;
    }

    public boolean contains(InetAddress address) {
        return address != null && contains(NormalizedAddress.of(address));
    }

    boolean contains(NormalizedAddress address) {
        return address.ipv4 == ipv4
                && compareUnsigned(address.high, address.low, firstHigh, firstLow) >= 0
                && compareUnsigned(address.high, address.low, lastHigh, lastLow) <= 0;
    }

    static int compareUnsigned(long high1, long low1, long high2, long low2) {
        int byHigh = Long.compareUnsigned(high1, high2);
        return byHigh != 0 ? byHigh : Long.compareUnsigned(low1, low2);
    }

    long firstHigh() {
        return firstHigh;
    }

    long firstLow() {
        return firstLow;
    }

    long lastHigh() {
        return lastHigh;
    }

    long lastLow() {
        return lastLow;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof CidrBlock)) {
            return false;
        }
        CidrBlock that = (CidrBlock) other;
        return ipv4 == that.ipv4 && prefixLength == that.prefixLength && firstHigh == that.firstHigh
                && firstLow == that.firstLow;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(firstHigh) * 31 + Long.hashCode(firstLow) * 7 + prefixLength;
    }

    /** The block as it was written. */
    @Override
    public String toString() {
        return text;
    }
}
