package io.kaagent.config;

import java.util.Collections;
import java.util.List;

/**
 * A node of a policy file's YAML tree — a scalar, a list or a mapping — and where it starts: what the policy's
 * readers need of YAML, and no more. {@link SimpleYamlComposer} builds these directly, so that a policy written in
 * plain YAML is read without a single class of SnakeYAML: its node, mark, tag and schema classes were ~15 class loads
 * (~4 ms) on the way to the policy's verdict in a fresh container's first start. {@link SnakeYamlComposer} converts
 * SnakeYAML's tree for everything else.
 */
final class YamlNode {
    private static final int SCALAR = 0;
    private static final int SEQUENCE = 1;
    private static final int MAPPING = 2;

    private final int kind;
    private final String value;
    private final boolean nullValue;
    /** A list's items; a mapping's keys and values, alternating. */
    private final List<YamlNode> children;
    private final int line;
    private final int column;

    private YamlNode(int kind, String value, boolean nullValue, List<YamlNode> children, int line, int column) {
        this.kind = kind;
        this.value = value;
        this.nullValue = nullValue;
        this.children = children;
        this.line = line;
        this.column = column;
    }

    /**
     * @param nullValue YAML's null: {@code key: ~}, {@code key: null} or {@code key:} with nothing after it, plain
     * @param line      1-based, as problems are reported
     * @param column    1-based
     */
    static YamlNode scalar(String value, boolean nullValue, int line, int column) {
        return new YamlNode(SCALAR, value, nullValue, Collections.<YamlNode>emptyList(), line, column);
    }

    /** Whether a plain scalar of this text is null (the JSON schema's null, and YAML's {@code ~}). */
    static boolean isNullText(String text) {
        return text.isEmpty() || "null".equals(text) || "~".equals(text);
    }

    static YamlNode sequence(List<YamlNode> items, int line, int column) {
        return new YamlNode(SEQUENCE, null, false, items, line, column);
    }

    /** @param keysAndValues each key followed by its value */
    static YamlNode mapping(List<YamlNode> keysAndValues, int line, int column) {
        if (keysAndValues.size() % 2 != 0) {
            throw new IllegalArgumentException("a key without a value");
        }
        return new YamlNode(MAPPING, null, false, keysAndValues, line, column);
    }

    boolean isScalar() {
        return kind == SCALAR;
    }

    boolean isSequence() {
        return kind == SEQUENCE;
    }

    boolean isMapping() {
        return kind == MAPPING;
    }

    /** A scalar that is YAML's null: {@code key: ~}, {@code key: null} and {@code key:} with nothing after it. */
    boolean isNull() {
        return nullValue;
    }

    /** A scalar's text; null for a list or a mapping. */
    String value() {
        return value;
    }

    /** A list's items; empty for a scalar. */
    List<YamlNode> items() {
        return kind == SEQUENCE ? children : Collections.<YamlNode>emptyList();
    }

    /** A mapping's number of entries. */
    int entryCount() {
        return kind == MAPPING ? children.size() / 2 : 0;
    }

    YamlNode keyAt(int entry) {
        return children.get(2 * entry);
    }

    YamlNode valueAt(int entry) {
        return children.get(2 * entry + 1);
    }

    int line() {
        return line;
    }

    int column() {
        return column;
    }

    /** The tree from here, one node per line with its position; for tests and debugging. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        describe("", out);
        return out.toString();
    }

    private void describe(String indent, StringBuilder out) {
        out.append(indent).append(line).append(':').append(column).append(' ');
        if (kind == SCALAR) {
            out.append(nullValue ? "null " : "scalar ").append('"').append(value).append("\"\n");
        } else if (kind == SEQUENCE) {
            out.append("list\n");
            for (YamlNode item : children) {
                item.describe(indent + "  - ", out);
            }
        } else {
            out.append("mapping\n");
            for (int i = 0; i < entryCount(); i++) {
                keyAt(i).describe(indent + "  key ", out);
                valueAt(i).describe(indent + "  value ", out);
            }
        }
    }
}
