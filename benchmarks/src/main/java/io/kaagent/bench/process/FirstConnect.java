package io.kaagent.bench.process;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The child of {@link FirstConnectBench}: the very first loopback connection of a fresh JVM, timed side by side —
 * bind a server socket, connect, accept — then the second connection, for contrast. Argument: milliseconds to wait
 * before the first connect (0 = at once, while the JDK's options serve sockets and the agent's native layer has not
 * loaded yet; 2500 = after it loaded, a second after start). Then it waits (bounded) for the agent's init thread
 * and prints when that finished.
 */
public final class FirstConnect {
    private FirstConnect() {
    }

    public static void main(String[] args) throws Exception {
        long mainMicros = Clock.epochMicros();
        long delay = Long.parseLong(args[0]);
        if (delay > 0) {
            Thread.sleep(delay);
        }
        InetAddress loopback = InetAddress.getLoopbackAddress();
        long t0 = System.nanoTime();
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(loopback, 0), 50);
        InetSocketAddress address = new InetSocketAddress(loopback, server.getLocalPort());
        long t1 = System.nanoTime();
        Socket client = new Socket();
        client.connect(address);
        long t2 = System.nanoTime();
        Socket accepted = server.accept();
        long t3 = System.nanoTime();
        client.close();
        accepted.close();
        long t4 = System.nanoTime();
        Socket second = new Socket();
        second.connect(address);
        Socket secondAccepted = server.accept();
        long t5 = System.nanoTime();
        second.close();
        secondAccepted.close();
        server.close();
        System.out.println("first bind_ms=" + ms(t1 - t0) + " connect_ms=" + ms(t2 - t1) + " accept_ms="
                + ms(t3 - t2) + " close_ms=" + ms(t4 - t3) + " total_ms=" + ms(t4 - t0) + " second_ms="
                + ms(t5 - t4));
        // The agent's init thread renames itself when its work is done (it stays on for housekeeping).
        if (initThreadRunning()) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (initThreadRunning() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // Still running after the first connection: when it finished, counted from the start of main.
            System.out.println("init running=1 done_after_main_ms=" + (Clock.epochMicros() - mainMicros) / 1e3);
        } else {
            System.out.println("init running=0 done_after_main_ms=0");
        }
    }

    private static boolean initThreadRunning() {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("ka-agent-init")) {
                return true;
            }
        }
        return false;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
