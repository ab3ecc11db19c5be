package io.kaagent.bench.process;

import java.io.File;
import java.util.Enumeration;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The agent jar's size, and what takes the room: entries grouped by library, compressed and uncompressed. The
 * relocated libraries' nested jar (inst/libs.jar) is listed by its own entries, marked "(nested)".
 */
public final class JarReport {
    private JarReport() {
    }

    public static void main(String[] args) throws Exception {
        BenchEnv env = BenchEnv.fromSystemProperties();
        File file = new File(env.agentJar);
        Map<String, long[]> groups = new TreeMap<>();
        try (JarFile jar = new JarFile(file)) {
            for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                if (entry.isDirectory()) {
                    continue;
                }
                if (entry.getName().equals("inst/libs.jar")) {
                    nested(jar, entry, groups);
                    continue;
                }
                long[] sums = groups.computeIfAbsent(group(entry.getName()), k -> new long[3]);
                sums[0]++;
                sums[1] += Math.max(0, entry.getCompressedSize());
                sums[2] += Math.max(0, entry.getSize());
            }
        }
        System.out.println("## Agent jar: " + file.length() + " bytes (" + file.length() / 1024 + " KiB)");
        Table table = new Table("part", "entries", "compressed KiB", "uncompressed KiB");
        long[] total = new long[3];
        groups.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).forEach(e -> {
            table.row(e.getKey(), e.getValue()[0], e.getValue()[1] / 1024, e.getValue()[2] / 1024);
            for (int i = 0; i < 3; i++) {
                total[i] += e.getValue()[i];
            }
        });
        table.row("total", total[0], total[1] / 1024, total[2] / 1024);
        table.print();
        System.out.println();
    }

    /** The nested jar's entries (sizes from its own central directory, which a stream does not give). */
    private static void nested(JarFile jar, JarEntry libs, Map<String, long[]> groups) throws Exception {
        File copy = File.createTempFile("ka-agent-libs-report", ".jar");
        try {
            try (java.io.InputStream in = jar.getInputStream(libs)) {
                java.nio.file.Files.copy(in, copy.toPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            try (JarFile inner = new JarFile(copy)) {
                for (Enumeration<JarEntry> entries = inner.entries(); entries.hasMoreElements(); ) {
                    JarEntry entry = entries.nextElement();
                    if (entry.isDirectory()) {
                        continue;
                    }
                    long[] sums = groups.computeIfAbsent(group(entry.getName()) + " (nested)", k -> new long[3]);
                    sums[0]++;
                    sums[1] += Math.max(0, entry.getCompressedSize());
                    sums[2] += Math.max(0, entry.getSize());
                }
            }
        } finally {
            copy.delete();
        }
    }

    private static String group(String name) {
        String n = name.startsWith("inst/") ? name.substring(5) : name;
        if (n.startsWith("io/kaagent/shaded/")) {
            String rest = n.substring("io/kaagent/shaded/".length());
            if (rest.startsWith("bytebuddy/jar/asm")) {
                return "Byte Buddy's ASM copy";
            }
            if (rest.startsWith("bytebuddy")) {
                return "Byte Buddy (the rest)";
            }
            if (rest.startsWith("asm/")) {
                return "ASM (org.objectweb.asm, jnr-ffi's)";
            }
            if (rest.startsWith("kenai/")) {
                return "jnr (com.kenai.jnr: x86asm)";
            }
            if (rest.startsWith("jni/")) {
                return "jffi native stubs (all platforms)";
            }
            int slash = rest.indexOf('/');
            return "shaded " + (slash < 0 ? rest : rest.substring(0, slash));
        }
        if (n.startsWith("com/kenai/jffi")) {
            return "jffi classes";
        }
        if (n.startsWith("io/kaagent/")) {
            return "ka-agent's own classes";
        }
        if (n.startsWith("META-INF/")) {
            return "META-INF";
        }
        if (n.startsWith("win32-")) {
            return "Windows attach DLLs (byte-buddy-agent)";
        }
        return "other: " + (n.contains("/") ? n.substring(0, n.indexOf('/')) : n);
    }
}
