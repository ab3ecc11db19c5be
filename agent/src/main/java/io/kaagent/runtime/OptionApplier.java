package io.kaagent.runtime;

import io.kaagent.policy.KeepAliveSettings;

/** Puts keepalive settings on one socket or channel. */
public interface OptionApplier {
    void apply(Object socketOrChannel, KeepAliveSettings settings) throws Throwable;

    /** "native" or "fallback", for the log and the MBean. */
    String mode();
}
