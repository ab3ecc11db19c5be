package io.kaagent.attach;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * How {@code attach} and the agent it loads talk: the agent argument is {@code [POLICY];result=FILE}, and the agent
 * writes what it did to FILE as properties before agentmain returns ({@code VirtualMachine.loadAgent} waits for
 * that). A file rather than the attach API's return value because Java 8's loadAgent returns nothing, and rather
 * than a socket because the agent opens no ports. The CLI picks a name that does not exist yet in its temp
 * directory; the agent writes FILE.tmp and renames it, so the CLI never reads half a file.
 */
public final class AttachProtocol {
    static final String RESULT_MARK = ";result=";

    /** status=ok or status=error; error.1, error.2 ...: one line each; the rest as {@link #write} callers put it. */
    public static final String STATUS = "status";
    public static final String OK = "ok";
    public static final String ERROR = "error";

    /** The marker system properties the agent sets in its JVM, read by {@code list} and {@code status}. */
    public static final String VERSION_PROPERTY = "ka.agent.version";
    public static final String POLICY_PROPERTY = "ka.agent.policy";
    public static final String POLICY_FILE_PROPERTY = "ka.agent.policy.file";
    public static final String INACTIVE_PROPERTY = "ka.agent.inactive";

    private AttachProtocol() {
    }

    /** The agent argument for a policy file (null: the target's own policy sources) and a result file. */
    public static String argument(String policyPath, String resultPath) {
        return (policyPath == null ? "" : policyPath) + RESULT_MARK + resultPath;
    }

    /** The policy part of an agent argument: the whole argument when it names no result file. */
    public static String policyPart(String argument) {
        if (argument == null) {
            return null;
        }
        int mark = argument.lastIndexOf(RESULT_MARK);
        return mark < 0 ? argument : argument.substring(0, mark);
    }

    /** The result file an agent argument names, or null. */
    public static File resultFile(String argument) {
        if (argument == null) {
            return null;
        }
        int mark = argument.lastIndexOf(RESULT_MARK);
        String path = mark < 0 ? null : argument.substring(mark + RESULT_MARK.length()).trim();
        return path == null || path.isEmpty() ? null : new File(path);
    }

    /** Agent side: writes the result atomically. Never throws: the application must not notice a failed report. */
    public static void write(File resultFile, Properties result) {
        if (resultFile == null) {
            return;
        }
        File tmp = new File(resultFile.getPath() + ".tmp");
        try {
            // CREATE_NEW (O_EXCL): never follows a link someone planted at the name in a shared temp directory.
            OutputStream out = Files.newOutputStream(tmp.toPath(), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            try {
                result.store(out, "ka-agent attach result");
            } finally {
                out.close();
            }
            Files.move(tmp.toPath(), resultFile.toPath(), StandardCopyOption.ATOMIC_MOVE);
        } catch (Exception e) {
            System.err.println("ka-agent: WARN cannot report the attach result to " + resultFile + ": " + e);
            tmp.delete();
        }
    }

    /** CLI side: the result, or null when the agent wrote none (yet). */
    public static Properties read(File resultFile) throws IOException {
        if (!resultFile.isFile()) {
            return null;
        }
        Properties result = new Properties();
        InputStream in = new FileInputStream(resultFile);
        try {
            result.load(in);
        } finally {
            in.close();
        }
        return result;
    }
}
