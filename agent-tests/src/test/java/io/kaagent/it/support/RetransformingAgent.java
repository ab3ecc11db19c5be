package io.kaagent.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

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
        ClassFileTransformer unchanged = new ClassFileTransformer() {
            @Override
            public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain,
                    byte[] classfile) {
                return null;
            }
        };
        instrumentation.addTransformer(unchanged, true);
        instrumentation.retransformClasses(socketClasses.toArray(new Class<?>[0]));
        InetSocketAddress collector = new InetSocketAddress("127.0.0.1", Integer.parseInt(port));
        SocketChannel channel = SocketChannel.open(collector);
        Socket socket = new Socket();
        socket.connect(collector);
        System.out.println("RETRANSFORMED " + socketClasses.size() + " "
                + ((InetSocketAddress) channel.getLocalAddress()).getPort() + " " + socket.getLocalPort());
        System.out.flush();
    }

    /** A jar of this agent alone: -javaagent:JAR=PORT, or loaded into a running JVM with PORT. */
    public static Path jar(Path dir) throws IOException {
        Manifest manifest = new Manifest();
        Attributes attributes = manifest.getMainAttributes();
        attributes.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.put(new Attributes.Name("Premain-Class"), RetransformingAgent.class.getName());
        attributes.put(new Attributes.Name("Agent-Class"), RetransformingAgent.class.getName());
        attributes.put(new Attributes.Name("Can-Retransform-Classes"), "true");
        Path jar = dir.resolve("retransforming-agent.jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Class<?> type : new Class<?>[] {RetransformingAgent.class, Class.forName(
                    RetransformingAgent.class.getName() + "$1")}) {
                String entry = type.getName().replace('.', '/') + ".class";
                try (InputStream classFile = RetransformingAgent.class.getResourceAsStream("/" + entry)) {
                    out.putNextEntry(new JarEntry(entry));
                    classFile.transferTo(out);
                }
            }
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return jar;
    }
}
