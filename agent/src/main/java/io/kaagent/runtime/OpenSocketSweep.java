package io.kaagent.runtime;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kaagent.log.AgentLog;
import io.kaagent.nativeio.NativeSocketException;
import io.kaagent.nativeio.ProcSocket;
import io.kaagent.nativeio.ProcSockets;
import io.kaagent.policy.Direction;
import io.kaagent.policy.Policy;
import io.kaagent.policy.Rule;

/**
 * Brings every TCP socket already open in this JVM under the policy: after {@code attach} (sockets the hooks never
 * saw) and after a reload (the new policy's values on every open connection).
 * <p>
 * On Linux with native access, the sockets come from /proc/self/fd joined with /proc/self/net/tcp{,6}; listening
 * sockets are left alone. A socket the hooks reported is decided again exactly as the hook did, host name included.
 * Any other socket is decided on what the kernel knows: inbound when its local port is one this process listens on
 * (the matched port is then the local port, the host the client's IP text), else outbound with the host unknown
 * (PRODUCT.md §6: {@code host} criteria cannot match it). Elsewhere only the sockets the hooks reported are reached.
 */
final class OpenSocketSweep {
    private static final int EBADF = 9;

    private final KeepAliveRuntime runtime;
    private final Policy policy;
    private final SweepResult result = new SweepResult();

    private OpenSocketSweep(KeepAliveRuntime runtime, Policy policy) {
        this.runtime = runtime;
        this.policy = policy;
    }

    static SweepResult run(KeepAliveRuntime runtime, Policy policy) {
        OpenSocketSweep sweep = new OpenSocketSweep(runtime, policy);
        OptionApplier applier = runtime.currentApplier();
        try {
            if (applier instanceof NativeApplier && ProcSockets.isSupported()) {
                sweep.sweepProc((NativeApplier) applier);
            } else {
                sweep.sweepKnown(applier);
            }
        } catch (Throwable t) {
            sweep.result.limitation = "the open sockets could not be listed: " + t;
            AgentLog.warn(sweep.result.limitation);
        }
        return sweep.result;
    }

    private static final class Known {
        final Object socket;
        final Endpoint endpoint;

        Known(Object socket, Endpoint endpoint) {
            this.socket = socket;
            this.endpoint = endpoint;
        }
    }

    private void sweepProc(NativeApplier applier) throws Exception {
        Map<Integer, Known> knownByFd = new HashMap<Integer, Known>();
        for (Map.Entry<Object, TrackedSockets.Entry> entry : runtime.trackedSockets()) {
            if (KeepAliveRuntime.isOpen(entry.getKey())) {
                try {
                    int fd = applier.fds().fdOf(entry.getKey());
                    if (fd >= 0) {
                        knownByFd.put(fd, new Known(entry.getKey(), entry.getValue().endpoint));
                    }
                } catch (Throwable closedMeanwhile) {
                    // decided from /proc below, like a socket the hooks never saw
                }
            }
        }
        List<ProcSocket> sockets = ProcSockets.ofSelf();
        Set<Integer> listeningPorts = ProcSockets.listeningPorts(sockets);
        runtime.forgetSweptFds();
        int unseen = 0;
        for (ProcSocket socket : sockets) {
            if (socket.isListening()) {
                result.listening++;
                continue;
            }
            if (!socket.hasPeer()) {
                result.unconnected++;
                continue;
            }
            Known known = knownByFd.get(socket.fd());
            if (known != null && known.endpoint != null && !sameConnection(known.endpoint, socket)) {
                known = null; // the descriptor was reused by a socket the hooks did not see
            }
            boolean hookSawIt = known != null && known.endpoint != null;
            if (!hookSawIt) {
                unseen++; // decided from /proc: by address, the dialled name is unknown
            }
            Rule rule = hookSawIt ? decide(known.endpoint) : decide(socket, listeningPorts);
            if (!counted(rule)) {
                if (known != null) {
                    runtime.untrack(known.socket);
                }
                continue;
            }
            if (!ProcSockets.stillRefersTo("self", socket.fd(), socket.inode())) {
                result.closed++;
                continue;
            }
            try {
                applier.applyToFd(socket.fd(), rule.settings());
            } catch (NativeSocketException e) {
                if (e.errno() == EBADF) {
                    result.closed++;
                } else {
                    failed(rule, socket + ": " + e.getMessage());
                }
                continue;
            } catch (Throwable t) {
                failed(rule, socket + ": " + t);
                continue;
            }
            result.updated++;
            runtime.recordApplied(rule);
            if (known != null) {
                runtime.retrack(known.socket, socket.fd(), rule, known.endpoint);
            } else {
                runtime.rememberSweptFd(socket.fd(), socket.inode(), rule);
            }
            if (AgentLog.isDebug()) {
                AgentLog.debug("open socket " + socket + ": rule \"" + rule.name() + "\" applied " + rule.settings()
                        + (known == null ? " (seen in /proc)" : ""));
            }
        }
        if (unseen > 0 && hasHostRules()) {
            result.limitation = unseen + " connection(s) were opened before the agent was loaded: the host name they"
                    + " dialled is unknown, so rules with host criteria could not match them (cidr and port do)";
        }
    }

    private boolean hasHostRules() {
        for (Rule rule : policy.rules()) {
            if (!rule.hosts().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Without /proc or native access: only what the hooks reported, through the applier. */
    private void sweepKnown(OptionApplier applier) {
        result.limitation = applier == null ? "no way to set socket options in this JVM"
                : "only connections a rule was applied to can be reached in " + applier.mode() + " mode"
                        + " (not those opened before the agent started, nor those no rule matched)"
                        + (ProcSockets.isSupported() ? "" : " without /proc");
        if (applier == null) {
            return;
        }
        for (Map.Entry<Object, TrackedSockets.Entry> entry : runtime.trackedSockets()) {
            Object socket = entry.getKey();
            Endpoint endpoint = entry.getValue().endpoint;
            if (!KeepAliveRuntime.isOpen(socket) || endpoint == null) {
                continue;
            }
            Rule rule = decide(endpoint);
            if (!counted(rule)) {
                runtime.untrack(socket);
                continue;
            }
            String failure = runtime.applyKnown(applier, socket, rule, endpoint);
            if (failure == null) {
                result.updated++;
            } else {
                result.failed++;
                if (result.firstFailure == null) {
                    result.firstFailure = failure;
                }
            }
        }
    }

    /** Counts the decision; true when the rule's values are to be applied. */
    private boolean counted(Rule rule) {
        if (rule == null) {
            result.noRule++;
            return false;
        }
        runtime.counters(rule).matched.incrementAndGet();
        if (rule.keepaliveOff()) {
            result.keepaliveOff++;
            return false;
        }
        return true;
    }

    private void failed(Rule rule, String message) {
        result.failed++;
        runtime.counters(rule).failed.incrementAndGet();
        if (result.firstFailure == null) {
            result.firstFailure = message;
        }
        AgentLog.warnOnce("sweep:" + message, "could not set keepalive options on " + message);
    }

    private Rule decide(Endpoint endpoint) {
        return policy.match(endpoint.direction, endpoint.host(), endpoint.remote, endpoint.port);
    }

    private Rule decide(ProcSocket socket, Set<Integer> listeningPorts) {
        InetAddress remote = socket.remote().getAddress();
        if (listeningPorts.contains(socket.local().getPort())) {
            return policy.match(Direction.INBOUND, remote.getHostAddress(), remote, socket.local().getPort());
        }
        return policy.match(Direction.OUTBOUND, null, remote, socket.remote().getPort());
    }

    private static boolean sameConnection(Endpoint endpoint, ProcSocket socket) {
        InetSocketAddress remote = socket.remote();
        if (endpoint.remote == null || !endpoint.remote.equals(remote.getAddress())) {
            return false;
        }
        return endpoint.direction == Direction.INBOUND ? endpoint.port == socket.local().getPort()
                : endpoint.port == remote.getPort();
    }
}
