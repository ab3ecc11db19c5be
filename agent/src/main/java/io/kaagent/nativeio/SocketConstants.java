package io.kaagent.nativeio;

import java.util.Locale;

/**
 * setsockopt levels and option numbers per operating system. {@code userTimeout} is -1 where the OS has no
 * TCP_USER_TIMEOUT. Windows has none of these through libc: there the agent uses the JDK fallback.
 */
public final class SocketConstants {
    final String os;
    final int solSocket;
    final int soKeepAlive;
    final int ipprotoTcp;
    final int keepIdle;
    final int keepInterval;
    final int keepCount;
    final int userTimeout;

    private SocketConstants(String os, int solSocket, int soKeepAlive, int ipprotoTcp, int keepIdle,
            int keepInterval, int keepCount, int userTimeout) {
        this.os = os;
        this.solSocket = solSocket;
        this.soKeepAlive = soKeepAlive;
        this.ipprotoTcp = ipprotoTcp;
        this.keepIdle = keepIdle;
        this.keepInterval = keepInterval;
        this.keepCount = keepCount;
        this.userTimeout = userTimeout;
    }

    /** <netinet/tcp.h>, <asm-generic/socket.h>; identical on x86_64 and aarch64. */
    static final SocketConstants LINUX = new SocketConstants("Linux", 1, 9, 6, 4, 5, 6, 18);
    /** <sys/socket.h>, <netinet/tcp.h>: TCP_KEEPALIVE is macOS's name for the idle time. */
    static final SocketConstants MACOS = new SocketConstants("macOS", 0xffff, 0x8, 6, 0x10, 0x101, 0x102, -1);

    /** The constants of this OS, or null when the agent has none (the JDK fallback then takes over). */
    public static SocketConstants current() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            return LINUX;
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return MACOS;
        }
        return null;
    }

    /**
     * Whether an accepted socket starts with its listener's keepalive options: Linux creates it as a copy of the
     * listening socket (sk_clone_lock), SO_KEEPALIVE, the three timers and TCP_USER_TIMEOUT included.
     */
    public boolean acceptedSocketsCopyTheListener() {
        return this == LINUX;
    }

    public boolean hasUserTimeout() {
        return userTimeout >= 0;
    }

    public String os() {
        return os;
    }
}
