package io.kaagent.cache;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * {@code <java.io.tmpdir>/ka-agent-<user>/} (or under {@code -Dka.agent.native.dir}): the directory jffi's stub, the
 * agent's libraries ({@link LibraryJar}), the compiled policies and the rewritten hook classes are kept in. Used only
 * when it is a real directory of this user that nobody else may write to — what is read from it ends up as code (a
 * native library, the agent's own, JDK classes) or as the policy of this JVM. {@code -Dka.agent.cache=false} turns
 * the caches off (not jffi's stub, which has to live somewhere; the libraries then go to a temporary file). Entries
 * it lacks are read from root's directory under the same base when root primed it for every user ({@link #primed}).
 * <p>
 * The check reads the directory's owner and mode once per JVM: in a cold JVM that loads a dozen classes.
 */
public final class CacheDirectory {
    /** Larger than any entry the agent writes (a rewritten JDK class is ~100 KiB): anything bigger is not ours. */
    private static final long MAX_ENTRY_BYTES = 4L << 20;
    /** S_IWGRP | S_IWOTH. */
    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static volatile CacheDirectory forUser;
    private static final Integer ROOT_UID = 0;
    /** How old a temporary file must be before it is removed: younger ones may be a starting JVM's. */
    static final long STALE_TEMPORARY_MILLIS = 60L * 60 * 1000;
    /** How long another build's or version's copy must have been left alone before {@link #removeOthersLeftAlone}. */
    static final long OTHERS_LEFT_ALONE_MILLIS = 24L * 60 * 60 * 1000;
    /** How old an entry's time must be before {@link #markUsed} sets it again. */
    static final long USED_MARK_MILLIS = 24L * 60 * 60 * 1000;

    /** The user whose directory, filled at an image's build, every other user may read: see {@link #primed}. */
    static final String PRIMING_USER = "root";

    private final File directory;
    /** Where entries this directory lacks may be read from: root's, for another user; null if none. */
    private final CacheDirectory primed;
    /** Whether this is root's directory read by another user: usable when root owns it, and never written. */
    private final boolean readOnlyOfRoot;
    private final Object lock = new Object();
    private Boolean privateChecked;

    public CacheDirectory(File directory) {
        this(directory, null, false);
    }

    /** A user's directory that falls back on entries root primed in {@code primed} (for tests: forUser makes it). */
    CacheDirectory(File directory, File primed) {
        this(directory, primed == null ? null : new CacheDirectory(primed, null, true), false);
    }

    private CacheDirectory(File directory, CacheDirectory primed, boolean readOnlyOfRoot) {
        this.directory = directory;
        this.primed = primed;
        this.readOnlyOfRoot = readOnlyOfRoot;
    }

    /** This user's directory (one instance per JVM, so that its check is made once), or null with caching off. */
    public static CacheDirectory forUser() {
        if ("false".equalsIgnoreCase(System.getProperty("ka.agent.cache", "").trim())) {
            return null;
        }
        return ofUser();
    }

    /** This user's directory, caching off or not: jffi's stub has to live somewhere ({@link #fileWith}). */
    public static CacheDirectory ofUser() {
        CacheDirectory dir = forUser;
        if (dir == null) {
            synchronized (CacheDirectory.class) {
                dir = forUser;
                if (dir == null) {
                    String base = System.getProperty("ka.agent.native.dir");
                    if (base == null || base.trim().isEmpty()) {
                        base = System.getProperty("java.io.tmpdir");
                    }
                    String user = safeUserName();
                    File primed = user.equals(PRIMING_USER) ? null : new File(base, "ka-agent-" + PRIMING_USER);
                    dir = new CacheDirectory(new File(base, "ka-agent-" + user), primed);
                    forUser = dir;
                }
            }
        }
        return dir;
    }

    /**
     * The user name as a file name: characters outside {@code A-Za-z0-9._-} become {@code _}, as every build has
     * spelled it (directories primed by an older build keep their names). By hand: a regular expression compiled
     * here cost a cold JVM's start milliseconds. A user id without a name (the JDK says "?") is spelled
     * {@code uid-<id>}: every such user would otherwise share one name, and each would find the others' directory
     * not its own and do without.
     */
    static String safeUserName() {
        String user = System.getProperty("user.name", "unknown");
        Integer uid = user.equals("?") ? processUid() : null;
        if (uid != null) {
            return "uid-" + uid;
        }
        char[] name = user.toCharArray();
        for (int i = 0; i < name.length; i++) {
            char c = name[i];
            boolean plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-';
            if (!plain) {
                name[i] = '_';
            }
        }
        return new String(name);
    }

    public File file(String name) {
        return new File(directory, name);
    }

    public File directory() {
        return directory;
    }

    /**
     * Root's directory under the same base, which a non-root JVM reads entries from that its own lacks — its own
     * cannot even be made where the base is root's and read-only, as at an image's {@code /opt}. A container image
     * built as root primes it ({@code RUN java -version} with the agent, then {@code chmod -R go+rX} on it: the
     * agent writes everything owner-only), and every container, whatever user it runs as, starts warm. Trusted as
     * a system directory is: a real directory root owns that no one else may write to. Null for root itself, and
     * when that directory is not there or not so.
     */
    public CacheDirectory primed() {
        return primed != null && primed.usable(false) ? primed : null;
    }

    /**
     * The file of that entry in root's directory ({@link #primed}), when there is one this JVM may use; else null.
     * The file too must be root's alone: unlike the user's own directory (rwx------), root's is open to every user,
     * and a file in it anybody may write to could be changed in place.
     */
    File primedFile(String name) {
        // Looked at before the directory is checked: a start with nothing primed pays one failed stat, not the check.
        File file = primed == null ? null : primed.file(name);
        return file != null && file.isFile() && primed() != null && ownedAlone(file.toPath(), false, ROOT_UID)
                ? file : null;
    }

    /**
     * A directory (or regular file), not a link, that user {@code uid} owns and neither group nor others may write
     * to. The "unix" view's mode bits, not PosixFileAttributes.permissions(): that EnumSet reads the enum's values
     * reflectively, which on JDK 25 spins method handles: ~15 ms of a cold JVM against ~3 (measured), on the policy
     * thread whose verdict a short JVM's exit waits for.
     *
     * @param uid the owner it must have; null: this JVM's user by name ({@code user.name}), where there is no /proc
     *            to tell its user id ({@link #processUid})
     */
    static boolean ownedAlone(Path path, boolean directory, Integer uid) {
        try {
            Map<String, Object> attributes = Files.readAttributes(path, "unix:mode,uid,isDirectory,isRegularFile",
                    LinkOption.NOFOLLOW_LINKS);
            Object mode = attributes.get("mode");
            return Boolean.TRUE.equals(attributes.get(directory ? "isDirectory" : "isRegularFile"))
                    && mode instanceof Integer && ((Integer) mode & GROUP_OR_OTHERS_WRITE) == 0
                    && (uid != null ? uid.equals(attributes.get("uid"))
                            : Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName()
                                    .equals(System.getProperty("user.name")));
        } catch (IOException | RuntimeException e) {
            return false; // not POSIX, not there: not trusted
        }
    }

    /**
     * Whether entries may be read from (and written to) it: it exists, is a directory (not a link) of this user,
     * and neither group nor others may write to it. Checked once; a directory missing at that check is re-checked
     * when {@code create} asks for it to be made (owner-only).
     */
    public boolean usable(boolean create) {
        synchronized (lock) {
            if (privateChecked == null || (!privateChecked && create && !readOnlyOfRoot)) {
                privateChecked = check(create && !readOnlyOfRoot);
            }
            return privateChecked;
        }
    }

    private boolean check(boolean create) {
        Path dir = directory.toPath();
        try {
            if (create && !directory.exists()) {
                try {
                    // rwx------ as a HashSet: fromString's EnumSet would read the enum's constants reflectively,
                    // the first Method.invoke of a cold JVM (~0.5-1 ms), on the way to a fresh start's verdict.
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(new HashSet<PosixFilePermission>(
                            Arrays.asList(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                                    PosixFilePermission.OWNER_EXECUTE))));
                    // Made just now by this process: its owner, mode 0700 less the umask. Nothing to check, which
                    // saves a fresh container's first start ~1.5 ms of NIO's attribute views (measured) on the
                    // policy thread a short JVM's exit waits for.
                    return true;
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // made by another JVM meanwhile: checked below like any existing one
                }
            }
            // By the user id, not the name: a container run under a user id that has no name (OpenShift's, or
            // docker run --user 12345) has user.name "?" and an owner named "12345", and compared by name it never
            // used a cache it made itself.
            return ownedAlone(dir, true, readOnlyOfRoot ? ROOT_UID : processUid());
        } catch (IOException | RuntimeException e) {
            return false; // not POSIX, not there: no cache
        }
    }

    /**
     * This process's effective user id, the owner of {@code /proc/self} (proc(5)); null without /proc. A process
     * that is not dumpable shows root there: its caches are then not used unless it runs as root, never the reverse.
     */
    static Integer processUid() {
        try {
            Object uid = Files.getAttribute(new File("/proc/self").toPath(), "unix:uid");
            return uid instanceof Integer ? (Integer) uid : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Whether there is an entry of that name to read, here or primed by root; without reading it. */
    public boolean has(String name) {
        return (file(name).isFile() && usable(false)) || primedFile(name) != null;
    }

    /**
     * An entry's bytes, or null when there is none (or the directory is not private). java.io only: this runs inside
     * class-file transforms, where loading classes is best kept to a minimum.
     */
    public byte[] read(String name) {
        File entry = file(name);
        byte[] own = entry.isFile() && usable(false) ? readEntry(entry) : null;
        File rootsEntry = own == null ? primedFile(name) : null;
        return rootsEntry != null ? readEntry(rootsEntry) : own;
    }

    private static byte[] readEntry(File entry) {
        long length = entry.length();
        if (length <= 0 || length > MAX_ENTRY_BYTES) {
            return null;
        }
        try (InputStream in = new FileInputStream(entry)) {
            byte[] bytes = BoundedInput.readAtMost(in, (int) length + 1, (int) length + 1);
            return bytes.length == length ? bytes : null; // a file being replaced: a miss
        } catch (IOException unreadable) {
            return null;
        }
    }

    /**
     * A file of that name holding exactly these bytes, for code that loads it by path (jffi's native stub): root's
     * primed copy where there is one, else this user's own, written now when it is missing or differs. Each is read
     * back whole and compared (length and CRC-32): a truncated copy (a JVM ended while writing it) or another build's
     * is never loaded. Not byte for byte: the JDK's compare of ~130 KB, interpreted in a cold JVM, cost the init
     * thread ~3 ms at every start, CRC-32's native code ~0.3 ms; only this user or root can write either directory.
     *
     * @return null when neither directory can give one: root primed none, and this user's is not private or not
     *         writable
     */
    public File fileWith(String name, byte[] bytes) {
        return fileWith(name, bytes, crc32(bytes));
    }

    /** As {@link #fileWith(String, byte[])}, for a caller that has the bytes' {@link #crc32} already. */
    public File fileWith(String name, byte[] bytes, long crc) {
        File rootsEntry = primedFile(name);
        if (holds(rootsEntry, bytes.length, crc)) {
            return rootsEntry;
        }
        if (readOnlyOfRoot || !usable(true)) {
            return null;
        }
        File own = file(name);
        if (holds(own, bytes.length, crc)) {
            return own;
        }
        write(name, bytes, true); // off the start: on the agent's init thread, or in a command
        removeStaleTemporaries(System.currentTimeMillis());
        return holds(own, bytes.length, crc) ? own : null;
    }

    /** Whether the file is there and holds bytes of this length and CRC-32 (readEntry: none for a missing file). */
    private static boolean holds(File file, int length, long crc) {
        byte[] held = file == null ? null : readEntry(file);
        return held != null && held.length == length && crc32(held) == crc;
    }

    /** The CRC-32 of these bytes, as {@link #fileWith} checks copies by. */
    public static long crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length);
        return crc.getValue();
    }

    /**
     * Temporary files older than {@link #STALE_TEMPORARY_MILLIS}: one that {@link #write} left when its JVM was killed
     * while writing. Younger ones may be a starting JVM's. Best effort.
     */
    void removeStaleTemporaries(long now) {
        File[] files = directory.listFiles();
        for (int i = 0; files != null && i < files.length; i++) {
            if (files[i].getName().endsWith(".tmp") && now - files[i].lastModified() > STALE_TEMPORARY_MILLIS) {
                files[i].delete();
            }
        }
    }

    /**
     * Removes the oldest entries of one kind (names starting with {@code prefix}, ending with {@code suffix}) beyond
     * the {@code keep} most recently modified, and temporary files older than an hour. Entries written within the
     * last hour stay whatever their number: one may be a starting JVM's, about to be read back. Best effort: a JVM
     * that reads an entry removed meanwhile has a miss and writes it anew.
     *
     * @return how many entries were removed
     */
    public int keepNewest(String prefix, String suffix, int keep, long now) {
        return keepNewest(prefix, suffix, false, keep, now);
    }

    /**
     * As {@link #keepNewest(String, String, int, long)} for entries that come in groups, named
     * {@code <prefix><group>-<rest><suffix>} (the hooked classes of one JDK build): keeps the {@code keep} groups with
     * the most recently modified entries, whole, and removes the others' entries, none written within the hour.
     *
     * @return how many entries were removed
     */
    public int keepNewestGroups(String prefix, String suffix, int keep, long now) {
        return keepNewest(prefix, suffix, true, keep, now);
    }

    private int keepNewest(String prefix, String suffix, boolean grouped, int keep, long now) {
        if (readOnlyOfRoot || !usable(false)) {
            return 0;
        }
        File[] files = directory.listFiles();
        if (files == null) {
            return 0;
        }
        // Each group's entries and its newest time (each file's time read once: another JVM may touch one meanwhile).
        final Map<String, Long> newest = new HashMap<String, Long>();
        Map<String, List<File>> groups = new HashMap<String, List<File>>();
        Map<File, Long> modified = new HashMap<File, Long>();
        for (File file : files) {
            String name = file.getName();
            if (!name.startsWith(prefix) || !name.endsWith(suffix)) {
                continue;
            }
            int end = grouped ? name.indexOf('-', prefix.length()) : -1;
            String group = end > 0 ? name.substring(0, end) : name;
            long time = file.lastModified();
            modified.put(file, time);
            Long before = newest.get(group);
            newest.put(group, before == null ? time : Math.max(before, time));
            List<File> members = groups.get(group);
            if (members == null) {
                members = new ArrayList<File>();
                groups.put(group, members);
            }
            members.add(file);
        }
        int removed = 0;
        if (groups.size() > keep) {
            List<String> order = new ArrayList<String>(groups.keySet());
            Collections.sort(order, new Comparator<String>() {
                @Override
                public int compare(String a, String b) {
                    return newest.get(b).compareTo(newest.get(a)); // newest first
                }
            });
            for (String old : order.subList(keep, order.size())) {
                for (File entry : groups.get(old)) {
                    if (now - modified.get(entry) > STALE_TEMPORARY_MILLIS && entry.delete()) {
                        removed++;
                    }
                }
            }
        }
        removeStaleTemporaries(now);
        return removed;
    }

    /**
     * Removes the files of one kind (names starting with {@code prefix}, ending with {@code suffix}) other than
     * {@code current} that nobody wrote for a day, and temporary files older than an hour: another
     * build's copy of the libraries, another version's jffi stub. Not at once: while two builds run side by side, each
     * would delete the other's and write its own again at every start. A JVM that has a removed file open or mapped
     * goes on using it. Best effort.
     */
    public void removeOthersLeftAlone(String prefix, String suffix, String current, long now) {
        if (readOnlyOfRoot || !usable(false)) {
            return;
        }
        File[] files = directory.listFiles();
        for (int i = 0; files != null && i < files.length; i++) {
            String name = files[i].getName();
            if (!name.equals(current) && name.startsWith(prefix) && name.endsWith(suffix)
                    && now - files[i].lastModified() > OTHERS_LEFT_ALONE_MILLIS) {
                files[i].delete();
            }
        }
        removeStaleTemporaries(now);
    }

    /**
     * Marks an entry of this user's directory as just used, when it was last marked more than a day ago: the
     * entries {@link #keepNewest} keeps are then the ones in use, not only the ones written last. Once a day at
     * most, so that a warm start writes nothing. Best effort.
     */
    public void markUsed(String name, long now) {
        File entry = file(name);
        long modified = entry.lastModified();
        if (modified > 0 && now - modified > USED_MARK_MILLIS && !readOnlyOfRoot && usable(false)) {
            entry.setLastModified(now);
        }
    }

    /**
     * The JDK's exit hook deletes the file if the JVM ends before its writer does (only a JVM killed in those few
     * milliseconds leaves it). A registration refused because the hook already ran means the JVM is ending: daemon
     * threads run on for milliseconds after it, and the caller must not create the file, or delete it itself. Called
     * before the file is created and again once it is open for writing. The hook's class registers itself when first
     * used: past its turn in the exit that fails in its initialiser.
     */
    static void removeAtExit(File file) throws IOException {
        try {
            file.deleteOnExit();
        } catch (IllegalStateException | LinkageError shuttingDown) {
            throw new IOException("the JVM is exiting", shuttingDown);
        }
    }

    /** rw for the owner, nothing for anybody else (java.io: no NIO permission sets, see check); false if refused. */
    static boolean makeOwnerOnly(File file) {
        return file.setReadable(false, false) && file.setReadable(true, true) && file.setWritable(false, false)
                && file.setWritable(true, true);
    }

    /**
     * Writes an entry whole, best effort: through a temporary file renamed into place, so that a JVM reading
     * meanwhile sees the old entry, none, or this one. A cache that cannot be written only costs the next start.
     */
    public void write(String name, byte[] bytes) {
        write(name, bytes, false);
    }

    /**
     * @param removedAtExit the temporary file is deleted if the JVM ends while a daemon thread writes it (its first
     *                      use costs a cold JVM ~0.3-0.7 ms: not for the entries a start writes)
     */
    private void write(String name, byte[] bytes, boolean removedAtExit) {
        if (readOnlyOfRoot || !usable(true)) {
            return;
        }
        File temporary = file(name + "." + Long.toHexString(System.nanoTime()) + "-"
                + Thread.currentThread().getId() + ".tmp");
        try {
            if (removedAtExit) {
                removeAtExit(temporary);
            }
            try (OutputStream out = new FileOutputStream(temporary)) {
                if (removedAtExit) {
                    removeAtExit(temporary); // again: refused if the hook ran since the first, deleted below
                }
                // Owner-only like the directory, before any byte is in it.
                if (!makeOwnerOnly(temporary)) {
                    return;
                }
                out.write(bytes);
            }
            if (temporary.renameTo(file(name))) {
                temporary = null;
            }
        } catch (IOException | RuntimeException e) {
            // not cached this time
        } finally {
            if (temporary != null) {
                temporary.delete();
            }
        }
    }
}
