package io.kaagent.cache;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.PrivilegedAction;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import io.kaagent.Privileged;

/**
 * Opens the agent's relocated libraries (SnakeYAML Engine, Byte Buddy's ASM and agent, tinylog: ~530 classes), which
 * the agent jar carries as one nested jar, {@code inst/libs.jar}. The JDK indexes every entry of a
 * {@code -javaagent} jar when it opens it, in every JVM, before premain: ~1,800 entries cost a cold JVM 5-6 ms of
 * its start (measured, JDK 17 and 25), while a start whose caches are warm needs none of these libraries. They are
 * opened when first needed instead: on the agent's own threads (a policy not compiled before, a socket class not
 * rewritten before, the first line the agent logs) or in the command line. jffi, which every JVM's native layer
 * loads, is not in it.
 * <p>
 * The nested jar is copied once per agent build into the {@link CacheDirectory} ({@code libs-<build>.jar}, owner-only
 * like everything there) and opened from there; writing a copy removes other builds' copies left alone for a day.
 * Without a usable cache directory it goes to a temporary file (java.io.tmpdir, else /dev/shm) that is deleted as soon
 * as it is open, or at the JVM's exit if that comes first: the open jar stays readable, and only a JVM killed while
 * it copies leaves one behind.
 * Called by the launcher's class loader (AgentMain) through this JDK interface, with the agent jar it has open.
 */
public final class LibraryJar implements Function<JarFile, JarFile> {
    static final String ENTRY = "inst/libs.jar";

    /**
     * With the agent's permissions ({@link Privileged}): the launcher's frames, which a Security Manager's policy
     * need not grant, are below this one on the stack.
     */
    @Override
    public JarFile apply(final JarFile agentJar) {
        return Privileged.run(new PrivilegedAction<JarFile>() {
            @Override
            public JarFile run() {
                return open(agentJar, CacheDirectory.forUser(), BuildId.current());
            }
        });
    }

    /** @param directory the cache directory, or null; @param build the agent's build id, or null (no cache) */
    static JarFile open(JarFile agentJar, CacheDirectory directory, String build) {
        ZipEntry nested = agentJar.getEntry(ENTRY);
        if (nested == null || nested.getSize() <= 0) {
            throw new IllegalStateException("the agent jar has no " + ENTRY);
        }
        try {
            JarFile cached = directory == null || build == null ? null
                    : openCached(agentJar, nested, directory, build);
            return cached != null ? cached : openTemporary(agentJar, nested, temporaryDirectories());
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the agent's libraries (" + ENTRY + "): " + e, e);
        }
    }

    /** The copy in this user's cache directory, made now if missing or damaged; null without a usable directory. */
    private static JarFile openCached(JarFile agentJar, ZipEntry nested, CacheDirectory directory, String build)
            throws IOException {
        String name = "libs-" + shortId(build) + ".jar";
        File file = directory.file(name);
        if (file.isFile() && file.length() == nested.getSize() && directory.usable(false)) {
            try {
                return new JarFile(file, false);
            } catch (IOException damaged) {
                // written anew below
            }
        }
        JarFile primed = openPrimed(directory, name, nested.getSize());
        if (primed != null) {
            return primed;
        }
        byte[] bytes = read(agentJar, nested);
        directory.write(name, bytes);
        if (file.isFile() && file.length() == bytes.length && directory.usable(false)) {
            removeStaleCopies(directory, name, System.currentTimeMillis());
            return new JarFile(file, false);
        }
        return null; // the directory cannot be written
    }

    /** Root's copy, primed at an image's build (see CacheDirectory#primed); null when there is none to use. */
    private static JarFile openPrimed(CacheDirectory directory, String name, long size) {
        File file = directory.primedFile(name);
        if (file == null || file.length() != size) {
            return null;
        }
        try {
            return new JarFile(file, false);
        } catch (IOException unreadable) {
            return null; // not made readable for other users, or damaged: copied into this user's directory
        }
    }

    /**
     * Other builds' copies (~1 MB each) untouched for a day ({@link CacheDirectory#removeOthersLeftAlone}): an
     * upgraded fleet would otherwise pile them up. Also temporary files older than an hour: a JVM killed while it
     * writes an entry leaves one behind, up to a copy's size. Best effort.
     */
    static void removeStaleCopies(CacheDirectory directory, String current, long now) {
        directory.removeOthersLeftAlone("libs-", ".jar", current, now);
    }

    /**
     * Where a temporary copy may go: java.io.tmpdir, else (Linux) /dev/shm. A container whose root filesystem is
     * read-only and has no writable /tmp still has /dev/shm (Docker and Kubernetes mount it writable for every
     * user, noexec: a jar needs no exec rights, unlike jffi's stub). Without the copy no socket class can be
     * rewritten, and the agent did nothing at all there.
     */
    static List<File> temporaryDirectories() {
        File tmp = new File(System.getProperty("java.io.tmpdir", "/tmp"));
        File shm = new File("/dev/shm");
        return shm.isDirectory() && !shm.equals(tmp) ? Arrays.asList(tmp, shm) : Collections.singletonList(tmp);
    }

    /** The copy in the first of these directories that takes it; throws naming each and why not. */
    static JarFile openTemporary(JarFile agentJar, ZipEntry nested, List<File> directories) throws IOException {
        byte[] bytes = read(agentJar, nested); // before the file exists: the window below is one write long
        StringBuilder refused = new StringBuilder();
        for (File directory : directories) {
            try {
                return openTemporary(bytes, directory);
            } catch (IOException e) {
                refused.append(refused.length() == 0 ? "no temporary copy in " : ", nor in ").append(directory)
                        .append(" (").append(e.getMessage()).append(')');
            }
        }
        throw new IOException(refused.toString());
    }

    private static JarFile openTemporary(byte[] bytes, File directory) throws IOException {
        // Not File.createTempFile: its SecureRandom costs a cold JVM ~35 ms of seeding and provider set-up. An
        // exclusive create needs no unguessable name: it fails on anything (or any link) already there.
        String name = "ka-agent-libs-" + Long.toHexString(System.nanoTime()) + "-" + Thread.currentThread().getId()
                + ".jar";
        File file = new File(directory, name);
        CacheDirectory.removeAtExit(file); // first: a JVM whose exit hook ran already creates nothing
        if (!file.createNewFile()) {
            throw new IOException(file + " exists already");
        }
        try {
            // Opened before the exit hook may delete the name: writing then goes to the unlinked file and never
            // creates it again. Without the hook, a JVM whose main ends while this daemon thread copies (a short
            // tool under -Dka.agent.cache=false: 4 starts in 30 here) left an empty file behind at every such end.
            try (OutputStream out = new FileOutputStream(file)) {
                CacheDirectory.removeAtExit(file); // again: refused if the hook ran since the first, deleted below
                if (!CacheDirectory.makeOwnerOnly(file)) {
                    throw new IOException("cannot make " + file + " owner-only");
                }
                out.write(bytes);
            }
            return new JarFile(file, false);
        } finally {
            // Open (or failed): the name goes, the open file stays readable until the JVM ends.
            file.delete();
        }
    }

    private static byte[] read(JarFile agentJar, ZipEntry nested) throws IOException {
        int size = (int) nested.getSize();
        try (InputStream in = agentJar.getInputStream(nested)) {
            byte[] bytes = BoundedInput.readAtMost(in, size, size);
            if (bytes.length != size) {
                throw new IOException(ENTRY + " is " + bytes.length + " bytes, the jar says " + size);
            }
            return bytes;
        }
    }

    /** The build id's digest, shortened: one copy per build, and a rebuild under the same version gets its own. */
    static String shortId(String buildId) {
        String digest = buildId.substring(buildId.lastIndexOf(' ') + 1);
        return digest.length() > 16 ? digest.substring(0, 16) : digest;
    }
}
