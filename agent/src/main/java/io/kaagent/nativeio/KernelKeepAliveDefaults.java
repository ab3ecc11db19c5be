package io.kaagent.nativeio;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The keepalive timers a socket nobody set reports: the net.ipv4.tcp_keepalive_* sysctls of this network namespace
 * (7200 / 75 / 9 unless changed), read when asked; the kernel's own defaults where /proc cannot tell.
 */
public final class KernelKeepAliveDefaults {
    private static final String SYSCTLS = "/proc/sys/net/ipv4/";
    /** How long {@link #recent} keeps what it read. */
    private static final long RECENT_NANOS = 1_000_000_000L;
    private static volatile KernelKeepAliveDefaults recent;
    /** The kernel's own timers, which a network namespace has unless its sysctls were changed. */
    public static final KernelKeepAliveDefaults BUILT_IN = new KernelKeepAliveDefaults(7200, 75, 9);

    private final int idleSeconds;
    private final int intervalSeconds;
    private final int count;
    private final long readAtNanos;

    KernelKeepAliveDefaults(int idleSeconds, int intervalSeconds, int count) {
        this.idleSeconds = idleSeconds;
        this.intervalSeconds = intervalSeconds;
        this.count = count;
        this.readAtNanos = System.nanoTime();
    }

    /** Sysctls with these values, as a test sets them in a namespace of its own. */
    public static KernelKeepAliveDefaults of(int idleSeconds, int intervalSeconds, int count) {
        return new KernelKeepAliveDefaults(idleSeconds, intervalSeconds, count);
    }

    public static KernelKeepAliveDefaults read() {
        return new KernelKeepAliveDefaults(sysctl("tcp_keepalive_time", BUILT_IN.idleSeconds),
                sysctl("tcp_keepalive_intvl", BUILT_IN.intervalSeconds),
                sysctl("tcp_keepalive_probes", BUILT_IN.count));
    }

    /**
     * As {@link #read}, at most a second old: a listener that guesses puts back the sockets of clients no rule is for
     * one by one, and three files opened and read for each cost ~120 µs on a host with slow system calls.
     */
    public static KernelKeepAliveDefaults recent() {
        KernelKeepAliveDefaults memo = recent;
        if (memo == null || System.nanoTime() - memo.readAtNanos >= RECENT_NANOS) {
            memo = read();
            recent = memo;
        }
        return memo;
    }

    /** Whether both have the same three timers. */
    public boolean sameTimers(KernelKeepAliveDefaults other) {
        return other != null && idleSeconds == other.idleSeconds && intervalSeconds == other.intervalSeconds
                && count == other.count;
    }

    private static int sysctl(String name, int kernelDefault) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new FileInputStream(SYSCTLS + name), StandardCharsets.US_ASCII))) {
            String line = reader.readLine();
            int value = line == null ? 0 : Integer.parseInt(line.trim());
            return value > 0 ? value : kernelDefault;
        } catch (IOException | NumberFormatException e) {
            return kernelDefault;
        }
    }

    public int idleSeconds() {
        return idleSeconds;
    }

    public int intervalSeconds() {
        return intervalSeconds;
    }

    public int count() {
        return count;
    }
}
