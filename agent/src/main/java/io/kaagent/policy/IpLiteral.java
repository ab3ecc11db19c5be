package io.kaagent.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Reads IPv4 and IPv6 address literals without ever resolving anything: {@code InetAddress.getByName} would make a
 * DNS lookup for any text that is not a literal, and the agent promises none (PRODUCT.md §5).
 */
public final class IpLiteral {
    private IpLiteral() {
    }

    /** The address as an {@link InetAddress}, or null when the text is not an IP literal. */
    public static InetAddress toAddress(String text) {
        byte[] bytes = parse(text);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException("4 or 16 bytes are always an address", impossible);
        }
    }

    /** 4 bytes for dotted IPv4, 16 for IPv6 (zone ids are not accepted), or null when the text is neither. */
    public static byte[] parse(String text) {
        return text.indexOf(':') >= 0 ? parseIpv6(text) : parseIpv4(text);
    }

    /** RFC 5952 text: {@code 10.0.0.1}, {@code fd00::1}, {@code ::ffff:10.0.0.1}. */
    public static String format(byte[] bytes) {
        if (bytes.length == 4) {
            return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
        }
        if (NormalizedAddress.isIpv4Mapped(bytes)) {
            byte[] ipv4 = new byte[4];
            System.arraycopy(bytes, 12, ipv4, 0, 4);
            return "::ffff:" + format(ipv4);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (bytes[2 * i] & 0xff) << 8 | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int start = 0; start < 8; start++) {
            int end = start;
            while (end < 8 && groups[end] == 0) {
                end++;
            }
            if (end - start > bestLength) {
                bestStart = start;
                bestLength = end - start;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
            } else {
                text.append(text.length() == 0 || text.charAt(text.length() - 1) == ':' ? "" : ":");
                text.append(Integer.toHexString(groups[i]));
            }
        }
        return text.toString();
    }

    private static byte[] parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int value = decimalOctet(parts[i]);
            if (value < 0) {
                return null;
            }
            bytes[i] = (byte) value;
        }
        return bytes;
    }

    /** 0..255 in plain decimal; a leading zero is refused because some resolvers read it as octal. */
    private static int decimalOctet(String part) {
        if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= 255 ? value : -1;
    }

    private static byte[] parseIpv6(String text) {
        int gap = text.indexOf("::");
        // One "::" at most, and a dotted IPv4 part only at the very end.
        if (gap >= 0 && (text.indexOf("::", gap + 1) >= 0 || text.substring(0, gap).indexOf('.') >= 0)) {
            return null;
        }
        byte[] head = gap < 0 ? groups(text) : groups(text.substring(0, gap));
        byte[] tail = gap < 0 ? new byte[0] : groups(text.substring(gap + 2));
        if (head == null || tail == null) {
            return null;
        }
        int length = head.length + tail.length;
        if (gap < 0 ? length != 16 : length > 14) {
            return null;
        }
        byte[] bytes = new byte[16];
        System.arraycopy(head, 0, bytes, 0, head.length);
        System.arraycopy(tail, 0, bytes, 16 - tail.length, tail.length);
        return bytes;
    }

    /** Colon-separated hex groups, the last of which may be a dotted IPv4 address; "" is no group at all. */
    private static byte[] groups(String text) {
        if (text.isEmpty()) {
            return new byte[0];
        }
        String[] parts = text.split(":", -1);
        byte[] bytes = new byte[parts.length * 2 + 2];
        int length = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (i == parts.length - 1 && part.indexOf('.') >= 0) {
                byte[] ipv4 = parseIpv4(part);
                if (ipv4 == null) {
                    return null;
                }
                System.arraycopy(ipv4, 0, bytes, length, 4);
                length += 4;
            } else {
                int value = hexGroup(part);
                if (value < 0) {
                    return null;
                }
                bytes[length++] = (byte) (value >> 8);
                bytes[length++] = (byte) value;
            }
        }
        byte[] exact = new byte[length];
        System.arraycopy(bytes, 0, exact, 0, length);
        return exact;
    }

    private static int hexGroup(String part) {
        if (part.isEmpty() || part.length() > 4) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < part.length(); i++) {
            int digit = Character.digit(part.charAt(i), 16);
            if (digit < 0 || part.charAt(i) > 'f') {
                return -1;
            }
            value = value * 16 + digit;
        }
        return value;
    }
}
