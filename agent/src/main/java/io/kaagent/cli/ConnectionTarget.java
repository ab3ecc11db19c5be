package io.kaagent.cli;

import java.net.InetAddress;

import io.kaagent.policy.IpLiteral;

/**
 * The {@code <host>:<port>} of {@code explain}: {@code db-1.example.com:5432}, {@code 10.1.2.3:5432},
 * {@code [::1]:5432}. An IP literal is both the host string and the address; for a name the address stays unknown,
 * because the agent never resolves names and explain must not either.
 */
final class ConnectionTarget {
    final String text;
    final String host;
    /** Null for a host name. */
    final InetAddress address;
    final int port;

    private ConnectionTarget(String text, String host, InetAddress address, int port) {
        this.text = text;
        this.host = host;
        this.address = address;
        this.port = port;
    }

    /** @throws IllegalArgumentException with a one-line reason */
    static ConnectionTarget parse(String text) {
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || !text.startsWith(":", close + 1)) {
                throw new IllegalArgumentException("\"" + text + "\" is not [ADDRESS]:PORT");
            }
            host = text.substring(1, close);
            portText = text.substring(close + 2);
            if (host.indexOf(':') < 0 || IpLiteral.parse(host) == null) {
                throw new IllegalArgumentException("\"" + host + "\" in brackets is not an IPv6 address");
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("\"" + text + "\" has no port; write HOST:PORT, e.g. db:5432");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("\"" + text + "\": put an IPv6 address in brackets, e.g. [::1]:5432");
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("\"" + text + "\" has no host");
        }
        return new ConnectionTarget(text, host, IpLiteral.toAddress(host), port(portText));
    }

    private static int port(String text) {
        if (!text.matches("[0-9]{1,5}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw new IllegalArgumentException("port \"" + text + "\" is not a number 1..65535");
        }
        return Integer.parseInt(text);
    }

    boolean isName() {
        return address == null;
    }
}
