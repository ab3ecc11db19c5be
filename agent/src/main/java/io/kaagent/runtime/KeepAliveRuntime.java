package io.kaagent.runtime;

import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketOption;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.kaagent.log.AgentLog;
import io.kaagent.policy.Direction;
import io.kaagent.policy.KeepAliveSettings;
import io.kaagent.policy.Policy;
import io.kaagent.policy.Rule;

/**
 * Decides and applies, for every socket the hooks report. Runs on the application's threads, so it is short,
 * allocation-light, and catches everything. At launch the policy is read on a thread of the agent's own: a socket
 * connected before it is known waits for it (bounded; past that it is queued and decided when the policy arrives).
 * The native layer loads on a background thread (110–225 ms, FACTS.md); a socket decided before it is ready gets
 * its options at once through the JDK's own extended socket options (loaded before the policy is handed over,
 * microseconds a call), so connect and accept never hand the application a socket without them. Only where that
 * is impossible (no jdk.net) do sockets wait in a queue for the native layer.
 */
public final class KeepAliveRuntime {
    private static final long NATIVE_WAIT_MILLIS = 2000;

    private volatile Policy policy;
    /**
     * The last decision per direction: a server that also dials out (or a loop that connects and accepts) alternates
     * inbound and outbound sockets, and one memo for both would miss every time.
     */
    private volatile LastDecision lastOutbound;
    private volatile LastDecision lastInbound;
    private volatile OptionApplier applier;
    /** The JDK's extended socket options, used until {@link #applier} is set; null where this JDK has none. */
    private volatile OptionApplier startupApplier;
    /** At a launch on JDK 17+, until the init thread set the startup applier: a socket may load it (whileStarting). */
    private volatile boolean jdkOptionsOnDemand;
    /** Listeners that hand a rule's values to what they accept; null until the native layer is in, and off Linux. */
    private volatile InheritingListeners listeners;
    private final CountDownLatch ready = new CountDownLatch(1);
    /** Counted down when something needs the native layer now; until then the init thread may wait (see Agent). */
    private final CountDownLatch nativeWanted = new CountDownLatch(1);
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<Pending>();
    private final TrackedSockets tracked = new TrackedSockets();
    /** Sockets the open-socket sweep set by descriptor (the hooks never saw them), for enforce: fd → inode, rule. */
    private final Map<Integer, SweptFd> sweptFds = new ConcurrentHashMap<Integer, SweptFd>();
    private final Object sweepLock = new Object();
    private volatile String lastSweep;
    private volatile String lastReloadError;
    private final Map<String, RuleCounters> counters = new ConcurrentHashMap<String, RuleCounters>();
    private final AtomicLong hookFailures = new AtomicLong();
    private final AtomicLong socketsApplied = new AtomicLong();
    private final AtomicLong socketsInherited = new AtomicLong();
    private final AtomicLong neutralised = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    private final boolean failOnPurpose;
    /** Set while the agent itself sets options, so its own setOption calls are not neutralised. */
    private final ThreadLocal<Boolean> applying = new ThreadLocal<Boolean>();

    /** How many sockets may wait for the policy; beyond that they are left untouched (counted as hook failures). */
    private static final int MAX_UNDECIDED = 10000;
    private static final long POLICY_WAIT_MILLIS = 2000;
    /**
     * Sockets the hooks reported before the policy was read (at launch it is read while the application starts,
     * and YAML costs a cold JVM ~100 ms) and that waited for it in vain. Decided once it arrives; null from then on.
     * Guarded by undecidedLock.
     */
    private List<Undecided> undecided;
    private final Object undecidedLock = new Object();
    private final CountDownLatch policyKnown = new CountDownLatch(1);

    /** @param policy the policy, or null when it arrives later through {@link #policyLoaded} */
    public KeepAliveRuntime(Policy policy, boolean failOnPurpose) {
        this.policy = indexed(policy);
        this.failOnPurpose = failOnPurpose;
        if (policy == null) {
            undecided = new ArrayList<Undecided>();
        } else {
            policyKnown.countDown();
        }
    }

    private static final class Undecided {
        final Object socket;
        final Endpoint endpoint;

        Undecided(Object socket, Endpoint endpoint) {
            this.socket = socket;
            this.endpoint = endpoint;
        }
    }

    private static final class SweptFd {
        final long inode;
        final Rule rule;

        SweptFd(long inode, Rule rule) {
            this.inode = inode;
            this.rule = rule;
        }
    }

    private static final class Pending {
        final Object socket;
        final TrackedSockets.Entry entry;

        Pending(Object socket, TrackedSockets.Entry entry) {
            this.socket = socket;
            this.entry = entry;
        }
    }

    // ---- called from the bridge, on application threads ----

    public void onConnect(Object socket, Object dialled) {
        try {
            if (failOnPurpose) {
                throw new IllegalStateException("hook failure requested by -Dka.agent.test.failHook=true");
            }
            decide(socket, Endpoint.outbound(socket, dialled), true);
        } catch (Throwable t) {
            hookFailed(t);
        }
    }

    /** @param listener the server socket or channel it was accepted from; null when the hook cannot tell */
    public void onAccept(Object socket, Object listener) {
        try {
            if (failOnPurpose) {
                throw new IllegalStateException("hook failure requested by -Dka.agent.test.failHook=true");
            }
            Endpoint endpoint = Endpoint.inbound(socket);
            InheritingListeners.Listener from = endpoint == null ? null : listenerOf(listener);
            if (from == null) {
                decide(socket, endpoint, true, false);
                return;
            }
            if (inheritedFrom(from, socket, endpoint)) {
                return;
            }
            LastDecision decided = decide(socket, endpoint, true, from.mayHandOnStaleValues());
            if (decided != null) {
                listenerLearns(from, decided);
            }
        } catch (Throwable t) {
            hookFailed(t);
        }
    }

    /** Where listeners hand values on (see InheritingListeners): the record of this one, else null. */
    private InheritingListeners.Listener listenerOf(Object listener) {
        InheritingListeners inheriting = listeners;
        if (inheriting == null || listener == null) {
            return null;
        }
        try {
            return inheriting.listener(listener);
        } catch (Throwable t) {
            listenerFailed(t);
            return null;
        }
    }

    /** What the listener learns from a socket decided one by one: whether to guess, and whether its guess pays. */
    private void listenerLearns(InheritingListeners.Listener from, LastDecision decided) {
        try {
            listeners.decided(from, decided.policy(), decided.rule);
        } catch (Throwable t) {
            listenerFailed(t);
        }
    }

    /** True when the socket got its rule's values from its listener: recorded as set, with nothing to set. */
    private boolean inheritedFrom(InheritingListeners.Listener from, Object socket, Endpoint endpoint) {
        Policy inForce = policy;
        if (inForce == null) {
            return false; // decide() waits for it
        }
        if (!from.mayHandOn(inForce)) {
            return false;
        }
        int fd;
        Rule rule;
        try {
            fd = listeners.fdOf(socket);
            rule = fd < 0 ? null : listeners.inherited(from, inForce, endpoint, fd);
        } catch (Throwable t) {
            listenerFailed(t);
            return false;
        }
        if (rule == null) {
            return false;
        }
        RuleCounters ruleCounters = counters(rule);
        ruleCounters.matched.incrementAndGet();
        ruleCounters.applied.incrementAndGet();
        socketsApplied.incrementAndGet();
        socketsInherited.incrementAndGet();
        TrackedSockets.Entry entry = new TrackedSockets.Entry(rule, endpoint);
        entry.applied = true;
        tracked.put(socket, fd, entry);
        if (AgentLog.isDebug()) {
            AgentLog.debug(endpoint + ": rule \"" + rule.name() + "\" applied " + rule.settings()
                    + " (native, from the listening socket)");
        }
        return true;
    }

    private static void listenerFailed(Throwable t) {
        AgentLog.warnOnce("listener:" + t.getClass().getName(), "could not use a listening socket's keepalive options ("
                + t + "): its sockets are set one by one (further failures like this are not logged)");
    }

    /** @return true when the call must be skipped: the agent enforces this option on this socket. */
    public boolean onOption(Object socket, Object option) {
        try {
            if (!isKeepAliveOption(option)) {
                return false;
            }
            if (applying.get() != null) {
                // The JDK applier's own call: first, so that a JVM's first connection, applied this way, loads
                // none of the listener classes below (seven of java.nio's, ~0.5 ms of it).
                return false;
            }
            if (socket instanceof ServerSocket || socket instanceof ServerSocketChannel) {
                listenerOptionSet(socket); // never skipped: what a listener hands on is the application's to say
                return false;
            }
            TrackedSockets.Entry entry = tracked.get(socket);
            if (entry == null && !sweptFds.isEmpty()) {
                entry = adoptSwept(socket);
            }
            if (entry == null && policyKnown.getCount() > 0 && isUndecided(socket)) {
                // Connected before the policy was read: wait for its decision, then treat the call as usual.
                awaitPolicy();
                entry = tracked.get(socket);
            }
            if (entry == null) {
                return false;
            }
            if (entry.rule.settings().enforce()) {
                counters(entry.rule).neutralised.incrementAndGet();
                neutralised.incrementAndGet();
                if (AgentLog.isDebug()) {
                    AgentLog.debug("neutralised " + optionName(option) + " on a socket under rule \""
                            + entry.rule.name() + "\" (enforce: true)");
                }
                return true;
            }
            // enforce: false and our values not applied yet: apply them now, so the application's call comes after.
            if (!entry.applied) {
                awaitApplier();
                OptionApplier current = applier;
                if (current != null) {
                    apply(current, socket, entry);
                }
            }
            return false;
        } catch (Throwable t) {
            hookFailed(t);
            return false;
        }
    }

    /** The application sets a keepalive option on a listening socket: the agent stops handing values on there. */
    private void listenerOptionSet(Object listener) {
        InheritingListeners.Listener on = listenerOf(listener);
        if (on != null) {
            try {
                listeners.applicationSets(on);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        }
    }

    /** A socket copied from a listener the agent took its values back from, and no rule for it: none of ours stays. */
    private void putBackCopiedValues(Object socket) {
        InheritingListeners inheriting = listeners;
        if (inheriting != null) {
            try {
                inheriting.putBackIfCopied(inheriting.fdOf(socket));
            } catch (Throwable t) {
                listenerFailed(t);
            }
        }
    }

    private void decide(Object socket, Endpoint endpoint, boolean mayWait) {
        decide(socket, endpoint, mayWait, false);
    }

    /** The policy's answer for this endpoint; the last one is kept per direction (see LastDecision). */
    private LastDecision decision(Policy inForce, Endpoint endpoint) {
        String host = inForce.matchesHosts(endpoint.direction) ? endpoint.host() : null;
        boolean inbound = endpoint.direction == Direction.INBOUND;
        LastDecision last = LastDecision.decide(inbound ? lastInbound : lastOutbound, inForce, endpoint.direction,
                host, endpoint.remote, endpoint.port);
        if (inbound) {
            lastInbound = last;
        } else {
            lastOutbound = last;
        }
        return last;
    }

    /** What a guessing listener checks each accepted socket against (InheritingListeners). */
    private final class InboundDecisions implements InheritingListeners.Decisions {
        @Override
        public Rule ruleFor(Policy inForce, Endpoint endpoint) {
            return decision(inForce, endpoint).rule;
        }

        @Override
        public Policy current() {
            return policy;
        }
    }

    /**
     * @param mayWait false on the agent's own thread, which is the one the waits would wait for
     * @param inFull  the socket may have copied values from its listener that no longer hold: set every option,
     *                or put them back when no rule sets any
     * @return what was decided; null when the endpoint is unknown or the socket waits for the policy
     */
    private LastDecision decide(Object socket, Endpoint endpoint, boolean mayWait, boolean inFull) {
        if (endpoint == null) {
            return null;
        }
        Policy inForce = policy;
        if (inForce == null) {
            // At launch the policy is being read on the agent's own thread (~100 ms in a cold JVM): wait for it,
            // bounded, so that connect and accept still return with the options set. Only a socket of the JVM's
            // first moments pays this, once; past the bound it is queued and decided when the policy arrives.
            if (mayWait) {
                awaitPolicy();
            }
            inForce = policy;
            if (inForce == null) {
                inForce = policyOrDefer(socket, endpoint);
                if (inForce == null) {
                    return null;
                }
            }
        }
        LastDecision last = decision(inForce, endpoint);
        Rule rule = last.rule;
        if (inFull && (rule == null || rule.keepaliveOff())) {
            putBackCopiedValues(socket);
        }
        if (rule == null) {
            if (AgentLog.isDebug()) {
                AgentLog.debug(endpoint + ": no rule matched, left untouched");
            }
            return last;
        }
        RuleCounters ruleCounters = counters(rule);
        ruleCounters.matched.incrementAndGet();
        if (rule.keepaliveOff()) {
            if (AgentLog.isDebug()) {
                AgentLog.debug(endpoint + ": rule \"" + rule.name() + "\" keepalive: off, left untouched");
            }
            return last;
        }
        TrackedSockets.Entry entry = new TrackedSockets.Entry(rule, endpoint);
        OptionApplier current = applier;
        if (current == null) {
            current = whileStarting(rule.settings(), mayWait);
        }
        if (current != null) {
            apply(current, socket, entry, ruleCounters, inFull);
            return last;
        }
        tracked.put(socket, -1, entry);
        pending.add(new Pending(socket, entry));
        if (applier != null) {
            drainPending(); // the init thread finished between our two reads
        } else if (startupApplier != null) {
            drainPendingWithStartupApplier(); // the JDK's options arrived between our two reads
        }
        return last;
    }

    /**
     * The applier for a socket decided while the native layer is still loading. TCP_USER_TIMEOUT is the one option
     * the JDK cannot set, so a rule that asks for it waits (bounded) for the native layer: only a connection made in
     * the JVM's first few hundred milliseconds under such a rule pays that, once. Null: queue the socket.
     */
    private OptionApplier whileStarting(KeepAliveSettings settings, boolean mayWait) {
        if (settings.userTimeoutMillis() == 0) {
            OptionApplier startup = startupApplier;
            if (startup == null && mayWait && jdkOptionsOnDemand) {
                // The init thread handed the policy over before it loaded these: the first socket loads them
                // itself rather than wait for that thread, which shares two cores with the application. Loaded
                // twice at worst (the init thread's own load races this one): the same options either way.
                startup = ApplierLoader.jdkOptionsOrNull();
                if (startup == null) {
                    jdkOptionsOnDemand = false; // no jdk.net here: the init thread finds the same
                } else if (startupApplier == null) {
                    startupApplier = startup;
                }
            }
            // The init thread sets the applier before it clears the flag: a socket that found neither has it here,
            // and is not queued for that thread to set after connect returned.
            return startup != null ? startup : startupApplier;
        }
        if (mayWait) {
            awaitApplier();
        }
        return applier;
    }

    /** @return null when applied, else what went wrong (counted and logged once here) */
    private Throwable apply(OptionApplier current, Object socket, TrackedSockets.Entry entry) {
        return apply(current, socket, entry, counters(entry.rule), false);
    }

    /** @param inFull TCP_USER_TIMEOUT too when the rule has none (see {@link #decide}) */
    private Throwable apply(OptionApplier current, Object socket, TrackedSockets.Entry entry,
            RuleCounters ruleCounters, boolean inFull) {
        Rule rule = entry.rule;
        KeepAliveSettings settings = rule.settings();
        // Only the JDK's applier goes through setOption, whose hook must not take the agent's calls for the
        // application's; the native one needs no mark (a ThreadLocal set and remove on every socket).
        boolean throughSetOption = !(current instanceof NativeApplier);
        if (throughSetOption) {
            applying.set(Boolean.TRUE);
        }
        try {
            int fd = inFull && current instanceof NativeApplier
                    ? ((NativeApplier) current).applyInFull(socket, settings) : current.apply(socket, settings);
            entry.applied = true;
            ruleCounters.applied.incrementAndGet();
            socketsApplied.incrementAndGet();
            tracked.put(socket, fd, entry);
            if (AgentLog.isDebug()) {
                Endpoint endpoint = entry.endpoint;
                AgentLog.debug((endpoint == null ? "socket" : endpoint.toString()) + ": rule \"" + rule.name()
                        + "\" applied " + settings + " (" + current.mode() + ")");
            }
            return null;
        } catch (Throwable t) {
            Throwable cause = t instanceof java.lang.reflect.InvocationTargetException ? t.getCause() : t;
            if (!isOpen(socket)) {
                // Closed meanwhile: the application was done with it (a socket queued at start and set on the
                // agent's thread, after its connect returned). Nothing failed, and nothing is left to set.
                return cause;
            }
            ruleCounters.failed.incrementAndGet();
            AgentLog.warnOnce("apply:" + cause.getClass().getName() + ":" + cause.getMessage(),
                    "could not set keepalive options (rule \"" + rule.name() + "\"): " + cause
                            + " (further failures like this are counted, not logged)");
            return cause;
        } finally {
            if (throughSetOption) {
                applying.remove();
            }
        }
    }

    private void hookFailed(Throwable t) {
        hookFailures.incrementAndGet();
        AgentLog.warnOnce("hook:" + t.getClass().getName() + ":" + t.getMessage(),
                "skipped a socket: " + t + " (further failures like this are counted, not logged)");
    }

    /** The policy, or null after queueing the socket for it (or dropping it: no policy will come, or too many). */
    private Policy policyOrDefer(Object socket, Endpoint endpoint) {
        synchronized (undecidedLock) {
            Policy inForce = policy;
            if (inForce != null || undecided == null) {
                return inForce;
            }
            if (undecided.size() < MAX_UNDECIDED) {
                undecided.add(new Undecided(socket, endpoint));
            } else {
                hookFailures.incrementAndGet();
            }
            return null;
        }
    }

    private boolean isUndecided(Object socket) {
        synchronized (undecidedLock) {
            if (undecided != null) {
                for (Undecided waiting : undecided) {
                    if (waiting.socket == socket) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** Bounded; on application threads, so an interrupt is neither swallowed nor thrown, only kept. */
    private void awaitPolicy() {
        try {
            policyKnown.await(POLICY_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- called by the agent's own thread ----

    /** The policy read at launch: sockets connected meanwhile are decided now, then anyone waiting goes on. */
    public void policyLoaded(Policy loaded) {
        List<Undecided> waiting;
        synchronized (undecidedLock) {
            // From here on hooks decide for themselves; nothing more joins the queue. Not indexed here: the
            // init thread builds the index once the hooks' way is warm (Agent.InitWork); until then rules are
            // checked in turn.
            this.policy = loaded;
            waiting = undecided == null ? null : new ArrayList<Undecided>(undecided);
        }
        try {
            if (waiting != null) {
                for (Undecided socket : waiting) {
                    try {
                        if (isOpen(socket.socket)) {
                            decide(socket.socket, socket.endpoint, false);
                        }
                    } catch (Throwable t) {
                        hookFailed(t);
                    }
                }
            }
        } finally {
            // Kept until now so that an option call on a queued socket (isUndecided) waits for its decision.
            synchronized (undecidedLock) {
                undecided = null;
            }
            policyKnown.countDown();
        }
    }

    /** The policy could not be read: nothing will be decided; the sockets that waited are left as they are. */
    public void policyUnavailable() {
        synchronized (undecidedLock) {
            undecided = null;
        }
        policyKnown.countDown();
    }

    /**
     * The init thread, before it loads the native layer: waits up to {@code millis} unless a socket or a sweep needs
     * native sooner. Meanwhile the JDK's options serve every socket, so a short-lived JVM never pays native init.
     */
    public void awaitNativeWanted(long millis) {
        try {
            nativeWanted.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** At a launch on JDK 17+: the policy is handed over before the JDK's options are loaded (see whileStarting). */
    public void jdkOptionsOnDemand() {
        jdkOptionsOnDemand = true;
    }

    /**
     * What sets options until the native layer is ready (null: nothing; sockets wait for native). Set before the
     * hooks go in, or on JDK 17+ by the init thread just after: sockets decided before then get their options here.
     */
    public void startupApplier(OptionApplier jdkOptions) {
        this.startupApplier = jdkOptions;
        jdkOptionsOnDemand = false;
        if (jdkOptions != null) {
            drainPendingWithStartupApplier();
        }
    }

    /**
     * Loads what the first hooked connect or accept runs, and has the JDK set the options once (on a socket of the
     * agent's, never connected), on the init thread just after the handlers are in: an application that connects in
     * its first milliseconds then finds it loaded (FirstConnectBench, cold JDK 17: ~1-2 ms of its first connection).
     * Best effort.
     */
    public void warmHookPath() {
        try {
            initialise(Endpoint.class, LastDecision.class, RuleCounters.class, TrackedSockets.Entry.class,
                    NativeApplier.class);
            OptionApplier startup = startupApplier;
            if (startup instanceof JdkFallbackApplier) {
                applying.set(Boolean.TRUE);
                try {
                    ((JdkFallbackApplier) startup).warm();
                } finally {
                    applying.remove();
                }
            }
        } catch (Throwable t) {
            // the first connection loads them itself
        }
    }

    /** Loaded and initialised here, on the agent's thread, rather than by an application's first socket. */
    private static void initialise(Class<?>... types) throws ClassNotFoundException {
        for (Class<?> type : types) {
            Class.forName(type.getName(), true, type.getClassLoader());
        }
    }

    /** Queued sockets whose rule the JDK's options can serve; those that need TCP_USER_TIMEOUT wait for native. */
    private void drainPendingWithStartupApplier() {
        OptionApplier startup = startupApplier;
        List<Pending> needNative = new ArrayList<Pending>();
        Pending next;
        while (applier == null && (next = pending.poll()) != null) {
            if (next.entry.rule.settings().userTimeoutMillis() != 0) {
                needNative.add(next);
            } else if (isOpen(next.socket) && !next.entry.applied) {
                apply(startup, next.socket, next.entry);
            }
        }
        pending.addAll(needNative);
        if (applier != null) {
            drainPending(); // the native layer arrived meanwhile
        }
    }

    /** The native layer (or the fallback) is ready: sockets decided before now get their options. */
    public void applierReady(OptionApplier ready) {
        if (ready instanceof NativeApplier) {
            NativeApplier nativeApplier = (NativeApplier) ready;
            warm(nativeApplier);
            tracked.useDescriptors(nativeApplier);
            if (nativeApplier.options().constants().acceptedSocketsCopyTheListener()) {
                listeners = new InheritingListeners(nativeApplier, new InboundDecisions());
            }
        }
        this.applier = ready;
        this.ready.countDown();
        drainPending();
    }

    /**
     * Takes the way a socket set natively takes, once, on the agent's thread and on sockets of its own (never bound
     * nor connected, closed at once), before any socket of the application may take it: otherwise the first one
     * does, on the application's thread, loading four classes of the agent, having the JVM spin two invokers for the
     * descriptor handles, and calling getsockopt through jffi for the first time (FirstConnectBench, a JVM's first
     * connection 2.5 s after start, JDK 17: BENCHMARKS.md). Before the applier is published, so that with io_uring
     * the rings are this thread's alone meanwhile. Best effort.
     */
    private static void warm(NativeApplier nativeApplier) {
        try {
            initialise(TrackedSockets.Slot.class, InheritingListeners.Listener.class);
            if (!nativeApplier.warm() && AgentLog.isDebug()) {
                AgentLog.debug("a socket of the agent's own read back SO_KEEPALIVE off after setsockopt");
            }
        } catch (Throwable t) {
            // the first socket set natively loads them itself
        }
    }

    /** Neither native nor fallback: nothing can be applied; forget what waits. */
    public void applierUnavailable() {
        ready.countDown();
        pending.clear();
    }

    private void drainPending() {
        OptionApplier current = applier;
        Pending next;
        while ((next = pending.poll()) != null) {
            if (isOpen(next.socket) && !next.entry.applied) {
                apply(current, next.socket, next.entry);
            }
        }
    }

    /** Bounded; runs on application threads, so an interrupt is neither swallowed nor thrown, only kept. */
    private void awaitApplier() {
        if (applier != null) {
            return;
        }
        nativeWanted.countDown();
        try {
            ready.await(NATIVE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A socket or channel not closed yet (the sweep asks this too). */
    static boolean isOpen(Object socket) {
        if (socket instanceof Socket) {
            return !((Socket) socket).isClosed();
        }
        return !(socket instanceof Channel) || ((Channel) socket).isOpen();
    }

    private static boolean isKeepAliveOption(Object option) {
        String name = optionName(option);
        return "SO_KEEPALIVE".equals(name) || "TCP_KEEPIDLE".equals(name) || "TCP_KEEPINTERVAL".equals(name)
                || "TCP_KEEPCOUNT".equals(name);
    }

    private static String optionName(Object option) {
        if (option instanceof String) {
            return (String) option;
        }
        return option instanceof SocketOption ? ((SocketOption<?>) option).name() : null;
    }

    RuleCounters counters(Rule rule) {
        RuleCounters found = counters.get(rule.name());
        if (found == null) {
            RuleCounters created = new RuleCounters();
            found = counters.putIfAbsent(rule.name(), created);
            if (found == null) {
                found = created;
            }
        }
        return found;
    }

    // ---- state, for the MBean and the command line ----

    /** A policy with its rule index built: here, not in the hook of the first socket it decides. */
    private static Policy indexed(Policy policy) {
        if (policy != null) {
            policy.prepareIndex();
        }
        return policy;
    }

    public Policy policy() {
        return policy;
    }

    public void replacePolicy(Policy replacement) {
        adoptPolicy(replacement);
        reloads.incrementAndGet();
    }

    /**
     * A policy that takes over before the application's first socket (a second -javaagent in strict mode): not
     * counted, since the sweep that follows it once the agent is ready counts it as the one replacement it is.
     */
    public void adoptPolicy(Policy replacement) {
        this.policy = indexed(replacement);
    }

    /**
     * Replaces the policy and brings every open socket under it (a reload, a second attach). Serialised, so a
     * reload and an attach never interleave their sweeps.
     */
    public SweepResult replacePolicyAndSweep(Policy replacement) {
        synchronized (sweepLock) {
            this.policy = indexed(replacement);
            lastReloadError = null;
            try {
                return sweepLocked("policy replaced");
            } finally {
                // Counted once the sweep is done: whoever sees the new count (the MBean's ReloadCount) also sees
                // the sweep's per-rule counters and LastSweep, not the state halfway through.
                reloads.incrementAndGet();
            }
        }
    }

    /** Applies the policy in force to every open TCP socket (after attach: those the hooks never saw). */
    public SweepResult sweepOpenSockets(String why) {
        synchronized (sweepLock) {
            return sweepLocked(why);
        }
    }

    private SweepResult sweepLocked(String why) {
        SweepResult result = OpenSocketSweep.run(this, policy);
        lastSweep = why + " at " + new java.util.Date() + ": " + result.summary()
                + (result.limitation() == null ? "" : "; " + result.limitation());
        return result;
    }

    /** A reload found the policy file invalid; the policy in force stays. Shown by the MBean until the next reload. */
    public void reloadFailed(String firstProblem) {
        lastReloadError = firstProblem;
    }

    /** Waits (bounded) until the native layer or the fallback is ready; false when it did not come in time. */
    public boolean awaitReady(long millis) throws InterruptedException {
        nativeWanted.countDown();
        return ready.await(millis, TimeUnit.MILLISECONDS) && applier != null;
    }

    public String lastSweep() {
        return lastSweep;
    }

    public String lastReloadError() {
        return lastReloadError;
    }

    // ---- for OpenSocketSweep ----

    OptionApplier currentApplier() {
        return applier;
    }

    /** The sockets a rule was applied to, with what their hook saw. */
    List<Map.Entry<Object, TrackedSockets.Entry>> trackedSockets() {
        return tracked.snapshot();
    }

    /** A reported socket whose new rule sets nothing (no rule, keepalive: off): its old rule no longer holds. */
    void untrack(Object socket) {
        tracked.remove(socket);
    }

    /** A reported socket got the new rule's values by descriptor: that rule holds from now on. */
    void retrack(Object socket, int fd, Rule rule, Endpoint endpoint) {
        TrackedSockets.Entry entry = new TrackedSockets.Entry(rule, endpoint);
        entry.applied = true;
        tracked.put(socket, fd, entry);
    }

    /** Applies through the applier (fallback mode, no /proc); null when it worked, else the reason. */
    String applyKnown(OptionApplier current, Object socket, Rule rule, Endpoint endpoint) {
        Throwable failure = apply(current, socket, new TrackedSockets.Entry(rule, endpoint));
        return failure == null ? null : failure.toString();
    }

    /**
     * Drops the entries of sockets the garbage collector has taken, for an application gone quiet after closing
     * many connections (the init thread calls it every few seconds).
     */
    public void dropCollectedSockets() {
        tracked.dropCollected();
    }

    /** A socket the sweep set by descriptor: counted like one the hooks applied. */
    void recordApplied(Rule rule) {
        counters(rule).applied.incrementAndGet();
        socketsApplied.incrementAndGet();
    }

    void forgetSweptFds() {
        sweptFds.clear();
    }

    void rememberSweptFd(int fd, long inode, Rule rule) {
        if (rule.settings().enforce()) {
            sweptFds.put(fd, new SweptFd(inode, rule));
        }
    }

    /**
     * The application sets a keepalive option on a socket the hooks never saw (it was open before the attach): if
     * the sweep applied an enforcing rule to its descriptor — and the descriptor still is that socket — it is
     * tracked from now on like a hooked one.
     */
    private TrackedSockets.Entry adoptSwept(Object socket) throws Throwable {
        OptionApplier current = applier;
        if (!(current instanceof NativeApplier)) {
            return null;
        }
        int fd = ((NativeApplier) current).fds().fdOf(socket);
        SweptFd swept = fd < 0 ? null : sweptFds.get(fd);
        if (swept == null) {
            return null;
        }
        sweptFds.remove(fd);
        if (!io.kaagent.nativeio.ProcSockets.stillRefersTo("self", fd, swept.inode)) {
            return null;
        }
        TrackedSockets.Entry entry = new TrackedSockets.Entry(swept.rule, null);
        entry.applied = true;
        tracked.put(socket, fd, entry);
        return entry;
    }

    public String mode() {
        OptionApplier current = applier;
        return current == null ? "starting" : current.mode();
    }

    public Map<String, RuleCounters> ruleCounters() {
        return counters;
    }

    public long hookFailures() {
        return hookFailures.get() + io.kaagent.bootstrap.KaBridge.suppressedCount();
    }

    /** Of {@link #socketsApplied}, those that got the values from their listening socket (no call to set them). */
    public long socketsInherited() {
        return socketsInherited.get();
    }

    public long socketsApplied() {
        return socketsApplied.get();
    }

    public long neutralised() {
        return neutralised.get();
    }

    public long reloads() {
        return reloads.get();
    }
}
