package io.kaagent.runtime;

import io.kaagent.log.AgentLog;
import io.kaagent.nativeio.NativeSocketOptions;
import io.kaagent.nativeio.SocketFds;

/** Chooses native setsockopt, else the JDK fallback, and says once which mode is active. */
public final class ApplierLoader {
    private ApplierLoader() {
    }

    /** @return the applier, or null (after one ERROR line) when neither mode works here */
    public static OptionApplier load() {
        String nativeProblem;
        try {
            return new NativeApplier(NativeSocketOptions.load(), SocketFds.load());
        } catch (Throwable t) {
            nativeProblem = t.getMessage();
        }
        try {
            OptionApplier fallback = JdkFallbackApplier.load();
            AgentLog.warn("native setsockopt unavailable (" + nativeProblem
                    + "); using jdk.net.ExtendedSocketOptions: keepalive is applied, TCP_USER_TIMEOUT is not");
            return fallback;
        } catch (Throwable t) {
            AgentLog.error("neither native setsockopt (" + nativeProblem + ") nor the JDK fallback (" + t.getMessage()
                    + ") is available; the agent applies nothing");
            return null;
        }
    }
}
