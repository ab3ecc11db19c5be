package io.kaagent.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory every cache of the agent lives in: private or not used, entries written whole. */
class CacheDirectoryTest {
    private static final long DAY = 24L * 60 * 60 * 1000;

    @Test
    void writesAreMadeOwnerOnlyAndReadBack(@TempDir Path dir) throws Exception {
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-test").toFile());
        assertNull(cache.read("entry.bin"), "nothing there yet");
        byte[] bytes = "some bytes".getBytes(StandardCharsets.UTF_8);
        cache.write("entry.bin", bytes);
        assertArrayEquals(bytes, cache.read("entry.bin"));
        assertEquals("rwx------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("ka-agent-test"))));
        try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("ka-agent-test"))) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void keepNewestRemovesOnlyTheOldestOfOneKind(@TempDir Path dir) throws Exception {
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-test").toFile());
        long now = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            writtenAt(cache, "kind-" + i + ".bin", now - (10 - i) * DAY);
        }
        writtenAt(cache, "other-0.bin", now - 20 * DAY);
        writtenAt(cache, "kind-young.bin", now); // written just now: kept whatever the count
        // left by a JVM killed while writing
        writtenAt(cache, "kind-x.bin.1234-1.tmp", now - 2 * CacheDirectory.STALE_TEMPORARY_MILLIS);

        assertEquals(4, cache.keepNewest("kind-", ".bin", 2, now));
        assertTrue(cache.file("kind-young.bin").isFile());
        assertTrue(cache.file("kind-4.bin").isFile(), "the newest old one makes two");
        for (int i = 0; i < 4; i++) {
            assertFalse(cache.file("kind-" + i + ".bin").exists(), "kind-" + i);
        }
        assertTrue(cache.file("other-0.bin").isFile(), "another kind is not counted, nor removed");
        assertFalse(cache.file("kind-x.bin.1234-1.tmp").exists(), "a stale temporary file goes too");
        assertEquals(0, cache.keepNewest("kind-", ".bin", 2, now), "nothing more to remove");
    }

    @Test
    void keepNewestGroupsKeepsTheGroupsUsedLastWhole(@TempDir Path dir) throws Exception {
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-test").toFile());
        long now = System.currentTimeMillis();
        // Three groups of two entries; group a's newest entry is the most recent, then c, then b.
        String[][] groups = {{"hooks-a-x.bin", "hooks-a-b-y.bin"}, {"hooks-b-x.bin", "hooks-b-b-y.bin"},
            {"hooks-c-x.bin", "hooks-c-b-y.bin"}};
        long[][] ages = {{30, 1}, {5, 6}, {20, 3}};
        for (int g = 0; g < groups.length; g++) {
            for (int e = 0; e < 2; e++) {
                writtenAt(cache, groups[g][e], now - ages[g][e] * DAY);
            }
        }
        writtenAt(cache, "policy-1.bin", now - 100 * DAY);

        assertEquals(2, cache.keepNewestGroups("hooks-", ".bin", 2, now));
        for (String kept : new String[] {"hooks-a-x.bin", "hooks-a-b-y.bin", "hooks-c-x.bin", "hooks-c-b-y.bin"}) {
            assertTrue(cache.file(kept).isFile(), kept + ": a group's oldest entry goes with its newest");
        }
        assertFalse(cache.file("hooks-b-x.bin").exists());
        assertFalse(cache.file("hooks-b-b-y.bin").exists());
        assertTrue(cache.file("policy-1.bin").isFile(), "another kind is not counted, nor removed");
        assertEquals(0, cache.keepNewestGroups("hooks-", ".bin", 2, now), "nothing more to remove");
    }

    @Test
    void removeOthersLeftAloneSparesTheCurrentOneAndRecentOnes(@TempDir Path dir) throws Exception {
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-test").toFile());
        long now = System.currentTimeMillis();
        for (String name : new String[] {"libjffi-1.2-aaaa-10.so", "libjffi-1.2-bbbb-10.so", "libjffi-1.2-cccc-10.so",
            "libjffi-1.2-" + "d".repeat(64) + ".so", "libs-0001.jar"}) {
            writtenAt(cache, name, now - 2 * DAY);
        }
        assertTrue(cache.file("libjffi-1.2-bbbb-10.so").setLastModified(now - 60_000)); // another build's, in use

        cache.removeOthersLeftAlone("libjffi-", ".so", "libjffi-1.2-aaaa-10.so", now);
        assertTrue(cache.file("libjffi-1.2-aaaa-10.so").isFile(), "the current one, however old");
        assertTrue(cache.file("libjffi-1.2-bbbb-10.so").isFile(), "one written within the day");
        assertFalse(cache.file("libjffi-1.2-cccc-10.so").exists());
        assertFalse(cache.file("libjffi-1.2-" + "d".repeat(64) + ".so").exists(), "the SHA-256-named one too");
        assertTrue(cache.file("libs-0001.jar").isFile(), "another kind");
    }

    /** An entry as a JVM wrote it at that time. */
    private static void writtenAt(CacheDirectory cache, String name, long time) {
        cache.write(name, new byte[] {1});
        assertTrue(cache.file(name).setLastModified(time), name);
    }

    @Test
    void markUsedSetsTheTimeOnceADayAtMost(@TempDir Path dir) throws Exception {
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-test").toFile());
        long now = System.currentTimeMillis();
        cache.write("entry.bin", new byte[] {1});
        long twoDaysAgo = now - 2 * CacheDirectory.USED_MARK_MILLIS;
        long anHourAgo = now - 60 * 60 * 1000;
        assertTrue(cache.file("entry.bin").setLastModified(anHourAgo));
        cache.markUsed("entry.bin", now);
        assertEquals(anHourAgo, cache.file("entry.bin").lastModified(), "marked within the day: left alone");
        assertTrue(cache.file("entry.bin").setLastModified(twoDaysAgo));
        cache.markUsed("entry.bin", now);
        assertEquals(now, cache.file("entry.bin").lastModified());
        cache.markUsed("missing.bin", now);
        assertFalse(cache.file("missing.bin").exists(), "nothing made for an entry that is not there");
    }

    @Test
    void aDirectoryOthersMayWriteIsNotUsed(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.write(shared.resolve("entry.bin"), new byte[] {1, 2, 3});
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        CacheDirectory cache = new CacheDirectory(shared.toFile());
        assertFalse(cache.usable(true));
        assertNull(cache.read("entry.bin"), "an entry anybody could have written is never read");
        cache.write("other.bin", new byte[] {4});
        assertFalse(Files.exists(shared.resolve("other.bin")), "nor is anything written there");
    }

    @Test
    void aLinkToADirectoryIsNotUsed(@TempDir Path dir) throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        assertTrue(new CacheDirectory(real.toFile()).usable(false));
        assertFalse(new CacheDirectory(link.toFile()).usable(false));
    }

    @Test
    void aDirectoryOfThisProcessIsUsedWhateverUserNameSays(@TempDir Path dir) throws Exception {
        Path own = Files.createDirectory(dir.resolve("own"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String user = System.getProperty("user.name");
        try {
            // What the JDK says in a container run under a user id /etc/passwd does not name (OpenShift).
            System.setProperty("user.name", "?");
            assertTrue(new CacheDirectory(own.toFile()).usable(false), "checked by the user id, not the name");
        } finally {
            System.setProperty("user.name", user);
        }
    }

    @Test
    void theProcessUserIdIsTheOwnerOfWhatItCreates(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("mine"), new byte[] {1});
        assertEquals(Files.getAttribute(file, "unix:uid"), CacheDirectory.processUid());
    }

    @Test
    void aDirectoryOfAnotherUserIsNotUsed(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Integer.valueOf(0).equals(CacheDirectory.processUid()),
                "giving a directory to another user needs root");
        Path theirs = Files.createDirectory(dir.resolve("theirs"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.write(theirs.resolve("entry.bin"), new byte[] {1, 2, 3});
        Files.setAttribute(theirs, "unix:uid", 54321);
        CacheDirectory cache = new CacheDirectory(theirs.toFile());
        assertFalse(cache.usable(true));
        assertNull(cache.read("entry.bin"), "an entry of another user is never read");
    }

    @Test
    void entriesRootPrimedAreReadWhereTheUsersOwnHasNone(@TempDir Path dir) throws Exception {
        Path primed = primedByRoot(dir, "rwxr-xr-x");
        Files.write(primed.resolve("entry.bin"), new byte[] {1, 2, 3});
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-user").toFile(), primed.toFile());
        assertTrue(cache.has("entry.bin"));
        assertArrayEquals(new byte[] {1, 2, 3}, cache.read("entry.bin"));
        assertFalse(cache.has("other.bin"));
        cache.write("entry.bin", new byte[] {4});
        assertArrayEquals(new byte[] {4}, cache.read("entry.bin"), "the user's own entry comes first");
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(primed.resolve("entry.bin")),
                "written into the user's own directory, never root's");
        cache.primed().write("new.bin", new byte[] {5});
        assertFalse(Files.exists(primed.resolve("new.bin")), "root's directory is only read");
    }

    @Test
    void aPrimedDirectoryOthersMayWriteIsNotRead(@TempDir Path dir) throws Exception {
        Path primed = primedByRoot(dir, "rwxr-xrwx");
        Files.write(primed.resolve("entry.bin"), new byte[] {1});
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-user").toFile(), primed.toFile());
        assertFalse(cache.has("entry.bin"));
        assertNull(cache.read("entry.bin"));
        assertNull(cache.primed());
    }

    @Test
    void aPrimedEntryOthersMayWriteIsNotRead(@TempDir Path dir) throws Exception {
        Path primed = primedByRoot(dir, "rwxr-xr-x");
        Path entry = Files.write(primed.resolve("entry.bin"), new byte[] {1});
        Files.write(primed.resolve("kept.bin"), new byte[] {2});
        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-rw-rw-"));
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-user").toFile(), primed.toFile());
        assertNull(cache.read("entry.bin"), "a file anybody could have changed in place is never read");
        assertFalse(cache.has("entry.bin"));
        assertArrayEquals(new byte[] {2}, cache.read("kept.bin"));
    }

    @Test
    void aPrimedDirectoryRootDoesNotOwnIsNotRead(@TempDir Path dir) throws Exception {
        Path primed = primedByRoot(dir, "rwxr-xr-x");
        Files.write(primed.resolve("entry.bin"), new byte[] {1});
        Files.setAttribute(primed, "unix:uid", 54321);
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-user").toFile(), primed.toFile());
        assertNull(cache.read("entry.bin"), "only root's directory serves every user");
        assertNull(cache.primed());
    }

    /** Root's directory as an image build leaves it once made readable: only root (this test) can make one. */
    static Path primedByRoot(Path dir, String permissions) throws Exception {
        Assumptions.assumeTrue(Integer.valueOf(0).equals(CacheDirectory.processUid()),
                "a directory root owns is made by root");
        Path primed = Files.createDirectory(dir.resolve("ka-agent-root"));
        Files.setPosixFilePermissions(primed, PosixFilePermissions.fromString(permissions));
        return primed;
    }

    /** A file to load by path (jffi's stub): written once, mended when damaged, never one that differs. */
    @Test
    void fileWithWritesTheUsersOwnCopyOnceAndMendsADamagedOne(@TempDir Path dir) throws Exception {
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-user").toFile());
        byte[] stub = "a native library".getBytes(StandardCharsets.UTF_8);
        File file = cache.fileWith("libstub-1.so", stub);
        assertEquals(dir.resolve("ka-agent-user").resolve("libstub-1.so").toFile(), file);
        assertArrayEquals(stub, Files.readAllBytes(file.toPath()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.toPath())));
        Files.setLastModifiedTime(file.toPath(), FileTime.fromMillis(1_000_000L));
        assertEquals(file, cache.fileWith("libstub-1.so", stub));
        assertEquals(1_000_000L, Files.getLastModifiedTime(file.toPath()).toMillis(), "a good copy is not written");
        Files.write(file.toPath(), Arrays.copyOf(stub, 3)); // as a JVM killed while writing in place would
        assertEquals(file, cache.fileWith("libstub-1.so", stub));
        assertArrayEquals(stub, Files.readAllBytes(file.toPath()), "a damaged copy is written anew");
        byte[] flipped = stub.clone();
        flipped[5] ^= 0x20; // the same length, one bit off
        Files.write(file.toPath(), flipped);
        assertEquals(file, cache.fileWith("libstub-1.so", stub));
        assertArrayEquals(stub, Files.readAllBytes(file.toPath()), "a copy of the same length that differs too");
        try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("ka-agent-user"))) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void fileWithGivesNothingFromADirectoryOthersMayWrite(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        byte[] stub = {1, 2, 3};
        Files.write(shared.resolve("libstub-1.so"), stub);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertNull(new CacheDirectory(shared.toFile()).fileWith("libstub-1.so", stub),
                "a library anybody could have put there is never loaded");
    }

    @Test
    void fileWithTakesRootsPrimedCopyOnlyWhenItHoldsTheSameBytes(@TempDir Path dir) throws Exception {
        Path primed = primedByRoot(dir, "rwxr-xr-x");
        byte[] stub = {1, 2, 3};
        Files.write(primed.resolve("libstub-1.so"), stub);
        Files.write(primed.resolve("libstub-2.so"), new byte[] {9, 9});
        CacheDirectory cache = new CacheDirectory(dir.resolve("ka-agent-user").toFile(), primed.toFile());
        assertEquals(primed.resolve("libstub-1.so").toFile(), cache.fileWith("libstub-1.so", stub));
        assertFalse(Files.exists(dir.resolve("ka-agent-user")), "nothing written where root's copy serves");
        File own = cache.fileWith("libstub-2.so", new byte[] {4, 5});
        assertEquals(dir.resolve("ka-agent-user").resolve("libstub-2.so").toFile(), own, "root's differs");
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(own.toPath()));
        assertArrayEquals(new byte[] {9, 9}, Files.readAllBytes(primed.resolve("libstub-2.so")), "root's untouched");
    }

    @Test
    void theUserNameIsSpelledForAFileName() {
        String user = System.getProperty("user.name");
        try {
            System.setProperty("user.name", "ad\\min ü.x-1_2");
            assertEquals("ad_min__.x-1_2", CacheDirectory.safeUserName());
            System.setProperty("user.name", "?"); // a user id without a name
            assertEquals("uid-" + CacheDirectory.processUid(), CacheDirectory.safeUserName());
        } finally {
            System.setProperty("user.name", user);
        }
    }

    @Test
    void cachingCanBeSwitchedOff() {
        try {
            System.setProperty("ka.agent.cache", "false");
            assertNull(CacheDirectory.forUser());
            assertTrue(CacheDirectory.ofUser().directory().getName().startsWith("ka-agent-"),
                    "jffi's stub has to live somewhere");
        } finally {
            System.clearProperty("ka.agent.cache");
        }
        assertTrue(CacheDirectory.forUser().directory().getName().startsWith("ka-agent-"));
    }
}
