package io.kaagent.runtime;

import io.kaagent.policy.KeepAliveSettings;

/** Puts keepalive settings on one socket or channel. */
public interface OptionApplier {
    /** @return the descriptor it set the options on, or -1 where it went through the JDK without knowing it */
    int apply(Object socketOrChannel, KeepAliveSettings settings) throws Throwable;

    /** "native" or "fallback", for the log and the MBean. */
    String mode();
}
