package io.kaagent.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the kernel reports for a socket, by getsockopt on its descriptor, against what a test set. */
final class ReadBack {
    private ReadBack() {
    }

    static void assertOptions(NativeSocketOptions options, int fd, int idle, int interval, int count, int userTimeout)
            throws NativeSocketException {
        assertTrue(options.getKeepAlive(fd), "SO_KEEPALIVE");
        assertEquals(idle, options.getTcpKeepIdle(fd), "TCP_KEEPIDLE");
        assertEquals(interval, options.getTcpKeepInterval(fd), "TCP_KEEPINTVL");
        assertEquals(count, options.getTcpKeepCount(fd), "TCP_KEEPCNT");
        assertEquals(userTimeout, options.getTcpUserTimeout(fd), "TCP_USER_TIMEOUT");
    }

    /** {@code fd} reports what {@code nobodys}, a socket nobody set, reports: keepalive off, its timers, no timeout. */
    static void assertAsNobodySet(NativeSocketOptions options, int fd, int nobodys) throws NativeSocketException {
        assertFalse(options.getKeepAlive(fd), "SO_KEEPALIVE");
        assertEquals(options.getTcpKeepIdle(nobodys), options.getTcpKeepIdle(fd), "TCP_KEEPIDLE");
        assertEquals(options.getTcpKeepInterval(nobodys), options.getTcpKeepInterval(fd), "TCP_KEEPINTVL");
        assertEquals(options.getTcpKeepCount(nobodys), options.getTcpKeepCount(fd), "TCP_KEEPCNT");
        assertEquals(0, options.getTcpUserTimeout(fd), "TCP_USER_TIMEOUT");
    }
}
