package io.kaagent.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The keepalive options of one socket as the kernel reports them through getsockopt.
 *
 * @param keepAlive SO_KEEPALIVE
 * @param idleSeconds TCP_KEEPIDLE
 * @param intervalSeconds TCP_KEEPINTVL
 * @param count TCP_KEEPCNT
 * @param userTimeoutMillis TCP_USER_TIMEOUT (0 = off)
 */
public record KernelSocketOptions(boolean keepAlive, int idleSeconds, int intervalSeconds, int count,
                                  int userTimeoutMillis) {

    /** What a rule sets: keepalive on and these values. */
    public static KernelSocketOptions applied(int idleSeconds, int intervalSeconds, int count, int userTimeoutMillis) {
        return new KernelSocketOptions(true, idleSeconds, intervalSeconds, count, userTimeoutMillis);
    }

    /**
     * A socket nobody touched: keepalive off, the timers the kernel reports when none was set (the
     * net.ipv4.tcp_keepalive_* sysctls of this network namespace: 7200/75/9 unless changed), no user timeout.
     */
    public static KernelSocketOptions untouched() {
        return new KernelSocketOptions(false, sysctl("tcp_keepalive_time"), sysctl("tcp_keepalive_intvl"),
                sysctl("tcp_keepalive_probes"), 0);
    }

    private static int sysctl(String name) {
        Path file = Paths.get("/proc/sys/net/ipv4", name);
        try {
            // Not Files.readString: procfs reports size 0 and JDK 17 then returns only the first byte.
            return Integer.parseInt(Files.readAllLines(file).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @Override
    public String toString() {
        return "SO_KEEPALIVE=" + (keepAlive ? 1 : 0) + " TCP_KEEPIDLE=" + idleSeconds + " TCP_KEEPINTVL="
                + intervalSeconds + " TCP_KEEPCNT=" + count + " TCP_USER_TIMEOUT=" + userTimeoutMillis;
    }
}
