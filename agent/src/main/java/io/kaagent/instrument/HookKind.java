package io.kaagent.instrument;

/** What the inlined code does in a hooked JDK method. */
enum HookKind {
    /** Before each return of a void connect: {@code KaBridge.connected(this, arg1)}. */
    CONNECTED_WITH_ARGUMENT,
    /** Before each return of a void method that completes a connect: {@code KaBridge.connected(this, null)}. */
    CONNECTED,
    /** Before each return of a boolean connect / finishConnect: {@code KaBridge.connectedIf(result, this)}. */
    CONNECTED_IF_TRUE,
    /** Before each return of {@code implAccept(Socket)}: {@code KaBridge.accepted(arg1, this)}. */
    ACCEPTED_ARGUMENT,
    /**
     * Before each return of an accept that returns the new channel (maybe null):
     * {@code KaBridge.accepted(result, this)}.
     */
    ACCEPTED_RESULT,
    /** At the start of {@code setKeepAlive(boolean)}: skip the call when {@code KaBridge.neutralise(this, "SO_KEEPALIVE")}. */
    GUARD_SET_KEEPALIVE,
    /** At the start of {@code setOption(SocketOption, Object)}: skip the call (returning this) when neutralised. */
    GUARD_SET_OPTION
}
