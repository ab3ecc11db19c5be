package io.kaagent.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/** Collects the problems of one policy file as it is read, so that all of them are reported, not just the first. */
final class ProblemList {
    private final String file;
    private final List<Problem> errors = new ArrayList<Problem>();
    private final List<Problem> warnings = new ArrayList<Problem>();

    ProblemList(String file) {
        this.file = file;
    }

    String file() {
        return file;
    }

    /** An error at the start of the node: the offending key or value. */
    void error(YamlNode node, String message) {
        errors.add(new Problem(file, node.line(), node.column(), message));
    }

    /** An error at a 1-based position found outside YAML (e.g. a byte that is not UTF-8). */
    void errorAt(int line, int column, String message) {
        errors.add(new Problem(file, line, column, message));
    }

    /** An error of the file as a whole (unreadable, too large): no position. */
    void fileError(String message) {
        errors.add(new Problem(file, 0, 0, message));
    }

    void warning(YamlNode node, String message) {
        warnings.add(Problem.warning(file, node.line(), node.column(), message));
    }

    void warningAtStart(String message) {
        warnings.add(Problem.warning(file, 1, 1, message));
    }

    int errorCount() {
        return errors.size();
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    /** In file order; the order of discovery among problems at one position. */
    List<Problem> errors() {
        return sorted(errors);
    }

    List<Problem> warnings() {
        return sorted(warnings);
    }

    private static List<Problem> sorted(List<Problem> problems) {
        List<Problem> copy = new ArrayList<Problem>(problems);
        if (copy.size() > 1) {
            Collections.sort(copy, new ByPosition());
        }
        return copy;
    }

    /** Loaded only to sort two problems or more: a valid policy's read (a fresh start's) does without the class. */
    static final class ByPosition implements Comparator<Problem> {
        @Override
        public int compare(Problem a, Problem b) {
            return a.line() != b.line() ? Integer.compare(a.line(), b.line()) : Integer.compare(a.column(), b.column());
        }
    }
}
