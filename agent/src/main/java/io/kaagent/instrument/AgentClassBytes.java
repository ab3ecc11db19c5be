package io.kaagent.instrument;

import java.io.IOException;
import java.io.InputStream;

import io.kaagent.cache.BoundedInput;

/**
 * The class file of one of the agent's own classes, as bytes: for classes the agent defines elsewhere (the bridge)
 * or rewrites without loading (the warm-up's sample).
 */
final class AgentClassBytes {
    /** Far above any class file of the agent's (the largest is a few KiB). */
    private static final int MAX_CLASS_BYTES = 1 << 24;

    private AgentClassBytes() {
    }

    /**
     * @param internalName e.g. {@code io/kaagent/bootstrap/KaBridge}
     * @throws IOException when the agent has no such class file
     */
    static byte[] of(ClassLoader loader, String internalName) throws IOException {
        // In the agent jar classes are stored as .classdata (see AgentMain); in a plain build (unit tests) as .class.
        InputStream in = loader.getResourceAsStream(internalName + ".classdata");
        if (in == null) {
            in = loader.getResourceAsStream(internalName + ".class");
        }
        if (in == null) {
            throw new IOException("the agent jar has no " + internalName + ".classdata");
        }
        try {
            return BoundedInput.readAtMost(in, MAX_CLASS_BYTES, 8192);
        } finally {
            in.close();
        }
    }
}
