package io.kaagent.bench.process;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The measured process of {@link ScaleBench} (with or without the agent). {@code outbound PORT N}: opens N
 * connections to the peer; {@code inbound N}: binds, prints {@code port P}, accepts N connections from the peer.
 * With all N open it prints RSS and heap, times 2,000 more connect/accept/close cycles on a second loopback port
 * (after 3,000 unmeasured ones) and a setKeepAlive(false) on every open socket (the agent's enforce path looks each
 * one up), then closes them all.
 * With {@code -Dbench.setOptions=true} it sets the four keepalive options itself on every socket it opens or accepts
 * (ConnectLoop.setFour, the policy's values): what the kernel costs for keepalive on them, without the agent.
 */
public final class ScaleChild {
    private static final boolean SET_OPTIONS = Boolean.getBoolean("bench.setOptions");
    private static final int WARM_UP_CYCLES = 3000;

    private ScaleChild() {
    }

    public static void main(String[] args) throws Exception {
        Thread.sleep(2500); // the agent's native layer loads a second after start: done by then
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<Socket> open;
        long rssStart = MemoryProbe.rssKb();
        long openNanos;
        if (args[0].equals("outbound")) {
            InetSocketAddress peer = new InetSocketAddress(loopback, Integer.parseInt(args[1]));
            int n = Integer.parseInt(args[2]);
            open = new ArrayList<>(n);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Socket socket = new Socket();
                socket.connect(peer, 10_000);
                open.add(withOptions(socket));
            }
            openNanos = System.nanoTime() - start;
        } else {
            int n = Integer.parseInt(args[1]);
            open = new ArrayList<>(n);
            try (ServerSocket server = new ServerSocket()) {
                server.bind(new InetSocketAddress(loopback, 0), 4096);
                System.out.println("port " + server.getLocalPort());
                System.out.flush();
                Socket first = server.accept();
                open.add(withOptions(first));
                long start = System.nanoTime();
                for (int i = 1; i < n; i++) {
                    open.add(withOptions(server.accept()));
                }
                openNanos = System.nanoTime() - start;
            }
        }
        int n = open.size();
        System.gc();
        System.gc();
        long heapOpen = usedHeapKb();
        long rssOpen = MemoryProbe.rssKb();
        double cycleUs = cycles(loopback, 2000);
        long s0 = System.nanoTime();
        for (Socket socket : open) {
            socket.setKeepAlive(false);
        }
        double setUs = (System.nanoTime() - s0) / 1e3 / n;
        long c0 = System.nanoTime();
        for (Socket socket : open) {
            socket.close();
        }
        double closeMs = (System.nanoTime() - c0) / 1e6;
        open.clear();
        System.gc();
        System.gc();
        System.out.println(String.format(Locale.ROOT, "scale n=%d open_ms=%.1f us_per_open=%.2f rss_start_mb=%.1f "
                        + "rss_open_mb=%.1f heap_open_kb=%d cycle_us_with_n_open=%.2f setkeepalive_us=%.2f close_ms=%.1f "
                        + "heap_closed_kb=%d", n, openNanos / 1e6, openNanos / 1e3 / n, rssStart / 1024.0,
                rssOpen / 1024.0, heapOpen, cycleUs, setUs, closeMs, usedHeapKb()));
    }

    private static double cycles(InetAddress loopback, int n) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(loopback, 0), 128);
            InetSocketAddress address = new InetSocketAddress(loopback, server.getLocalPort());
            // The question is what a connection costs with all N open, not how fast a cold path compiles: after N
            // accepts the connect path has not run yet in the inbound child (nor accept in the outbound one), and its
            // first 2,000-3,000 cycles swing by tens of µs as the JIT compiles it, with or without the agent.
            for (int i = 0; i < WARM_UP_CYCLES; i++) {
                cycle(server, address);
            }
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                cycle(server, address);
            }
            return (System.nanoTime() - start) / 1e3 / n;
        }
    }

    private static void cycle(ServerSocket server, InetSocketAddress address) throws IOException {
        Socket client = new Socket();
        client.connect(address);
        withOptions(client);
        Socket accepted = withOptions(server.accept());
        client.close();
        accepted.close();
    }

    private static Socket withOptions(Socket socket) throws IOException {
        if (SET_OPTIONS) {
            ConnectLoop.setFour(socket);
        }
        return socket;
    }

    private static long usedHeapKb() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) / 1024;
    }
}
