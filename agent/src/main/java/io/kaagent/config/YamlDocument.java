package io.kaagent.config;

import java.util.Optional;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Turns policy text into a node tree whose nodes carry their positions, refusing what could hurt the agent: text
 * over 1 MiB, nesting deeper than a policy ever needs (the composer recurses and would overflow the stack), and
 * anchors and aliases (the "billion laughs" expansion; a policy has {@code defaults:} for sharing values).
 * These are checked on the parser's event stream, which is iterative and lazy, before anything is composed.
 */
final class YamlDocument {
    static final int MAX_CHARACTERS = 1 << 20;
    /** A policy nests four levels (root, rules, rule, list of values); 16 leaves room and stays far from the stack. */
    private static final int MAX_DEPTH = 16;

    private YamlDocument() {
    }

    /** The document's root node, or null after recording why there is none. */
    static Node compose(String text, ProblemList problems) {
        if (text.length() > MAX_CHARACTERS) {
            problems.fileError("the file has " + text.length() + " characters; a policy file may have at most "
                    + MAX_CHARACTERS);
            return null;
        }
        LoadSettings settings = LoadSettings.builder()
                .setLabel(problems.file())
                .setCodePointLimit(MAX_CHARACTERS)
                .setMaxAliasesForCollections(1)
                .setAllowRecursiveKeys(false)
                .setUseMarks(true)
                .build();
        try {
            if (!safeToCompose(settings, text, problems)) {
                return null;
            }
            Optional<Node> root = new Compose(settings).composeString(text);
            if (!root.isPresent()) {
                problems.error((Mark) null, "the file is empty; a policy file starts with version: 1");
                return null;
            }
            return root.get();
        } catch (MarkedYamlEngineException e) {
            Mark mark = e.getProblemMark().orElse(e.getContextMark().orElse(null));
            problems.error(mark, describe(e));
            return null;
        } catch (YamlEngineException e) {
            problems.error((Mark) null, "YAML error: " + e.getMessage());
            return null;
        }
    }

    private static boolean safeToCompose(LoadSettings settings, String text, ProblemList problems) {
        int depth = 0;
        for (Event event : new Parse(settings).parseString(text)) {
            Mark mark = event.getStartMark().orElse(null);
            if (event instanceof AliasEvent) {
                problems.error(mark, "aliases (*" + ((AliasEvent) event).getAlias().getValue()
                        + ") are not supported in a policy file; write the value out, or share it through defaults:");
                return false;
            }
            if (event instanceof NodeEvent && ((NodeEvent) event).getAnchor().isPresent()) {
                problems.error(mark, "anchors (&" + ((NodeEvent) event).getAnchor().get().getValue()
                        + ") are not supported in a policy file; write the value out, or share it through defaults:");
                return false;
            }
            if (event instanceof CollectionStartEvent && ++depth > MAX_DEPTH) {
                problems.error(mark, "the document nests deeper than " + MAX_DEPTH
                        + " levels; a policy file needs four");
                return false;
            }
            if (event instanceof CollectionEndEvent) {
                depth--;
            }
        }
        return true;
    }

    private static String describe(MarkedYamlEngineException e) {
        String problem = e.getProblem() == null ? "" : e.getProblem();
        String context = e.getContext() == null ? "" : e.getContext();
        if (problem.contains("(TAB)")) {
            return "YAML syntax error: a tab character; indent with spaces, YAML does not allow tabs";
        }
        if (context.contains("expected a single document")) {
            return "YAML syntax error: a second document (---); a policy file holds exactly one";
        }
        StringBuilder text = new StringBuilder("YAML syntax error: ").append(problem);
        if (!context.isEmpty()) {
            text.append(" (").append(context);
            Mark mark = e.getContextMark().orElse(null);
            Mark problemMark = e.getProblemMark().orElse(null);
            boolean elsewhere = mark != null && (problemMark == null || mark.getLine() != problemMark.getLine()
                    || mark.getColumn() != problemMark.getColumn());
            if (elsewhere) {
                text.append(" at ").append(mark.getLine() + 1).append(':').append(mark.getColumn() + 1);
            }
            text.append(')');
        }
        return text.toString();
    }
}
