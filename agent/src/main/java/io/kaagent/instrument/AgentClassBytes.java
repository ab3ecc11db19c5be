package io.kaagent.instrument;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The class file of one of the agent's own classes, as bytes: for classes the agent defines elsewhere (the bridge)
 * or rewrites without loading (the warm-up's sample).
 */
final class AgentClassBytes {
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
            ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
            byte[] buffer = new byte[4096];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } finally {
            in.close();
        }
    }
}
