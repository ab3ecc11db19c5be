package io.kaagent.cache;

import java.io.EOFException;
import java.nio.charset.Charset;

/**
 * Reads what {@link EntryWriter} wrote. By hand rather than through DataInputStream: on JDK 21+ that reads through
 * VarHandles, whose set-up cost a cold JVM's policy thread ~4 ms before the first int.
 */
public final class EntryReader {
    /**
     * UTF-8 by name, not StandardCharsets.UTF_8: that class's initialiser makes nine charsets, ~0.5 ms of a cold
     * JVM's start, which reads a cache entry on its way to the policy.
     */
    static final Charset UTF_8 = Charset.forName("UTF-8");

    private final byte[] bytes;
    private int position;

    public EntryReader(byte[] bytes) {
        this.bytes = bytes;
    }

    public int readInt() throws EOFException {
        need(4);
        int value = (bytes[position] & 0xff) << 24 | (bytes[position + 1] & 0xff) << 16
                | (bytes[position + 2] & 0xff) << 8 | (bytes[position + 3] & 0xff);
        position += 4;
        return value;
    }

    public boolean readBoolean() throws EOFException {
        need(1);
        return bytes[position++] != 0;
    }

    public String readString() throws EOFException {
        int length = readLength();
        String value = new String(bytes, position, length, UTF_8);
        position += length;
        return value;
    }

    /** A length-prefixed run of bytes. */
    public byte[] readBytes() throws EOFException {
        int length = readLength();
        byte[] value = new byte[length];
        System.arraycopy(bytes, position, value, 0, length);
        position += length;
        return value;
    }

    /** Whether a run of bytes written by {@link EntryWriter#writeBytes} comes next and equals {@code expected}. */
    public boolean nextBytesEqual(byte[] expected) throws EOFException {
        int length = readLength();
        if (length != expected.length) {
            return false;
        }
        // A loop of its own: in a cold JVM it runs interpreted, and ByteBuffer.equals (the JDK's vectorised mismatch)
        // took ~560 µs per 25 KB class file there on JDK 17 against ~300 for this loop (~200 on JDK 25): the hook
        // cache compares one such file on the way to an application's first connection.
        for (int i = 0; i < length; i++) {
            if (bytes[position + i] != expected[i]) {
                return false;
            }
        }
        position += length;
        return true;
    }

    /** Everything not read yet. */
    public byte[] rest() {
        byte[] value = new byte[bytes.length - position];
        System.arraycopy(bytes, position, value, 0, value.length);
        position = bytes.length;
        return value;
    }

    public boolean atEnd() {
        return position == bytes.length;
    }

    private int readLength() throws EOFException {
        int length = readInt();
        if (length < 0) {
            throw new EOFException("negative length " + length);
        }
        need(length);
        return length;
    }

    private void need(int count) throws EOFException {
        if (count > bytes.length - position) {
            throw new EOFException("entry ends after " + bytes.length + " bytes");
        }
    }
}
