package io.kaagent.config;

/**
 * One mistake (or, for a warning, one doubtful setting) with its position: {@code FILE:LINE:COLUMN: message}.
 * Problems that have no position in a file — an unreadable file, a bad {@code KA_AGENT_*} variable — carry line 0
 * and print as {@code FILE: message}, where FILE is the file or the variable's name.
 */
public final class Problem {
    private final String file;
    private final int line;
    private final int column;
    private final String message;
    private final boolean warning;

    /** An error; line and column are 1-based, or 0 when the problem has no position. */
    public Problem(String file, int line, int column, String message) {
        this(file, line, column, message, false);
    }

    private Problem(String file, int line, int column, String message, boolean warning) {
        this.file = file;
        this.line = line;
        this.column = column;
        this.message = message;
        this.warning = warning;
    }

    /** A warning: the policy is valid, but probably not what its author wants. */
    public static Problem warning(String file, int line, int column, String message) {
        return new Problem(file, line, column, message, true);
    }

    public String file() {
        return file;
    }

    /** 1-based; 0 when the problem has no position. */
    public int line() {
        return line;
    }

    /** 1-based; 0 when the problem has no position. */
    public int column() {
        return column;
    }

    /** The message without position or {@code warning:} prefix. */
    public String message() {
        return message;
    }

    public boolean isWarning() {
        return warning;
    }

    /** {@code ka.yml:7:11: rules[0].idle: ...}, {@code ka.yml:9:5: warning: ...} or {@code KA_AGENT_IDLE: ...}. */
    @Override
    public String toString() {
        String position = line > 0 ? file + ":" + line + ":" + column : file;
        return position + ": " + (warning ? "warning: " : "") + message;
    }
}
