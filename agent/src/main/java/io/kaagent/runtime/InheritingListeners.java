package io.kaagent.runtime;

import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

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
 * <p>A listener's state only moves forward. UNDECIDED, until its first accept under a policy: it then carries the
 * port's rule (CARRYING) or not (NOT_UNIFORM: the rule depends on the client, or there is none; looked at again
 * when the policy changes). CARRYING ends for good when a new policy gives the port other values, or when the
 * application sets a keepalive option on the listener itself: the listener is then put back as nobody had set it
 * (RESET), and as sockets copied before that may still wait in its queue, each socket it accepts afterwards is set
 * in full, or put back too when no rule is for it. A listener the application set before the agent carried anything
 * (through its setOption, or before the agent saw it: it then has keepalive options nobody told the agent of) is
 * the application's (APPLICATION): its sockets are decided one by one, as with no listener at all.
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
    }

    static final int UNDECIDED = 0;
    static final int NOT_UNIFORM = 1;
    static final int CARRYING = 2;
    static final int RESET = 3;
    static final int APPLICATION = 4;

    /** What a listener is doing, under which policy; immutable, replaced whole. */
    private static final class State {
        final int kind;
        final Policy policy;
        final Rule rule;

        State(int kind, Policy policy, Rule rule) {
            this.kind = kind;
            this.policy = policy;
            this.rule = rule;
        }
    }

    private static final State UNDECIDED_STATE = new State(UNDECIDED, null, null);
    private static final State RESET_STATE = new State(RESET, null, null);
    private static final State APPLICATION_STATE = new State(APPLICATION, null, null);

    /** One listening socket, weakly: a closed server socket is never kept reachable. */
    static final class Listener {
        private final WeakReference<Object> socket;
        private final int fd;
        private volatile State state = UNDECIDED_STATE;

        Listener(Object socket, int fd) {
            this.socket = new WeakReference<Object>(socket);
            this.fd = fd;
        }

        int state() {
            return state.kind;
        }

        /** Sockets accepted from here may carry values the agent put on the listener earlier and took back. */
        boolean mayHandOnStaleValues() {
            return state.kind == RESET;
        }

        /**
         * False when this listener hands nothing on under this policy, known without a system call: the accept
         * hook then spares itself the accepted socket's descriptor.
         */
        boolean mayHandOn(Policy inForce) {
            State current = state;
            return current.kind == CARRYING || current.kind == UNDECIDED
                    || (current.kind == NOT_UNIFORM && current.policy != inForce);
        }
    }

    private final Kernel kernel;
    /** By descriptor: a descriptor reused by a new listener gets a new record (the weak reference tells). */
    private final ConcurrentHashMap<Integer, Listener> byFd = new ConcurrentHashMap<Integer, Listener>();
    /** Most servers accept on one listener: this spares the map lookup. */
    private volatile Listener last;

    InheritingListeners(Kernel kernel) {
        this.kernel = kernel;
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
     * listener, or null when it must be decided and set as usual (see {@link Listener#mayHandOnStaleValues}).
     *
     * @param localPort  the listener's port (the accepted socket's local port)
     * @param acceptedFd the accepted socket's descriptor
     */
    Rule inherited(Listener from, Policy inForce, int localPort, int acceptedFd) throws Throwable {
        State state = from.state;
        if (state.kind == RESET || state.kind == APPLICATION) {
            return null;
        }
        if (state.policy != inForce) {
            state = decide(from, inForce, localPort);
        }
        if (state.kind != CARRYING || state.policy != inForce) {
            return null;
        }
        return kernel.keepAliveOn(acceptedFd) ? state.rule : null;
    }

    int fdOf(Object socket) throws Throwable {
        return kernel.fdOf(socket);
    }

    /**
     * A socket accepted from a listener in RESET, and no rule sets anything on it: values it copied from the
     * listener before the agent took them back go too (SO_KEEPALIVE tells: the agent set it on the listener last).
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
            if (state.policy == inForce || state.kind == RESET || state.kind == APPLICATION) {
                return state; // another thread decided meanwhile
            }
            Rule rule = inForce.ruleForEveryClient(localPort);
            boolean carriable = rule != null && !rule.keepaliveOff();
            if (state.kind == CARRYING) {
                if (carriable && rule.settings().equals(state.rule.settings())) {
                    return publish(from, new State(CARRYING, inForce, rule)); // the same values: carry on
                }
                takeBack(from);
                return from.state;
            }
            if (!carriable) {
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
                takeBack(from); // some values may be on it
                throw t;
            }
            return publish(from, new State(CARRYING, inForce, rule));
        }
    }

    /** The application sets a keepalive option on this listener: from now on, what it sets there is its own. */
    void applicationSets(Listener on) throws Throwable {
        synchronized (on) {
            if (on.state.kind == CARRYING) {
                takeBack(on);
            } else if (on.state.kind != RESET) {
                publish(on, APPLICATION_STATE);
            }
        }
    }

    /** Called holding the listener's lock. RESET even when the reset fails: then every socket is set in full. */
    private void takeBack(Listener from) throws Throwable {
        publish(from, RESET_STATE);
        kernel.reset(from.fd);
    }

    private static State publish(Listener listener, State state) {
        listener.state = state;
        return state;
    }
}
