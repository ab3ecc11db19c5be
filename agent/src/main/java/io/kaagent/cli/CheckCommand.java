package io.kaagent.cli;

import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.List;

import io.kaagent.config.LoadResult;
import io.kaagent.config.PolicyException;
import io.kaagent.config.PolicyLoader;
import io.kaagent.config.Problem;

/** {@code check <config.yml>}: validates a policy file. */
final class CheckCommand {
    private CheckCommand() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() != 1) {
            return Cli.usageError(err, "check takes one argument: check <config.yml>");
        }
        LoadResult result = load(args.get(0), err, true);
        if (result == null) {
            return 1;
        }
        int rules = result.policy().rules().size();
        out.println("OK: " + rules + (rules == 1 ? " rule" : " rules"));
        return 0;
    }

    /** The policy (its warnings printed to {@code err} if asked), or null after printing its problems there. */
    static LoadResult load(String file, PrintStream err, boolean printWarnings) {
        try {
            LoadResult result = PolicyLoader.loadWithWarnings(toPath(file));
            if (printWarnings) {
                printAll(result.warnings(), err);
            }
            return result;
        } catch (PolicyException e) {
            printAll(e.problems(), err);
            return null;
        }
    }

    private static Path toPath(String file) throws PolicyException {
        try {
            return Paths.get(file);
        } catch (InvalidPathException e) {
            throw new PolicyException(Collections.singletonList(new Problem(file, 0, 0, "not a valid path")));
        }
    }

    private static void printAll(List<Problem> problems, PrintStream err) {
        for (Problem problem : problems) {
            err.println(problem);
        }
        // Warnings and results go to different streams; flush so a terminal shows them in order.
        err.flush();
    }
}
