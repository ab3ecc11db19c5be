package io.kaagent.samples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jnr.ffi.LibraryLoader;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.matcher.ElementMatchers;
import org.tinylog.Logger;

/**
 * An application that brings its own, older copies of the agent's dependencies (Byte Buddy 1.12, jnr-ffi 2.2 with its
 * jffi, tinylog 2.6 configured by its own {@code tinylog.properties}): they must keep working under the agent, and the
 * agent's classes must stay invisible to it (PRODUCT.md §5).
 *
 * <pre>OwnDepsApp &lt;host&gt; &lt;port&gt;</pre>
 * Prints {@code BYTEBUDDY ok ...}, {@code JNR ok ...}, {@code TINYLOG ok} (its log line goes to stderr as
 * {@code APP-TINYLOG INFO: ...}), {@code CODESOURCE <class> <location>} for its own libraries, then probes class
 * names that belong to the agent ({@code VISIBLE <name>} for each one it can load, then
 * {@code PROBED <n> VISIBLE <k>}); more names can be given one per line in the file named by
 * {@code -Dprobe.classes=FILE}. Then opens one connection, exchanges a line, prints {@code READY <localPort>}
 * and holds until stdin EOF or "quit".
 */
public final class OwnDepsApp {
    /** Names the agent's jar holds (PRODUCT.md layout); an application must not be able to load any of them. */
    static final List<String> AGENT_CLASSES = Arrays.asList(
            "io.kaagent.policy.Policy",
            "io.kaagent.shaded.tinylog.Logger",
            "io.kaagent.shaded.bytebuddy.ByteBuddy",
            "io.kaagent.shaded.jnr.ffi.LibraryLoader",
            "io.kaagent.shaded.snakeyaml.engine.v2.api.Load");

    private OwnDepsApp() {
    }

    /** The application's own libc binding, through its own jnr-ffi 2.2. */
    public interface LibC {
        int getpid();
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: OwnDepsApp <host> <port>");
            System.exit(Samples.EXIT_USAGE);
        }
        Socket socket = null;
        try {
            byteBuddy();
            jnr();
            Logger.info("tinylog-ok from the application");
            Samples.println("TINYLOG ok");
            for (Class<?> own : new Class<?>[] {ByteBuddy.class, LibraryLoader.class, Logger.class,
                    Class.forName("com.kenai.jffi.Foreign"), Class.forName("org.tinylog.core.TinylogLoggingProvider")}) {
                Samples.println("CODESOURCE " + own.getName() + " " + location(own));
            }
            probeAgentClasses();

            socket = new Socket();
            socket.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 10_000);
            Connection.of(socket).exchange("hello from an app with its own libraries");
            Samples.println("READY " + socket.getLocalPort());
            Samples.holdUntilQuit();
        } catch (Throwable t) {
            Samples.fail(t);
        } finally {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // exiting
                }
            }
        }
        Samples.println("BYE");
        System.exit(0);
    }

    private static void byteBuddy() throws Exception {
        // Pinned to Java 8 class files: Byte Buddy 1.12 does not know the newest JDKs' version numbers.
        Class<?> type = new ByteBuddy(ClassFileVersion.JAVA_V8)
                .subclass(Object.class)
                .name("io.kaagent.samples.generated.Greeter")
                .method(ElementMatchers.named("toString")).intercept(FixedValue.value("made-by-byte-buddy"))
                .make()
                .load(OwnDepsApp.class.getClassLoader(), ClassLoadingStrategy.Default.WRAPPER)
                .getLoaded();
        Object greeter = type.getDeclaredConstructor().newInstance();
        Samples.println("BYTEBUDDY ok " + greeter + " version=" + packageVersion(ByteBuddy.class));
    }

    private static void jnr() {
        LibC libc = LibraryLoader.create(LibC.class).load("c");
        long pid = libc.getpid();
        long expected = ProcessHandle.current().pid();
        if (pid != expected) {
            throw new IllegalStateException("getpid() through jnr-ffi returned " + pid + ", expected " + expected);
        }
        Samples.println("JNR ok getpid=" + pid);
    }

    private static void probeAgentClasses() throws IOException {
        List<String> names = new ArrayList<>(AGENT_CLASSES);
        String file = System.getProperty("probe.classes");
        if (file != null) {
            for (String line : Files.readAllLines(Paths.get(file), StandardCharsets.UTF_8)) {
                if (!line.trim().isEmpty()) {
                    names.add(line.trim());
                }
            }
        }
        ClassLoader loader = OwnDepsApp.class.getClassLoader();
        int visible = 0;
        for (String name : names) {
            try {
                Class.forName(name, false, loader);
                visible++;
                Samples.println("VISIBLE " + name);
            } catch (ClassNotFoundException | LinkageError expected) {
                URL resource = loader.getResource(name.replace('.', '/') + ".class");
                if (resource != null) {
                    visible++;
                    Samples.println("VISIBLE " + name + " (as resource " + resource + ")");
                }
            }
        }
        Samples.println("PROBED " + names.size() + " VISIBLE " + visible);
    }

    private static String location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? "(none)" : source.getLocation().toString();
    }

    private static String packageVersion(Class<?> type) {
        Package p = type.getPackage();
        return p == null || p.getImplementationVersion() == null ? "unknown" : p.getImplementationVersion();
    }
}
