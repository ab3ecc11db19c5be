package io.kaagent.bench.process;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Locale;

import javax.management.ObjectName;

/**
 * The child of {@link MemoryBench}: memory at rest, then N loopback connect/accept/close cycles, then memory again,
 * each time after full GCs. Prints {@code snapshot NAME rss_kb= heap_kb= metaspace_kb= classes= threads= fds=} lines
 * and, at the end, the class histogram's lines for the agent's classes and the JDK types that could hold a socket.
 * Argument: the number of cycles.
 */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = Integer.parseInt(args[0]);
        Thread.sleep(3000); // the agent's init thread (native layer a second after start, MBean) is done by then
        snapshot("rest");
        InetAddress loopback = InetAddress.getLoopbackAddress();
        long elapsed;
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(loopback, 0), 1024);
            InetSocketAddress address = new InetSocketAddress(loopback, server.getLocalPort());
            run(server, address, 2000);
            snapshot("before");
            long start = System.nanoTime();
            run(server, address, cycles);
            elapsed = System.nanoTime() - start;
        }
        // A weak map drops the entries of collected sockets when it is next used; for an application gone quiet the
        // agent's init thread does it every 5 s. Collect, give that a round, then measure (without the agent too).
        System.gc();
        Thread.sleep(6000);
        snapshot("after");
        System.out.println("cycles n=" + cycles + " us_per_cycle=" + String.format(Locale.ROOT, "%.2f",
                elapsed / 1e3 / cycles));
        histogram();
    }

    private static void run(ServerSocket server, InetSocketAddress address, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Socket client = new Socket();
            client.connect(address);
            Socket accepted = server.accept();
            client.close();
            accepted.close();
        }
    }

    private static void snapshot(String name) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        long metaspace = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().equals("Metaspace")) {
                metaspace = pool.getUsage().getUsed();
            }
        }
        String[] fds = new File("/proc/self/fd").list();
        System.out.println("snapshot " + name + " rss_kb=" + rssKb()
                + " heap_kb=" + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024
                + " metaspace_kb=" + metaspace / 1024
                + " classes=" + ManagementFactory.getClassLoadingMXBean().getLoadedClassCount()
                + " threads=" + ManagementFactory.getThreadMXBean().getThreadCount()
                + " fds=" + (fds == null ? -1 : fds.length)
                + " cpu_ms=" + ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime() / 1_000_000);
    }

    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        return -1;
    }

    /** GC.class_histogram (it runs a full GC first): only live objects are counted. */
    private static void histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        for (String line : text.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length < 4) {
                continue;
            }
            String type = parts[3];
            if (type.startsWith("io.kaagent.runtime") || type.startsWith("io.kaagent.policy.")
                    || type.equals("java.net.Socket") || type.equals("sun.nio.ch.NioSocketImpl")
                    || type.equals("java.util.WeakHashMap$Entry") || type.equals("java.io.FileDescriptor")) {
                System.out.println("live " + type + " instances=" + parts[1] + " bytes=" + parts[2]);
            }
        }
    }
}
