package io.kaagent.config;

import java.util.List;

import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/** Small questions about YAML nodes, answered in the words the error messages use. */
final class Nodes {
    private Nodes() {
    }

    /** {@code key: ~}, {@code key: null} and {@code key:} with nothing after it. */
    static boolean isNull(Node node) {
        if (!(node instanceof ScalarNode)) {
            return false;
        }
        ScalarNode scalar = (ScalarNode) node;
        return scalar.isPlain() && (Tag.NULL.equals(scalar.getTag()) || scalar.getValue().isEmpty()
                || "~".equals(scalar.getValue()));
    }

    /** {@code no value} or {@code found a list}: how a message names what stands where something else belongs. */
    static String found(Node node) {
        return isNull(node) ? "no value" : "found " + kind(node);
    }

    static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return isNull(node) ? "nothing" : "\"" + ((ScalarNode) node).getValue() + "\"";
    }

    /**
     * The text of a scalar, or null after reporting that the node is not one.
     *
     * @param expected what belongs here, e.g. {@code a duration such as 30s}
     */
    static String text(Node node, String path, String expected, ProblemList problems) {
        if (node instanceof ScalarNode && !isNull(node)) {
            return ((ScalarNode) node).getValue();
        }
        problems.error(node, path + ": " + found(node) + "; expected " + expected);
        return null;
    }

    /** Receives one text value of a criterion with its path, e.g. {@code rules[0].host[1]}. */
    interface ItemReader {
        void read(String text, Node node, String path);
    }

    /**
     * Hands every text item of a value that may be one scalar or a list of scalars to the reader, after reporting
     * items that are not text and an empty list (it would match nothing).
     */
    static void forEachItem(Node node, String path, String expected, ProblemList problems, ItemReader reader) {
        if (!(node instanceof SequenceNode)) {
            String text = text(node, path, expected + " or a list of them", problems);
            if (text != null) {
                reader.read(text, node, path);
            }
            return;
        }
        List<Node> items = ((SequenceNode) node).getValue();
        if (items.isEmpty()) {
            problems.error(node, path + ": an empty list matches nothing; remove the key to match everything");
        }
        for (int i = 0; i < items.size(); i++) {
            String itemPath = path + "[" + i + "]";
            String text = text(items.get(i), itemPath, expected, problems);
            if (text != null) {
                reader.read(text, items.get(i), itemPath);
            }
        }
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static int line(Node node) {
        return node.getStartMark().isPresent() ? node.getStartMark().get().getLine() + 1 : 0;
    }
}
