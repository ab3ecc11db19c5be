package com.kenai.jffi;

import com.kenai.jffi.internal.StubLoader;

/**
 * ka-agent's replacement for jffi's own {@code Init} (the shade filter in agent/pom.xml drops the original).
 * jffi 1.4.3 looks its {@code StubLoader} up through the SYSTEM class loader first, then the thread's context loader,
 * and only then its own. In an application that brings a jffi of its own, the agent's jffi would therefore
 * initialise the application's StubLoader — load the application's copy of the native stub into the application's
 * class loader, which on JDK 22+ prints a native-access warning charged to the application — and then fail to link
 * its own native methods. This one only ever uses the StubLoader beside it, in the agent's own loader.
 */
final class Init {
    static final String stubLoaderClassName = "com.kenai.jffi.internal.StubLoader";
    private static volatile boolean loaded;

    private Init() {
    }

    static void load() {
        if (loaded) {
            return;
        }
        if (StubLoader.isLoaded()) {
            loaded = true;
            return;
        }
        Throwable cause = StubLoader.getFailureCause();
        UnsatisfiedLinkError error = new UnsatisfiedLinkError(
                cause == null ? "jffi's native stub is not loaded" : cause.getLocalizedMessage());
        if (cause != null) {
            error.initCause(cause);
        }
        throw error;
    }
}
