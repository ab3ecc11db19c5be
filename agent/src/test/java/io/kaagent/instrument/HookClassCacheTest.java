package io.kaagent.instrument;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kaagent.cache.CacheDirectory;

/**
 * Rewritten hook targets come back from the cache byte for byte, with the hooks that took; nothing but the same
 * class file, JDK and agent build reuses an entry.
 */
class HookClassCacheTest {
    private static final List<HookTarget> TARGETS = HookTarget.warmUpTargets();
    private static final String SAMPLE = TARGETS.get(0).className;

    @Test
    void aSecondTransformIsServedFromTheCacheWithTheSameBytesAndHooks(@TempDir Path dir) throws Exception {
        byte[] sample = ClassFileContents.transformSample();
        HookClassCache cache = new HookClassCache(new CacheDirectory(dir.resolve("c").toFile()), "build-1", "jdk");
        HookTransformer first = new HookTransformer(TARGETS, cache, false);
        byte[] rewritten = first.transform(null, SAMPLE, null, null, sample);
        assertNotNull(rewritten);
        assertEquals(3, first.applied().size());

        List<String> applied = new ArrayList<>();
        byte[] hit = cache.lookup(SAMPLE, sample, applied);
        assertArrayEquals(rewritten, hit, "the entry holds the rewritten class");
        assertEquals(new ArrayList<>(first.applied()).stream().sorted().toList(), applied.stream().sorted().toList());

        HookTransformer second = new HookTransformer(TARGETS, cache, false);
        assertArrayEquals(rewritten, second.transform(null, SAMPLE, null, null, sample));
        assertEquals(first.applied(), second.applied(), "the hooks that took are known without ASM");
        assertTrue(second.failures().isEmpty());
        assertTrue(cache.hasEntries(List.of(SAMPLE)));
        assertFalse(cache.hasEntries(List.of(SAMPLE, "java/net/Socket")));
    }

    /**
     * A JVM that wrote entries for its JDK keeps those of the {@link HookClassCache#KEPT_JDKS} JDK builds used last;
     * one served from the cache marks its JDK's entries used (once a day at most), so they are among them.
     */
    @Test
    void theEntriesOfTheJdksUsedLastAreKept(@TempDir Path dir) throws Exception {
        byte[] sample = ClassFileContents.transformSample();
        CacheDirectory directory = new CacheDirectory(dir.resolve("c").toFile());
        long now = System.currentTimeMillis();
        long day = 24L * 60 * 60 * 1000;
        int jdks = HookClassCache.KEPT_JDKS + 2;
        for (int i = 0; i < jdks; i++) {
            HookClassCache old = new HookClassCache(directory, "build-1", "jdk" + i);
            new HookTransformer(TARGETS, old, false).transform(null, SAMPLE, null, null, sample);
            File entry = onlyEntry(dir.resolve("c"), "hooks-jdk" + i + "-");
            assertTrue(entry.setLastModified(now - (100 - i) * day), "jdk0 is the oldest");
        }
        // jdk0's JVM starts again: served from the cache, it marks its entry used.
        HookClassCache first = new HookClassCache(directory, "build-1", "jdk0");
        assertNotNull(first.lookup(SAMPLE, sample, new ArrayList<>()));
        assertTrue(onlyEntry(dir.resolve("c"), "hooks-jdk0-").lastModified() < now, "not marked inside the load");
        first.tidy();
        assertTrue(onlyEntry(dir.resolve("c"), "hooks-jdk0-").lastModified() >= now, "marked used");
        assertEquals(jdks, Files.list(dir.resolve("c")).filter(p -> p.toString().endsWith(".bin")).count(),
                "a JVM that wrote nothing removes nothing");

        // A new JDK: its JVM writes an entry and tidies.
        HookClassCache newest = new HookClassCache(directory, "build-1", "jdknew");
        new HookTransformer(TARGETS, newest, false).transform(null, SAMPLE, null, null, sample);
        newest.tidy();
        List<String> left = new ArrayList<>();
        for (File f : dir.resolve("c").toFile().listFiles()) {
            left.add(f.getName());
        }
        assertEquals(HookClassCache.KEPT_JDKS, left.size(), left.toString());
        assertTrue(left.contains(onlyEntry(dir.resolve("c"), "hooks-jdk0-").getName()), "the one used again stays");
        assertTrue(left.contains(onlyEntry(dir.resolve("c"), "hooks-jdknew-").getName()), "the new one stays");
        for (String gone : new String[] {"hooks-jdk1-", "hooks-jdk2-", "hooks-jdk3-"}) {
            assertTrue(left.stream().noneMatch(n -> n.startsWith(gone)), gone + " (the oldest unused) went");
        }
    }

    private static File onlyEntry(Path directory, String prefix) {
        File[] matching = directory.toFile().listFiles((d, name) -> name.startsWith(prefix));
        assertNotNull(matching);
        assertEquals(1, matching.length, prefix);
        return matching[0];
    }

    @Test
    void otherBytesAnotherBuildOrAnotherJdkMiss(@TempDir Path dir) throws Exception {
        byte[] sample = ClassFileContents.transformSample();
        CacheDirectory directory = new CacheDirectory(dir.resolve("c").toFile());
        new HookTransformer(TARGETS, new HookClassCache(directory, "build-1", "jdk"), false)
                .transform(null, SAMPLE, null, null, sample);
        byte[] changed = sample.clone();
        changed[changed.length - 1] ^= 1;
        assertNull(new HookClassCache(directory, "build-1", "jdk").lookup(SAMPLE, changed, new ArrayList<>()),
                "a class file another transformer changed first");
        assertNull(new HookClassCache(directory, "build-2", "jdk").lookup(SAMPLE, sample, new ArrayList<>()));
        assertNull(new HookClassCache(directory, "build-1", "jdk2").lookup(SAMPLE, sample, new ArrayList<>()));
        assertNotNull(new HookClassCache(directory, "build-1", "jdk").lookup(SAMPLE, sample, new ArrayList<>()));
    }

    @Test
    void aDamagedEntryIsAMissAndIsWrittenAnew(@TempDir Path dir) throws Exception {
        byte[] sample = ClassFileContents.transformSample();
        File directory = dir.resolve("c").toFile();
        HookClassCache cache = new HookClassCache(new CacheDirectory(directory), "build-1", "jdk");
        byte[] rewritten = new HookTransformer(TARGETS, cache, false).transform(null, SAMPLE, null, null, sample);
        File[] entries = directory.listFiles();
        assertEquals(1, entries.length);
        byte[] bytes = Files.readAllBytes(entries[0].toPath());
        Files.write(entries[0].toPath(), Arrays.copyOf(bytes, bytes.length - 10));
        List<String> applied = new ArrayList<>();
        assertNull(cache.lookup(SAMPLE, sample, applied));
        assertTrue(applied.isEmpty());
        HookTransformer again = new HookTransformer(TARGETS, cache, false);
        assertArrayEquals(rewritten, again.transform(null, SAMPLE, null, null, sample), "rewritten by ASM again");
        assertEquals(3, again.applied().size());
        assertNotNull(cache.lookup(SAMPLE, sample, new ArrayList<>()), "and cached again");
    }
}
