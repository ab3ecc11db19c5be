package io.kaagent.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A policy that cannot be used, with every mistake found in it; the message is one problem per line. */
public final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<Problem> problems;

    public PolicyException(List<Problem> problems) {
        super(joinLines(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a PolicyException needs at least one problem");
        }
        this.problems = Collections.unmodifiableList(new ArrayList<Problem>(problems));
    }

    private static String joinLines(List<Problem> problems) {
        StringBuilder text = new StringBuilder();
        for (Problem problem : problems) {
            text.append(text.length() == 0 ? "" : "\n").append(problem);
        }
        return text.toString();
    }

    /** In the order they appear in the file. */
    public List<Problem> problems() {
        return problems;
    }
}
