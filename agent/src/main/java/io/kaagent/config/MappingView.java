package io.kaagent.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entries of one YAML mapping by key, after reporting keys that are not text, appear twice, or are not
 * allowed here. The YAML composer keeps duplicate keys (only the constructor would catch them), so they are
 * caught here.
 */
final class MappingView {
    private final YamlNode node;
    /** The entry's index in the mapping, by key. */
    private final Map<String, Integer> entries = new LinkedHashMap<String, Integer>();

    private MappingView(YamlNode node) {
        this.node = node;
    }

    /**
     * @param path        where the mapping is, e.g. {@code rules[2]}; "" for the top level
     * @param allowedKeys in the order the reference documents them
     * @param hints       extra advice for keys that are known to be misplaced here
     */
    static MappingView read(YamlNode node, String path, List<String> allowedKeys, Map<String, String> hints,
                            ProblemList problems) {
        MappingView view = new MappingView(node);
        for (int entry = 0; entry < node.entryCount(); entry++) {
            YamlNode keyNode = node.keyAt(entry);
            if (!keyNode.isScalar() || keyNode.isNull()) {
                problems.error(keyNode, (path.isEmpty() ? "" : path + ": ") + "found " + Nodes.kind(keyNode)
                        + " as a key; keys are words such as " + allowedKeys.get(0));
                continue;
            }
            String key = keyNode.value();
            String keyPath = Nodes.join(path, key);
            Integer first = view.entries.get(key);
            if (first != null) {
                problems.error(keyNode, keyPath + ": duplicate key, first given at line "
                        + node.keyAt(first).line());
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

    YamlNode node() {
        return node;
    }

    /** The value node of the key, or null when the key is absent (or was rejected). */
    YamlNode value(String key) {
        Integer entry = entries.get(key);
        return entry == null ? null : node.valueAt(entry);
    }

    YamlNode keyNode(String key) {
        Integer entry = entries.get(key);
        return entry == null ? null : node.keyAt(entry);
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }
}
