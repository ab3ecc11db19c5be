package io.kaagent.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The nested jar of the relocated libraries: one owner-only copy per build, or a temporary one that leaves nothing. */
class LibraryJarTest {
    private static final String BUILD = "0.1.0 0123456789abcdef0123456789abcdef";

    @Test
    void isCopiedOncePerBuildIntoTheCacheDirectory(@TempDir Path dir) throws Exception {
        File agent = agentJar(dir, "first");
        CacheDirectory cache = new CacheDirectory(dir.resolve("cache").toFile());
        try (JarFile outer = new JarFile(agent); JarFile libs = LibraryJar.open(outer, cache, BUILD)) {
            assertEquals("first", text(libs, "io/kaagent/shaded/Lib.classdata"));
        }
        Path copy = dir.resolve("cache/libs-0123456789abcdef.jar");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
        long modified = Files.getLastModifiedTime(copy).toMillis();
        try (JarFile outer = new JarFile(agent); JarFile libs = LibraryJar.open(outer, cache, BUILD)) {
            assertEquals("first", text(libs, "io/kaagent/shaded/Lib.classdata"));
        }
        assertEquals(modified, Files.getLastModifiedTime(copy).toMillis(), "the copy is reused, not written again");
        assertEquals(List.of("libs-0123456789abcdef.jar"), names(dir.resolve("cache")), "no temporary file left");
    }

    @Test
    void aNewCopyRemovesOtherBuildsCopiesLeftAloneForADay(@TempDir Path dir) throws Exception {
        Path cacheDir = Files.createDirectory(dir.resolve("cache"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path stale = Files.write(cacheDir.resolve("libs-00000000000000aa.jar"), new byte[] {1});
        Path recent = Files.write(cacheDir.resolve("libs-00000000000000bb.jar"), new byte[] {2});
        Path policy = Files.write(cacheDir.resolve("policy-1-1.bin"), new byte[] {3});
        // What JVMs that ended while writing left: an hour old goes, younger may be a starting JVM's.
        Path oldTemporary = Files.write(cacheDir.resolve("libs-0123456789abcdef.jar.5f-1.tmp"), new byte[0]);
        Path youngTemporary = Files.write(cacheDir.resolve("policy-2-2.bin.6a-1.tmp"), new byte[] {4});
        long now = System.currentTimeMillis();
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(
                now - CacheDirectory.OTHERS_LEFT_ALONE_MILLIS - 60_000));
        Files.setLastModifiedTime(oldTemporary, java.nio.file.attribute.FileTime.fromMillis(
                now - CacheDirectory.STALE_TEMPORARY_MILLIS - 60_000));
        Files.setLastModifiedTime(youngTemporary, java.nio.file.attribute.FileTime.fromMillis(
                now - CacheDirectory.STALE_TEMPORARY_MILLIS + 60_000));
        Files.setLastModifiedTime(policy, java.nio.file.attribute.FileTime.fromMillis(
                now - CacheDirectory.OTHERS_LEFT_ALONE_MILLIS - 60_000));
        CacheDirectory cache = new CacheDirectory(cacheDir.toFile());
        try (JarFile outer = new JarFile(agentJar(dir, "new")); JarFile libs = LibraryJar.open(outer, cache, BUILD)) {
            assertNotNull(libs);
        }
        assertEquals(List.of("libs-00000000000000bb.jar", "libs-0123456789abcdef.jar", "policy-1-1.bin",
                "policy-2-2.bin.6a-1.tmp"), names(cacheDir),
                "another build's copy of the last day stays, as does every other entry and a temporary file of the "
                        + "last hour");
        assertTrue(Files.exists(recent));
    }

    @Test
    void rootsPrimedCopyIsOpenedWhereTheUserHasNone(@TempDir Path dir) throws Exception {
        Path primed = CacheDirectoryTest.primedByRoot(dir, "rwxr-xr-x");
        File agent = agentJar(dir, "primed");
        try (JarFile outer = new JarFile(agent);
                JarFile copy = LibraryJar.open(outer, new CacheDirectory(primed.toFile()), BUILD)) {
            assertNotNull(copy); // as an image build writes it
        }
        Path own = dir.resolve("ka-agent-user");
        CacheDirectory cache = new CacheDirectory(own.toFile(), primed.toFile());
        try (JarFile outer = new JarFile(agent); JarFile libs = LibraryJar.open(outer, cache, BUILD)) {
            assertEquals("primed", text(libs, "io/kaagent/shaded/Lib.classdata"));
            assertEquals(primed.resolve("libs-0123456789abcdef.jar").toString(), libs.getName());
        }
        assertTrue(!Files.exists(own), "nothing copied into the user's own directory");
    }

    @Test
    void aDamagedCopyIsWrittenAnew(@TempDir Path dir) throws Exception {
        File agent = agentJar(dir, "good");
        CacheDirectory cache = new CacheDirectory(dir.resolve("cache").toFile());
        try (JarFile outer = new JarFile(agent); JarFile libs = LibraryJar.open(outer, cache, BUILD)) {
            assertNotNull(libs);
        }
        Path copy = dir.resolve("cache/libs-0123456789abcdef.jar");
        Files.write(copy, new byte[(int) Files.size(copy)]); // same size, no jar at all
        try (JarFile outer = new JarFile(agent); JarFile libs = LibraryJar.open(outer, cache, BUILD)) {
            assertEquals("good", text(libs, "io/kaagent/shaded/Lib.classdata"));
        }
    }

    @Test
    void withoutACacheATemporaryCopyIsOpenedAndDeletedAtOnce(@TempDir Path dir) throws Exception {
        File agent = agentJar(dir, "temporary");
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString());
        try (JarFile outer = new JarFile(agent); JarFile libs = LibraryJar.open(outer, null, null)) {
            assertEquals(List.of(), names(tmp), "the copy's name is gone once it is open");
            assertEquals("temporary", text(libs, "io/kaagent/shaded/Lib.classdata"), "and it still reads");
        } finally {
            System.setProperty("java.io.tmpdir", before);
        }
    }

    /** A read-only root filesystem with no writable /tmp: the copy goes to the next directory, /dev/shm on Linux. */
    @Test
    void aTemporaryDirectoryThatCannotTakeTheCopyIsPassedOver(@TempDir Path dir) throws Exception {
        File agent = agentJar(dir, "second");
        Path second = Files.createDirectory(dir.resolve("second"));
        File missing = dir.resolve("missing").toFile();
        try (JarFile outer = new JarFile(agent);
                JarFile libs = LibraryJar.openTemporary(outer, outer.getEntry(LibraryJar.ENTRY),
                        List.of(missing, second.toFile()))) {
            assertEquals("second", text(libs, "io/kaagent/shaded/Lib.classdata"));
            assertTrue(libs.getName().startsWith(second.toString()), libs.getName());
            assertEquals(List.of(), names(second), "the copy's name is gone once it is open");
        }
        assertTrue(!missing.exists());
        try (JarFile outer = new JarFile(agent)) {
            IOException e = assertThrows(IOException.class, () -> LibraryJar.openTemporary(outer,
                    outer.getEntry(LibraryJar.ENTRY), List.of(missing, dir.resolve("missing too").toFile())));
            assertEquals("no temporary copy in " + missing + " (No such file or directory), nor in "
                    + dir.resolve("missing too") + " (No such file or directory)", e.getMessage());
        }
    }

    @Test
    void temporaryCopiesGoToTheJvmsTemporaryDirectoryThenToDevShm(@TempDir Path dir) {
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", dir.toString());
        try {
            List<File> directories = LibraryJar.temporaryDirectories();
            assertEquals(dir.toFile(), directories.get(0));
            assertEquals(new File("/dev/shm").isDirectory() ? List.of(dir.toFile(), new File("/dev/shm"))
                    : List.of(dir.toFile()), directories);
            System.setProperty("java.io.tmpdir", "/dev/shm");
            assertEquals(List.of(new File("/dev/shm")), LibraryJar.temporaryDirectories(), "not twice");
        } finally {
            System.setProperty("java.io.tmpdir", before);
        }
    }

    /**
     * A short tool's main can end while an agent thread copies the libraries (-Dka.agent.cache=false): the exit must
     * not leave the copy behind. Child JVMs copy again and again on a daemon thread and end, by returning from main
     * or by System.exit, when a copy's file is there (as the child saw it right before): until three did.
     */
    @Test
    void aJvmThatEndsWhileCopyingLeavesNothingBehind(@TempDir Path dir) throws Exception {
        byte[] bulk = new byte[3 << 20];
        new java.util.Random(7).nextBytes(bulk); // does not compress: the copy's time goes to writing it
        File agent = agentJar(dir, "exiting", bulk);
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int endedMidCopy = 0;
        int children = 0;
        for (; children < 40 && endedMidCopy < 3; children++) {
            String how = children % 2 == 0 ? "return" : "exit";
            Process child = new ProcessBuilder(java, "-Djava.io.tmpdir=" + tmp, "-cp",
                    System.getProperty("java.class.path"), CopyingWhileExiting.class.getName(), agent.toString(),
                    how, String.valueOf(children * 7 % 50)).redirectErrorStream(true).start();
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, child.waitFor(), output);
            assertTrue(output.startsWith("copies made: "), output);
            endedMidCopy += output.contains("files: 1") ? 1 : 0;
            assertEquals(List.of(), names(tmp), "after a JVM that ended by " + how + ": " + output);
        }
        assertEquals(3, endedMidCopy, "JVMs that ended with a copy's file there, of " + children);
    }

    /** The child of the test above: copies the libraries on a daemon thread until its main ends. */
    public static final class CopyingWhileExiting {
        public static void main(String[] args) throws Exception {
            JarFile outer = new JarFile(args[0]);
            java.util.concurrent.atomic.AtomicInteger copies = new java.util.concurrent.atomic.AtomicInteger();
            Thread copier = new Thread(() -> {
                while (true) {
                    try (JarFile libs = LibraryJar.open(outer, null, null)) {
                        copies.incrementAndGet();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            copier.setDaemon(true);
            copier.start();
            while (copies.get() == 0) {
                Thread.sleep(1);
            }
            Thread.sleep(Long.parseLong(args[2]));
            File[] files = new File(System.getProperty("java.io.tmpdir")).listFiles();
            System.out.println("copies made: " + copies.get() + ", files: " + files.length);
            if (args[1].equals("exit")) {
                System.exit(0);
            }
        }
    }

    @Test
    void anAgentJarWithoutTheNestedJarSaysSo(@TempDir Path dir) throws Exception {
        File plain = dir.resolve("plain.jar").toFile();
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(plain.toPath()))) {
            out.putNextEntry(new ZipEntry("inst/other"));
            out.write(1);
        }
        try (JarFile outer = new JarFile(plain)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LibraryJar.open(outer, null, null));
            assertTrue(e.getMessage().contains("inst/libs.jar"), e.getMessage());
        }
    }

    @Test
    void theShortIdIsTheDigestsStart() {
        assertEquals("0123456789abcdef", LibraryJar.shortId(BUILD));
        assertEquals("abc", LibraryJar.shortId("dev abc"));
    }

    /** An agent jar whose inst/libs.jar holds one entry with that text. */
    private static File agentJar(Path dir, String text) throws IOException {
        return agentJar(dir, text, new byte[0]);
    }

    /** As above, with a second entry of that bulk (the real nested jar is 2.6 MB). */
    private static File agentJar(Path dir, String text, byte[] bulk) throws IOException {
        ByteArrayOutputStream nested = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(nested)) {
            out.putNextEntry(new ZipEntry("io/kaagent/shaded/Lib.classdata"));
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new ZipEntry("io/kaagent/shaded/Bulk.classdata"));
            out.write(bulk);
        }
        File agent = dir.resolve("ka-agent-" + text + ".jar").toFile();
        try (OutputStream file = Files.newOutputStream(agent.toPath());
                ZipOutputStream out = new ZipOutputStream(file)) {
            out.putNextEntry(new ZipEntry("inst/libs.jar"));
            out.write(nested.toByteArray());
        }
        return agent;
    }

    private static String text(JarFile jar, String entry) throws IOException {
        try (InputStream in = jar.getInputStream(jar.getEntry(entry))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
