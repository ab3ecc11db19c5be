package io.kaagent.runtime;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import io.kaagent.log.AgentLog;
import io.kaagent.policy.KeepAliveSettings;
import io.kaagent.policy.Policy;
import io.kaagent.policy.Rule;

/**
 * Listening sockets that hand a rule's values to the sockets they accept. Linux creates an accepted socket as a copy
 * of its listener, keepalive options included. Where every client of a port falls under one rule, the accept hook
 * puts that rule's values on the listener once, at its first accept; a later accepted socket then costs one
 * getsockopt (SO_KEEPALIVE, which is set last on the listener, so a socket that has it was copied after all the
 * values) instead of four setsockopt calls. A socket without it (accepted into the queue before the listener got
 * the values) is set as before.
 *
 * <p>Where the rule depends on the client (a rule by cidr or host), the listener may still guess: when all but at
 * most {@link #MAX_LEARN_MISSES} of {@link #WINDOW} sockets in a row were decided the same values (the first
 * values of the window), it carries them (GUESSING). Each accepted socket is then decided as usual, and the guess
 * checked against it: the same values and SO_KEEPALIVE on cost one getsockopt; other values are set in full
 * (TCP_USER_TIMEOUT too); no rule, or a rule with keepalive off, puts the copied values back, so that such a socket
 * reports what nobody set, as it would without the guess. Putting back costs five setsockopt calls, so a guess that
 * misses more than {@link #MAX_MISSES} of {@link #WINDOW} sockets is taken back. The listener then learns on, and
 * guesses again after 2, 4, 8... windows in a row that would start a guess (doubling with each guess taken back), if
 * one option tells the new guess from everything taken back (see below).
 *
 * <p>UNDECIDED, until its first accept under a policy: the listener then carries the port's rule (CARRYING) or not
 * (NOT_UNIFORM: the rule depends on the client, or there is none; looked at again when the policy changes), and
 * NOT_UNIFORM may turn into GUESSING. CARRYING and GUESSING end when a new policy gives the port other values
 * (GUESSING: any new policy), when the application sets a keepalive option on the listener itself, or (GUESSING)
 * when the guess misses too often: the listener is then put back as nobody had set it (RESET), and as sockets copied
 * before that may still wait in its queue, each socket it accepts afterwards is set in full, or put back too when no
 * rule is for it. Under a later policy that gives every client of the port one rule, a RESET listener carries it
 * again (a reload that changes a port's timers would otherwise cost its accepts four setsockopt calls for good),
 * provided one option tells the new values from each set taken back: an accepted socket is then the new rule's when
 * it has SO_KEEPALIVE and that option's new value (two getsockopt), and set in full otherwise. A listener the
 * application set (through its setOption at any time, or before the agent saw it: it then has keepalive options
 * nobody told the agent of) is never carried on again: before the agent carried anything it is the application's
 * (APPLICATION), its sockets decided one by one as with no listener at all.
 *
 * <p>A guess relies on every socket accepted from the listener passing through the accept hook, as every accept of
 * ServerSocket and ServerSocketChannel does. A hook that fails halfway (counted as a hook failure) may leave a socket
 * with the guessed values: keepalive on, which is what a failure can cost here.
 */
final class InheritingListeners {
    /** The system calls, behind an interface so that the states are tested without sockets. */
    interface Kernel {
        int listenerFdOf(Object listener) throws Throwable;

        int fdOf(Object socket) throws Throwable;

        /** The rule's values on a listener nobody set: the timers first, SO_KEEPALIVE last. */
        void carry(int listenerFd, KeepAliveSettings settings) throws Throwable;

        /** SO_KEEPALIVE off, the timers back to the sysctls, no user timeout. */
        void reset(int fd) throws Throwable;

        /** Whether the socket reports what nobody set: keepalive off, the sysctls' timers, no user timeout. */
        boolean untouched(int fd) throws Throwable;

        boolean keepAliveOn(int fd) throws Throwable;

        /** One of {@link #IDLE}, {@link #INTERVAL}, {@link #COUNT}, {@link #USER_TIMEOUT} as the socket has it. */
        int valueOf(int fd, int option) throws Throwable;
    }

    /** The options {@link Kernel#valueOf} reads, in the order of {@link #values}. */
    static final int IDLE = 0;
    static final int INTERVAL = 1;
    static final int COUNT = 2;
    static final int USER_TIMEOUT = 3;

    private static final String[] OPTION_NAMES = {"TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_USER_TIMEOUT"};
    /** {@link #optionThatTells}: no option tells copies of the new values from copies of values taken back. */
    static final int NO_OPTION_TELLS = -2;

    /** What a listener carrying these settings hands on, option by option (TCP_USER_TIMEOUT 0: none). */
    static int[] values(KeepAliveSettings settings) {
        return new int[] {settings.idleSeconds(), settings.intervalSeconds(), settings.count(),
                settings.userTimeoutMillis()};
    }

    /** The policy's rule for an accepted socket, as the accept hook decides it (null: none). */
    interface Decisions {
        Rule ruleFor(Policy inForce, Endpoint endpoint);

        /**
         * The policy in force now. An accept hook that read the one before a reload decides its socket under that
         * one, but leaves the listener alone: it would put the old rule back on it, and the next accept the new.
         */
        Policy current();
    }

    static final int UNDECIDED = 0;
    static final int NOT_UNIFORM = 1;
    static final int CARRYING = 2;
    static final int RESET = 3;
    static final int APPLICATION = 4;
    static final int GUESSING = 5;

    /** Guesses are learned and judged over this many accepted sockets at a time. */
    static final int WINDOW = 64;
    /**
     * A window of a listener whose rule depends on the client, with at most this many sockets decided other values
     * than its first (or none), starts a guess: below the bound that ends one, so that a steady mix does not start a
     * guess only to end it for good.
     */
    static final int MAX_LEARN_MISSES = WINDOW / 8;
    /**
     * A guess is taken back as soon as more sockets of a window than this were decided other values or none. Where
     * a hit costs one getsockopt and a miss up to five setsockopt calls, the guess still saves system calls at this
     * rate.
     */
    static final int MAX_MISSES = WINDOW / 4;

    /** What a listener is doing, under which policy; immutable, replaced whole. */
    private static final class State {
        final int kind;
        final Policy policy;
        final Rule rule;
        /**
         * CARRYING again after values of its own were taken back: the option ({@link #IDLE}...) whose value tells
         * a socket that copied this rule's values from one that copied older ones; -1 when SO_KEEPALIVE alone tells.
         */
        final int told;
        /** The value of option {@code told} that this rule's copies have. */
        final int toldValue;

        State(int kind, Policy policy, Rule rule) {
            this(kind, policy, rule, -1);
        }

        State(int kind, Policy policy, Rule rule, int told) {
            this.kind = kind;
            this.policy = policy;
            this.rule = rule;
            this.told = told;
            this.toldValue = told < 0 ? 0 : values(rule.settings())[told];
        }
    }

    private static final State UNDECIDED_STATE = new State(UNDECIDED, null, null);
    private static final State APPLICATION_STATE = new State(APPLICATION, null, null);
    /** Values carried and taken back that a listener remembers: past this many, it carries nothing again. */
    static final int MAX_TAKEN_BACK = 8;
    /** The wait for another guess stops doubling at 2^10 windows (65,536 accepted sockets). */
    private static final int MAX_BACKOFF_DOUBLINGS = 10;

    /** One listening socket, weakly: a closed server socket is never kept reachable. */
    static final class Listener {
        private final WeakReference<Object> socket;
        private final int fd;
        private volatile State state = UNDECIDED_STATE;
        // Heuristics only, updated without a lock by every accepting thread: a lost update delays a guess or its
        // end by a socket, never makes a socket's values wrong (each accepted socket is checked on its own).
        /** Learning: the first rule a listener not guessing yet decided in this window (null: none yet). */
        private Rule candidate;
        private int seen;
        private int misses;
        /**
         * What the agent put on this listener and took back ({@link #values}), held under the listener's lock:
         * sockets that copied them may still wait in its queue when it carries other values. Null once it may
         * carry nothing again (the application set a keepalive option there, a carry failed, too many).
         */
        private List<int[]> takenBack = new ArrayList<int[]>(2);
        /** Guesses taken back for missing too often (under the listener's lock); each doubles the wait for the next. */
        private int guessesTakenBack;
        /** After a guess was taken back: windows in a row that would have started a guess. */
        private int cleanWindows;

        Listener(Object socket, int fd) {
            this.socket = new WeakReference<Object>(socket);
            this.fd = fd;
        }

        int state() {
            return state.kind;
        }

        /** Sockets accepted from here may carry values the agent put on the listener earlier and took back. */
        boolean mayHandOnStaleValues() {
            State current = state;
            return current.kind == RESET || current.kind == GUESSING || current.told >= 0;
        }

        /**
         * False when this listener hands nothing on under this policy, known without a system call: the accept
         * hook then spares itself the accepted socket's descriptor.
         */
        boolean mayHandOn(Policy inForce) {
            State current = state;
            return current.kind == CARRYING || current.kind == GUESSING || current.kind == UNDECIDED
                    || ((current.kind == NOT_UNIFORM || current.kind == RESET) && current.policy != inForce);
        }
    }

    private final Kernel kernel;
    private final Decisions decisions;
    /** By descriptor: a descriptor reused by a new listener gets a new record (the weak reference tells). */
    private final ConcurrentHashMap<Integer, Listener> byFd = new ConcurrentHashMap<Integer, Listener>();
    /** Most servers accept on one listener: this spares the map lookup. */
    private volatile Listener last;

    InheritingListeners(Kernel kernel, Decisions decisions) {
        this.kernel = kernel;
        this.decisions = decisions;
    }

    /** The record of this listening socket, made on first sight; null when its descriptor cannot be read. */
    Listener listener(Object listenerSocket) throws Throwable {
        Listener memo = last;
        if (memo != null && memo.socket.get() == listenerSocket) {
            return memo;
        }
        int fd = kernel.listenerFdOf(listenerSocket);
        if (fd < 0) {
            return null;
        }
        Listener known = byFd.get(fd);
        if (known == null || known.socket.get() != listenerSocket) {
            synchronized (byFd) { // once per listener: one record, so that one state machine speaks for it
                known = byFd.get(fd);
                if (known == null || known.socket.get() != listenerSocket) {
                    known = new Listener(listenerSocket, fd);
                    byFd.put(fd, known);
                }
            }
        }
        last = known;
        return known;
    }

    /**
     * For a socket just accepted from {@code from}, the policy in force: the rule whose values it got from its
     * listener, or null when it must be decided and set as usual (see {@link Listener#mayHandOnStaleValues}); then
     * {@link #decided} is told what it was.
     *
     * @param accepted   the accepted socket's endpoint (its local port is the listener's)
     * @param acceptedFd the accepted socket's descriptor
     */
    Rule inherited(Listener from, Policy inForce, Endpoint accepted, int acceptedFd) throws Throwable {
        State state = from.state;
        if (state.kind == APPLICATION) {
            return null;
        }
        if (state.policy != inForce) {
            state = decide(from, inForce, accepted.port);
        }
        if (state.policy != inForce) {
            return null;
        }
        if (state.kind == CARRYING) {
            boolean copied = kernel.keepAliveOn(acceptedFd)
                    && (state.told < 0 || kernel.valueOf(acceptedFd, state.told) == state.toldValue);
            return copied ? state.rule : null;
        }
        if (state.kind != GUESSING) {
            return null;
        }
        Rule own = decisions.ruleFor(inForce, accepted);
        if (!sameValues(own, state.rule) || !kernel.keepAliveOn(acceptedFd)
                || (state.told >= 0 && kernel.valueOf(acceptedFd, state.told) != state.toldValue)) {
            return null;
        }
        count(from, state, false);
        return own; // its own rule: the counters and enforce go by it, whichever rule the guess was made on
    }

    /**
     * A socket accepted from {@code from} that did not get its values from there was decided {@code rule} under
     * {@code inForce}: a listener whose rule depends on the client learns from it whether to guess, and a guess
     * whether it still pays.
     */
    void decided(Listener from, Policy inForce, Rule rule) throws Throwable {
        State state = from.state;
        if (state.policy != inForce) {
            return;
        }
        if (state.kind == GUESSING) {
            count(from, state, !sameValues(rule, state.rule));
            return;
        }
        // A bare listener learns too, unless it may carry nothing again (the application's, a failed carry).
        if (state.kind != NOT_UNIFORM && (state.kind != RESET || from.takenBack == null)) {
            return;
        }
        if (from.candidate == null && carriable(rule)) {
            from.candidate = rule;
        }
        Rule candidate = from.candidate;
        if (candidate == null || !sameValues(rule, candidate)) {
            from.misses++;
        }
        if (++from.seen < WINDOW) {
            return;
        }
        boolean guess = candidate != null && from.misses <= MAX_LEARN_MISSES;
        newWindow(from);
        if (state.kind == RESET) {
            // After guesses were taken back for missing: again only after 2, 4, 8... such windows in a row, so that
            // a mix that keeps changing does not have the listener set and put back over and over.
            from.cleanWindows = guess ? from.cleanWindows + 1 : 0;
            guess &= from.cleanWindows >= 1 << Math.min(from.guessesTakenBack, MAX_BACKOFF_DOUBLINGS);
        }
        if (guess) {
            startGuessing(from, state, candidate);
        }
    }

    private static void newWindow(Listener from) {
        from.seen = 0;
        from.misses = 0;
        from.candidate = null;
    }

    private void startGuessing(Listener from, State learned, Rule rule) throws Throwable {
        synchronized (from) {
            if (from.state != learned) {
                return; // a new policy, the application, or another thread meanwhile
            }
            List<int[]> before = from.takenBack;
            int told = before == null ? NO_OPTION_TELLS : optionThatTells(values(rule.settings()), before);
            if (told == NO_OPTION_TELLS) {
                return; // copies of the guess could not be told from copies of what was taken back
            }
            if (!kernel.untouched(from.fd)) {
                // See decide(); a bare listener's stays bare, as it may hand on what was taken back.
                publish(from, learned.kind == RESET ? new State(RESET, learned.policy, null) : APPLICATION_STATE);
                from.takenBack = null;
                return;
            }
            newWindow(from);
            from.cleanWindows = 0;
            // Published before the values go on: a thread that accepts a socket copied after them must find the
            // listener guessing, so that a socket under no rule is put back rather than left with them.
            publish(from, new State(GUESSING, learned.policy, rule, told));
            try {
                kernel.carry(from.fd, rule.settings());
            } catch (Throwable t) {
                carryFailed(from, rule); // some values may be on it
                throw t;
            }
        }
        if (AgentLog.isDebug()) {
            AgentLog.debug("listening socket (fd " + from.fd + "): all but at most " + MAX_LEARN_MISSES + " of "
                    + WINDOW + " accepted sockets got " + rule.settings()
                    + "; it carries them now, and each socket accepted is checked against them");
        }
    }

    /** One more socket judged against the guess; too many misses in one window take it back. */
    private void count(Listener from, State guess, boolean miss) throws Throwable {
        if (miss && ++from.misses > MAX_MISSES) {
            synchronized (from) {
                if (from.state != guess) {
                    return;
                }
                takeBack(from, guess.rule, guess.policy);
                from.guessesTakenBack++;
                from.cleanWindows = 0;
                newWindow(from); // the windows it waits for start here, not with the guess's misses
            }
            if (AgentLog.isDebug()) {
                AgentLog.debug("listening socket (fd " + from.fd + "): more than " + MAX_MISSES + " of " + WINDOW
                        + " accepted sockets got other values than " + guess.rule.settings() + "; taken back");
            }
            return;
        }
        if (++from.seen >= WINDOW) {
            newWindow(from);
        }
    }

    private static boolean carriable(Rule rule) {
        return rule != null && !rule.keepaliveOff();
    }

    /** Whether a socket under {@code own} gets exactly what the listener carries for {@code carried}. */
    private static boolean sameValues(Rule own, Rule carried) {
        return carriable(own) && own.settings().equals(carried.settings());
    }

    int fdOf(Object socket) throws Throwable {
        return kernel.fdOf(socket);
    }

    /**
     * A socket accepted from a listener in RESET, and no rule sets anything on it: values it copied from the
     * listener before the agent took them back go too (SO_KEEPALIVE tells: the agent set it on the listener last).
     * Never the application's: Java offers no SO_KEEPALIVE on a ServerSocket, ServerSocketChannel or
     * AsynchronousServerSocketChannel (JDK 17 and 25: UnsupportedOperationException), only the three timers, which a
     * socket without SO_KEEPALIVE keeps.
     */
    void putBackIfCopied(int fd) throws Throwable {
        if (fd >= 0 && kernel.keepAliveOn(fd)) {
            kernel.reset(fd);
        }
    }

    /** The listener's state under a new policy: carrying the port's rule, or why not. */
    private State decide(Listener from, Policy inForce, int localPort) throws Throwable {
        synchronized (from) {
            State state = from.state;
            if (state.policy == inForce || state.kind == APPLICATION || inForce != decisions.current()) {
                return state; // another thread decided meanwhile, or this one's policy was replaced since
            }
            if (state.kind == GUESSING) {
                takeBack(from, state.rule, null); // the guess was learned under the old policy
                state = from.state;
            }
            Rule rule = inForce.ruleForEveryClient(localPort);
            boolean carriable = carriable(rule);
            if (state.kind == CARRYING) {
                if (carriable && Arrays.equals(values(rule.settings()), values(state.rule.settings()))) {
                    // The same values: carry on (its own enforce and counters go by the new rule).
                    return publish(from, new State(CARRYING, inForce, rule, state.told));
                }
                takeBack(from, state.rule, null);
                state = from.state;
            }
            if (state.kind == RESET) {
                return carryAgain(from, inForce, carriable ? rule : null);
            }
            if (!carriable) {
                newWindow(from);
                return publish(from, new State(NOT_UNIFORM, inForce, null));
            }
            if (!kernel.untouched(from.fd)) {
                // Set before the agent saw it: by the application before the native layer was up, before an attach,
                // or by native code. What it hands on is the application's.
                return publish(from, APPLICATION_STATE);
            }
            try {
                kernel.carry(from.fd, rule.settings());
            } catch (Throwable t) {
                carryFailed(from, rule); // some values may be on it
                throw t;
            }
            return publish(from, new State(CARRYING, inForce, rule));
        }
    }

    /**
     * A listener whose values were taken back, under a new policy that gives every client of its port one rule:
     * carried again when one option tells a socket that copied the new values from one that copied values taken
     * back (still waiting in the queue, maybe), so that the accept hook reads that option besides SO_KEEPALIVE.
     * Otherwise RESET under this policy, looked at again under the next. Called holding the listener's lock.
     */
    private State carryAgain(Listener from, Policy inForce, Rule rule) throws Throwable {
        List<int[]> before = from.takenBack;
        int told = rule == null || before == null ? NO_OPTION_TELLS
                : optionThatTells(values(rule.settings()), before);
        if (told == NO_OPTION_TELLS) {
            return publish(from, new State(RESET, inForce, null));
        }
        if (!kernel.untouched(from.fd)) {
            from.takenBack = null; // set since by someone else (native code): theirs from now on
            return publish(from, new State(RESET, inForce, null));
        }
        try {
            kernel.carry(from.fd, rule.settings());
        } catch (Throwable t) {
            carryFailed(from, rule);
            throw t;
        }
        if (AgentLog.isDebug()) {
            AgentLog.debug("listening socket (fd " + from.fd + "): carries " + rule.settings() + " again"
                    + (told < 0 ? "" : ", each accepted socket's " + OPTION_NAMES[told]
                            + " tells it from older copies"));
        }
        return publish(from, new State(CARRYING, inForce, rule, told));
    }

    /**
     * An option ({@link #IDLE}...) whose value differs between {@code next} and every value set taken back that
     * differs from it at all; -1 when none differs (a copy of any of them is right as it is); NO_OPTION_TELLS when
     * no single option tells them all apart.
     */
    static int optionThatTells(int[] next, List<int[]> before) {
        boolean anyDiffers = false;
        for (int[] old : before) {
            anyDiffers |= !Arrays.equals(old, next);
        }
        if (!anyDiffers) {
            return -1;
        }
        for (int option = IDLE; option <= USER_TIMEOUT; option++) {
            boolean tells = true;
            for (int[] old : before) {
                if (!Arrays.equals(old, next) && old[option] == next[option]) {
                    tells = false;
                    break;
                }
            }
            if (tells) {
                return option;
            }
        }
        return NO_OPTION_TELLS;
    }

    /** The application sets a keepalive option on this listener: from now on, what it sets there is its own. */
    void applicationSets(Listener on) throws Throwable {
        synchronized (on) {
            if (on.state.kind == CARRYING || on.state.kind == GUESSING) {
                takeBack(on, on.state.rule, null);
            } else if (on.state.kind != RESET) {
                publish(on, APPLICATION_STATE);
            }
            on.takenBack = null; // never carried again: what it hands on is the application's
        }
    }

    /**
     * Called holding the listener's lock. RESET even when the reset fails: then every socket is set in full.
     *
     * @param ours   the rule whose values were on the listener, remembered (see {@link Listener#takenBack})
     * @param policy the policy under which it stays RESET; null: decided again under the next one to come
     */
    private void takeBack(Listener from, Rule ours, Policy policy) throws Throwable {
        List<int[]> before = from.takenBack;
        if (before != null && before.size() >= MAX_TAKEN_BACK) {
            from.takenBack = null;
        } else if (before != null && ours != null) {
            before.add(values(ours.settings()));
        }
        publish(from, new State(RESET, policy, null));
        kernel.reset(from.fd);
    }

    /** A carry failed halfway: what went through is taken back, and this listener is never carried on again. */
    private void carryFailed(Listener from, Rule rule) throws Throwable {
        from.takenBack = null;
        takeBack(from, rule, null);
    }

    private static State publish(Listener listener, State state) {
        listener.state = state;
        return state;
    }
}
