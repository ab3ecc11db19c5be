package io.kaagent.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** {@code java -jar ka-agent.jar COMMAND ...} (PRODUCT.md §6). Exit status 0 on success, 1 otherwise. */
public final class Cli {
    private Cli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; results go to {@code out}, problems and usage errors to {@code err}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(Usage.TEXT);
            return 1;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        switch (args[0]) {
            case "check":
                return CheckCommand.run(rest, out, err);
            case "explain":
                return ExplainCommand.run(rest, out, err);
            case "attach":
                return AttachCommand.run(rest, out, err);
            case "status":
                return StatusCommand.run(rest, out, err);
            case "list":
                return ListCommand.run(rest, out, err);
            case "--help":
            case "-h":
            case "help":
                out.print(Usage.TEXT);
                return 0;
            case "--version":
                out.println("ka-agent " + Version.current());
                return 0;
            default:
                return usageError(err, "unknown command \"" + args[0] + "\"");
        }
    }

    /** One line saying what was wrong, then the usage; exit status 1. */
    static int usageError(PrintStream err, String message) {
        err.println("ka-agent: " + message);
        err.print(Usage.TEXT);
        return 1;
    }
}
