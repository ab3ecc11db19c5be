package io.kaagent.runtime;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketOption;

/**
 * {@code Socket.setOption} called directly, for {@link JdkFallbackApplier} on 9+. A method handle to it cost the
 * application's first connection ~8 ms on a cold JDK 17 (the JDK spins lambda forms for its first invocation and
 * type adaptation); a plain call costs nothing to set up.
 */
final class Java9SocketOptions implements SocketOptionSetter {
    @Override
    public void set(Socket socket, SocketOption<Object> option, Object value) throws IOException {
        socket.setOption(option, value);
    }
}
