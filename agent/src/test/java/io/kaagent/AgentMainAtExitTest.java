package io.kaagent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;

import io.kaagent.log.AgentLog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's libraries asked for while the JVM exits (an agent thread still loading the native layer when a short
 * tool's main ends, with no cache directory): their temporary copy is refused then, and there is nothing to report.
 * The same failure before the exit is reported in one line. Seen once in ~280 no-cache starts of a hello world here
 * (the start-up benchmark's, and 200 more by hand): an ERROR line on the stderr of a JVM that had done nothing wrong.
 */
class AgentMainAtExitTest {

    @Test
    void librariesThatCannotBeOpenedAreReportedBeforeTheExitOnly(@TempDir Path dir) throws Exception {
        File jar = dir.resolve("no-libraries.jar").toFile();
        new JarOutputStream(Files.newOutputStream(jar.toPath())).close();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LibraryClassAsked.class.getName(), jar.toString()).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> err = Arrays.stream(new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)
                .split("\n")).filter(line -> !line.isEmpty()).collect(Collectors.toList());
        assertEquals(0, child.waitFor(), out + err);
        assertEquals("in main: exiting false/false, not found\nat exit: exiting true/true, not found\n", out,
                "the launcher's and AgentLog's probe, then the loader; stderr: " + err);
        assertEquals(1, err.size(), "one line, from main's request: " + err);
        assertEquals(true, err.get(0).startsWith("ka-agent: ERROR cannot open the agent's libraries"), err.get(0));
    }

    /**
     * The child: a library class asked of a fresh hidden loader over a jar without them, in main and at exit.
     * Through reflection, as javac refuses to compile against AgentMain (see AgentMainEntryPointsTest).
     */
    public static final class LibraryClassAsked {
        public static void main(String[] args) throws Exception {
            Thread hook = new Thread(() -> ask(args[0], "at exit"));
            Runtime.getRuntime().addShutdownHook(hook);
            ask(args[0], "in main");
        }

        private static void ask(String jar, String when) {
            try {
                Class<?> agentMain = Class.forName("io.kaagent.AgentMain");
                Method exiting = agentMain.getDeclaredMethod("jvmExiting");
                exiting.setAccessible(true);
                String state = "exiting " + exiting.invoke(null) + "/" + AgentLog.jvmExiting();
                Constructor<?> hidden = Class.forName("io.kaagent.AgentMain$HiddenClassLoader")
                        .getDeclaredConstructor(File.class, ClassLoader.class);
                hidden.setAccessible(true);
                ClassLoader loader = (ClassLoader) hidden.newInstance(new File(jar),
                        ClassLoader.getSystemClassLoader().getParent());
                try {
                    loader.loadClass("io.kaagent.shaded.snakeyaml.engine.v2.api.Load");
                    System.out.println(when + ": " + state + ", loaded");
                } catch (ClassNotFoundException expected) {
                    System.out.println(when + ": " + state + ", not found");
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
