package io.kaagent.bench.process;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.util.Arrays;

import jdk.net.ExtendedSocketOptions;

/**
 * The child of {@link ConnectLoopBench}: a loopback connect/accept/close loop on one thread, timed with nanoTime.
 * A blocking connect on loopback completes in the kernel before accept is called, so one thread can time each side
 * alone: {@code connect} = new Socket + connect (+ the agent's connect hook), {@code accept} = accept of the queued
 * connection (+ the accept hook), {@code close} = closing both.
 *
 * <p>Arguments: {@code plain|setoption warmupCycles batches cyclesPerBatch}. {@code setoption} makes the
 * application set SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTERVAL and TCP_KEEPCOUNT itself through setOption on both
 * sockets (the baseline the agent is held against), timed into the side it belongs to. Prints per-batch means, the
 * median over batches, and what the kernel reports for a socket pair made after the loop (so every mode proves it
 * did its job). Each side is timed twice: wall time (nanoTime) and the loop thread's CPU time (user + system, which
 * includes the kernel's loopback work done on this thread): on a loaded shared machine the CPU time is the steadier
 * measure of the work the agent adds, the wall time what the application waits.
 */
public final class ConnectLoop {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ConnectLoop() {
    }

    public static void main(String[] args) throws Exception {
        boolean setOption = args[0].equals("setoption");
        int warmup = Integer.parseInt(args[1]);
        int batches = Integer.parseInt(args[2]);
        int perBatch = Integer.parseInt(args[3]);
        // Let an agent finish its background native init: this loop measures the steady state.
        Thread.sleep(Long.getLong("bench.settleMillis", 1000));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(loopback, 0), 1024);
            InetSocketAddress address = new InetSocketAddress(loopback, server.getLocalPort());
            long[] sums = new long[6];
            cycles(server, address, setOption, warmup, sums);
            double[][] perCycle = new double[6][batches];
            for (int b = 0; b < batches; b++) {
                Arrays.fill(sums, 0);
                cycles(server, address, setOption, perBatch, sums);
                for (int i = 0; i < 6; i++) {
                    perCycle[i][b] = sums[i] / 1e3 / perBatch;
                }
            }
            System.out.println("batches connect=" + Arrays.toString(round(perCycle[0])) + " accept="
                    + Arrays.toString(round(perCycle[1])) + " connect_cpu=" + Arrays.toString(round(perCycle[3]))
                    + " accept_cpu=" + Arrays.toString(round(perCycle[4])));
            System.out.println("result connect_us=" + median(perCycle[0]) + " accept_us=" + median(perCycle[1])
                    + " close_us=" + median(perCycle[2]) + " connect_cpu_us=" + median(perCycle[3])
                    + " accept_cpu_us=" + median(perCycle[4]) + " close_cpu_us=" + median(perCycle[5]));
            verify(server, address, setOption);
        }
    }

    /** {@code n} timed cycles, added into {@code sums}: wall connect, accept, close, then CPU connect, accept, close. */
    static void cycles(ServerSocket server, InetSocketAddress address, boolean setOption, int n,
            long[] sums) throws IOException {
        cycles(server, address, setOption, n, sums, null, 0);
    }

    /** The same, every {@code strangerEvery}-th client bound to {@code stranger} (another loopback address). */
    static void cycles(ServerSocket server, InetSocketAddress address, boolean setOption, int n,
            long[] sums, InetAddress stranger, int strangerEvery) throws IOException {
        for (int i = 0; i < n; i++) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            Socket client = new Socket();
            if (stranger != null && i % strangerEvery == strangerEvery - 1) {
                client.bind(new InetSocketAddress(stranger, 0));
            }
            client.connect(address);
            if (setOption) {
                setFour(client);
            }
            long t1 = System.nanoTime();
            long c1 = THREADS.getCurrentThreadCpuTime();
            Socket accepted = server.accept();
            if (setOption) {
                setFour(accepted);
            }
            long t2 = System.nanoTime();
            long c2 = THREADS.getCurrentThreadCpuTime();
            client.close();
            accepted.close();
            long t3 = System.nanoTime();
            long c3 = THREADS.getCurrentThreadCpuTime();
            sums[0] += t1 - t0;
            sums[1] += t2 - t1;
            sums[2] += t3 - t2;
            sums[3] += c1 - c0;
            sums[4] += c2 - c1;
            sums[5] += c3 - c2;
        }
    }

    static void setFour(Socket socket) throws IOException {
        socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, Policies.IDLE);
        socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, Policies.INTVL);
        socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, Policies.CNT);
        socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    }

    /** One pair, after timing (an agent's native init is long done): what the kernel reports for each side. */
    private static void verify(ServerSocket server, InetSocketAddress address, boolean setOption)
            throws IOException {
        try (Socket client = new Socket()) {
            client.connect(address);
            if (setOption) {
                setFour(client);
            }
            try (Socket accepted = server.accept()) {
                if (setOption) {
                    setFour(accepted);
                }
                System.out.println("kernel client=" + describe(client) + " server=" + describe(accepted));
            }
        }
    }

    static String describe(Socket socket) throws IOException {
        if (!socket.getOption(StandardSocketOptions.SO_KEEPALIVE)) {
            return "keepalive-off";
        }
        return "on/" + socket.getOption(ExtendedSocketOptions.TCP_KEEPIDLE) + "/"
                + socket.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL) + "/"
                + socket.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT);
    }

    /** A listener's TCP_KEEPIDLE (the JDK has no SO_KEEPALIVE for a ServerSocket): 7200 unless someone set it. */
    static String describe(ServerSocket listener) throws IOException {
        return "idle " + listener.getOption(ExtendedSocketOptions.TCP_KEEPIDLE);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double[] round(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.round(values[i] * 10) / 10.0;
        }
        return out;
    }
}
