package io.kaagent.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * The entries of one YAML mapping by key, after reporting keys that are not text, appear twice, or are not
 * allowed here. The YAML composer keeps duplicate keys (only the constructor would catch them), so they are
 * caught here.
 */
final class MappingView {
    private final MappingNode node;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<String, NodeTuple>();

    private MappingView(MappingNode node) {
        this.node = node;
    }

    /**
     * @param path        where the mapping is, e.g. {@code rules[2]}; "" for the top level
     * @param allowedKeys in the order the reference documents them
     * @param hints       extra advice for keys that are known to be misplaced here
     */
    static MappingView read(MappingNode node, String path, List<String> allowedKeys, Map<String, String> hints,
                            ProblemList problems) {
        MappingView view = new MappingView(node);
        for (NodeTuple entry : node.getValue()) {
            Node keyNode = entry.getKeyNode();
            if (!(keyNode instanceof ScalarNode) || Nodes.isNull(keyNode)) {
                problems.error(keyNode, (path.isEmpty() ? "" : path + ": ") + "found " + Nodes.kind(keyNode)
                        + " as a key; keys are words such as " + allowedKeys.get(0));
                continue;
            }
            String key = ((ScalarNode) keyNode).getValue();
            String keyPath = Nodes.join(path, key);
            NodeTuple first = view.entries.get(key);
            if (first != null) {
                problems.error(keyNode, keyPath + ": duplicate key, first given at line "
                        + Nodes.line(first.getKeyNode()));
            } else if (!allowedKeys.contains(key)) {
                problems.error(keyNode, keyPath + ": unknown key" + advice(key, allowedKeys, hints));
            } else {
                view.entries.put(key, entry);
            }
        }
        return view;
    }

    private static String advice(String key, List<String> allowedKeys, Map<String, String> hints) {
        if (hints.containsKey(key)) {
            return ", " + hints.get(key);
        }
        String suggestion = KeySuggestion.closest(key, allowedKeys);
        StringBuilder allowed = new StringBuilder();
        for (String allowedKey : allowedKeys) {
            allowed.append(allowed.length() == 0 ? "" : ", ").append(allowedKey);
        }
        return (suggestion == null ? "" : " (did you mean " + suggestion + "?)") + ", allowed: " + allowed;
    }

    MappingNode node() {
        return node;
    }

    /** The value node of the key, or null when the key is absent (or was rejected). */
    Node value(String key) {
        NodeTuple entry = entries.get(key);
        return entry == null ? null : entry.getValueNode();
    }

    Node keyNode(String key) {
        NodeTuple entry = entries.get(key);
        return entry == null ? null : entry.getKeyNode();
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }
}
