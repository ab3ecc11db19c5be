package io.kaagent.it;

import static io.kaagent.it.support.KernelAssertions.assertOptions;
import static io.kaagent.it.support.KernelSocketOptions.applied;
import static io.kaagent.it.support.KernelSocketOptions.untouched;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaagent.it.support.AgentJmx;
import io.kaagent.it.support.ChildJvm;
import io.kaagent.it.support.FreePorts;
import io.kaagent.it.support.KernelSocketOptions;
import io.kaagent.it.support.KernelSocketReader;
import io.kaagent.it.support.Policies;
import io.kaagent.it.support.SampleOutput;
import io.kaagent.it.support.TestEnv;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where every client of a port falls under one rule, the agent puts the rule's values on the listening socket and
 * Linux copies them into each socket accepted from it (InheritingListeners). Whatever the agent believes, every
 * accepted socket must report the rule's values to a reader outside the process: those that completed their
 * handshake before the listener had the values (queued while the server was busy with the first) as much as the
 * later ones, which cost no setsockopt at all.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ListenerInheritanceTest {
    private static final int QUEUED = 3;
    private static final int LATER = 3;
    private static final String RULE = """
            version: 1
            rules:
              - {name: in, port: %d, direction: inbound, idle: 37s, intvl: 6s, cnt: 4, user_timeout: auto}
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"server-socket", "channel-blocking", "channel-selector", "channel-adaptor",
            "vt-server-socket", "vt-channel-blocking"})
    void everyAcceptedSocketHasTheRuleWhetherCopiedOrSet(String path, @TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        if (path.startsWith("vt-")) {
            TestEnv.assumeVirtualThreads();
        }
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, RULE.formatted(port));
        try (ChildJvm app = ChildJvm.builder().agent(policy).mainClass("PathsServer")
                .args(path, port, QUEUED + LATER).start()) {
            app.awaitStdout("LISTENING", TestEnv.START_TIMEOUT);
            awaitNativeMode(app); // listeners hand values on from then on; before, sockets are set one by one
            List<Socket> clients = new ArrayList<>();
            try {
                // All at once: the server accepts the first and then waits for its line, so the others complete
                // their handshake into the listener's queue, at about the time the first accept sets the listener.
                for (int i = 0; i < QUEUED; i++) {
                    clients.add(connect(port));
                }
                for (Socket client : clients) {
                    exchange(client);
                }
                for (int i = 0; i < LATER; i++) {
                    Socket client = connect(port);
                    clients.add(client);
                    exchange(client);
                }
                app.awaitStdout("READY", TestEnv.STEP_TIMEOUT);
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertAll(
                        () -> assertEveryAcceptedSocketHasTheRule(kernel, port, clients, app),
                        () -> assertOptions(applied(37, 6, 4, 61_000), kernel, kernel.listeningOn(port),
                                "the listening socket carries the rule"));
                try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                    long inherited = jmx.longAttribute("SocketsInherited");
                    assertAll(
                            () -> assertEquals(QUEUED + LATER, jmx.longAttribute("SocketsApplied")),
                            () -> assertTrue(inherited >= LATER && inherited < QUEUED + LATER,
                                    "the later sockets copied the listener, the first was set: " + inherited));
                }
            } finally {
                closeAll(clients);
            }
        }
    }

    /** A port whose rule depends on the client: the listener stays as it is, each socket is set on its own. */
    @Test
    void aRuleThatDependsOnTheClientLeavesTheListenerUntouched(@TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, """
                version: 1
                rules:
                  - {name: loopback-clients, cidr: 127.0.0.0/8, port: %d, direction: inbound,
                     idle: 41s, intvl: 5s, cnt: 3}
                """.formatted(port));
        try (ChildJvm app = ChildJvm.builder().agent(policy).mainClass("PathsServer").args("server-socket", port, 2)
                .start()) {
            app.awaitStdout("LISTENING", TestEnv.START_TIMEOUT);
            try (Socket first = connect(port); Socket second = connect(port)) {
                exchange(first);
                exchange(second);
                app.awaitStdout("READY", TestEnv.STEP_TIMEOUT);
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                assertAll(
                        () -> assertOptions(applied(41, 5, 3, 0), kernel, kernel.connection(port, first.getLocalPort()),
                                "first"),
                        () -> assertOptions(applied(41, 5, 3, 0), kernel,
                                kernel.connection(port, second.getLocalPort()), "second"),
                        () -> assertOptions(untouched(), kernel, kernel.listeningOn(port), "the listening socket"));
                try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                    assertEquals(0, jmx.longAttribute("SocketsInherited"));
                }
            }
        }
    }

    /**
     * The application sets TCP_KEEPIDLE on its listener, after the agent put the rule there (2 sockets accepted
     * before) or before its first accept (0): the agent takes its values back first, or never puts them there; the
     * application's value stays on the listener, and every socket accepted still gets the rule.
     */
    @ParameterizedTest(name = "{0} accepted before")
    @ValueSource(ints = {2, 0})
    void theApplicationSettingItsListenerEndsTheHandingOn(int before, @TempDir Path dir) throws Exception {
        KernelSocketReader.assumeAvailable();
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, RULE.formatted(port));
        try (ChildJvm app = ChildJvm.builder().agent(policy).mainClass("ListenerOptionServer")
                .args(port, before, 100, 2).start()) {
            app.awaitStdout("LISTENING", TestEnv.START_TIMEOUT);
            awaitNativeMode(app);
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < before; i++) {
                    clients.add(exchanged(port));
                }
                app.awaitStdout("LISTENER SET", TestEnv.STEP_TIMEOUT);
                for (int i = 0; i < 2; i++) {
                    clients.add(exchanged(port));
                }
                app.awaitStdout("READY", TestEnv.STEP_TIMEOUT);
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                KernelSocketOptions nobodys = untouched();
                assertAll(
                        () -> assertEveryAcceptedSocketHasTheRule(kernel, port, clients, app),
                        () -> assertOptions(new KernelSocketOptions(false, 100, nobodys.intervalSeconds(),
                                        nobodys.count(), 0), kernel, kernel.listeningOn(port),
                                "the listening socket: the application's idle, nothing of the agent's"));
                try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                    assertEquals(before == 0 ? 0 : 1, jmx.longAttribute("SocketsInherited"),
                            "the second socket copied the listener; none after the application set it");
                }
            } finally {
                closeAll(clients);
            }
        }
    }

    /**
     * A reload that gives the port other values, or none: the agent takes the old ones back from the listener (and
     * puts the new ones there), and the sockets accepted afterwards get exactly what the new policy says (nothing, for
     * no rule): the first, copied with the old values while it waited in the queue, is set in full; the second copies
     * the new values.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"other values", "no rule"})
    void aReloadThatChangesThePortsRuleTakesItBackFromTheListener(String change, @TempDir Path dir)
            throws Exception {
        KernelSocketReader.assumeAvailable();
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, RULE.formatted(port));
        try (ChildJvm app = ChildJvm.builder().agent(policy).mainClass("PathsServer")
                .args("server-socket", port, 4).start()) {
            app.awaitStdout("LISTENING", TestEnv.START_TIMEOUT);
            awaitNativeMode(app);
            List<Socket> before = new ArrayList<>();
            List<Socket> after = new ArrayList<>();
            try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                before.add(exchanged(port));
                before.add(exchanged(port));
                assertEquals(1, jmx.longAttribute("SocketsInherited"), "the second socket copied the listener");
                String edited = change.equals("no rule")
                        ? "version: 1\nrules: []\n"
                        : RULE.formatted(port).replace("idle: 37s", "idle: 52s");
                Files.writeString(policy, edited);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (jmx.longAttribute("ReloadCount") < 1) {
                    assertTrue(System.nanoTime() < deadline, "no reload\n" + app.describe());
                    Thread.sleep(50);
                }
                after.add(exchanged(port));
                after.add(exchanged(port));
                app.awaitStdout("READY", TestEnv.STEP_TIMEOUT);
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                KernelSocketOptions expected = change.equals("no rule") ? untouched() : applied(52, 6, 4, 76_000);
                List<Executable> checks = new ArrayList<>();
                for (Socket client : after) {
                    checks.add(() -> assertOptions(expected, kernel, kernel.connection(port, client.getLocalPort()),
                            "accepted after the reload\n" + app.describe()));
                }
                checks.add(() -> assertOptions(expected, kernel, kernel.listeningOn(port),
                        "the listening socket: the old values taken back, the new ones carried"));
                checks.add(() -> assertEquals(change.equals("no rule") ? 1 : 2, jmx.longAttribute("SocketsInherited"),
                        "the second socket after the reload copied the new values"));
                assertAll(checks);
            } finally {
                closeAll(before);
                closeAll(after);
            }
        }
    }

    // ---- a rule that depends on the client: the listener guesses the values most clients get ----

    /** InheritingListeners.WINDOW: a window of sockets nearly all decided the same values makes a listener guess. */
    private static final int WINDOW = 64;
    private static final String BY_CLIENT = """
            version: 1
            rules:
              - {name: near, cidr: 127.0.0.1/32, port: %1$d, direction: inbound, idle: 37s, intvl: 6s, cnt: 4,
                 user_timeout: auto}
              - {name: other, cidr: 127.0.0.3/32, port: %1$d, direction: inbound, idle: 52s, intvl: 7s, cnt: 2}
            """;
    private static final String NEAR = "127.0.0.1";
    private static final String STRANGER = "127.0.0.2"; // no rule
    private static final String OTHER = "127.0.0.3";

    /**
     * Clients from 127.0.0.1 get rule "near", from 127.0.0.3 rule "other", from 127.0.0.2 none. After a window of
     * mostly near clients the listener carries near's values; from the kernel's side, each accepted socket must still report
     * exactly its own rule: near's copied, other's set over the copy (its user timeout back to none), and a stranger's
     * put back to what nobody set.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"server-socket", "channel-selector"})
    void aListenerGuessesTheValuesMostClientsGetAndTheOthersStillGetTheirOwn(String path, @TempDir Path dir)
            throws Exception {
        List<String> from = new ArrayList<>();
        for (int i = 0; i < WINDOW; i++) {
            from.add(i % 10 == 9 ? STRANGER : NEAR); // the window it learns from: each socket set one by one
        }
        from.addAll(List.of(NEAR, NEAR, STRANGER, OTHER, NEAR, STRANGER, OTHER, NEAR));
        acceptInTurn(path, dir, from, applied(37, 6, 4, 61_000), "the listening socket carries the guess", 4,
                "the near clients after the window copied the listener");
    }

    /**
     * After the listener guessed, the clients change: strangers only. Past a quarter of a window (16 of 64) missed,
     * the listener is put back as nobody set it, and every stranger's socket, copied with the guess or not, reports
     * what nobody set; near clients still get their rule, set one by one again.
     */
    @Test
    void aGuessThatMissesTooOftenIsTakenBack(@TempDir Path dir) throws Exception {
        List<String> from = new ArrayList<>();
        for (int i = 0; i < WINDOW + 2; i++) {
            from.add(NEAR);
        }
        for (int i = 0; i < 20; i++) {
            from.add(STRANGER);
        }
        from.addAll(List.of(NEAR, NEAR));
        acceptInTurn("server-socket", dir, from, untouched(), "the listening socket, the guess taken back", 2,
                "none copied since the strangers came");
    }

    /**
     * PathsServer on this path under {@link #BY_CLIENT}, one client after another from these addresses; then every
     * accepted socket and the listener read from outside the process, and the agent's counters.
     */
    private static void acceptInTurn(String path, Path dir, List<String> from, KernelSocketOptions listener,
            String listenerWhat, long inherited, String inheritedWhy) throws Exception {
        KernelSocketReader.assumeAvailable();
        int port = FreePorts.allocate(1)[0];
        Path policy = Policies.write(dir, BY_CLIENT.formatted(port));
        try (ChildJvm app = ChildJvm.builder().agent(policy).mainClass("PathsServer")
                .args(path, port, from.size()).start()) {
            app.awaitStdout("LISTENING", TestEnv.START_TIMEOUT);
            awaitNativeMode(app); // listeners hand values on, and learn, from then on
            List<Socket> clients = new ArrayList<>();
            try {
                for (String client : from) {
                    clients.add(exchangedFrom(client, port));
                }
                app.awaitStdout("READY", TestEnv.STEP_TIMEOUT);
                KernelSocketReader kernel = KernelSocketReader.of(app.pid());
                List<Executable> checks = everyAcceptedSocketHasItsOwnRule(kernel, port, clients, app);
                checks.add(() -> assertOptions(listener, kernel, kernel.listeningOn(port),
                        listenerWhat + "\n" + app.describe()));
                assertAll(checks);
                try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
                    assertAll(
                            () -> assertEquals(inherited, jmx.longAttribute("SocketsInherited"), inheritedWhy),
                            () -> assertEquals(from.stream().filter(a -> !a.equals(STRANGER)).count(),
                                    jmx.longAttribute("SocketsApplied"),
                                    "all but the strangers' sockets are under a rule"));
                }
            } finally {
                closeAll(clients);
            }
        }
    }

    /** Each client's socket as the server accepted it, read from outside the process, against the client's rule. */
    private static List<Executable> everyAcceptedSocketHasItsOwnRule(KernelSocketReader kernel, int port,
            List<Socket> clients, ChildJvm app) {
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            InetSocketAddress client = (InetSocketAddress) clients.get(i).getLocalSocketAddress();
            String address = client.getAddress().getHostAddress();
            KernelSocketOptions expected = switch (address) {
                case NEAR -> applied(37, 6, 4, 61_000);
                case OTHER -> applied(52, 7, 2, 0);
                default -> untouched();
            };
            int n = i + 1;
            checks.add(() -> assertOptions(expected, kernel, kernel.acceptedFrom(port, client),
                    "accepted socket " + n + " from " + address + "\n" + app.describe()));
        }
        return checks;
    }

    /** A client bound to this loopback address (any of 127/8 is this host's), one line exchanged. */
    private static Socket exchangedFrom(String clientAddress, int port) throws IOException {
        return exchanged(connectFrom(clientAddress, port));
    }

    private static void assertEveryAcceptedSocketHasTheRule(KernelSocketReader kernel, int port, List<Socket> clients,
            ChildJvm app) {
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            int n = i + 1;
            int clientPort = clients.get(i).getLocalPort();
            // auto = idle + intvl * cnt = 37 + 6 * 4 = 61 s
            checks.add(() -> assertOptions(applied(37, 6, 4, 61_000), kernel, kernel.connection(port, clientPort),
                    "accepted socket " + n + "\n" + app.describe()));
        }
        assertAll(checks);
    }

    private static Socket exchanged(int port) throws IOException {
        return exchanged(connect(port));
    }

    /** The socket once one line went out and came back; closed when that failed. */
    private static Socket exchanged(Socket socket) throws IOException {
        try {
            exchange(socket);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static void closeAll(List<Socket> sockets) throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    private static void awaitNativeMode(ChildJvm app) throws Exception {
        try (AgentJmx jmx = AgentJmx.attach(app.pid())) {
            long deadline = System.nanoTime() + TestEnv.STEP_TIMEOUT.toNanos();
            while (!"native".equals(jmx.stringAttribute("Mode"))) {
                assertTrue(System.nanoTime() < deadline, "the agent's native layer never came up\n" + app.describe());
                Thread.sleep(20);
            }
        }
    }

    private static Socket connect(int port) throws IOException {
        return connectFrom(null, port);
    }

    /** Connected to 127.0.0.1 from this client address (null: the kernel's choice); closed when that failed. */
    private static Socket connectFrom(String clientAddress, int port) throws IOException {
        Socket socket = new Socket();
        try {
            if (clientAddress != null) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(clientAddress), 0));
            }
            socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5000);
            socket.setSoTimeout(5000);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** One line out, its echo back. */
    private static void exchange(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write("hello\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        int b;
        while ((b = socket.getInputStream().read()) != '\n') {
            if (b < 0) {
                throw new IOException("closed before the echo");
            }
        }
    }
}
