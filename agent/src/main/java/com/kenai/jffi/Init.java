package com.kenai.jffi;

/**
 * ka-agent's replacement for jffi's own {@code Init} (the shade filter in agent/pom.xml drops the original); with it
 * jffi's {@code StubLoader} is never used. jffi's own loading does two things an agent must not:
 * <ul>
 * <li>it looks for {@code StubLoader} through the SYSTEM and context class loaders before its own, so in an
 * application with a jffi of its own it initialised the application's copy — the application's native stub, in the
 * application's loader, with a JDK 22+ native-access warning charged to the application;</li>
 * <li>it unpacks the stub into java.io.tmpdir on every start and, where that fails, into the application's working
 * directory; a short-lived JVM that exits while the stub is being unpacked leaves empty {@code jffi*.so} files in
 * both places.</li>
 * </ul>
 * Here the agent copies the stub once into its private cache directory and hands its path over through
 * {@link #useStub} before jffi is first used (io.kaagent.nativeio.JffiStub): this class lives in jffi's module,
 * which cannot read the agent's, so it only loads what it is given. Without a path, loading fails with that reason and
 * the agent uses its JDK fallback.
 */
public final class Init {
    static final String stubLoaderClassName = "com.kenai.jffi.internal.StubLoader";
    private static volatile String stubPath;
    private static volatile boolean loaded;

    private Init() {
    }

    /** The stub to load: a file in the agent's cache directory that the agent checked holds jffi's stub. */
    public static void useStub(String path) {
        stubPath = path;
    }

    static synchronized void load() {
        if (loaded) {
            return;
        }
        String path = stubPath;
        if (path == null) {
            throw new UnsatisfiedLinkError("jffi's stub was not handed over by ka-agent");
        }
        System.load(path);
        loaded = true;
    }
}
