package io.kaagent.attach;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The main class (or {@code -jar} file, or module) of a {@code java} command line, for JVMs without perf data. */
final class JavaCommandLine {
    /** Launcher options whose value is the next argument. */
    private static final Set<String> WITH_VALUE = new HashSet<String>(Arrays.asList("-cp", "-classpath",
            "--class-path", "-p", "--module-path", "--upgrade-module-path", "--add-modules", "--limit-modules",
            "--add-exports", "--add-opens", "--add-reads", "--patch-module", "--enable-native-access", "--source",
            "--describe-module", "-d"));

    private JavaCommandLine() {
    }

    static String mainOf(List<String> args) {
        if (args.isEmpty()) {
            return "?";
        }
        for (int i = 1; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-jar") || arg.equals("-m") || arg.equals("--module")) {
                return i + 1 < args.size() ? rest(args, i + 1) : "?";
            }
            if (WITH_VALUE.contains(arg)) {
                i++;
                continue;
            }
            if (arg.startsWith("-") || arg.startsWith("@")) {
                continue;
            }
            return rest(args, i);
        }
        return args.get(0);
    }

    private static String rest(List<String> args, int from) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < args.size(); i++) {
            text.append(i == from ? "" : " ").append(args.get(i));
        }
        return text.toString();
    }
}
