package io.kaagent.policy;

/** Which side opened a connection: {@code OUTBOUND} for connect, {@code INBOUND} for accept. */
public enum Direction {
    OUTBOUND,
    INBOUND;

    /** The word a policy file uses: {@code outbound} or {@code inbound}. */
    public String word() {
        return this == OUTBOUND ? "outbound" : "inbound";
    }
}
