package io.kaagent.config;

import java.util.ArrayList;
import java.util.List;
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
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Composes policy text through SnakeYAML, for what {@link SimpleYamlComposer} does not read, refusing what could hurt
 * the agent (see {@link YamlDocument}). A class of its own so that a policy the simple reader takes loads none of
 * this: the catch clauses and the parser wrapper below made the JVM load SnakeYAML's exception and parser types
 * (4 classes, ~1 ms of a fresh container's first start) whenever YamlDocument was verified.
 */
final class SnakeYamlComposer {
    private SnakeYamlComposer() {
    }

    /** The root node as SnakeYAML composes it, or null after recording why there is none. */
    static YamlNode compose(String text, ProblemList problems) {
        LoadSettings settings = PolicyLoadSettings.of(problems.file(), YamlDocument.MAX_CHARACTERS, 1, false);
        try {
            Parser checked = new CheckedParser(new ParserImpl(settings, new StreamReader(settings, text)));
            Optional<Node> root = new Composer(settings, checked).getSingleNode();
            if (!root.isPresent()) {
                problems.errorAt(1, 1, "the file is empty; a policy file starts with version: 1");
                return null;
            }
            return convert(root.get());
        } catch (MarkedYamlEngineException e) {
            error(problems, e.getProblemMark().orElse(e.getContextMark().orElse(null)), describe(e));
            return null;
        } catch (Refused e) {
            error(problems, e.mark, e.getMessage());
            return null;
        } catch (YamlEngineException e) {
            problems.errorAt(1, 1, "YAML error: " + e.getMessage());
            return null;
        }
    }

    private static void error(ProblemList problems, Mark mark, String message) {
        problems.errorAt(mark == null ? 1 : mark.getLine() + 1, mark == null ? 1 : mark.getColumn() + 1, message);
    }

    /** SnakeYAML's tree as the policy's readers take it. */
    static YamlNode convert(Node node) {
        Mark start = node.getStartMark().orElse(null);
        int line = start == null ? 1 : start.getLine() + 1;
        int column = start == null ? 1 : start.getColumn() + 1;
        if (node instanceof MappingNode) {
            List<YamlNode> keysAndValues = new ArrayList<YamlNode>();
            for (NodeTuple entry : ((MappingNode) node).getValue()) {
                keysAndValues.add(convert(entry.getKeyNode()));
                keysAndValues.add(convert(entry.getValueNode()));
            }
            return YamlNode.mapping(keysAndValues, line, column);
        }
        if (node instanceof SequenceNode) {
            List<YamlNode> items = new ArrayList<YamlNode>();
            for (Node item : ((SequenceNode) node).getValue()) {
                items.add(convert(item));
            }
            return YamlNode.sequence(items, line, column);
        }
        ScalarNode scalar = (ScalarNode) node;
        // Null as the schema resolved it (empty, null; an explicit !!null tag too), and YAML's ~; a quoted scalar
        // never is. Plain text SimpleYamlComposer reads resolves the same (YamlNode.isNullText).
        boolean isNull = scalar.isPlain() && (Tag.NULL.equals(scalar.getTag()) || scalar.getValue().isEmpty()
                || "~".equals(scalar.getValue()));
        return YamlNode.scalar(scalar.getValue(), isNull, line, column);
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
     * so an alias is never resolved and the composer's recursion never goes past YamlDocument.MAX_DEPTH. One pass over
     * the text: the library's classes are loaded cold in premain, and a second parse cost ~7 ms there.
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
            if (event instanceof CollectionStartEvent && ++depth > YamlDocument.MAX_DEPTH) {
                throw new Refused(mark, "the document nests deeper than " + YamlDocument.MAX_DEPTH
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
