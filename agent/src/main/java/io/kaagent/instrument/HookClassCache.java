package io.kaagent.instrument;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.zip.CRC32;

import io.kaagent.cache.BuildId;
import io.kaagent.cache.CacheDirectory;
import io.kaagent.cache.EntryReader;
import io.kaagent.cache.EntryWriter;

/**
 * The hook targets as rewritten before, so that a JVM start whose JDK and agent build did it once already loads
 * none of ASM: in a cold JVM ASM costs ~25 ms of CPU (~30 classes) before the first socket class can load.
 * <p>
 * One entry per target class and JDK ({@code hooks-<jdk>-<class>.bin} in the {@link CacheDirectory}). It holds the
 * agent's build, the class file as the JVM handed it to the transformer, compared byte for byte before use, the
 * hooks that took, and the rewritten class. Another JDK, another agent build, another agent's transformer before
 * ours: each is a miss, and ASM rewrites the class as without a cache. Only java.io runs here: it is called inside
 * the transform of a JDK class.
 */
final class HookClassCache {
    private static final int MAGIC = 0x4b41484b; // "KAHK"
    private static final String PREFIX = "hooks-";
    private static final String SUFFIX = ".bin";
    /**
     * JDK builds whose entries {@link #tidy} keeps (~0.5 MB each): every JDK update a host met would otherwise leave
     * its entries for good.
     */
    static final int KEPT_JDKS = 8;
    /** Whether this JVM wrote an entry here (a JDK or agent build met for the first time): then {@link #tidy} looks. */
    private volatile boolean wrote;
    /** An entry this JVM was served from, to mark used in {@link #tidy} (off the class's load); null before. */
    private volatile String served;
    private final CacheDirectory directory;
    private final String buildId;
    private final String jdk;

    HookClassCache(CacheDirectory directory, String buildId, String jdk) {
        this.directory = directory;
        this.buildId = buildId;
        this.jdk = jdk;
    }

    /** This user's cache for this JDK, or null when caching is off (or the agent does not run from its jar). */
    static HookClassCache forThisJvm() {
        CacheDirectory directory = CacheDirectory.forUser();
        String buildId = BuildId.current();
        return directory == null || buildId == null ? null : new HookClassCache(directory, buildId, jdkKey());
    }

    /**
     * The entries of classes rewritten to carry the bridge in their static initialiser ({@link BridgeDefiner}),
     * kept apart from the same classes rewritten without it.
     */
    HookClassCache carryingTheBridge() {
        return new HookClassCache(directory, buildId, jdk + "-b");
    }

    /** The JDK the classes came from: its installation and exact build. */
    private static String jdkKey() {
        CRC32 crc = new CRC32();
        for (String key : new String[] {"java.home", "java.vm.version", "java.runtime.version", "java.vm.vendor"}) {
            byte[] value = String.valueOf(System.getProperty(key)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            crc.update(value, 0, value.length);
            crc.update(0);
        }
        return Long.toHexString(crc.getValue());
    }

    /** Whether every one of these classes (internal names) has an entry for this JDK, without reading them. */
    boolean hasEntries(Collection<String> classNames) {
        for (String className : classNames) {
            if (!directory.has(entryName(className))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The class as rewritten from exactly these bytes before, or null.
     *
     * @param applied gets the hooks that took in it ({@link HookTransformer#key})
     */
    byte[] lookup(String className, byte[] classfile, Collection<String> applied) {
        byte[] entry = directory.read(entryName(className));
        if (entry == null) {
            return null;
        }
        try {
            EntryReader in = new EntryReader(entry);
            if (in.readInt() != MAGIC || !buildId.equals(in.readString()) || !className.equals(in.readString())
                    || !in.nextBytesEqual(classfile)) {
                return null;
            }
            List<String> keys = new ArrayList<String>();
            for (int i = in.readInt(); i > 0; i--) {
                keys.add(in.readString());
            }
            byte[] rewritten = in.readBytes();
            if (!in.atEnd()) {
                return null;
            }
            applied.addAll(keys);
            served = entryName(className);
            return rewritten;
        } catch (IOException | RuntimeException damaged) {
            return null; // a miss: ASM rewrites it, and the entry is written anew
        }
    }

    /** Best effort. */
    void store(String className, byte[] classfile, Collection<String> applied, byte[] rewritten) {
        try {
            EntryWriter out = new EntryWriter(classfile.length + rewritten.length + 256);
            out.writeInt(MAGIC).writeString(buildId).writeString(className).writeBytes(classfile);
            out.writeInt(applied.size());
            for (String key : applied) {
                out.writeString(key);
            }
            directory.write(entryName(className), out.writeBytes(rewritten).toByteArray());
            wrote = true;
        } catch (RuntimeException e) {
            // not cached this time
        }
    }

    /**
     * Keeps the entries of the {@link #KEPT_JDKS} JDK builds used last: marks this JDK's entries used when this JVM
     * was served from one (once a day at most), and once it wrote one removes the other JDK builds' beyond that
     * number. On the agent's init thread after every target is loaded, never inside a transform, which runs on the
     * application's way to its first socket. Best effort.
     */
    void tidy() {
        String entry = served;
        if (entry != null) {
            served = null;
            directory.markUsed(entry, System.currentTimeMillis());
        }
        if (wrote) {
            wrote = false;
            directory.keepNewestGroups(PREFIX, SUFFIX, KEPT_JDKS, System.currentTimeMillis());
        }
    }

    private String entryName(String className) {
        return PREFIX + jdk + "-" + className.replace('/', '.') + SUFFIX;
    }
}
