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
 * At rest also {@code cpu_by_thread} (see {@link #cpuByThread}). Argument: the number of cycles.
 */
public final class MemoryProbe {
    /** The kinds {@link #cpuByThread} sums by; the last, "exited", is not a name's. */
    static final String[] THREAD_KINDS = {"main", "agent", "jit", "gc", "other", "exited"};

    private MemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = Integer.parseInt(args[0]);
        Thread.sleep(3000); // the agent's init thread (native layer a second after start, MBean) is done by then
        snapshot("rest");
        cpuByThread();
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

    /**
     * The CPU each live thread has used ({@code /proc/self/task/N/schedstat}: ns on a CPU), summed by kind of thread
     * (its {@code comm}): the application's main ("java"), the agent's ("ka-agent-*"), the JIT's compilers, the
     * GC's, the rest; "exited" is what threads no longer alive used (the agent's policy thread, say): the process's
     * total (whole clock ticks) less the live threads'. Printed as {@code cpu_by_thread main_ms= agent_ms= jit_ms=
     * gc_ms= other_ms= exited_ms=}.
     */
    private static void cpuByThread() {
        File[] tasks = new File("/proc/self/task").listFiles();
        if (tasks == null) {
            return; // not Linux
        }
        long[] nanos = new long[THREAD_KINDS.length];
        long live = 0;
        for (File task : tasks) {
            try {
                String comm = new String(Files.readAllBytes(new File(task, "comm").toPath()), "UTF-8").trim();
                String schedstat = new String(Files.readAllBytes(new File(task, "schedstat").toPath()), "UTF-8");
                long onCpu = Long.parseLong(schedstat.trim().split(" ")[0]);
                nanos[kindOf(comm)] += onCpu;
                live += onCpu;
            } catch (IOException | RuntimeException endedMeanwhile) {
                // a thread gone between the listing and the read: counted as exited
            }
        }
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        nanos[THREAD_KINDS.length - 1] = Math.max(0, process - live);
        StringBuilder line = new StringBuilder("cpu_by_thread");
        for (int i = 0; i < THREAD_KINDS.length; i++) {
            line.append(' ').append(THREAD_KINDS[i]).append("_ms=")
                    .append(String.format(Locale.ROOT, "%.1f", nanos[i] / 1e6));
        }
        System.out.println(line);
    }

    private static int kindOf(String comm) {
        if (comm.equals("java")) {
            return 0; // the launcher's thread and the application's main thread both carry the executable's name
        }
        if (comm.startsWith("ka-agent")) {
            return 1;
        }
        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
            return 2;
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
            return 3;
        }
        return 4;
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
