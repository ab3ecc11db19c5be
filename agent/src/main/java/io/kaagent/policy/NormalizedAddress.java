package io.kaagent.policy;

import java.net.InetAddress;

/**
 * An address as a 128-bit number in one of two families. An IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}, what
 * a dual-stack socket reports for an IPv4 peer) counts as the IPv4 address it carries, so IPv4 blocks match it.
 */
final class NormalizedAddress {
    final boolean ipv4;
    /** The upper 64 bits; always 0 for IPv4. */
    final long high;
    /** The lower 64 bits; for IPv4 the 32-bit address. */
    final long low;

    NormalizedAddress(boolean ipv4, long high, long low) {
        this.ipv4 = ipv4;
        this.high = high;
        this.low = low;
    }

    static NormalizedAddress of(InetAddress address) {
        return of(address.getAddress());
    }

    static NormalizedAddress of(byte[] bytes) {
        if (bytes.length == 4) {
            return new NormalizedAddress(true, 0, readLong(bytes, 0, 4));
        }
        if (isIpv4Mapped(bytes)) {
            return new NormalizedAddress(true, 0, readLong(bytes, 12, 4));
        }
        return ipv6(bytes);
    }

    /** The 16 bytes as IPv6, even when they are IPv4-mapped. */
    static NormalizedAddress ipv6(byte[] bytes) {
        return new NormalizedAddress(false, readLong(bytes, 0, 8), readLong(bytes, 8, 8));
    }

    static boolean isIpv4Mapped(byte[] bytes) {
        if (bytes.length != 16 || bytes[10] != (byte) 0xff || bytes[11] != (byte) 0xff) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static long readLong(byte[] bytes, int offset, int length) {
        long value = 0;
        for (int i = offset; i < offset + length; i++) {
            value = value << 8 | (bytes[i] & 0xff);
        }
        return value;
    }
}
