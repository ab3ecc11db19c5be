package io.kaagent.config;

/**
 * Turns policy text into a node tree whose nodes carry their positions: through {@link SimpleYamlComposer} when the
 * text is written in the plain YAML policies use, through {@link SnakeYamlComposer} otherwise, refusing what could
 * hurt the agent: text over 1 MiB, nesting deeper than a policy ever needs (the composer recurses and would overflow
 * the stack), and anchors and aliases (the "billion laughs" expansion; a policy has {@code defaults:} for sharing
 * values). These are checked on the parser's event stream as the composer takes each event, before a node is built
 * from it.
 */
final class YamlDocument {
    static final int MAX_CHARACTERS = 1 << 20;
    /**
     * A policy nests four levels (root, rules, rule, list of values); 16 leaves room and stays far from the stack.
     * Both composers hold to it (a compile-time constant: reading it loads no class).
     */
    static final int MAX_DEPTH = 16;

    private YamlDocument() {
    }

    /** The document's root node, or null after recording why there is none. */
    static YamlNode compose(String text, ProblemList problems) {
        if (text.length() > MAX_CHARACTERS) {
            problems.fileError("the file has " + text.length() + " characters; a policy file may have at most "
                    + MAX_CHARACTERS);
            return null;
        }
        YamlNode simple = SimpleYamlComposer.compose(text);
        return simple != null ? simple : SnakeYamlComposer.compose(text, problems);
    }
}
