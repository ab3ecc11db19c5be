package io.kaagent.config;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import io.kaagent.policy.CompiledPolicy;
import io.kaagent.policy.Policy;

/**
 * Policies already read, by the exact bytes of their file, so that a JVM start reads YAML only the first time this
 * user meets a given policy text on this machine (or image): in a cold JVM the YAML reader costs ~100 ms of CPU
 * (~250 classes loaded, a lambda bootstrap), a cached policy ~1 KiB of {@link CompiledPolicy} bytes.
 * <p>
 * Entries live in {@code <java.io.tmpdir>/ka-agent-<user>/} (or under {@code -Dka.agent.native.dir}), the
 * directory native init keeps jffi's stub in, under the same rule: used only when it is a real directory of this
 * user that nobody else may write to. An entry holds the agent's version and the policy file's whole text, compared
 * byte for byte before use: neither an edit of the file, a hash collision nor another agent version can pass for it.
 * Only valid policies are written; anything unexpected is a miss, and the YAML is read as without a cache.
 * {@code -Dka.agent.policy.cache=false} turns it off.
 */
public final class PolicyCache {
    private static final int MAGIC = 0x4b415043; // "KAPC"
    private final File directory;
    private final String agentVersion;
    private final AtomicLong hits = new AtomicLong();

    PolicyCache(File directory, String agentVersion) {
        this.directory = directory;
        this.agentVersion = agentVersion;
    }

    /** The cache of this user, or null when switched off. */
    public static PolicyCache forUser(String agentVersion) {
        if ("false".equalsIgnoreCase(System.getProperty("ka.agent.policy.cache", "").trim())) {
            return null;
        }
        String base = System.getProperty("ka.agent.native.dir");
        if (base == null || base.trim().isEmpty()) {
            base = System.getProperty("java.io.tmpdir");
        }
        return new PolicyCache(new File(base, "ka-agent-" + safeUserName()), agentVersion);
    }

    /**
     * The user name as jffi's stub cache spells it: characters outside {@code A-Za-z0-9._-} become {@code _}. By
     * hand: a regular expression compiled here cost a cold JVM's policy thread milliseconds of its start.
     */
    static String safeUserName() {
        char[] name = System.getProperty("user.name", "unknown").toCharArray();
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

    /**
     * The policy of that file: compiled earlier from the same bytes, or read from its YAML now (and cached).
     *
     * @throws PolicyException exactly as {@link PolicyLoader#load} would
     */
    public Policy load(Path file) throws PolicyException {
        byte[] text;
        try {
            text = PolicyLoader.readBytes(file);
        } catch (IOException e) {
            return PolicyLoader.load(file); // which says what is wrong with the file, in its own words
        }
        String source = file.toString();
        File entry = new File(directory, entryName(text));
        Policy cached = read(entry, text, source);
        if (cached != null) {
            hits.incrementAndGet();
            return cached;
        }
        Policy policy = PolicyLoader.parseFileBytes(text, source);
        write(entry, text, policy);
        return policy;
    }

    /** Loads served from the cache (for tests). */
    long hits() {
        return hits.get();
    }

    private static String entryName(byte[] text) {
        CRC32 crc = new CRC32();
        crc.update(text, 0, text.length);
        return "policy-" + Long.toHexString(crc.getValue()) + "-" + text.length + ".bin";
    }

    private Policy read(File entry, byte[] text, String source) {
        if (!entry.isFile() || !directoryIsPrivate(false)) {
            return null;
        }
        try (InputStream file = new FileInputStream(entry)) {
            DataInputStream in = new DataInputStream(file);
            if (in.readInt() != MAGIC || !agentVersion.equals(in.readUTF())) {
                return null;
            }
            int length = in.readInt();
            if (length != text.length) {
                return null;
            }
            byte[] cachedText = new byte[length];
            in.readFully(cachedText);
            if (!Arrays.equals(cachedText, text)) {
                return null;
            }
            ByteArrayOutputStream rest = new ByteArrayOutputStream(512);
            byte[] buffer = new byte[4096];
            int n;
            while ((n = in.read(buffer)) > 0) {
                rest.write(buffer, 0, n);
            }
            return CompiledPolicy.fromBytes(rest.toByteArray(), source);
        } catch (IOException unreadable) {
            return null; // a miss: the YAML is read, and the entry written anew
        }
    }

    /** Best effort: a cache that cannot be written only means the next start reads YAML again. */
    private void write(File entry, byte[] text, Policy policy) {
        File temporary = null;
        try {
            if (!directoryIsPrivate(true)) {
                return;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length + 512);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeUTF(agentVersion);
            out.writeInt(text.length);
            out.write(text);
            out.write(CompiledPolicy.toBytes(policy));
            out.flush();
            temporary = Files.createTempFile(directory.toPath(), entry.getName(), ".tmp").toFile(); // rw-------
            try (OutputStream file = new FileOutputStream(temporary)) {
                bytes.writeTo(file);
            }
            // Renamed into place whole: a JVM starting meanwhile sees the old entry, none, or this one.
            Files.move(temporary.toPath(), entry.toPath(), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            temporary = null;
        } catch (IOException | RuntimeException e) {
            // not cached this time
        } finally {
            if (temporary != null) {
                temporary.delete();
            }
        }
    }

    /** @param create make it (owner-only) when it does not exist yet */
    private boolean directoryIsPrivate(boolean create) {
        Path dir = directory.toPath();
        try {
            if (create && !directory.exists()) {
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // made by another JVM meanwhile: checked below like any existing one
                }
            }
            PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> permissions = attributes.permissions();
            return attributes.isDirectory() && attributes.owner().getName().equals(System.getProperty("user.name"))
                    && !permissions.contains(PosixFilePermission.GROUP_WRITE)
                    && !permissions.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | RuntimeException e) {
            return false; // not POSIX, not ours, not there: no cache
        }
    }
}
