package io.kaagent.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Composes the YAML policy files are written in into the tree SnakeYAML's composer builds from it, as
 * {@link YamlNode}s, node for node and position for position, or answers null for anything else, which then goes to
 * SnakeYAML ({@link SnakeYamlComposer}).
 * <p>
 * Why a second reader: in a fresh JVM, SnakeYAML's scanner, parser and composer load ~100 classes and spin 7
 * lambdas, all run interpreted: ~40-50 ms of a fresh container's first start, on the way to the JVM's exit (a
 * policy read at launch is waited for). This one is one class, and loads none of SnakeYAML's.
 * <p>
 * What it reads: a root block mapping at column 0 whose keys are words ({@code [A-Za-z0-9_][A-Za-z0-9_.-]*});
 * block mappings and block lists (indented or not under their key) of any nesting up to YamlDocument.MAX_DEPTH
 * (deeper text goes to SnakeYAML, which refuses it with the message); values on the key's line as plain scalars,
 * single- or double-quoted scalars without a backslash, or flow lists of those on one line; comments, blank lines,
 * and any printable character in comments. Anything else — tabs, line ends other than LF, anchors, aliases, tags,
 * block scalars, flow mappings, multi-line scalars, document markers, directives, errors of any kind — is refused,
 * never guessed: text this reader accepts, SnakeYAML accepts with an equal tree (SimpleYamlComposerTest holds it
 * to that on every policy of the repository and on generated texts).
 */
final class SimpleYamlComposer {
    /** SnakeYAML's limit for a simple key is 1024 characters; keys of a policy are short words. */
    private static final int MAX_KEY_LENGTH = 128;
    private static final Refused REFUSED = new Refused();

    private final String text;
    private final int length;
    private int pos;
    private int line;
    private int lineStart;
    private int depth;

    private SimpleYamlComposer(String text) {
        this.text = text;
        this.length = text.length();
    }

    /** The root node of the policy text, or null when the text is not in this reader's subset of YAML. */
    static YamlNode compose(String text) {
        try {
            return new SimpleYamlComposer(text).document();
        } catch (Refused e) {
            return null;
        } catch (RuntimeException e) {
            // A bug here must not cost the policy: SnakeYAML reads it instead.
            return null;
        }
    }

    /** Thrown where the text leaves the subset; preallocated, without a stack trace. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused() {
            super(null, null, false, false);
        }
    }

    private YamlNode document() {
        if (skipToContent() != 0) {
            throw REFUSED; // empty, or the root indented: SnakeYAML says what it makes of that
        }
        YamlNode root = blockMapping(0);
        if (pos != length) {
            throw REFUSED;
        }
        return root;
    }

    // ---- structure ----

    /** A block mapping whose keys stand at {@code indent}; pos is at its first key. */
    private YamlNode blockMapping(int indent) {
        enter();
        int startLine = lineNumber();
        int startColumn = columnNumber();
        List<YamlNode> entries = new ArrayList<YamlNode>();
        while (true) {
            entries.add(key());
            entries.add(valueAfterKey(indent));
            int next = column();
            if (next != indent) {
                if (next > indent) {
                    throw REFUSED;
                }
                break;
            }
        }
        depth--;
        return YamlNode.mapping(entries, startLine, startColumn);
    }

    /**
     * The value of a key of a mapping at {@code indent}; pos is just after the key's colon. Leaves pos at the next
     * content line's first character, or at the end of the text.
     */
    private YamlNode valueAfterKey(int indent) {
        int afterColonLine = lineNumber();
        int afterColonColumn = columnNumber();
        skipSpaces();
        if (atLineEnd()) {
            endLine();
            int next = skipToContent();
            if (next > indent) {
                return startsEntry() ? blockSequence(next, false) : blockMapping(next);
            }
            if (next == indent && startsEntry()) {
                return blockSequence(indent, true);
            }
            return YamlNode.scalar("", true, afterColonLine, afterColonColumn);
        }
        YamlNode value = inlineValue();
        endLine();
        if (skipToContent() > indent) {
            throw REFUSED; // a continuation line, or a structure SnakeYAML would reject
        }
        return value;
    }

    /**
     * A block list whose dashes stand at {@code indent}; pos is at the first dash. Indentless: a key's value written
     * at the key's own column, which ends at the next line there that is not an entry.
     */
    private YamlNode blockSequence(int indent, boolean indentless) {
        enter();
        int startLine = lineNumber();
        int startColumn = columnNumber();
        List<YamlNode> items = new ArrayList<YamlNode>();
        while (true) {
            if (!startsEntry()) {
                throw REFUSED;
            }
            pos++;
            skipSpaces();
            if (atLineEnd()) {
                throw REFUSED; // the entry's value on the lines below
            }
            if (startsKey()) {
                items.add(blockMapping(pos - lineStart));
            } else {
                items.add(inlineValue());
                endLine();
                skipToContent();
            }
            int next = column();
            if (next == indent && startsEntry()) {
                continue;
            }
            if (next > indent || next == indent && !indentless) {
                throw REFUSED;
            }
            break;
        }
        depth--;
        return YamlNode.sequence(items, startLine, startColumn);
    }

    private void enter() {
        if (++depth > YamlDocument.MAX_DEPTH) {
            throw REFUSED;
        }
    }

    /** A key of a block mapping: a word, its colon, and a space or the line's end after it. */
    private YamlNode key() {
        if (!startsKey()) {
            throw REFUSED;
        }
        int startLine = lineNumber();
        int startColumn = columnNumber();
        int begin = pos;
        while (text.charAt(pos) != ':') {
            pos++;
        }
        String key = text.substring(begin, pos);
        pos++;
        return YamlNode.scalar(key, YamlNode.isNullText(key), startLine, startColumn);
    }

    private boolean startsKey() {
        int i = pos;
        if (i >= length || !isWordStart(text.charAt(i))) {
            return false;
        }
        while (i < length && i - pos <= MAX_KEY_LENGTH && isWordPart(text.charAt(i))) {
            i++;
        }
        return i < length && text.charAt(i) == ':' && (i + 1 == length || isBreakOrSpace(text.charAt(i + 1)))
                && i - pos <= MAX_KEY_LENGTH;
    }

    /** A dash followed by a space: the dash alone on its line (the value below it) is left to SnakeYAML. */
    private boolean startsEntry() {
        return pos + 1 < length && text.charAt(pos) == '-' && text.charAt(pos + 1) == ' ';
    }

    // ---- values on one line ----

    private YamlNode inlineValue() {
        char c = text.charAt(pos);
        if (c == '[') {
            return flowSequence();
        }
        if (c == '\'' || c == '"') {
            return quoted(c);
        }
        return plain(false);
    }

    private YamlNode flowSequence() {
        enter();
        int startLine = lineNumber();
        int startColumn = columnNumber();
        List<YamlNode> items = new ArrayList<YamlNode>();
        pos++;
        skipSpaces();
        if (peek() != ']') {
            while (true) {
                char c = peek();
                items.add(c == '\'' || c == '"' ? quoted(c) : plain(true));
                skipSpaces();
                c = peek();
                if (c == ']') {
                    break;
                }
                if (c != ',') {
                    throw REFUSED;
                }
                pos++;
                skipSpaces();
                if (peek() == ']') {
                    throw REFUSED; // a trailing comma
                }
            }
        }
        pos++;
        depth--;
        return YamlNode.sequence(items, startLine, startColumn);
    }

    /** A quoted scalar on one line: single quotes with '' for a quote, or double quotes with no escape at all. */
    private YamlNode quoted(char quote) {
        int startLine = lineNumber();
        int startColumn = columnNumber();
        pos++;
        StringBuilder value = new StringBuilder();
        while (true) {
            char c = peek();
            if (c == quote) {
                if (quote == '\'' && pos + 1 < length && text.charAt(pos + 1) == '\'') {
                    value.append('\'');
                    pos += 2;
                    continue;
                }
                break;
            }
            if (!isAsciiPrintable(c) || c == '\\' && quote == '"') {
                throw REFUSED; // a line end, an escape, or a character left to SnakeYAML
            }
            value.append(c);
            pos++;
        }
        pos++;
        return YamlNode.scalar(value.toString(), false, startLine, startColumn);
    }

    /**
     * A plain scalar on one line. It ends at the line's end, at a comment (a # after a space), or in a flow list at
     * a comma or bracket; trailing spaces are not part of it. Characters with a meaning elsewhere in YAML are
     * refused, as is a colon followed by anything but a word character, a slash, a dot or another colon.
     */
    private YamlNode plain(boolean flow) {
        char first = peek();
        boolean startsNumber = first == '-' && pos + 1 < length && isDigit(text.charAt(pos + 1));
        if (!isPlainStart(first) && !startsNumber) {
            throw REFUSED;
        }
        int startLine = lineNumber();
        int startColumn = columnNumber();
        int begin = pos;
        int end = pos;
        while (pos < length) {
            char c = text.charAt(pos);
            if (c == '\n' || flow && (c == ',' || c == ']')) {
                break;
            }
            if (c == ' ') {
                pos++;
                continue;
            }
            if (c == '#') {
                if (text.charAt(pos - 1) == ' ') {
                    break;
                }
                throw REFUSED;
            }
            if (c == ':') {
                char next = pos + 1 < length ? text.charAt(pos + 1) : '\n';
                if (!(isWordPart(next) || next == '/' || next == ':')) {
                    throw REFUSED;
                }
            } else if (!isAsciiPrintable(c) || "[]{},'\"\\`".indexOf(c) >= 0) {
                throw REFUSED;
            }
            pos++;
            end = pos;
        }
        pos = end;
        String value = text.substring(begin, end);
        return YamlNode.scalar(value, YamlNode.isNullText(value), startLine, startColumn);
    }

    // ---- lines ----

    private char peek() {
        if (pos >= length) {
            throw REFUSED;
        }
        return text.charAt(pos);
    }

    private void skipSpaces() {
        while (pos < length && text.charAt(pos) == ' ') {
            pos++;
        }
    }

    /** At the line's end, the text's end, or a comment; a # needs a space before it to be one. */
    private boolean atLineEnd() {
        return pos == length || text.charAt(pos) == '\n' || text.charAt(pos) == '#' && text.charAt(pos - 1) == ' ';
    }

    /** After a value: spaces and a comment may follow it on its line, nothing else. Moves past the line's end. */
    private void endLine() {
        skipSpaces();
        if (!atLineEnd()) {
            throw REFUSED;
        }
        skipComment();
        if (pos < length) {
            newLine();
        }
    }

    /**
     * Skips blank and comment lines from the start of a line. Returns the column of the next content line's first
     * character, with pos on it, or -1 at the text's end.
     */
    private int skipToContent() {
        while (true) {
            skipSpaces();
            if (pos == length) {
                return -1;
            }
            char c = text.charAt(pos);
            if (c == '#') {
                skipComment();
                if (pos == length) {
                    return -1;
                }
                newLine();
            } else if (c == '\n') {
                newLine();
            } else {
                return pos - lineStart;
            }
        }
    }

    /** The column at pos, after skipToContent: -1 at the text's end. */
    private int column() {
        return pos == length ? -1 : pos - lineStart;
    }

    /** From a # (or a line's end) to the line's end, checking the characters as SnakeYAML's reader would. */
    private void skipComment() {
        while (pos < length) {
            char c = text.charAt(pos);
            if (c == '\n') {
                return;
            }
            if (!isAsciiPrintable(c) && !(c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029)
                    && !(c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF)) {
                throw REFUSED;
            }
            pos++;
        }
    }

    /** pos is at a line feed. */
    private void newLine() {
        pos++;
        line++;
        lineStart = pos;
    }

    /** The 1-based line at pos. */
    private int lineNumber() {
        return line + 1;
    }

    /** The 1-based column at pos: only comments may hold characters outside ASCII, all in the BMP (one per char). */
    private int columnNumber() {
        return pos - lineStart + 1;
    }

    // ---- characters ----

    private static boolean isAsciiPrintable(char c) {
        return c >= 0x20 && c <= 0x7E;
    }

    private static boolean isBreakOrSpace(char c) {
        return c == ' ' || c == '\n';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isWordStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_';
    }

    private static boolean isWordPart(char c) {
        return isWordStart(c) || c == '-' || c == '.';
    }

    /** What may begin a plain scalar here: none of YAML's indicators, nor a dash (a number's sign aside). */
    private static boolean isPlainStart(char c) {
        return isWordStart(c) || c == '.' || c == '/' || c == '~' || c == '+';
    }
}
