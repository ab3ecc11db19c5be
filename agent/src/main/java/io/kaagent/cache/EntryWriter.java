package io.kaagent.cache;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;

/** Big-endian ints, booleans, length-prefixed UTF-8 strings and byte runs, for {@link EntryReader}. */
public final class EntryWriter {
    /** By name, as EntryReader's (StandardCharsets' initialiser is ~0.5 ms of a cold JVM). */
    private static final Charset UTF_8 = Charset.forName("UTF-8");

    private final ByteArrayOutputStream out;

    public EntryWriter(int sizeHint) {
        out = new ByteArrayOutputStream(sizeHint);
    }

    public EntryWriter writeInt(int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
        return this;
    }

    public EntryWriter writeBoolean(boolean value) {
        out.write(value ? 1 : 0);
        return this;
    }

    public EntryWriter writeString(String value) {
        return writeBytes(value.getBytes(UTF_8));
    }

    public EntryWriter writeBytes(byte[] value) {
        writeInt(value.length);
        out.write(value, 0, value.length);
        return this;
    }

    /** Bytes as they are, without a length: what {@link EntryReader#rest} gives back. */
    public EntryWriter writeRaw(byte[] value) {
        out.write(value, 0, value.length);
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
