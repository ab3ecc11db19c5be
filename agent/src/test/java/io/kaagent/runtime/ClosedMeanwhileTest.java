package io.kaagent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kaagent.config.PolicyLoader;
import io.kaagent.policy.KeepAliveSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import org.junit.jupiter.api.Test;

/**
 * A socket the application closes while the agent sets its options (one queued at start and set on the agent's
 * thread after its connect returned) is not a failure: nothing is counted and nothing logged, unlike a socket that
 * is still open when setting its options fails.
 */
class ClosedMeanwhileTest {
    /** Fails the way the JDK's setOption does on a closed socket, after closing it first when asked to. */
    private static final class FailingApplier implements OptionApplier {
        private final boolean closeFirst;

        FailingApplier(boolean closeFirst) {
            this.closeFirst = closeFirst;
        }

        @Override
        public int apply(Object socket, KeepAliveSettings settings) throws Throwable {
            if (closeFirst) {
                ((Socket) socket).close();
            }
            throw new SocketException(closeFirst ? "Socket is closed" : "Operation not permitted");
        }

        @Override
        public String mode() {
            return "fallback";
        }
    }

    @Test
    void aSocketClosedWhileItsOptionsAreSetIsNoFailure() throws Exception {
        assertEquals(0, failuresCounted(true));
    }

    @Test
    void anOpenSocketWhoseOptionsCannotBeSetIsAFailure() throws Exception {
        assertEquals(1, failuresCounted(false));
    }

    private static long failuresCounted(boolean closeFirst) throws Exception {
        KeepAliveRuntime runtime = new KeepAliveRuntime(PolicyLoader.parse(
                "version: 1\nrules:\n  - {name: every, direction: outbound}\n", "test.yml"), false);
        runtime.applierReady(new FailingApplier(closeFirst));
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket socket = new Socket()) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    server.getLocalPort());
            socket.connect(address);
            runtime.onConnect(socket, address);
        }
        RuleCounters every = runtime.ruleCounters().get("every");
        assertEquals(1, every.matched());
        assertEquals(0, every.applied());
        assertEquals(0, runtime.hookFailures());
        return every.failed();
    }
}
