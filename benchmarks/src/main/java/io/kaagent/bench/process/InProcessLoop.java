package io.kaagent.bench.process;

import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The child of {@link InProcessConnectBench}: the loop of {@link ConnectLoop}, in one JVM that runs under the agent,
 * in three modes that take turns batch after batch — {@code inert}: the agent's handlers unplugged from the bootstrap
 * bridge (the inlined hooks find no handler and return; the "no rule matches" mode of ConnectLoopBench shows that
 * costs ~0.2 µs), {@code agent}: the handlers plugged back in, {@code setoption}: handlers unplugged, the application
 * setting the four options itself. Side by side in one process, a batch of each mode shares the JIT's code, the heap
 * and whatever load the machine has at that moment, so the paired differences are free of the µs that separate two
 * child JVMs of the same mode.
 *
 * <p>Unplugging reads and writes the bridge's public static fields, which the bootstrap loader shows every class:
 * a benchmark's trick, not something an application would do.
 *
 * <p>The agent's batches accept on a listening socket of their own: where the policy gives every client of a port one
 * rule, the agent puts it on the listener and the kernel copies it into each accepted socket (InheritingListeners),
 * which an inert batch accepting from the same listener would get for free.
 *
 * <p>With {@code -Dbench.early=N}, N connections are made at once, before the settle, and kept open to the end: the
 * sockets a pool opens at start, which the agent sets through the JDK's options while its native layer loads.
 *
 * <p>With {@code -Dbench.strangerEvery=N}, every N-th client connects from 127.0.0.2 instead of 127.0.0.1, in every
 * mode: a listener whose clients mostly, but not all, fall under one rule.
 *
 * <p>With {@code -Dbench.reloadTo=FILE -Dbench.policy=POLICY}, FILE is copied over the policy file the agent runs with
 * after the warm-up, and the loop goes on once the agent has reloaded it (and after one more warm-up share): a
 * listener that carried the old rule, measured under the new one.
 *
 * <p>Arguments: {@code warmupCycles blocks cyclesPerBatch}. Prints one {@code result} line: per mode the median over
 * blocks of the batch means, and per mode the median of the per-block differences to the inert batch.
 */
public final class InProcessLoop {
    private static final String[] MODES = {"inert", "agent", "setoption"};

    private final Field[] handlerFields;
    private final Object[] handlers;
    /** The inert and setoption batches' listener, and the agent batches'. */
    private ServerSocket[] servers;
    private final int strangerEvery = Integer.getInteger("bench.strangerEvery", 0);
    private final InetAddress stranger = strangerEvery > 0 ? InetAddress.getByName("127.0.0.2") : null;

    private InProcessLoop() throws Exception {
        Class<?> bridge = Class.forName("io.kaagent.bootstrap.KaBridge", false, null);
        handlerFields = new Field[] {bridge.getField("connectHandler"), bridge.getField("acceptHandler"),
                bridge.getField("optionHandler")};
        handlers = new Object[handlerFields.length];
        for (int i = 0; i < handlers.length; i++) {
            handlers[i] = handlerFields[i].get(null);
            if (handlers[i] == null) {
                throw new IllegalStateException("the agent's handlers are not plugged in");
            }
        }
    }

    private void plug(boolean in) throws IllegalAccessException {
        for (int i = 0; i < handlers.length; i++) {
            handlerFields[i].set(null, in ? handlers[i] : null);
        }
    }

    public static void main(String[] args) throws Exception {
        int warmup = Integer.parseInt(args[0]);
        int blocks = Integer.parseInt(args[1]);
        int perBatch = Integer.parseInt(args[2]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<Closeable> pool = openEarly(Integer.getInteger("bench.early", 0), loopback);
        Thread.sleep(Long.getLong("bench.settleMillis", 2500)); // the agent's native layer is up by then
        InProcessLoop loop = new InProcessLoop();
        try (ServerSocket server = new ServerSocket(); ServerSocket agentServer = new ServerSocket()) {
            server.bind(new InetSocketAddress(loopback, 0), 1024);
            agentServer.bind(new InetSocketAddress(loopback, 0), 1024);
            loop.servers = new ServerSocket[] {server, agentServer};
            long[] sums = new long[6];
            for (int i = 0; i < warmup; i += 1000) {
                loop.batch(MODES[(i / 1000) % MODES.length], 1000, sums);
            }
            String reloadTo = System.getProperty("bench.reloadTo");
            if (reloadTo != null) {
                reload(Paths.get(reloadTo), Paths.get(System.getProperty("bench.policy")));
                for (int i = 0; i < 3000; i += 1000) {
                    loop.batch(MODES[(i / 1000) % MODES.length], 1000, sums);
                }
            }
            // [mode][connect, accept, connect cpu, accept cpu][block], from these entries of ConnectLoop's sums
            int[] sumIndex = {0, 1, 3, 4};
            double[][][] means = new double[MODES.length][4][blocks];
            for (int b = 0; b < blocks; b++) {
                for (int k = 0; k < MODES.length; k++) {
                    int m = (k + b) % MODES.length; // rotate which mode goes first
                    Arrays.fill(sums, 0);
                    loop.batch(MODES[m], perBatch, sums);
                    for (int q = 0; q < 4; q++) {
                        means[m][q][b] = sums[sumIndex[q]] / 1e3 / perBatch;
                    }
                }
            }
            String[] names = {"connect_us", "accept_us", "connect_cpu_us", "accept_cpu_us"};
            StringBuilder result = new StringBuilder("result");
            for (int m = 0; m < MODES.length; m++) {
                for (int q = 0; q < 4; q++) {
                    result.append(' ').append(MODES[m]).append('_').append(names[q]).append('=')
                            .append(ConnectLoop.median(means[m][q]));
                    if (m > 0) {
                        double[] added = new double[blocks];
                        for (int b = 0; b < blocks; b++) {
                            added[b] = means[m][q][b] - means[0][q][b];
                        }
                        result.append(' ').append(MODES[m]).append("_added_").append(names[q]).append('=')
                                .append(ConnectLoop.median(added));
                    }
                }
            }
            System.out.println(result);
            loop.plug(true);
            try (Socket client = new Socket()) {
                client.connect(agentServer.getLocalSocketAddress());
                try (Socket accepted = agentServer.accept()) {
                    System.out.println("kernel client=" + ConnectLoop.describe(client) + " server="
                            + ConnectLoop.describe(accepted) + " listener=" + ConnectLoop.describe(agentServer)
                            + ringsOfThisProcess());
                }
            }
        }
        for (Closeable c : pool) {
            c.close(); // open until here: the pool lives as long as the application
        }
    }

    /**
     * The agent's io_uring rings here (ka.agent.io_uring), by the kernel's count: " rings=N sqes=M", M the SQEs they
     * took (SqTail in /proc/self/fdinfo); "" without rings.
     */
    private static String ringsOfThisProcess() throws IOException {
        int rings = 0;
        long sqes = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closed) {
                    continue; // the directory stream's own descriptor
                }
                if (target.equals("anon_inode:[io_uring]")) {
                    rings++;
                    Path fdinfo = Paths.get("/proc/self/fdinfo", fd.getFileName().toString());
                    for (String line : Files.readAllLines(fdinfo)) {
                        if (line.startsWith("SqTail:")) {
                            sqes += Long.parseLong(line.substring("SqTail:".length()).trim());
                        }
                    }
                }
            }
        }
        return rings == 0 ? "" : " rings=" + rings + " sqes=" + sqes;
    }

    /** The new policy in place of the old, and the agent's reload of it awaited (its MBean counts reloads). */
    private static void reload(Path from, Path policy) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName agent = new ObjectName("ka.agent:type=KeepAlive");
        // The agent registers its MBean once the JVM has a platform MBean server, looking every second: this call
        // may have made the server just now.
        long registered = System.nanoTime() + 5_000_000_000L;
        while (!server.isRegistered(agent)) {
            if (System.nanoTime() > registered) {
                throw new IllegalStateException("no MBean " + agent + " within 5 s of the platform MBean server");
            }
            Thread.sleep(20);
        }
        long before = ((Number) server.getAttribute(agent, "ReloadCount")).longValue();
        Files.copy(from, policy, StandardCopyOption.REPLACE_EXISTING);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (((Number) server.getAttribute(agent, "ReloadCount")).longValue() == before) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the agent did not reload " + policy);
            }
            Thread.sleep(20);
        }
    }

    /** A pool's connections, both ends, and their listener. */
    private static List<Closeable> openEarly(int n, InetAddress loopback) throws IOException {
        List<Closeable> pool = new ArrayList<>();
        if (n == 0) {
            return pool;
        }
        ServerSocket listener = new ServerSocket(0, n, loopback);
        pool.add(listener);
        for (int i = 0; i < n; i++) {
            Socket client = new Socket();
            client.connect(listener.getLocalSocketAddress());
            pool.add(client);
            pool.add(listener.accept());
        }
        return pool;
    }

    /** One batch of ConnectLoop's cycles in this mode; sums as ConnectLoop.cycles adds them. */
    private void batch(String mode, int n, long[] sums) throws Exception {
        boolean agent = mode.equals("agent");
        plug(agent);
        ServerSocket server = servers[agent ? 1 : 0];
        ConnectLoop.cycles(server, (InetSocketAddress) server.getLocalSocketAddress(), mode.equals("setoption"), n,
                sums, stranger, strangerEvery);
    }
}
