package io.kaagent.runtime;

import io.kaagent.JavaRelease;
import io.kaagent.log.AgentLog;
import io.kaagent.nativeio.NativeSocketOptions;
import io.kaagent.nativeio.SocketFds;

/** Chooses native setsockopt, else the JDK fallback, and says once which mode is active. */
public final class ApplierLoader {
    private ApplierLoader() {
    }

    /**
     * The JDK's extended socket options, or null where this JDK has none: jdk.net's classes and libextnet. Before
     * JDK 17 called in premain, before any application thread runs, so jdk.net's class initialisers are never first
     * touched concurrently (JDK-8260366); see {@link #jdkOptionsSafeConcurrently()}.
     */
    public static OptionApplier jdkOptionsOrNull() {
        try {
            return JdkFallbackApplier.load();
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * Whether jdk.net's options may be first touched while application threads run: JDK-8260366 (a class-init
     * deadlock between jdk.net.ExtendedSocketOptions and sun.net.ext.ExtendedSocketOptions) is fixed in JDK 17.
     */
    public static boolean jdkOptionsSafeConcurrently() {
        return JavaRelease.current() >= 17;
    }

    /**
     * A socket's options in one io_uring submission (BENCHMARKS.md: ~2.4 µs against ~5.5 µs for four setsockopt calls
     * where system calls are dear). Asked for, not assumed: some fleets forbid io_uring or alert on it, and container
     * runtimes' default seccomp profiles block it.
     */
    private static void batchThroughIoUring(NativeSocketOptions options) {
        try {
            int rings = options.batchThroughIoUring();
            AgentLog.info("setting socket options through io_uring (ka.agent.io_uring): " + rings
                    + (rings == 1 ? " ring" : " rings") + ", one system call per socket");
        } catch (Throwable t) {
            AgentLog.warn("io_uring asked for (ka.agent.io_uring / KA_AGENT_IO_URING) but unavailable: "
                    + t.getMessage() + "; one setsockopt call per option instead");
        }
    }

    /**
     * @param jdkOptions the JDK applier loaded earlier, or null to try it here
     * @param ioUring    whether -Dka.agent.io_uring / KA_AGENT_IO_URING asked for io_uring
     * @return the applier, or null (after one ERROR line) when neither mode works here
     */
    public static OptionApplier load(OptionApplier jdkOptions, boolean ioUring) {
        String nativeProblem;
        try {
            NativeSocketOptions options = NativeSocketOptions.load();
            if (ioUring) {
                batchThroughIoUring(options);
            }
            return new NativeApplier(options, SocketFds.load());
        } catch (Throwable t) {
            nativeProblem = t.getMessage();
        }
        // A JVM that exits while this loads refuses the libraries' temporary copy: no socket is left to set.
        boolean exiting = AgentLog.jvmExiting();
        try {
            OptionApplier fallback = jdkOptions != null ? jdkOptions : JdkFallbackApplier.load();
            if (!exiting) {
                AgentLog.warn("native setsockopt unavailable (" + nativeProblem
                        + "); using jdk.net.ExtendedSocketOptions: keepalive is applied, TCP_USER_TIMEOUT is not");
            }
            return fallback;
        } catch (Throwable t) {
            if (!exiting) {
                AgentLog.error("neither native setsockopt (" + nativeProblem + ") nor the JDK fallback ("
                        + t.getMessage() + ") is available; the agent applies nothing");
            }
            return null;
        }
    }
}
