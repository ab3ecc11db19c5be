package io.kaagent.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** The jar of a test's own Java agent: a manifest with these attributes, and these classes of the test code. */
public final class AgentJars {
    private AgentJars() {
    }

    public static Path write(Path jar, Map<String, String> attributes, Class<?>... classes) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.forEach((name, value) -> manifest.getMainAttributes().put(new Attributes.Name(name), value));
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Class<?> type : classes) {
                String entry = type.getName().replace('.', '/') + ".class";
                try (InputStream classFile = type.getResourceAsStream("/" + entry)) {
                    out.putNextEntry(new JarEntry(entry));
                    classFile.transferTo(out);
                }
            }
        }
        return jar;
    }
}
