package io.kaagent.it.support;

/** TCP states in the order of the kernel's numbering (include/net/tcp_states.h), as /proc/net/tcp prints them. */
public enum TcpState {
    UNKNOWN_0, ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN,
    CLOSING, NEW_SYN_RECV, BOUND_INACTIVE;

    static TcpState ofHex(String hex) {
        int n = Integer.parseInt(hex, 16);
        TcpState[] all = values();
        if (n <= 0 || n >= all.length) {
            throw new IllegalArgumentException("unknown TCP state 0x" + hex);
        }
        return all[n];
    }
}
