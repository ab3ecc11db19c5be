package io.kaagent.samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A temporary directory for a sample's database servers, removed with everything in it when the JVM exits (normally
 * or by SIGTERM): the tests start these samples by the hundred, and each run left its directory behind in /tmp.
 */
public final class WorkDirectory {
    private WorkDirectory() {
    }

    public static Path createRemovedAtExit(String prefix) throws IOException {
        Path work = Files.createTempDirectory(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> remove(work), "remove " + work.getFileName()));
        return work;
    }

    private static void remove(Path work) {
        try (Stream<Path> tree = Files.walk(work)) {
            tree.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException e) {
            System.err.println("could not remove " + work + ": " + e);
        }
    }
}
