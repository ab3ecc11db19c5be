package io.kaagent.nativeio;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

import com.kenai.jffi.Init;

import io.kaagent.cache.BoundedInput;
import io.kaagent.cache.CacheDirectory;

/**
 * jffi's native stub, kept in the agent's cache directory and handed to jffi's {@code Init} (the agent's own, see
 * com.kenai.jffi.Init) before the agent's first native call (LibC). Named {@code libjffi-1.2-<crc32>-<length>.so}:
 * one copy per stub, whichever agent build carries it; root's primed copy where there is one
 * ({@link CacheDirectory#fileWith}).
 * The name only tells stubs apart: the copy is read back and checked (length, CRC-32) before each load. A
 * SHA-256 did the same until 2026-12-03, and loaded the JDK's security providers for it (~60 classes, ~30 ms of the
 * init thread in every JVM).
 * Done here rather than in Init because Init lives in jffi's module on JDK 22+, which cannot read the agent's.
 */
final class JffiStub {
    /** Relocated with the resources by the shade plugin (agent/pom.xml), so only the agent's loader finds them. */
    private static final String STUB_RESOURCES = "jni/";
    /** What every stub's cached name starts with, whichever jffi version and naming made it. */
    private static final String STUB_PREFIX = "libjffi-";
    /** Larger than any stub jffi ships (~130 KiB on x86_64). */
    private static final int MAX_STUB_BYTES = 4 << 20;

    private JffiStub() {
    }

    /** Tells jffi where its stub is; throws with the reason when there is none to load. */
    static void handOver() throws Exception {
        // Called, not reflected: on JDK 18+ a reflective call spins method handles, ~3 ms of a cold JDK 25's init.
        Init.useStub(cachedCopy().getAbsolutePath());
    }

    private static File cachedCopy() throws IOException {
        String resource = STUB_RESOURCES + platformStub();
        InputStream in = JffiStub.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("jffi stub " + resource + " is missing from ka-agent.jar");
        }
        byte[] stub;
        try {
            stub = BoundedInput.readAtMost(in, MAX_STUB_BYTES + 1, 256 * 1024);
        } finally {
            in.close();
        }
        if (stub.length > MAX_STUB_BYTES) {
            throw new IOException("jffi stub " + resource + " is larger than " + MAX_STUB_BYTES + " bytes");
        }
        String name = resource.substring(resource.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        long crc = CacheDirectory.crc32(stub); // once: the name's, and what the copy is checked by
        String cachedName = name.substring(0, dot) + "-" + Long.toHexString(crc) + "-" + stub.length
                + name.substring(dot);
        CacheDirectory directory = CacheDirectory.ofUser();
        boolean copied = !directory.has(cachedName);
        File file = directory.fileWith(cachedName, stub, crc);
        if (file == null) {
            throw new IOException("cannot keep jffi's stub in " + directory.directory()
                    + ": not a directory of this user alone, or not writable");
        }
        if (copied) {
            // A new stub (a jffi upgrade, or the first start here): other stubs nobody wrote for a day go, as older
            // builds' copies of the libraries do (~130 KB each; until 2026-12-03 they were named by SHA-256).
            directory.removeOthersLeftAlone(STUB_PREFIX, name.substring(dot), cachedName, System.currentTimeMillis());
        }
        return file;
    }

    /** The stub for this OS and CPU, as jffi lays its resources out; Windows has no socket constants here. */
    private static String platformStub() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return "Darwin/libjffi-1.2.jnilib";
        }
        if (os.startsWith("linux")) {
            if (arch.equals("amd64") || arch.equals("x86_64")) {
                return "x86_64-Linux/libjffi-1.2.so";
            }
            if (arch.equals("aarch64") || arch.equals("arm64")) {
                return "aarch64-Linux/libjffi-1.2.so";
            }
        }
        throw new IOException("ka-agent carries no jffi stub for " + os + " on " + arch);
    }
}
