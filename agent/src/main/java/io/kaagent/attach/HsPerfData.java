package io.kaagent.attach;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * The string counters of a HotSpot JVM's performance data file ({@code /tmp/hsperfdata_USER/PID}), which is how
 * {@code jps} lists JVMs without attaching to them: {@code sun.rt.javaCommand} (main class and arguments),
 * {@code sun.rt.jvmCapabilities} (its first character is 1 when the attach mechanism is enabled),
 * {@code java.property.java.version}, {@code java.rt.vmArgs}. Layout: hotspot/share/runtime/perfMemory.hpp
 * (PerfDataPrologue, PerfDataEntry). Absent when the JVM runs with {@code -XX:-UsePerfData}.
 */
final class HsPerfData {
    private static final int MAGIC = 0xcafec0c0;
    private final Map<String, String> strings;

    private HsPerfData(Map<String, String> strings) {
        this.strings = strings;
    }

    /** The counters, or null when the file is missing, unreadable or not a perf data file. */
    static HsPerfData read(File file) {
        try {
            if (!file.isFile() || file.length() < 32 || file.length() > 16 * 1024 * 1024) {
                return null;
            }
            return parse(ByteBuffer.wrap(Files.readAllBytes(file.toPath())));
        } catch (IOException e) {
            return null;
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    static HsPerfData parse(ByteBuffer buffer) {
        buffer.order(ByteOrder.BIG_ENDIAN);
        if (buffer.getInt(0) != MAGIC) {
            return null;
        }
        buffer.order(buffer.get(4) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int entryOffset = buffer.getInt(24);
        int entries = buffer.getInt(28);
        Map<String, String> strings = new HashMap<String, String>();
        int offset = entryOffset;
        for (int i = 0; i < entries && offset > 0 && offset + 20 <= buffer.limit(); i++) {
            int length = buffer.getInt(offset);
            int nameOffset = buffer.getInt(offset + 4);
            int vectorLength = buffer.getInt(offset + 8);
            byte type = buffer.get(offset + 12);
            int dataOffset = buffer.getInt(offset + 16);
            if (length <= 0) {
                break;
            }
            if (type == 'B' && vectorLength > 0) {
                strings.put(cString(buffer, offset + nameOffset, length - nameOffset),
                        cString(buffer, offset + dataOffset, vectorLength));
            }
            offset += length;
        }
        return new HsPerfData(strings);
    }

    private static String cString(ByteBuffer buffer, int start, int max) {
        int end = start;
        while (end < buffer.limit() && end - start < max && buffer.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = buffer.get(start + i);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    String get(String name) {
        return strings.get(name);
    }

    /** The main class (or {@code -jar} file) and arguments the JVM was started with. */
    String javaCommand() {
        return strings.get("sun.rt.javaCommand");
    }

    /** false when started with -XX:+DisableAttachMechanism; null when the counter is missing. */
    Boolean attachable() {
        String capabilities = strings.get("sun.rt.jvmCapabilities");
        return capabilities == null || capabilities.isEmpty() ? null : capabilities.charAt(0) == '1';
    }

    String javaVersion() {
        return strings.get("java.property.java.version");
    }

    String vmArgs() {
        return strings.get("java.rt.vmArgs");
    }
}
