package io.kaagent.it.support;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static org.junit.jupiter.api.Assertions.assertAll;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/** The three connections a DriverLikeClient child opens, one per kind, in the order of its READY line. */
public final class DriverConnections {
    public static final String[] KINDS = {"Socket", "SocketChannel.setOption", "socket adaptor"};

    private DriverConnections() {
    }

    /** The kernel's values on each of the driver's connections to {@code peer}, read from outside. */
    public static void assertEach(KernelSocketOptions expected, ChildJvm app, EchoServer peer) throws Exception {
        int[] local = SampleOutput.ports(app.awaitStdout("READY", TestEnv.START_TIMEOUT));
        KernelSocketReader kernel = KernelSocketReader.of(app.pid());
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < KINDS.length; i++) {
            int n = i;
            checks.add(() -> assertOptions(expected, kernel, kernel.connection(local[n], peer.port()),
                    KINDS[n] + "\n" + app.describe()));
        }
        assertAll(checks);
    }
}
