package io.kaagent.config;

import java.util.Optional;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.PolicyLoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Turns policy text into a node tree whose nodes carry their positions: through {@link SimpleYamlComposer} when the
 * text is written in the plain YAML policies use, through SnakeYAML otherwise, refusing what could hurt the agent: text
 * over 1 MiB, nesting deeper than a policy ever needs (the composer recurses and would overflow the stack), and
 * anchors and aliases (the "billion laughs" expansion; a policy has {@code defaults:} for sharing values).
 * These are checked on the parser's event stream as the composer takes each event, before a node is built from it.
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
        Node simple = SimpleYamlComposer.compose(text, problems.file());
        return simple != null ? simple : composeWithSnakeYaml(text, problems);
    }

    /** The root node as SnakeYAML composes it, or null after recording why there is none. */
    static Node composeWithSnakeYaml(String text, ProblemList problems) {
        LoadSettings settings = PolicyLoadSettings.of(problems.file(), MAX_CHARACTERS, 1, false);
        try {
            Parser checked = new CheckedParser(new ParserImpl(settings, new StreamReader(settings, text)));
            Optional<Node> root = new Composer(settings, checked).getSingleNode();
            if (!root.isPresent()) {
                problems.error((Mark) null, "the file is empty; a policy file starts with version: 1");
                return null;
            }
            return root.get();
        } catch (MarkedYamlEngineException e) {
            Mark mark = e.getProblemMark().orElse(e.getContextMark().orElse(null));
            problems.error(mark, describe(e));
            return null;
        } catch (Refused e) {
            problems.error(e.mark, e.getMessage());
            return null;
        } catch (YamlEngineException e) {
            problems.error((Mark) null, "YAML error: " + e.getMessage());
            return null;
        }
    }

    /** What a policy file may not contain, found while the document is composed. */
    private static final class Refused extends RuntimeException {
        final Mark mark;

        Refused(Mark mark, String message) {
            super(message, null, false, false);
            this.mark = mark;
        }
    }

    /**
     * The parser the composer reads, checking each event as the composer takes it — before a node is built from it,
     * so an alias is never resolved and the composer's recursion never goes past MAX_DEPTH. One pass over the text:
     * the library's classes are loaded cold in premain, and a second parse cost ~7 ms there.
     */
    private static final class CheckedParser implements Parser {
        private final Parser parser;
        private int depth;

        CheckedParser(Parser parser) {
            this.parser = parser;
        }

        @Override
        public boolean checkEvent(Event.ID id) {
            return parser.checkEvent(id);
        }

        @Override
        public Event peekEvent() {
            return parser.peekEvent();
        }

        @Override
        public boolean hasNext() {
            return parser.hasNext();
        }

        @Override
        public Event next() {
            Event event = parser.next();
            Mark mark = event.getStartMark().orElse(null);
            if (event instanceof AliasEvent) {
                throw new Refused(mark, "aliases (*" + ((AliasEvent) event).getAlias().getValue()
                        + ") are not supported in a policy file; write the value out, or share it through defaults:");
            }
            if (event instanceof NodeEvent && ((NodeEvent) event).getAnchor().isPresent()) {
                throw new Refused(mark, "anchors (&" + ((NodeEvent) event).getAnchor().get().getValue()
                        + ") are not supported in a policy file; write the value out, or share it through defaults:");
            }
            if (event instanceof CollectionStartEvent && ++depth > MAX_DEPTH) {
                throw new Refused(mark, "the document nests deeper than " + MAX_DEPTH
                        + " levels; a policy file needs four");
            }
            if (event instanceof CollectionEndEvent) {
                depth--;
            }
            return event;
        }
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
