package io.kaagent.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.kaagent.attach.AgentPresence;
import io.kaagent.attach.AttachException;
import io.kaagent.attach.JvmProcess;
import io.kaagent.config.PolicyException;
import io.kaagent.config.PolicyLoader;
import io.kaagent.config.Problem;
import io.kaagent.nativeio.ForeignSockets;
import io.kaagent.nativeio.ProcSocket;
import io.kaagent.nativeio.ProcSockets;
import io.kaagent.policy.DefaultPolicy;
import io.kaagent.policy.Direction;
import io.kaagent.policy.EnvOverrides;
import io.kaagent.policy.Policy;
import io.kaagent.policy.Rule;

/**
 * {@code status <pid> [config.yml]}: every TCP socket of a JVM with its keepalive options as the kernel has them,
 * read from outside the process (pidfd_getfd + getsockopt), whether or not the agent runs there. The RULE column is
 * what the policy — the given file, else the one the agent runs with — matches by direction, address and port.
 */
final class StatusCommand {
    private static final String FORMAT = "%-4s %-12s %-22s %-22s %-9s %-9s %-6s %-6s %-4s %-12s %s%n";

    private StatusCommand() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() < 1 || args.size() > 2) {
            return Cli.usageError(err, "status takes a pid and optionally a policy file: status <pid> [config.yml]");
        }
        try {
            return status(JvmProcess.parsePid(args.get(0)), args.size() == 2 ? args.get(1) : null, out, err);
        } catch (AttachException e) {
            err.println("ka-agent: " + e.getMessage());
            return 1;
        }
    }

    private static int status(long pid, String policyArgument, PrintStream out, PrintStream err)
            throws AttachException {
        JvmProcess process = JvmProcess.of(pid);
        int me = JvmProcess.currentUid();
        if (process.uid() != me && me != 0) {
            String user = process.userName();
            throw new AttachException("pid " + pid + " belongs to user " + user + ": only that user or root can read "
                    + "its sockets (sudo -u " + user + " java -jar ka-agent.jar status " + pid + ")");
        }
        if (Boolean.FALSE.equals(process.isJvm())) {
            throw new AttachException("pid " + pid + " (" + process.command() + ") is not a Java VM");
        }
        if (!ProcSockets.isSupported()) {
            throw new AttachException("status needs Linux /proc: not available on " + System.getProperty("os.name"));
        }
        Policy explicit = null;
        if (policyArgument != null) {
            try {
                explicit = PolicyLoader.load(new File(policyArgument).toPath());
            } catch (PolicyException e) {
                for (Problem problem : e.problems()) {
                    err.println(problem);
                }
                throw new AttachException(policyArgument + " has errors (the lines above)");
            }
        }
        List<ProcSocket> sockets;
        try {
            sockets = ProcSockets.of(Long.toString(pid));
        } catch (NoSuchFileException e) {
            throw new AttachException("no process with pid " + pid);
        } catch (AccessDeniedException e) {
            throw new AttachException("cannot read the sockets of pid " + pid + ": " + e.getFile()
                    + " is not readable by this user");
        } catch (IOException e) {
            throw new AttachException("cannot read the sockets of pid " + pid + ": " + e);
        }
        AgentPresence presence = AgentPresence.of(process);
        List<String> notes = new ArrayList<String>();
        Policy policy = explicit != null ? explicit : agentPolicy(process, presence, notes);

        out.println("pid " + pid + " (" + process.mainCommand() + "): " + presence.describe());
        if (explicit != null) {
            out.println("RULE column from " + policyArgument);
        }
        out.printf(FORMAT, "FD", "STATE", "LOCAL", "REMOTE", "DIRECTION", "KEEPALIVE", "IDLE", "INTVL", "CNT",
                "USER_TIMEOUT", "RULE");
        Set<Integer> listening = ProcSockets.listeningPorts(sockets);
        ForeignSockets reader = null;
        String unreadable = null;
        try {
            reader = ForeignSockets.open(pid);
        } catch (IOException e) {
            unreadable = e.getMessage();
        }
        int connections = 0;
        int keepAliveOn = 0;
        try {
            for (ProcSocket socket : sockets) {
                ForeignSockets.SocketReading reading = null;
                if (reader != null) {
                    try {
                        reading = reader.read(socket.fd());
                    } catch (IOException e) {
                        if (unreadable == null) {
                            unreadable = e.getMessage();
                        }
                    }
                }
                Direction direction = socket.isListening() ? null
                        : listening.contains(socket.local().getPort()) ? Direction.INBOUND : Direction.OUTBOUND;
                if (socket.hasPeer()) {
                    connections++;
                    if (reading != null && reading.keepAlive) {
                        keepAliveOn++;
                    }
                }
                out.printf(FORMAT, socket.fd(), socket.state(), ProcSocket.text(socket.local()),
                        socket.hasPeer() || !socket.isListening() ? ProcSocket.text(socket.remote()) : "*",
                        direction == null ? "listening" : direction.word(),
                        reading == null ? "?" : reading.keepAlive ? "on" : "off",
                        reading == null ? "?" : reading.idleSeconds + "s",
                        reading == null ? "?" : reading.intervalSeconds + "s",
                        reading == null ? "?" : Integer.toString(reading.count),
                        reading == null ? "?" : reading.userTimeoutMillis <= 0 ? "off" : reading.userTimeoutMillis + "ms",
                        rule(policy, socket, direction));
            }
        } finally {
            if (reader != null) {
                reader.close();
            }
        }
        out.println(connections + (connections == 1 ? " connection, " : " connections, ") + keepAliveOn
                + " with SO_KEEPALIVE on; values as the kernel reports them");
        if (unreadable != null) {
            out.println("note: the options could not be read (?): " + unreadable);
        }
        if (policy != null && hasHostRules(policy)) {
            notes.add("rules with a host criterion do not show here: the host name an application dialled is not "
                    + "visible from outside the process");
        }
        for (String note : notes) {
            out.println("note: " + note);
        }
        return 0;
    }

    /** The policy the agent in that JVM runs with, read the way it reads it; null when there is none. */
    private static Policy agentPolicy(JvmProcess process, AgentPresence presence, List<String> notes) {
        if (!presence.isLoaded()) {
            return null;
        }
        String file = presence.policyFile();
        String source = presence.policySource();
        try {
            Policy policy;
            if (file != null) {
                policy = PolicyLoader.load(new File(file).toPath());
            } else if (source != null && source.startsWith(DefaultPolicy.SOURCE)) {
                policy = DefaultPolicy.create();
            } else {
                return null;
            }
            return EnvOverrides.apply(policy, process.environment());
        } catch (PolicyException e) {
            notes.add("no RULE column: the agent's policy " + (file == null ? source : file)
                    + " cannot be read now: " + e.getMessage().split("\n")[0]);
            return null;
        }
    }

    private static String rule(Policy policy, ProcSocket socket, Direction direction) {
        if (policy == null || direction == null || !socket.hasPeer()) {
            return "-";
        }
        InetAddress remote = socket.remote().getAddress();
        Rule rule = direction == Direction.INBOUND
                ? policy.match(direction, remote.getHostAddress(), remote, socket.local().getPort())
                : policy.match(direction, null, remote, socket.remote().getPort());
        if (rule == null) {
            return "-";
        }
        return rule.keepaliveOff() ? rule.name() + " (keepalive: off)" : rule.name();
    }

    private static boolean hasHostRules(Policy policy) {
        for (Rule rule : policy.rules()) {
            if (!rule.hosts().isEmpty()) {
                return true;
            }
        }
        return false;
    }
}
