package io.kaagent.nativeio;

import java.net.Socket;

/** A test's own socket's descriptor, found in /proc/self: not by the agent's reflection, which is under test. */
public final class OwnDescriptors {
    private OwnDescriptors() {
    }

    public static int fdOf(Socket socket) throws Exception {
        for (ProcSocket candidate : ProcSockets.ofSelf()) {
            if (candidate.local().getPort() == socket.getLocalPort() && candidate.hasPeer()) {
                return candidate.fd();
            }
        }
        throw new AssertionError("no descriptor in /proc/self for local port " + socket.getLocalPort());
    }
}
