package io.kaagent.it;

import static io.kaagent.it.support.KernelSocketOptions.applied;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.AgentJmx;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.DriverConnections;
import io.kaagent.it.support.EchoServer;
import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.TestEnv;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PRODUCT.md §5 enforce: DriverLikeClient switches keepalive off and sets its own timers (999/77/11) right after
 * connecting, through a Socket, a SocketChannel's setOption and a channel's socket adaptor. With enforce (the default)
 * the policy's values stay; with {@code enforce: false} the application's values win.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EnforceTest {
    private static final KernelSocketOptions POLICY = applied(31, 7, 4, 0);
    private static final KernelSocketOptions APPLICATION = new KernelSocketOptions(false, 999, 77, 11, 0);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"enforce by default", "enforce: true in the rule", "enforce: true in defaults"})
    void enforcedPolicyOutlivesTheDriversOwnSettings(String variant, @TempDir Path dir) throws Exception {
        String defaults = variant.endsWith("defaults") ? ", enforce: true" : "";
        String rule = variant.endsWith("rule") ? ", enforce: true" : "";
        assertAllConnections(dir, defaults, rule, POLICY);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"enforce: false in the rule", "enforce: false in defaults"})
    void withoutEnforceTheApplicationsLaterValuesWin(String variant, @TempDir Path dir) throws Exception {
        String defaults = variant.endsWith("defaults") ? ", enforce: false" : "";
        String rule = variant.endsWith("rule") ? ", enforce: false" : "";
        assertAllConnections(dir, defaults, rule, APPLICATION);
    }

    /**
     * Connected once the native layer is up: the agent then finds a socket's state through its descriptor (the
     * sockets above connect in the JVM's first second, when the JDK's options set them and state is by identity).
     */
    @Test
    void enforcedOnSocketsConnectedAfterTheNativeLayerIsUp(@TempDir Path dir) throws Exception {
        ChildJvm app = assertAllConnections(dir, "", "", POLICY, "2500");
        assertEquals(3, appliedLines(app, "native"),
                "every connection set through the native layer\n" + app.describe());
    }

    /**
     * Connected in the JVM's first second, set through the JDK's options while the native layer loads, and set by
     * the driver again once it is up, when the agent has moved them to their descriptors (TrackedSockets): enforce
     * still knows them, and their kernel values stay the policy's.
     */
    @Test
    void enforcedLaterOnSocketsSetBeforeTheNativeLayerWasUp(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start();
             ChildJvm app = driver(dir, peer, "", "")) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            app.awaitStderr(line -> line.contains(" native mode"), TestEnv.START_TIMEOUT); // the agent's start line
            app.sendLine("again");
            app.awaitStdout("AGAIN", TestEnv.START_TIMEOUT);
            DriverConnections.assertEach(POLICY, app, peer);
            assertEquals(3, appliedLines(app, "fallback"),
                    "each socket set through the JDK's options, before the native layer was up\n" + app.describe());
        }
    }

    /**
     * At launch the policy is read on a thread of its own while the application starts: here it takes 1.5 s
     * (test-only delay), so the three sockets connect before it is known. Their connect waits for it, and they end
     * up exactly as if it had been there from the start, the driver's own calls after connect included.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"enforce: true", "enforce: false"})
    void socketsConnectedBeforeThePolicyIsKnownGetItAfterwards(String variant, @TempDir Path dir)
            throws Exception {
        KernelSocketReader.assumeAvailable();
        boolean enforce = variant.endsWith("true");
        KernelSocketOptions expected = enforce ? POLICY : APPLICATION;
        try (EchoServer peer = EchoServer.start();
             ChildJvm app = builder(dir, peer, "", ", " + variant)
                     .sysProp("ka.agent.test.policyDelayMillis", "1500").start()) {
            DriverConnections.assertEach(expected, app, peer);
            assertEquals(3, appliedLines(app, null),
                    "one decision per socket once the policy arrived\n" + app.describe());
        }
    }

    /**
     * At launch the first socket class the application loads brings the bridge with it (BridgeDefiner) and does not
     * wait at its load for the agent to get the JVM ready; here that takes 1.5 s more (test-only delay). The
     * application's thread goes on, its first hooked calls wait for the agent's handlers, and the sockets end up as
     * if the agent had been ready from the start, the driver's own calls after connect included.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"enforce: true", "enforce: false"})
    void socketsConnectedBeforeTheAgentIsReadyGetThePolicy(String variant, @TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        boolean enforce = variant.endsWith("true");
        Path classLog = dir.resolve("classes.log");
        try (EchoServer peer = EchoServer.start();
             ChildJvm app = builder(dir, peer, "", ", " + variant)
                     .sysProp("ka.agent.test.prepareDelayMillis", "1500")
                     .jvmArg("-Xlog:class+load=info:file=" + classLog + ":uptime").start()) {
            DriverConnections.assertEach(enforce ? POLICY : APPLICATION, app, peer);
            assertEquals(3, appliedLines(app, null), "one decision per socket\n" + app.describe());
        }
        double socketLoaded = uptimeOfLoad(classLog, "java.net.Socket");
        double bridgeDefined = uptimeOfLoad(classLog, "io.kaagent.bootstrap.KaBridge");
        double handlersIn = uptimeOfLoad(classLog, "io.kaagent.runtime.BridgeHandlers");
        assertAll(
                () -> assertTrue(bridgeDefined <= socketLoaded + 0.5, "the bridge came with the first socket classes "
                        + "(at " + bridgeDefined + " s), not with the agent's handlers (at " + handlersIn + " s)"),
                () -> assertTrue(handlersIn - socketLoaded >= 1.0, "java.net.Socket loaded at " + socketLoaded
                        + " s without waiting for the handlers, which came at " + handlersIn + " s"));
    }

    /**
     * At launch on JDK 17+ the init thread hands the policy over as soon as it is read, before it loads the JDK's
     * socket options (jdk.net), which set options until the native layer is up; here that load is held back by 8 s
     * (test-only delay; the agent's preparation by 1 s, so that the policy is read by then). The sockets connected
     * meanwhile load the JDK's options themselves: they neither wait for that thread nor go unset, and the driver's
     * own calls after connect come after the agent's values, as always.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"enforce: true", "enforce: false"})
    void socketsConnectedBeforeTheJdkOptionsAreLoadedAreSetAtConnect(String variant, @TempDir Path dir)
            throws Exception {
        KernelSocketReader.assumeAvailable();
        boolean enforce = variant.endsWith("true");
        long start = System.nanoTime();
        try (EchoServer peer = EchoServer.start();
             ChildJvm app = builder(dir, peer, "", ", " + variant)
                     .sysProp("ka.agent.test.prepareDelayMillis", "1000")
                     .sysProp("ka.agent.test.jdkOptionsDelayMillis", "8000").start()) {
            DriverConnections.assertEach(enforce ? POLICY : APPLICATION, app, peer);
            double readySeconds = (System.nanoTime() - start) / 1e9;
            assertTrue(readySeconds < 6, "READY " + readySeconds + " s after the start: the connections waited for the"
                    + " init thread's delayed load of the JDK's options\n" + app.describe());
            assertEquals(3, appliedLines(app, "fallback"),
                "each socket set once, through the JDK's options\n" + app.describe());
        }
    }

    /** The agent's DEBUG lines "rule ... applied ... (mode)": one per socket set; {@code mode} null for any. */
    private static long appliedLines(ChildJvm app, String mode) {
        return app.stderrLines().stream().filter(line -> line.contains("\" applied ")
                && (mode == null || line.endsWith("(" + mode + ")"))).count();
    }

    /** The JVM's uptime (seconds) when it loaded that class, from a -Xlog:class+load file with uptime decoration. */
    private static double uptimeOfLoad(Path classLog, String className) throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(classLog)) {
            if (line.contains("] " + className + " source: ")) {
                return Double.parseDouble(line.substring(1, line.indexOf("s]")));
            }
        }
        throw new AssertionError(className + " not loaded, see " + classLog);
    }

    @Test
    void neutralisedCallsAreCounted(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start();
             ChildJvm app = driver(dir, peer, "", "")) {
            app.awaitStdout("READY", TestEnv.START_TIMEOUT);
            try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                long neutralised = jmx.longAttribute("Neutralised");
                assertTrue(neutralised >= 3, "Neutralised = " + neutralised
                        + ", expected at least one per socket (three sockets, four calls each)");
            }
        }
    }

    /** @return the application, closed */
    private static ChildJvm assertAllConnections(Path dir, String defaults, String rule,
            KernelSocketOptions expected, String... delay) throws Exception {
        KernelSocketReader.assumeAvailable();
        try (EchoServer peer = EchoServer.start();
             ChildJvm app = driver(dir, peer, defaults, rule, delay)) {
            DriverConnections.assertEach(expected, app, peer);
            return app;
        }
    }

    private static ChildJvm driver(Path dir, EchoServer peer, String defaults, String rule, String... delay) {
        return builder(dir, peer, defaults, rule).args((Object[]) delay).start();
    }

    private static ChildJvm.Builder builder(Path dir, EchoServer peer, String defaults, String rule) {
        Path policy = Policies.write(dir, """
                version: 1
                log: debug
                defaults: {idle: 60s, intvl: 10s, cnt: 6%s}
                rules:
                  - {name: db, port: %d, idle: 31s, intvl: 7s, cnt: 4%s}
                """.formatted(defaults, peer.port(), rule));
        return ChildJvm.builder().agent(policy).mainClass("DriverLikeClient").args("127.0.0.1", peer.port());
    }
}
