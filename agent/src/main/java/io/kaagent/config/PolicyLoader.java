package io.kaagent.config;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.Charset;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;


import io.kaagent.cache.BoundedInput;
import io.kaagent.policy.Policy;

/**
 * Reads a policy file (PRODUCT.md §3) into a {@link Policy}, or fails with every mistake in it, each positioned as
 * {@code FILE:LINE:COLUMN: message}.
 */
public final class PolicyLoader {
    /** Real policies are a few KiB; the cap keeps a wrong path (a log, a core file) from costing memory and time. */
    public static final int MAX_FILE_BYTES = 1 << 20;

    private PolicyLoader() {
    }

    public static Policy load(Path file) throws PolicyException {
        return loadWithWarnings(file).policy();
    }

    /** The policy of a file, with the warnings {@code check} prints; the file's path is the policy's source. */
    public static LoadResult loadWithWarnings(Path file) throws PolicyException {
        String name = file.toString();
        ProblemList problems = new ProblemList(name);
        String text = readText(file, problems);
        if (text == null) {
            throw new PolicyException(problems.errors());
        }
        return parseWithWarnings(text, name);
    }

    /** @param fileName the name problems are reported under, and the policy's source */
    public static Policy parse(String yamlText, String fileName) throws PolicyException {
        return parseWithWarnings(yamlText, fileName).policy();
    }

    public static LoadResult parseWithWarnings(String yamlText, String fileName) throws PolicyException {
        ProblemList problems = new ProblemList(fileName);
        YamlNode root = YamlDocument.compose(yamlText, problems);
        Policy policy = root == null ? null : PolicyReader.read(root, fileName, problems);
        if (policy == null) {
            throw new PolicyException(problems.errors());
        }
        return new LoadResult(policy, problems.warnings());
    }

    private static String readText(Path file, ProblemList problems) {
        byte[] bytes;
        try {
            if (file.toFile().isDirectory()) {
                problems.fileError("is a directory, not a policy file");
                return null;
            }
            bytes = readAtMost(file, MAX_FILE_BYTES + 1);
        } catch (NoSuchFileException e) {
            problems.fileError("no such file");
            return null;
        } catch (AccessDeniedException e) {
            problems.fileError("permission denied");
            return null;
        } catch (IOException e) {
            problems.fileError("cannot read the file: " + e);
            return null;
        }
        return textOf(bytes, problems);
    }

    private static String textOf(byte[] bytes, ProblemList problems) {
        if (bytes.length > MAX_FILE_BYTES) {
            problems.fileError("the file is larger than " + MAX_FILE_BYTES + " bytes; a policy file is a few KiB");
            return null;
        }
        return decodeUtf8(bytes, problems);
    }

    /** A policy file's bytes, at most {@link #MAX_FILE_BYTES} + 1 of them (more means too large). */
    public static byte[] readBytes(Path file) throws IOException {
        if (file.toFile().isDirectory()) {
            throw new IOException(file + " is a directory");
        }
        return readAtMost(file, MAX_FILE_BYTES + 1);
    }

    /** Bytes read by {@link #readBytes}: checked and parsed exactly as {@link #load} would, same messages. */
    public static Policy parseFileBytes(byte[] bytes, String fileName) throws PolicyException {
        ProblemList problems = new ProblemList(fileName);
        String text = textOf(bytes, problems);
        if (text == null) {
            throw new PolicyException(problems.errors());
        }
        return parseWithWarnings(text, fileName).policy();
    }

    /**
     * Reads no more than the limit, so a huge or endless file (a FIFO, /dev/zero) is never held in memory. Through
     * java.io, whose classes every JVM has loaded by premain: {@code Files.newInputStream} would load ~25 NIO channel
     * classes first (a few ms of a cold start). Its two failures keep NIO's exceptions, which {@code readText} names.
     */
    private static byte[] readAtMost(Path file, int limit) throws IOException {
        try (InputStream in = open(file)) {
            return BoundedInput.readAtMost(in, limit, 8192);
        }
    }

    private static InputStream open(Path file) throws IOException {
        File asFile = file.toFile();
        try {
            return new FileInputStream(asFile);
        } catch (FileNotFoundException e) {
            if (!asFile.exists()) {
                throw new NoSuchFileException(file.toString());
            }
            if (!asFile.canRead()) {
                throw new AccessDeniedException(file.toString());
            }
            throw e;
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static String decodeUtf8(byte[] bytes, ProblemList problems) {
        if (isAscii(bytes)) {
            // Nearly every policy: valid UTF-8 as it is. The decoder's classes are not in the JDK's CDS archive, and
            // StandardCharsets' initialiser makes nine charsets: ~1 ms of a fresh start's policy read, cold.
            return new String(bytes, Charset.forName("UTF-8"));
        }
        CharsetDecoder decoder = Charset.forName("UTF-8").newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            problems.errorAt(line, in.position() - lineStart + 1, String.format(
                    "the file is not UTF-8 text: byte 0x%02x cannot start a character here", bytes[in.position()]));
            return null;
        }
        decoder.flush(out);
        out.flip();
        return out.toString();
    }
}
