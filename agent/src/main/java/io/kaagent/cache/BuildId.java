package io.kaagent.cache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;

/**
 * Which build of the agent this is: the version and the time the jar was made, written into the jar at package time
 * ({@code inst/ka-agent.build}). What the caches hold depends on the agent's code, not only on its version, so an
 * entry counts only for the build that wrote it: a snapshot rebuilt under the same version never reads another's.
 */
public final class BuildId {
    static final String RESOURCE = "ka-agent.build";
    private static volatile String current;
    private static volatile boolean read;

    private BuildId() {
    }

    /** This build's id; null when the agent does not run from its jar (unit tests), and then nothing is cached. */
    public static String current() {
        if (!read) {
            synchronized (BuildId.class) {
                if (!read) {
                    current = readResource();
                    read = true;
                }
            }
        }
        return current;
    }

    private static String readResource() {
        ClassLoader loader = BuildId.class.getClassLoader();
        if (loader == null) {
            return null;
        }
        try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return null;
            }
            String id = new String(BoundedInput.readAtMost(in, 256, 256), Charset.forName("UTF-8")).trim();
            return id.isEmpty() ? null : id;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
