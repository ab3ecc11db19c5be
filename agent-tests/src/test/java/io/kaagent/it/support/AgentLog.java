package io.kaagent.it.support;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The agent's lines in a child's stderr: each starts {@code ka-agent: LEVEL } (ERROR, WARN, INFO, DEBUG). */
public final class AgentLog {
    public static final String PREFIX = "ka-agent: ";
    private static final Pattern LINE = Pattern.compile("^ka-agent: (ERROR|WARN|INFO|DEBUG) .*");

    private AgentLog() {
    }

    /** Every line that mentions the agent at all, well-formed or not. */
    public static List<String> agentLines(List<String> stderr) {
        return stderr.stream().filter(l -> l.contains("ka-agent")).collect(Collectors.toList());
    }

    /** Lines of one level: {@code ka-agent: LEVEL ...}. */
    public static List<String> lines(List<String> stderr, String level) {
        return stderr.stream().filter(l -> l.startsWith(PREFIX + level + " ")).collect(Collectors.toList());
    }

    public static boolean isWellFormed(String line) {
        return LINE.matcher(line).matches();
    }

    public static String dump(List<String> lines) {
        return lines.isEmpty() ? "(nothing)" : "\n  " + String.join("\n  ", lines);
    }
}
