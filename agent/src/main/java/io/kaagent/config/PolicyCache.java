package io.kaagent.config;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import io.kaagent.cache.BuildId;
import io.kaagent.cache.CacheDirectory;
import io.kaagent.cache.EntryReader;
import io.kaagent.cache.EntryWriter;
import io.kaagent.policy.CompiledPolicy;
import io.kaagent.policy.Policy;

/**
 * Policies already read, by the exact bytes of their file, so that a JVM start reads YAML only the first time this
 * user meets a given policy text on this machine (or image): in a cold JVM the YAML reader costs ~100 ms of CPU
 * (~250 classes loaded, a lambda bootstrap), a cached policy ~1 KiB of {@link CompiledPolicy} bytes.
 * <p>
 * Entries live in the {@link CacheDirectory}. An entry holds the agent's {@link BuildId} and the policy file's whole
 * text, compared byte for byte before use: neither an edit of the file, a hash collision nor another build of the
 * agent can pass for it. Only valid policies are written; anything unexpected is a miss, and the YAML is read as
 * without a cache. The directory keeps the {@link #KEPT_ENTRIES} policies used last ({@link #tidy}).
 * {@code -Dka.agent.policy.cache=false} turns it off ({@code -Dka.agent.cache=false} every cache).
 */
public final class PolicyCache {
    private static final int MAGIC = 0x4b415043; // "KAPC"
    private static final String PREFIX = "policy-";
    private static final String SUFFIX = ".bin";
    /**
     * Entries kept when a new one is written ({@link #tidy}): every policy text a user's JVMs met would otherwise stay
     * for good, ~1-5 KiB each (a policy file generated with a timestamp in it writes one per deployment).
     */
    static final int KEPT_ENTRIES = 64;
    private final CacheDirectory directory;
    private final String buildId;
    private final AtomicLong hits = new AtomicLong();
    /** The entry this JVM last loaded its policy from; null if none. */
    private volatile String used;
    /** Whether this JVM wrote an entry (or tried to: writing is best effort). */
    private volatile boolean wrote;

    PolicyCache(CacheDirectory directory, String buildId) {
        this.directory = directory;
        this.buildId = buildId;
    }

    /** For tests: a cache in that directory, for that build. */
    PolicyCache(File directory, String buildId) {
        this(new CacheDirectory(directory), buildId);
    }

    /** The cache of this user, or null when switched off (or the agent does not run from its jar). */
    public static PolicyCache forUser() {
        if ("false".equalsIgnoreCase(System.getProperty("ka.agent.policy.cache", "").trim())) {
            return null;
        }
        CacheDirectory directory = CacheDirectory.forUser();
        String buildId = BuildId.current();
        return directory == null || buildId == null ? null : new PolicyCache(directory, buildId);
    }

    /**
     * The policy of that file: compiled earlier from the same bytes, or read from its YAML now (and cached).
     *
     * @throws PolicyException exactly as {@link PolicyLoader#load} would
     */
    public Policy load(Path file) throws PolicyException {
        return load(file, null);
    }

    /**
     * @param knownValid run as soon as the file's text is known to be one compiled before, which makes it valid:
     *                   before the policy is built from the entry
     */
    public Policy load(Path file, Runnable knownValid) throws PolicyException {
        byte[] text;
        try {
            text = PolicyLoader.readBytes(file);
        } catch (IOException e) {
            return PolicyLoader.load(file); // which says what is wrong with the file, in its own words
        }
        String source = file.toString();
        String entry = entryName(text);
        Policy cached = read(entry, text, source, knownValid);
        if (cached != null) {
            hits.incrementAndGet();
            used = entry;
            return cached;
        }
        Policy policy = PolicyLoader.parseFileBytes(text, source);
        write(entry, text, policy);
        return policy;
    }

    /**
     * Keeps the directory to the {@link #KEPT_ENTRIES} policies used last: the entry this JVM was served from is
     * marked used (once a day at most), and once this JVM wrote one the oldest beyond that number go. Called after
     * the policy's verdict, off the way to a short JVM's exit; a warm start only reads the entry's time. Best effort.
     */
    public void tidy() {
        long now = System.currentTimeMillis();
        String served = used;
        if (served != null) {
            directory.markUsed(served, now);
        }
        if (wrote) {
            directory.keepNewest(PREFIX, SUFFIX, KEPT_ENTRIES, now);
        }
    }

    /** Loads served from the cache (for tests). */
    long hits() {
        return hits.get();
    }

    private static String entryName(byte[] text) {
        CRC32 crc = new CRC32();
        crc.update(text, 0, text.length);
        return PREFIX + Long.toHexString(crc.getValue()) + "-" + text.length + SUFFIX;
    }

    private Policy read(String entry, byte[] text, String source, Runnable knownValid) {
        byte[] bytes = directory.read(entry);
        if (bytes == null) {
            return null;
        }
        try {
            EntryReader in = new EntryReader(bytes);
            if (in.readInt() != MAGIC || !buildId.equals(in.readString()) || !in.nextBytesEqual(text)) {
                return null;
            }
            if (knownValid != null) {
                // Only valid policies are cached; a damaged rest below still means valid text, read as YAML.
                knownValid.run();
            }
            return CompiledPolicy.fromBytes(in.rest(), source);
        } catch (IOException | RuntimeException unreadable) {
            return null; // a miss: the YAML is read, and the entry written anew
        }
    }

    /** Best effort: a cache that cannot be written only means the next start reads YAML again. */
    private void write(String entry, byte[] text, Policy policy) {
        try {
            directory.write(entry, new EntryWriter(text.length + 512).writeInt(MAGIC).writeString(buildId)
                    .writeBytes(text).writeRaw(CompiledPolicy.toBytes(policy)).toByteArray());
            wrote = true;
        } catch (RuntimeException e) {
            // not cached this time
        }
    }
}
