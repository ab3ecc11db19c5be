package io.kaagent.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * An application started from a named module ({@code java -p DIR -m modclient/modclient.Main HOST PORT}) that reads
 * java.base only: its boot layer has no jdk.net, and no jdk.unsupported unless a bound module brings it. It opens one
 * connection, prints {@code READY <localPort>} and holds it until stdin ends. Compiled by the test, with the
 * running JDK's compiler: the samples' jar is a class-path application.
 */
public final class ModularClient {
    /** What {@link ChildJvm.Builder#mainModule} runs. */
    public static final String MAIN = "modclient/modclient.Main";

    private static final String SOURCE = """
            package modclient;

            import java.net.Socket;

            public final class Main {
                public static void main(String[] args) throws Exception {
                    try (Socket socket = new Socket(args[0], Integer.parseInt(args[1]))) {
                        System.out.println("READY " + socket.getLocalPort());
                        System.out.flush();
                        while (System.in.read() >= 0) {
                            // until stdin ends: ChildJvm.quit()
                        }
                    }
                }
            }
            """;

    private ModularClient() {
    }

    /** Compiles the module under {@code dir}; returns the module path to run it from. */
    public static Path compile(Path dir) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "no Java compiler in this JDK");
        Path sources = Files.createDirectories(dir.resolve("modclient-src/modclient"));
        Path moduleInfo = Files.writeString(sources.getParent().resolve("module-info.java"), "module modclient { }\n");
        Path main = Files.writeString(sources.resolve("Main.java"), SOURCE);
        Path modules = dir.resolve("modules");
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, null, errors, "-d", modules.resolve("modclient").toString(), moduleInfo.toString(),
                main.toString());
        assertEquals(0, rc, "javac: " + errors);
        return modules;
    }
}
