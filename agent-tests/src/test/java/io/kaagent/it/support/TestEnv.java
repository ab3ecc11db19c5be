package io.kaagent.it.support;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.function.Supplier;

/** Where the jars under test are, which java runs the children, and the bounded waits every test uses. */
public final class TestEnv {
    /** A child JVM, with or without the agent, gets this long to print its first line of interest. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    /** Anything after start: an exit, a further line, an MBean showing up. */
    public static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);

    private TestEnv() {
    }

    /** agent/target/ka-agent.jar, passed by surefire as ka.agent.jar; a test that needs it fails if it is missing. */
    public static Path agentJar() {
        return existingJar("ka.agent.jar", "mvn -B -pl agent package");
    }

    /** sample-apps/target/sample-apps.jar, passed by surefire as ka.sample.jar. */
    public static Path sampleJar() {
        return existingJar("ka.sample.jar", "mvn -B -pl sample-apps package");
    }

    private static Path existingJar(String property, String howToBuild) {
        String value = System.getProperty(property);
        assertTrue(value != null && !value.isEmpty(), "system property " + property + " is not set (run the tests "
                + "through maven, or pass -D" + property + "=...)");
        Path jar = Paths.get(value).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), jar + " does not exist: build it first (" + howToBuild + ")");
        return jar;
    }

    /** The test JVM's own java: the surefire run on Temurin 25 tests the agent on 25. */
    public static Path javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java");
    }

    public static Path keytoolExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "keytool");
    }

    public static int javaFeature() {
        return Runtime.version().feature();
    }

    public static void assumeVirtualThreads() {
        assumeTrue(javaFeature() >= 21, "virtual threads need JDK 21+, this test JVM is " + Runtime.version());
    }

    /** JDK 24+ cannot install a Security Manager at all (JEP 486). */
    public static void assumeSecurityManager() {
        assumeTrue(javaFeature() < 24, "JDK " + javaFeature() + " cannot install a Security Manager (JEP 486)");
    }

    /** CI=true: the environment CI runs in (root, Linux, the lab's tools), where nothing may be skipped. */
    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Skips the calling test with the reason when a precondition (root, a kernel feature, a tool) is missing — except
     * under CI, where that precondition is part of the job and a skip would hide a broken install: there it fails.
     */
    public static void requireOrSkip(boolean available, Supplier<String> reason) {
        if (isCi()) {
            assertTrue(available, () -> "CI=true, so this may not be skipped: " + reason.get());
        } else {
            assumeTrue(available, reason);
        }
    }

    public static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase().startsWith("linux");
    }
}
