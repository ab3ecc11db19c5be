package io.kaagent.attach;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipFile;

/**
 * What /proc tells about a process without touching it: owner, whether it is a JVM, its command line, its perf data,
 * whether it handles SIGQUIT, whether ka-agent.jar is open in it. Every reading is best effort: a file that cannot be
 * read (another user's process) gives null, and the callers say so.
 */
public final class JvmProcess {
    /** The entry every ka-agent jar has (the agent's classes are hidden under inst/). */
    private static final String AGENT_JAR_ENTRY = "inst/io/kaagent/Agent.classdata";
    private static final int SIGQUIT = 3;

    private final long pid;
    private final Path proc;
    private Map<String, String> status;
    private HsPerfData perfData;
    private boolean perfDataRead;

    private JvmProcess(long pid) {
        this.pid = pid;
        this.proc = Paths.get("/proc", Long.toString(pid));
    }

    /** @throws AttachException when there is no such process */
    public static JvmProcess of(long pid) throws AttachException {
        JvmProcess process = new JvmProcess(pid);
        if (pid <= 0 || !Files.isDirectory(process.proc)) {
            throw new AttachException("no process with pid " + pid);
        }
        return process;
    }

    /** Parses a pid argument: digits only. */
    public static long parsePid(String text) throws AttachException {
        try {
            long pid = Long.parseLong(text.trim());
            if (pid > 0) {
                return pid;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new AttachException("not a process id: " + text + " (see `java -jar ka-agent.jar list`)");
    }

    public long pid() {
        return pid;
    }

    /** The process ids of this user's processes that are JVMs (libjvm mapped), this one excepted, ascending. */
    public static List<JvmProcess> jvmsOfCurrentUser() throws IOException {
        int me = currentUid();
        long self = selfPid();
        List<Long> pids = new ArrayList<Long>();
        DirectoryStream<Path> entries = Files.newDirectoryStream(Paths.get("/proc"));
        try {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0)) && name.matches("\\d+")) {
                    pids.add(Long.valueOf(name));
                }
            }
        } finally {
            entries.close();
        }
        Collections.sort(pids);
        List<JvmProcess> jvms = new ArrayList<JvmProcess>();
        for (long pid : pids) {
            JvmProcess process = new JvmProcess(pid);
            if (pid != self && process.uid() == me && Boolean.TRUE.equals(process.isJvm())) {
                jvms.add(process);
            }
        }
        return jvms;
    }

    public static int currentUid() {
        Integer uid = new JvmProcess(selfPid()).effectiveUid();
        return uid == null ? -1 : uid;
    }

    static long selfPid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Paths.get("/proc/self")).toString());
        } catch (Exception e) {
            return -1;
        }
    }

    /** Effective uid, -1 when unknown (the process ended). */
    public int uid() {
        Integer uid = effectiveUid();
        return uid == null ? -1 : uid;
    }

    private Integer effectiveUid() {
        String uids = status().get("Uid");
        if (uids == null) {
            return null;
        }
        String[] fields = uids.trim().split("\\s+");
        return fields.length > 1 ? Integer.valueOf(fields[1]) : Integer.valueOf(fields[0]);
    }

    /** The user name of {@link #uid()} from /etc/passwd, else the number. */
    public String userName() {
        return userName(uid());
    }

    public static String userName(int uid) {
        try {
            for (String line : Files.readAllLines(Paths.get("/etc/passwd"), StandardCharsets.UTF_8)) {
                String[] fields = line.split(":");
                if (fields.length > 2 && fields[2].equals(Integer.toString(uid))) {
                    return fields[0];
                }
            }
        } catch (IOException e) {
            // no passwd: the number will do
        }
        return "uid " + uid;
    }

    /** The executable's short name (/proc/PID/comm). */
    public String command() {
        String name = status().get("Name");
        return name == null ? "?" : name.trim();
    }

    /** true when libjvm is mapped, false when not, null when the maps are not readable (another user's process). */
    public Boolean isJvm() {
        try {
            byte[] maps = Files.readAllBytes(proc.resolve("maps"));
            return new String(maps, StandardCharsets.ISO_8859_1).contains("/libjvm.so");
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether SIGQUIT is caught; the attach API sends it to a JVM whose attach listener is not running yet. */
    public boolean catchesSigQuit() {
        String caught = status().get("SigCgt");
        if (caught == null) {
            return true; // cannot tell: let the attach API decide
        }
        long mask = Long.parseLong(caught.trim(), 16);
        return (mask & (1L << (SIGQUIT - 1))) != 0;
    }

    /** Whether the attach listener already runs (its socket exists): then no signal is needed. */
    public boolean attachListenerRunning() {
        return new File(proc.toFile(), "root/tmp/.java_pid" + namespacePid()).exists()
                || new File("/tmp/.java_pid" + pid).exists();
    }

    /** The pid inside the process's own pid namespace (a container): the name of its perf data file. */
    long namespacePid() {
        String nspid = status().get("NSpid");
        if (nspid == null) {
            return pid;
        }
        String[] fields = nspid.trim().split("\\s+");
        return Long.parseLong(fields[fields.length - 1]);
    }

    /** The arguments of the process (/proc/PID/cmdline), empty when unreadable. */
    public List<String> commandLine() {
        try {
            byte[] bytes = Files.readAllBytes(proc.resolve("cmdline"));
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (text.endsWith("\0")) {
                text = text.substring(0, text.length() - 1);
            }
            return text.isEmpty() ? Collections.<String>emptyList() : Arrays.asList(text.split("\0", -1));
        } catch (IOException e) {
            return Collections.emptyList();
        }
    }

    /** The environment the process started with (/proc/PID/environ), empty when unreadable. */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<String, String>();
        try {
            byte[] bytes = Files.readAllBytes(proc.resolve("environ"));
            for (String entry : new String(bytes, StandardCharsets.UTF_8).split("\0")) {
                int eq = entry.indexOf('=');
                if (eq > 0) {
                    env.put(entry.substring(0, eq), entry.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            // another user's process
        }
        return env;
    }

    /** The perf data counters, or null (-XX:-UsePerfData, or not readable). */
    HsPerfData perfData() {
        if (!perfDataRead) {
            perfDataRead = true;
            String file = Long.toString(namespacePid());
            for (File tmp : new File[] {new File(proc.toFile(), "root/tmp"), new File("/tmp")}) {
                File[] dirs = tmp.listFiles();
                if (dirs == null) {
                    continue;
                }
                for (File dir : dirs) {
                    if (dir.getName().startsWith("hsperfdata_") && new File(dir, file).isFile()) {
                        perfData = HsPerfData.read(new File(dir, file));
                        if (perfData != null) {
                            return perfData;
                        }
                    }
                }
            }
        }
        return perfData;
    }

    /** The main class or jar and its arguments, as jps shows them. */
    public String mainCommand() {
        HsPerfData data = perfData();
        String command = data == null ? null : data.javaCommand();
        return command != null && !command.trim().isEmpty() ? command.trim() : JavaCommandLine.mainOf(commandLine());
    }

    /** The JVM options it was started with, from every place the launcher reads them. */
    String jvmOptions() {
        StringBuilder options = new StringBuilder();
        for (String arg : commandLine()) {
            options.append(arg).append(' ');
        }
        Map<String, String> env = environment();
        for (String variable : new String[] {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"}) {
            if (env.containsKey(variable)) {
                options.append(env.get(variable)).append(' ');
            }
        }
        HsPerfData data = perfData();
        if (data != null && data.vmArgs() != null) {
            options.append(data.vmArgs());
        }
        return options.toString();
    }

    /** false when the JVM runs with -XX:+DisableAttachMechanism, true when enabled, null when unknown. */
    public Boolean attachEnabled() {
        HsPerfData data = perfData();
        Boolean capable = data == null ? null : data.attachable();
        if (capable != null) {
            return capable;
        }
        return jvmOptions().contains("-XX:+DisableAttachMechanism") ? Boolean.FALSE : null;
    }

    /** The JVM's java.version from its perf data, or null. */
    public String javaVersion() {
        HsPerfData data = perfData();
        return data == null ? null : data.javaVersion();
    }

    public boolean enablesDynamicAgentLoading() {
        return jvmOptions().contains("-XX:+EnableDynamicAgentLoading");
    }

    /**
     * Whether some ka-agent jar is open in the process. A started agent always keeps its jar open (its class loader
     * reads from it), so false means the agent is certainly not loaded, without attaching to find out.
     */
    public boolean hasAgentJarOpen() {
        Path fds = proc.resolve("fd");
        Set<String> seen = new HashSet<String>();
        try {
            DirectoryStream<Path> entries = Files.newDirectoryStream(fds);
            try {
                for (Path fd : entries) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (NoSuchFileException closed) {
                        continue;
                    }
                    if ((target.endsWith(".jar") || target.endsWith(".jar (deleted)")) && seen.add(target)
                            && isAgentJar(fd.toFile())) {
                        return true;
                    }
                }
            } finally {
                entries.close();
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static boolean isAgentJar(File openFile) {
        try {
            ZipFile zip = new ZipFile(openFile);
            try {
                return zip.getEntry(AGENT_JAR_ENTRY) != null;
            } finally {
                zip.close();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private Map<String, String> status() {
        if (status == null) {
            Map<String, String> fields = new HashMap<String, String>();
            try {
                for (String line : Files.readAllLines(proc.resolve("status"), StandardCharsets.ISO_8859_1)) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            status = fields;
        }
        return status;
    }
}
