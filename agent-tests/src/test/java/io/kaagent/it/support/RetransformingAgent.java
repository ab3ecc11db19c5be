package io.kaagent.it.support;

import java.io.IOException;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Another Java agent that instruments the JDK's socket classes by retransforming them once they are loaded, as an APM
 * agent does, and as JFR does on JDK 11-21 when a recording starts (SocketChannelImpl). It waits for ka-agent to be
 * done with its hooks (its init thread renamed to housekeeping), retransforms every loaded class of java.net and
 * sun.nio.ch with a transformer of its own that changes nothing, then connects to a port (its collector) through a
 * channel and a socket, and prints {@code RETRANSFORMED <classes> <channel's local port> <socket's local port>}.
 */
public final class RetransformingAgent {
    private RetransformingAgent() {
    }

    public static void premain(String port, Instrumentation instrumentation) throws Exception {
        run(port, instrumentation);
    }

    public static void agentmain(String port, Instrumentation instrumentation) throws Exception {
        run(port, instrumentation);
    }

    private static void run(String port, Instrumentation instrumentation) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("ka-agent-housekeeping"))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<Class<?>> socketClasses = new ArrayList<>();
        for (Class<?> type : instrumentation.getAllLoadedClasses()) {
            String name = type.getName();
            if ((name.startsWith("java.net.") || name.startsWith("sun.nio.ch.")) && !name.contains("$$")
                    && instrumentation.isModifiableClass(type)) {
                socketClasses.add(type);
            }
        }
        instrumentation.addTransformer(new Unchanged(), true);
        instrumentation.retransformClasses(socketClasses.toArray(new Class<?>[0]));
        InetSocketAddress collector = new InetSocketAddress("127.0.0.1", Integer.parseInt(port));
        SocketChannel channel = SocketChannel.open(collector);
        Socket socket = new Socket();
        socket.connect(collector);
        System.out.println("RETRANSFORMED " + socketClasses.size() + " "
                + ((InetSocketAddress) channel.getLocalAddress()).getPort() + " " + socket.getLocalPort());
        System.out.flush();
    }

    /** The other agent's own transformer: it changes nothing, as most of what an APM agent sees. */
    private static final class Unchanged implements ClassFileTransformer {
        @Override
        public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain,
                byte[] classfile) {
            return null;
        }
    }

    /** A jar of this agent alone: -javaagent:JAR=PORT, or loaded into a running JVM with PORT. */
    public static Path jar(Path dir) throws IOException {
        String agent = RetransformingAgent.class.getName();
        return AgentJars.write(dir.resolve("retransforming-agent.jar"), Map.of("Premain-Class", agent,
                "Agent-Class", agent, "Can-Retransform-Classes", "true"), RetransformingAgent.class, Unchanged.class);
    }
}
