package com.kenai.jffi;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;

/**
 * ka-agent's replacement for jffi's own {@code Init} (the shade filter in agent/pom.xml drops the original); with it
 * jffi's {@code StubLoader} is never used. jffi's own loading does two things an agent must not:
 * <ul>
 * <li>it looks for {@code StubLoader} through the SYSTEM and context class loaders before its own, so in an
 * application with a jffi of its own it initialised the application's copy — the application's native stub, in the
 * application's loader, with a JDK 22+ native-access warning charged to the application;</li>
 * <li>it unpacks the stub into java.io.tmpdir on every start and, where that fails, into the application's working
 * directory; a short-lived JVM that exits while the stub is being unpacked leaves empty {@code jffi*.so} files in
 * both places.</li>
 * </ul>
 * Here the stub is copied once into a private cache directory ({@code -Dka.agent.native.dir}, else java.io.tmpdir,
 * then {@code ka-agent-<user>/}), under a name that carries its SHA-256, through a temporary file and an atomic
 * rename, and loaded from there. Later JVMs only check the copy. A directory that is not ours, or a noexec file
 * system, makes loading fail with the reason: the agent then uses its JDK fallback.
 */
final class Init {
    static final String stubLoaderClassName = "com.kenai.jffi.internal.StubLoader";
    /** Relocated with the resources by the shade plugin (agent/pom.xml), so only the agent's loader finds them. */
    private static final String STUB_RESOURCES = "jni/";
    private static final long STALE_TEMP_MILLIS = 3600_000L;
    private static final Integer ROOT_UID = 0;
    private static volatile boolean loaded;

    private Init() {
    }

    static synchronized void load() {
        if (loaded) {
            return;
        }
        try {
            System.load(cachedStub().getAbsolutePath());
            loaded = true;
        } catch (UnsatisfiedLinkError e) {
            throw e;
        } catch (Throwable t) {
            UnsatisfiedLinkError error = new UnsatisfiedLinkError("cannot load jffi's native stub: " + t);
            error.initCause(t);
            throw error;
        }
    }

    private static File cachedStub() throws Exception {
        String resource = STUB_RESOURCES + platformStub();
        ClassLoader loader = Init.class.getClassLoader();
        InputStream in = loader == null ? null : loader.getResourceAsStream(resource);
        if (in == null) {
            throw new UnsatisfiedLinkError("jffi stub " + resource + " is missing from ka-agent.jar");
        }
        byte[] stub = readAll(in);
        String name = resource.substring(resource.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        String hash = sha256(stub).substring(0, 16);
        String targetName = name.substring(0, dot) + "-" + hash + name.substring(dot);
        Path primed = primedStub(targetName, stub);
        if (primed != null) {
            return primed.toFile();
        }
        Path dir = privateDirectory();
        Path target = dir.resolve(targetName);
        if (!sameContent(target, stub)) {
            removeStaleTemporaries(dir);
            Path temporary = Files.createTempFile(dir, name, ".tmp");
            // A JVM that ends while this daemon thread writes must not leave the half-written copy behind.
            temporary.toFile().deleteOnExit();
            try {
                Files.write(temporary, stub);
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
        }
        return target.toFile();
    }

    /** The stub for this OS and CPU, as jffi lays its resources out; Windows has no socket constants here. */
    private static String platformStub() {
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
        throw new UnsatisfiedLinkError("ka-agent carries no jffi stub for " + os + " on " + arch);
    }

    /**
     * {@code <dir>/ka-agent-<user>}: created owner-only; an existing one must be a real directory of this user that
     * nobody else can write to — a native library loaded from a place another user controls would be theirs to pick.
     */
    private static Path privateDirectory() throws IOException {
        Path dir = new File(baseDirectory(), "ka-agent-" + userName()).toPath();
        boolean posix = Files.getFileAttributeView(dir.getParent(), PosixFileAttributeView.class) != null;
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (posix) {
                    FileAttribute<Set<PosixFilePermission>> ownerOnly =
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
                    Files.createDirectory(dir, ownerOnly);
                } else {
                    Files.createDirectory(dir);
                }
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another JVM made it meanwhile: checked below like any existing one
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory");
        }
        if (posix && !ownedAlone(dir, "isDirectory", processUid())) {
            throw new IOException(dir + " belongs to " + Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName()
                    + " or is writable by others: not used");
        }
        return dir;
    }

    private static String baseDirectory() {
        String base = System.getProperty("ka.agent.native.dir");
        return base == null || base.trim().isEmpty() ? System.getProperty("java.io.tmpdir") : base;
    }

    /** As io.kaagent.cache.CacheDirectory#safeUserName spells it: a user id without a name is uid-<id>. */
    private static String userName() {
        String user = System.getProperty("user.name", "unknown");
        Object uid = user.equals("?") ? processUid() : null;
        if (uid != null) {
            return "uid-" + uid;
        }
        return user.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * Root's copy of this stub, primed at an image's build for every user (io.kaagent.cache.CacheDirectory#primed,
     * the same rule): {@code ka-agent-root} under the same base, a real directory root owns that no one else may
     * write to. Null for root itself, and when there is no such copy: the stub then goes to this user's directory.
     */
    private static Path primedStub(String targetName, byte[] stub) {
        if (userName().equals("root")) {
            return null;
        }
        Path dir = new File(baseDirectory(), "ka-agent-root").toPath();
        Path file = dir.resolve(targetName);
        try {
            // The file too: the directory is open to every user, and a stub anybody may write to is anybody's code.
            return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && ownedAlone(dir, "isDirectory", ROOT_UID)
                    && ownedAlone(file, "isRegularFile", ROOT_UID) && sameContent(file, stub) ? file : null;
        } catch (IOException | RuntimeException unusable) {
            return null;
        }
    }

    /**
     * Not a link, of that kind ({@code isDirectory}, {@code isRegularFile}), owned by user {@code uid}, and neither
     * group nor others may write to it. By the user id where there is /proc: a container run under a user id without
     * a name has {@code user.name} "?" and an owner named by its number, and compared by name it never loaded the stub
     * from the directory it made itself. The same test as io.kaagent.cache.CacheDirectory#ownedAlone, written out
     * here: this class lives in jffi's module, which cannot read the agent's.
     *
     * @param uid the owner it must have; null: this JVM's user by name, where there is no /proc
     */
    private static boolean ownedAlone(Path path, String kind, Object uid) throws IOException {
        java.util.Map<String, Object> attributes = Files.readAttributes(path, "unix:mode,uid," + kind,
                LinkOption.NOFOLLOW_LINKS);
        Object mode = attributes.get("mode");
        return Boolean.TRUE.equals(attributes.get(kind)) && mode instanceof Integer && ((Integer) mode & 0022) == 0
                && (uid != null ? uid.equals(attributes.get("uid"))
                        : Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName()
                                .equals(System.getProperty("user.name")));
    }

    /** This process's effective user id, the owner of /proc/self (proc(5)); null without /proc. */
    private static Object processUid() {
        try {
            return Files.getAttribute(new File("/proc/self").toPath(), "unix:uid");
        } catch (IOException | RuntimeException noProc) {
            return null;
        }
    }

    private static boolean sameContent(Path file, byte[] expected) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) != expected.length) {
            return false;
        }
        return java.util.Arrays.equals(Files.readAllBytes(file), expected);
    }

    /** Copies a JVM killed mid-write left behind; young ones may belong to a JVM starting right now. */
    private static void removeStaleTemporaries(Path dir) {
        File[] files = dir.toFile().listFiles();
        if (files == null) {
            return;
        }
        long now = System.currentTimeMillis();
        for (File file : files) {
            if (file.getName().endsWith(".tmp") && now - file.lastModified() > STALE_TEMP_MILLIS) {
                file.delete(); // best effort: a file that stays is retried by the next JVM
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256 * 1024);
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } finally {
            in.close();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
        StringBuilder hex = new StringBuilder(digest.length * 2);
        for (byte b : digest) {
            hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return hex.toString();
    }
}
