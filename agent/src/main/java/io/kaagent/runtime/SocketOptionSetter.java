package io.kaagent.runtime;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketOption;

/**
 * {@code Socket.setOption}, which Java 8 lacks: the agent's classes are compiled for 8, so the call sits behind this
 * interface, in a class compiled for 9+ ({@code Java9SocketOptions}).
 */
interface SocketOptionSetter {
    void set(Socket socket, SocketOption<Object> option, Object value) throws IOException;
}
