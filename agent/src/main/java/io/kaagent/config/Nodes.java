package io.kaagent.config;

import java.util.List;

/** Small questions about YAML nodes, answered in the words the error messages use. */
final class Nodes {
    private Nodes() {
    }

    /** {@code no value} or {@code found a list}: how a message names what stands where something else belongs. */
    static String found(YamlNode node) {
        return node.isNull() ? "no value" : "found " + kind(node);
    }

    static String kind(YamlNode node) {
        if (node.isMapping()) {
            return "a mapping";
        }
        if (node.isSequence()) {
            return "a list";
        }
        return node.isNull() ? "nothing" : "\"" + node.value() + "\"";
    }

    /**
     * The text of a scalar, or null after reporting that the node is not one.
     *
     * @param expected what belongs here, e.g. {@code a duration such as 30s}
     */
    static String text(YamlNode node, String path, String expected, ProblemList problems) {
        if (node.isScalar() && !node.isNull()) {
            return node.value();
        }
        problems.error(node, path + ": " + found(node) + "; expected " + expected);
        return null;
    }

    /** Receives one text value of a criterion with its path, e.g. {@code rules[0].host[1]}. */
    interface ItemReader {
        void item(String text, YamlNode node, String path);
    }

    /**
     * Hands every text item of a value that may be one scalar or a list of scalars to the reader, after reporting
     * items that are not text and an empty list (it would match nothing).
     */
    static void forEachItem(YamlNode node, String path, String expected, ProblemList problems, ItemReader reader) {
        if (!node.isSequence()) {
            String text = text(node, path, expected + " or a list of them", problems);
            if (text != null) {
                reader.item(text, node, path);
            }
            return;
        }
        List<YamlNode> items = node.items();
        if (items.isEmpty()) {
            problems.error(node, path + ": an empty list matches nothing; remove the key to match everything");
        }
        for (int i = 0; i < items.size(); i++) {
            String itemPath = path + "[" + i + "]";
            String text = text(items.get(i), itemPath, expected, problems);
            if (text != null) {
                reader.item(text, items.get(i), itemPath);
            }
        }
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
