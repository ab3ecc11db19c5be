package io.kaagent.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Another Java agent, as an APM agent is: its premain connects (to its collector) before the application runs, so
 * the socket classes load, and ka-agent hands its policy to the hooks, before a later -javaagent's premain.
 */
public final class ConnectingAgent {
    private ConnectingAgent() {
    }

    /** @param port on loopback, connected to and closed */
    public static void premain(String port) throws IOException {
        new Socket("127.0.0.1", Integer.parseInt(port)).close();
    }

    /** A jar of this agent alone: -javaagent:JAR=PORT. */
    public static Path jar(Path dir) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), ConnectingAgent.class.getName());
        Path jar = dir.resolve("connecting-agent.jar");
        String entry = ConnectingAgent.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
                InputStream classFile = ConnectingAgent.class.getResourceAsStream("/" + entry)) {
            out.putNextEntry(new JarEntry(entry));
            classFile.transferTo(out);
        }
        return jar;
    }
}
