package io.kaagent.runtime;

import static io.kaagent.policy.Direction.INBOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.kaagent.policy.KeepAliveSettings;
import io.kaagent.policy.PartialSettings;
import io.kaagent.policy.Policy;
import io.kaagent.policy.PortRange;
import io.kaagent.policy.Rule;
import io.kaagent.policy.UserTimeout;

/**
 * The listener states against a kernel that behaves like Linux: an accepted socket starts as a copy of its listener.
 * What matters is never what the agent believes but what each accepted socket ends up with.
 */
class InheritingListenersTest {
    private static final int PORT = 8080;
    private static final InetAddress NEAR = address("10.0.0.1");

    /** A socket's options in the fake kernel. */
    static final class Options {
        boolean keepAlive;
        int idle = 7200;
        int interval = 75;
        int count = 9;
        int userTimeout;

        Options copy() {
            Options copy = new Options();
            copy.keepAlive = keepAlive;
            copy.idle = idle;
            copy.interval = interval;
            copy.count = count;
            copy.userTimeout = userTimeout;
            return copy;
        }

        @Override
        public String toString() {
            return (keepAlive ? "on" : "off") + "/" + idle + "/" + interval + "/" + count + "/" + userTimeout;
        }
    }

    /** Descriptors are the sockets' identities; the listener object's fd is looked up by identity. */
    static final class FakeKernel implements InheritingListeners.Kernel {
        final Map<Object, Integer> fds = new HashMap<Object, Integer>();
        final Map<Integer, Options> options = new HashMap<Integer, Options>();
        final List<String> calls = new ArrayList<String>();
        int nextFd = 10;
        boolean failCarry;

        int listen(Object listener) {
            int fd = nextFd++;
            fds.put(listener, fd);
            options.put(fd, new Options());
            return fd;
        }

        /** The kernel completes a handshake: the new socket is a copy of the listener as it is now. */
        int handshake(Object listener) {
            int fd = nextFd++;
            options.put(fd, options.get(fds.get(listener)).copy());
            return fd;
        }

        /**
         * What the runtime does when the listener hands nothing on: the rule's values; TCP_USER_TIMEOUT only when the
         * rule has one or the socket is set in full (NativeApplier).
         */
        void set(int fd, KeepAliveSettings settings, boolean inFull) {
            calls.add("set " + fd);
            Options o = options.get(fd);
            o.idle = settings.idleSeconds();
            o.interval = settings.intervalSeconds();
            o.count = settings.count();
            if (inFull || settings.userTimeoutMillis() != 0) {
                o.userTimeout = settings.userTimeoutMillis();
            }
            o.keepAlive = true;
        }

        @Override
        public int listenerFdOf(Object listener) {
            Integer fd = fds.get(listener);
            return fd == null ? -1 : fd;
        }

        @Override
        public int fdOf(Object socket) {
            return (Integer) socket;
        }

        @Override
        public void carry(int listenerFd, KeepAliveSettings settings) {
            calls.add("carry " + listenerFd);
            if (failCarry) {
                options.get(listenerFd).idle = settings.idleSeconds(); // the first call went through
                throw new IllegalStateException("setsockopt(TCP_KEEPINTVL) failed");
            }
            set(listenerFd, settings, false);
        }

        @Override
        public void reset(int fd) {
            calls.add("reset " + fd);
            options.put(fd, new Options());
        }

        @Override
        public boolean untouched(int fd) {
            calls.add("untouched? " + fd);
            return options.get(fd).toString().equals(new Options().toString());
        }

        @Override
        public boolean keepAliveOn(int fd) {
            calls.add("get " + fd);
            return options.get(fd).keepAlive;
        }

        @Override
        public int valueOf(int fd, int option) {
            calls.add("get " + option + " " + fd);
            Options o = options.get(fd);
            return new int[] {o.idle, o.interval, o.count, o.userTimeout}[option];
        }
    }

    /** The accept hook's decisions; the policy in force is the one of the last accept, unless a test says. */
    static final class ByPolicy implements InheritingListeners.Decisions {
        Policy current;

        @Override
        public Rule ruleFor(Policy inForce, Endpoint endpoint) {
            return inForce.match(INBOUND, null, endpoint.remote, endpoint.port);
        }

        @Override
        public Policy current() {
            return current;
        }
    }

    private final FakeKernel kernel = new FakeKernel();
    private final ByPolicy decisions = new ByPolicy();
    private final InheritingListeners listeners = new InheritingListeners(kernel, decisions);
    private final Object serverSocket = new Object();
    /** Whether the last {@link #accept} found the values inherited. */
    private boolean lastInherited;

    private static Rule rule(String name, int idle, Rule.Builder criteria) {
        return criteria.settings(PartialSettings.EMPTY.withIdleSeconds(idle).withIntervalSeconds(5).withCount(3))
                .build();
    }

    private static Policy policy(Rule... rules) {
        return new Policy("test", null, null, PartialSettings.EMPTY, Arrays.asList(rules));
    }

    private static Policy web(int idle) {
        return web(idle, 5);
    }

    private static Policy web(int idle, int interval) {
        return policy(Rule.builder("web").port(PortRange.of(PORT, PORT)).directions(INBOUND)
                .settings(PartialSettings.EMPTY.withIdleSeconds(idle).withIntervalSeconds(interval).withCount(3))
                .build());
    }

    /**
     * One accept as KeepAliveRuntime.onAccept does it: the inherited rule, or the rule decided and set (in full when
     * the listener may have handed on values that are not this socket's), or the copied values put back when there
     * is none; then the listener learns what was decided. Returns the rule the socket is under, or null.
     */
    private Rule accept(int fd, Policy inForce) throws Throwable {
        return accept(fd, inForce, NEAR);
    }

    private Rule accept(int fd, Policy inForce, InetAddress client) throws Throwable {
        Rule[] inherited = new Rule[1];
        decisions.current = inForce;
        Rule rule = accept(listeners, kernel, serverSocket, fd, inForce, client, inherited);
        lastInherited = inherited[0] != null;
        return rule;
    }

    /** @param inherited receives the inherited rule, or null when the socket was decided on its own */
    private static Rule accept(InheritingListeners listeners, FakeKernel kernel, Object serverSocket, int fd,
            Policy inForce, InetAddress client, Rule[] inherited) throws Throwable {
        InheritingListeners.Listener from = listeners.listener(serverSocket);
        inherited[0] = listeners.inherited(from, inForce, Endpoint.accepted(client, PORT), fd);
        if (inherited[0] != null) {
            return inherited[0];
        }
        Rule rule = inForce.match(INBOUND, null, client, PORT);
        boolean inFull = from.mayHandOnStaleValues();
        if (rule == null || rule.keepaliveOff()) {
            if (inFull) {
                listeners.putBackIfCopied(fd);
            }
        } else {
            kernel.set(fd, rule.settings(), inFull);
        }
        listeners.decided(from, inForce, rule);
        return rule == null || rule.keepaliveOff() ? null : rule;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private Options optionsOf(int fd) {
        return kernel.options.get(fd);
    }

    @Test
    void theFirstAcceptPutsTheRuleOnTheListenerAndLaterSocketsCostOneGet() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        Policy policy = web(30);
        int queuedBefore = kernel.handshake(serverSocket);
        int queuedToo = kernel.handshake(serverSocket);

        assertEquals("web", accept(queuedBefore, policy).name());
        assertFalse(lastInherited, "the first accept sets its socket");
        assertEquals("on/30/5/3/0", optionsOf(queuedBefore).toString());
        assertEquals("on/30/5/3/0", optionsOf(listenerFd).toString(), "the listener carries the rule now");
        assertEquals(InheritingListeners.CARRYING, listeners.listener(serverSocket).state());

        // Copied before the listener had the values: SO_KEEPALIVE off tells, and the socket is set in full.
        kernel.calls.clear();
        assertEquals("web", accept(queuedToo, policy).name());
        assertFalse(lastInherited, "queued before the listener was set");
        assertEquals("on/30/5/3/0", optionsOf(queuedToo).toString());

        int later = kernel.handshake(serverSocket);
        kernel.calls.clear();
        Rule rule = listeners.inherited(listeners.listener(serverSocket), policy, Endpoint.accepted(NEAR, PORT), later);
        assertEquals("web", rule.name(), "copied after: inherited");
        assertEquals(Arrays.asList("get " + later), kernel.calls, "one getsockopt, nothing set");
        assertEquals("on/30/5/3/0", optionsOf(later).toString());
    }

    @Test
    void aRuleThatDependsOnTheClientLeavesTheListenerAlone() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        Policy policy = policy(
                rule("clients", 20, Rule.builder("clients").cidr("10.0.0.0/8").directions(INBOUND)),
                rule("web", 30, Rule.builder("web").port(PortRange.of(PORT, PORT)).directions(INBOUND)));
        int fd = kernel.handshake(serverSocket);
        decisions.current = policy;
        assertNull(listeners.inherited(listeners.listener(serverSocket), policy, Endpoint.accepted(NEAR, PORT), fd));
        assertEquals(InheritingListeners.NOT_UNIFORM, listeners.listener(serverSocket).state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
        assertEquals(Arrays.asList(), kernel.calls, "no system call at all");
        assertFalse(listeners.listener(serverSocket).mayHandOn(policy), "nothing to look at for the next socket");
        assertTrue(listeners.listener(serverSocket).mayHandOn(web(30)), "a new policy is looked at again");
    }

    @Test
    void keepaliveOffOrNoRuleLeavesTheListenerAlone() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        Policy off = policy(Rule.builder("off").port(PortRange.of(PORT, PORT)).directions(INBOUND).keepaliveOff()
                .build());
        assertNull(accept(kernel.handshake(serverSocket), off));
        assertNull(accept(kernel.handshake(serverSocket), policy()));
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
    }

    @Test
    void aReloadWithTheSameValuesCarriesOn() throws Throwable {
        kernel.listen(serverSocket);
        accept(kernel.handshake(serverSocket), web(30));
        Policy reloaded = web(30);
        int fd = kernel.handshake(serverSocket);
        assertSame(reloaded.rules().get(0), accept(fd, reloaded), "the new policy's rule");
        assertTrue(lastInherited);
        assertEquals(InheritingListeners.CARRYING, listeners.listener(serverSocket).state());
    }

    /**
     * A reload that changes the port's timers: the old values are taken back and the new ones carried, and a socket
     * that copied the old ones while it waited in the queue is told apart by its TCP_KEEPIDLE and set in full.
     */
    @Test
    void aReloadWithOtherValuesCarriesThemAndTellsTheOldCopiesApart() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        accept(kernel.handshake(serverSocket), web(30));
        int copiedBeforeReload = kernel.handshake(serverSocket);

        Policy reloaded = web(45);
        assertEquals("web", accept(copiedBeforeReload, reloaded).name());
        assertFalse(lastInherited, "copied with the old values");
        assertEquals("on/45/5/3/0", optionsOf(copiedBeforeReload).toString());
        assertEquals(InheritingListeners.CARRYING, state());
        assertEquals("on/45/5/3/0", optionsOf(listenerFd).toString(), "the listener carries the new values");

        int later = kernel.handshake(serverSocket);
        kernel.calls.clear();
        assertEquals("web", accept(later, reloaded).name());
        assertTrue(lastInherited);
        assertEquals(Arrays.asList("get " + later, "get " + InheritingListeners.IDLE + " " + later), kernel.calls,
                "SO_KEEPALIVE and TCP_KEEPIDLE read, nothing set");
        assertEquals("on/45/5/3/0", optionsOf(later).toString());
    }

    @Test
    void aReloadToNoRuleTakesTheValuesBackAndALaterRuleIsCarriedAgain() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        accept(kernel.handshake(serverSocket), web(30));
        int copiedWith30 = kernel.handshake(serverSocket);
        accept(kernel.handshake(serverSocket), web(45));
        int copiedWith45 = kernel.handshake(serverSocket);

        Policy none = policy();
        int copiedBefore = kernel.handshake(serverSocket);
        assertNull(accept(copiedBefore, none));
        assertEquals("off/7200/75/9/0", optionsOf(copiedBefore).toString(), "no rule: the copy put back");
        assertEquals(InheritingListeners.RESET, state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
        int whileReset = kernel.handshake(serverSocket);
        kernel.calls.clear();
        assertNull(accept(whileReset, none));
        assertEquals(Arrays.asList("get " + whileReset), kernel.calls, "checked, nothing to put back");

        // Back to 30 s: told from the 45 s copies by TCP_KEEPIDLE; a 30 s copy has the right values either way.
        Policy back = web(30);
        assertEquals("web", accept(copiedWith45, back).name());
        assertFalse(lastInherited);
        assertEquals("on/30/5/3/0", optionsOf(copiedWith45).toString());
        assertEquals(InheritingListeners.CARRYING, state());
        assertEquals("web", accept(copiedWith30, back).name());
        assertTrue(lastInherited);
        assertEquals("on/30/5/3/0", optionsOf(copiedWith30).toString());
        assertEquals("web", accept(whileReset, back).name());
        assertFalse(lastInherited, "copied while nothing was carried");
        assertEquals("on/30/5/3/0", optionsOf(whileReset).toString());
    }

    /** 30/5, then 40/6, then 30/6 s: no single option tells 30/6 from both, and the listener carries nothing. */
    @Test
    void whereNoOptionTellsTheNewValuesFromEveryOldSetNothingIsCarried() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        accept(kernel.handshake(serverSocket), web(30, 5));
        int copiedWith30 = kernel.handshake(serverSocket);
        accept(kernel.handshake(serverSocket), web(40, 6));
        assertEquals(InheritingListeners.CARRYING, state());
        int copiedWith40 = kernel.handshake(serverSocket);

        Policy third = web(30, 6);
        assertEquals("web", accept(copiedWith30, third).name());
        assertEquals(InheritingListeners.RESET, state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
        assertEquals("on/30/6/3/0", optionsOf(copiedWith30).toString());
        assertEquals("web", accept(copiedWith40, third).name());
        assertEquals("on/30/6/3/0", optionsOf(copiedWith40).toString());
        int later = kernel.handshake(serverSocket);
        assertEquals("web", accept(later, third).name());
        assertFalse(lastInherited);
        assertEquals("on/30/6/3/0", optionsOf(later).toString());
    }

    /** A hook that read the policy before a reload: its socket gets the old rule, the listener stays the new one's. */
    @Test
    void aHookStillUnderTheOldPolicyLeavesTheListenerToTheNewOne() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        Policy old = web(30);
        accept(kernel.handshake(serverSocket), old);
        Policy reloaded = web(45);
        accept(kernel.handshake(serverSocket), reloaded);
        assertEquals("on/45/5/3/0", optionsOf(listenerFd).toString());

        int late = kernel.handshake(serverSocket);
        Rule[] inherited = new Rule[1];
        assertSame(old.rules().get(0), accept(listeners, kernel, serverSocket, late, old, NEAR, inherited),
                "decided under the policy its hook read");
        assertNull(inherited[0]);
        assertEquals("on/30/5/3/0", optionsOf(late).toString());
        assertEquals(InheritingListeners.CARRYING, state());
        assertEquals("on/45/5/3/0", optionsOf(listenerFd).toString(), "the old rule not put back on the listener");
    }

    /**
     * Reloads among port rules of other timers, a rule by client and none, handshakes and accepts interleaved at
     * random (sockets wait in the queue across reloads): every socket ends with exactly its policy's rule.
     */
    @Test
    void everySocketEndsWithItsRuleAcrossReloadsOfThePortsRule() throws Throwable {
        for (long seed = 1; seed <= 20; seed++) {
            java.util.Random random = new java.util.Random(seed);
            FakeKernel fresh = new FakeKernel();
            ByPolicy current = new ByPolicy();
            InheritingListeners fresher = new InheritingListeners(fresh, current);
            Object listener = new Object();
            fresh.listen(listener);
            java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<Integer>();
            for (int phase = 0; phase < 12; phase++) {
                int pick = random.nextInt(6);
                Policy policy = pick == 4 ? policy() : pick == 5 ? byClient()
                        : web(new int[] {30, 45, 30, 60}[pick], new int[] {5, 5, 6, 6}[pick]);
                current.current = policy;
                for (int step = 0; step < 60; step++) {
                    if (queue.isEmpty() || (queue.size() < 20 && random.nextInt(3) > 0)) {
                        queue.add(fresh.handshake(listener));
                        continue;
                    }
                    int fd = queue.poll();
                    Rule rule = accept(fresher, fresh, listener, fd, policy, NEAR, new Rule[1]);
                    Rule own = policy.match(INBOUND, null, NEAR, PORT);
                    String expected = own == null ? "off/7200/75/9/0"
                            : "on/" + own.settings().idleSeconds() + "/" + own.settings().intervalSeconds() + "/3/"
                                    + own.settings().userTimeoutMillis();
                    assertEquals(expected, fresh.options.get(fd).toString(),
                            "seed " + seed + ", phase " + phase + ", socket " + fd);
                    assertSame(own, rule);
                }
            }
            long carries = fresh.calls.stream().filter(c -> c.startsWith("carry ")).count();
            assertTrue(carries > 1, "seed " + seed + ": reloads had the listener carry a rule again (" + carries + ")");
        }
    }

    @Test
    void theOptionThatTellsDiffersFromEveryOtherSet() {
        int[] next = {30, 6, 3, 0};
        assertEquals(-1, InheritingListeners.optionThatTells(next, Arrays.asList(new int[] {30, 6, 3, 0})),
                "the same values: any copy is right");
        assertEquals(InheritingListeners.IDLE, InheritingListeners.optionThatTells(next,
                Arrays.asList(new int[] {45, 6, 3, 0}, new int[] {30, 6, 3, 0})));
        assertEquals(InheritingListeners.INTERVAL, InheritingListeners.optionThatTells(next,
                Arrays.asList(new int[] {30, 5, 3, 0}, new int[] {40, 5, 3, 0})));
        assertEquals(InheritingListeners.USER_TIMEOUT, InheritingListeners.optionThatTells(next,
                Arrays.asList(new int[] {30, 6, 3, 61000})));
        assertEquals(InheritingListeners.NO_OPTION_TELLS, InheritingListeners.optionThatTells(next,
                Arrays.asList(new int[] {30, 5, 3, 0}, new int[] {40, 6, 3, 0})));
    }

    @Test
    void theApplicationSettingTheListenerOwnsItFromThenOn() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        Policy policy = web(30);
        accept(kernel.handshake(serverSocket), policy);
        int copiedWithOurs = kernel.handshake(serverSocket);

        listeners.applicationSets(listeners.listener(serverSocket));
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString(), "ours taken back first");
        optionsOf(listenerFd).idle = 100; // then the application's own call goes through
        int copiedWithTheApplications = kernel.handshake(serverSocket);

        assertEquals("web", accept(copiedWithOurs, policy).name());
        assertEquals("on/30/5/3/0", optionsOf(copiedWithOurs).toString());
        assertEquals("web", accept(copiedWithTheApplications, policy).name());
        assertFalse(lastInherited);
        assertEquals("on/30/5/3/0", optionsOf(copiedWithTheApplications).toString(), "the rule, set in full");
        assertEquals("off/100/75/9/0", optionsOf(listenerFd).toString(), "the application's value stays");

        optionsOf(listenerFd).idle = 7200; // the application puts its default back: still its listener
        Policy reloaded = web(45);
        int afterReload = kernel.handshake(serverSocket);
        assertEquals("web", accept(afterReload, reloaded).name());
        assertEquals("on/45/5/3/0", optionsOf(afterReload).toString());
        assertEquals(InheritingListeners.RESET, state(), "never carried again");
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
    }

    @Test
    void aListenerTheApplicationSetFirstIsNeverCarried() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        listeners.applicationSets(listeners.listener(serverSocket));
        accept(kernel.handshake(serverSocket), web(30));
        assertEquals(InheritingListeners.APPLICATION, listeners.listener(serverSocket).state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
        assertFalse(kernel.calls.contains("carry " + listenerFd));
    }

    /** Set before the agent saw it (before an attach, or before the native layer was up): never taken over. */
    @Test
    void aListenerSomeoneSetBeforeIsNeverCarried() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        optionsOf(listenerFd).idle = 100;
        int fd = kernel.handshake(serverSocket);
        assertEquals("web", accept(fd, web(30)).name());
        assertFalse(lastInherited);
        assertEquals(InheritingListeners.APPLICATION, listeners.listener(serverSocket).state());
        assertEquals("off/100/75/9/0", optionsOf(listenerFd).toString(), "left as the application set it");
        assertEquals("on/30/5/3/0", optionsOf(fd).toString());
        assertFalse(listeners.listener(serverSocket).mayHandOn(web(30)));
    }

    @Test
    void aFailedCarryTakesBackWhatWentThrough() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        kernel.failCarry = true;
        int fd = kernel.handshake(serverSocket);
        InheritingListeners.Listener from = listeners.listener(serverSocket);
        decisions.current = web(30);
        assertThrows(IllegalStateException.class,
                () -> listeners.inherited(from, decisions.current, Endpoint.accepted(NEAR, PORT), fd));
        assertEquals(InheritingListeners.RESET, from.state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());

        kernel.failCarry = false;
        kernel.calls.clear();
        assertEquals("web", accept(kernel.handshake(serverSocket), web(45)).name());
        assertEquals(InheritingListeners.RESET, from.state(), "a listener the kernel refused once is not tried again");
        assertFalse(kernel.calls.contains("carry " + listenerFd));
    }

    @Test
    void aNewListenerOnAReusedDescriptorStartsAfresh() throws Throwable {
        kernel.listen(serverSocket);
        accept(kernel.handshake(serverSocket), web(30));
        InheritingListeners.Listener old = listeners.listener(serverSocket);

        Object reopened = new Object();
        kernel.fds.put(reopened, kernel.fds.get(serverSocket)); // the old one closed; the kernel reused its number
        InheritingListeners.Listener fresh = listeners.listener(reopened);
        assertNotSame(old, fresh);
        assertEquals(InheritingListeners.UNDECIDED, fresh.state());
        assertTrue(old.state() == InheritingListeners.CARRYING);
        assertNull(listeners.listener(new Object()), "no descriptor, no record");
    }

    // ---- a rule that depends on the client: the listener guesses ----

    private static final InetAddress FAR = address("192.168.0.1");
    private static final InetAddress QUIET = address("172.16.0.1");
    private static final InetAddress STRANGER = address("203.0.113.1");
    private static final InetAddress TWIN = address("198.51.100.1");

    /**
     * Near clients: 20 s and a user timeout; twins: near's timers without its user timeout; far ones: 40 s; quiet
     * ones: keepalive off; strangers: no rule.
     */
    private static Policy byClient() {
        return policy(
                Rule.builder("near").cidr("10.0.0.0/8").directions(INBOUND)
                        .settings(PartialSettings.EMPTY.withIdleSeconds(20).withIntervalSeconds(5).withCount(3)
                                .withUserTimeout(UserTimeout.ofMillis(30_000)))
                        .build(),
                rule("far", 40, Rule.builder("far").cidr("192.168.0.0/16").directions(INBOUND)),
                rule("twin", 20, Rule.builder("twin").cidr("198.51.100.0/24").directions(INBOUND)),
                Rule.builder("quiet").cidr("172.16.0.0/12").directions(INBOUND).keepaliveOff().build());
    }

    /** What a socket from this client must report, whatever the listener did. */
    private static String expectedFor(InetAddress client) {
        if (client.equals(NEAR)) {
            return "on/20/5/3/30000";
        }
        if (client.equals(TWIN)) {
            return "on/20/5/3/0";
        }
        return client.equals(FAR) ? "on/40/5/3/0" : "off/7200/75/9/0";
    }

    /** Accepts a socket copied from the listener as it is now, and checks what it ends with. */
    private Rule acceptFrom(InetAddress client, Policy inForce) throws Throwable {
        int fd = kernel.handshake(serverSocket);
        Rule rule = accept(fd, inForce, client);
        assertEquals(expectedFor(client), optionsOf(fd).toString(), "a socket from " + client.getHostAddress());
        return rule;
    }

    private int state() throws Throwable {
        return listeners.listener(serverSocket).state();
    }

    /** Brings the listener to GUESSING the near rule's values; returns the listener's descriptor. */
    private int guessingNear(Policy policy) throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        for (int i = 0; i < InheritingListeners.WINDOW; i++) {
            acceptFrom(NEAR, policy);
        }
        assertEquals(InheritingListeners.GUESSING, state());
        return listenerFd;
    }

    @Test
    void aWindowOfSocketsMostlyGivenTheSameValuesMakesTheListenerGuessThem() throws Throwable {
        Policy policy = byClient();
        int listenerFd = kernel.listen(serverSocket);
        for (int i = 1; i < InheritingListeners.WINDOW; i++) {
            acceptFrom(i % 10 == 0 ? STRANGER : NEAR, policy); // 6 strangers: within MAX_LEARN_MISSES
            assertEquals(InheritingListeners.NOT_UNIFORM, state());
        }
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString(), "not yet");
        int queuedBefore = kernel.handshake(serverSocket);

        acceptFrom(NEAR, policy);
        assertEquals(InheritingListeners.GUESSING, state());
        assertEquals("on/20/5/3/30000", optionsOf(listenerFd).toString(), "the listener carries the guess");

        assertEquals("near", accept(queuedBefore, policy, NEAR).name());
        assertFalse(lastInherited, "copied before the guess: set");
        assertEquals("on/20/5/3/30000", optionsOf(queuedBefore).toString());

        int later = kernel.handshake(serverSocket);
        kernel.calls.clear();
        assertEquals("near", accept(later, policy, NEAR).name());
        assertTrue(lastInherited);
        assertEquals(Arrays.asList("get " + later), kernel.calls, "one getsockopt, nothing set");
        assertEquals("on/20/5/3/30000", optionsOf(later).toString());
    }

    @Test
    void aGuessingListenersOtherClientsGetExactlyTheirOwnRuleOrNothing() throws Throwable {
        Policy policy = byClient();
        guessingNear(policy);

        kernel.calls.clear();
        assertEquals("far", acceptFrom(FAR, policy).name());
        assertFalse(lastInherited);
        assertEquals("on/40/5/3/0", optionsOf(kernel.nextFd - 1).toString(), "the copied user timeout set back too");

        assertEquals("twin", acceptFrom(TWIN, policy).name(), "the same timers, but no user timeout");
        assertFalse(lastInherited);

        assertNull(acceptFrom(STRANGER, policy));
        assertTrue(kernel.calls.contains("reset " + (kernel.nextFd - 1)), "no rule: the copied values put back");
        assertNull(acceptFrom(QUIET, policy), "keepalive: off is put back like no rule");
        assertEquals(InheritingListeners.GUESSING, state(), "four misses are within the bound");
    }

    @Test
    void aWindowWithTooManyOthersStartsNoGuess() throws Throwable {
        Policy policy = byClient();
        int listenerFd = kernel.listen(serverSocket);
        for (InetAddress other : Arrays.asList(FAR, TWIN, STRANGER, QUIET)) {
            for (int i = 0; i < InheritingListeners.WINDOW; i++) {
                // The window's first socket names the candidate; one more other than the bound allows, spread out.
                boolean isOther = i % 7 == 3 && i / 7 <= InheritingListeners.MAX_LEARN_MISSES;
                acceptFrom(isOther ? other : NEAR, policy);
            }
        }
        // A window that opens with one more stranger than the bound allows: they miss whatever comes after.
        for (int i = 0; i < InheritingListeners.WINDOW; i++) {
            acceptFrom(i <= InheritingListeners.MAX_LEARN_MISSES ? STRANGER : NEAR, policy);
        }
        // A window whose first socket is one of the few: its values are the candidate, and nearly all others miss.
        acceptFrom(FAR, policy);
        for (int i = 1; i < InheritingListeners.WINDOW; i++) {
            acceptFrom(NEAR, policy);
        }
        assertEquals(InheritingListeners.NOT_UNIFORM, state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
        assertFalse(kernel.calls.contains("untouched? " + listenerFd), "never looked at for a guess");

        for (int i = 0; i < InheritingListeners.WINDOW; i++) {
            acceptFrom(NEAR, policy);
        }
        assertEquals(InheritingListeners.GUESSING, state(), "the next window learns afresh");
    }

    @Test
    void missesWithinTheBoundKeepTheGuess() throws Throwable {
        Policy policy = byClient();
        guessingNear(policy);
        // One socket in five from elsewhere, for ten windows: 20% < 25%.
        for (int i = 0; i < 10 * InheritingListeners.WINDOW; i++) {
            acceptFrom(i % 5 == 0 ? STRANGER : NEAR, policy);
        }
        assertEquals(InheritingListeners.GUESSING, state());
    }

    @Test
    void aGuessThatMissesTooOftenIsTakenBackAndTriedAgainAfterADoublingWait() throws Throwable {
        Policy policy = byClient();
        int listenerFd = guessingNear(policy);
        int copiedWithTheGuess = kernel.handshake(serverSocket);
        int alsoCopied = kernel.handshake(serverSocket);
        for (int i = 0; i < InheritingListeners.MAX_MISSES; i++) {
            acceptFrom(STRANGER, policy);
        }
        assertEquals(InheritingListeners.GUESSING, state(), "at the bound");
        acceptFrom(STRANGER, policy);
        assertEquals(InheritingListeners.RESET, state(), "past it");
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString(), "the listener is as nobody set it");

        // Copied while it guessed, accepted after: right either way.
        assertNull(accept(copiedWithTheGuess, policy, STRANGER));
        assertEquals("off/7200/75/9/0", optionsOf(copiedWithTheGuess).toString());
        assertEquals("far", accept(alsoCopied, policy, FAR).name());
        assertEquals("on/40/5/3/0", optionsOf(alsoCopied).toString());

        kernel.calls.clear();
        int after = kernel.handshake(serverSocket);
        assertNull(accept(after, policy, STRANGER));
        assertEquals(Arrays.asList("get " + after), kernel.calls, "checked, nothing to put back");

        // The mix gets better: a second guess after two windows that would start one, a third after four. (The three
        // sockets above began a window that far's first decision makes a miss: it ends with these near clients.)
        for (int i = 3; i < InheritingListeners.WINDOW; i++) {
            acceptFrom(NEAR, policy);
        }
        assertEquals(InheritingListeners.RESET, state());
        for (int takenBack = 1; takenBack <= 2; takenBack++) {
            int wait = 1 << takenBack;
            for (int i = 0; i < (wait - 1) * InheritingListeners.WINDOW; i++) {
                acceptFrom(NEAR, policy);
            }
            assertEquals(InheritingListeners.RESET, state(), "still waiting after " + (wait - 1) + " windows");
            assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
            for (int i = 0; i < InheritingListeners.WINDOW; i++) {
                acceptFrom(NEAR, policy);
            }
            assertEquals(InheritingListeners.GUESSING, state(), "guessing again after " + wait + " windows");
            assertEquals("on/20/5/3/30000", optionsOf(listenerFd).toString());
            kernel.calls.clear();
            int copied = kernel.handshake(serverSocket);
            assertEquals("near", accept(copied, policy, NEAR).name());
            assertTrue(lastInherited, "the same values as the guess taken back: SO_KEEPALIVE tells enough");
            for (int i = 0; i <= InheritingListeners.MAX_MISSES; i++) {
                acceptFrom(STRANGER, policy);
            }
            assertEquals(InheritingListeners.RESET, state(), "taken back again");
        }
    }

    /** A second guess of other values than the first: a copy of the first, queued all along, is told apart. */
    @Test
    void aSecondGuessOfOtherValuesTellsCopiesOfTheFirstApart() throws Throwable {
        Policy policy = byClient();
        int listenerFd = guessingNear(policy);
        int copiedWithNear = kernel.handshake(serverSocket);
        for (int i = 0; i <= InheritingListeners.MAX_MISSES; i++) {
            acceptFrom(STRANGER, policy);
        }
        assertEquals(InheritingListeners.RESET, state());
        for (int i = 0; i < 2 * InheritingListeners.WINDOW; i++) {
            acceptFrom(FAR, policy);
        }
        assertEquals(InheritingListeners.GUESSING, state());
        assertEquals("on/40/5/3/0", optionsOf(listenerFd).toString(), "far's values guessed now");
        assertEquals("near", accept(copiedWithNear, policy, NEAR).name());
        assertFalse(lastInherited);
        assertEquals("on/20/5/3/30000", optionsOf(copiedWithNear).toString());
        int copiedWithFar = kernel.handshake(serverSocket);
        kernel.calls.clear();
        assertEquals("far", accept(copiedWithFar, policy, FAR).name());
        assertTrue(lastInherited);
        assertEquals(Arrays.asList("get " + copiedWithFar, "get " + InheritingListeners.IDLE + " " + copiedWithFar),
                kernel.calls, "SO_KEEPALIVE and TCP_KEEPIDLE read, nothing set");
        // A copy of near's values accepted for a far client: told apart, and set in full.
        int nearCopyForFar = kernel.handshake(serverSocket);
        kernel.options.put(nearCopyForFar, kernel.options.get(copiedWithNear).copy());
        assertEquals("far", accept(nearCopyForFar, policy, FAR).name());
        assertFalse(lastInherited);
        assertEquals("on/40/5/3/0", optionsOf(nearCopyForFar).toString());
    }

    @Test
    void aReloadEndsTheGuess() throws Throwable {
        int listenerFd = guessingNear(byClient());
        int copiedBefore = kernel.handshake(serverSocket);
        Policy reloaded = byClient();
        assertEquals("far", accept(copiedBefore, reloaded, FAR).name());
        assertEquals("on/40/5/3/0", optionsOf(copiedBefore).toString());
        assertEquals(InheritingListeners.RESET, state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
    }

    @Test
    void theApplicationSettingAGuessingListenerTakesTheGuessBack() throws Throwable {
        Policy policy = byClient();
        int listenerFd = guessingNear(policy);
        int copiedWithTheGuess = kernel.handshake(serverSocket);
        listeners.applicationSets(listeners.listener(serverSocket));
        assertEquals(InheritingListeners.RESET, state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
        assertNull(accept(copiedWithTheGuess, policy, STRANGER));
        assertEquals("off/7200/75/9/0", optionsOf(copiedWithTheGuess).toString());
    }

    @Test
    void aListenerSomeoneSetIsNeverGuessedOn() throws Throwable {
        Policy policy = byClient();
        int listenerFd = kernel.listen(serverSocket);
        optionsOf(listenerFd).idle = 100; // by native code, or before the agent was attached
        for (int i = 0; i < InheritingListeners.WINDOW; i++) {
            int fd = kernel.handshake(serverSocket);
            accept(fd, policy, NEAR);
            assertEquals("on/20/5/3/30000", optionsOf(fd).toString());
        }
        assertEquals(InheritingListeners.APPLICATION, state());
        assertEquals("off/100/75/9/0", optionsOf(listenerFd).toString());
        assertFalse(kernel.calls.contains("carry " + listenerFd));
    }

    @Test
    void aFailedGuessTakesBackWhatWentThrough() throws Throwable {
        Policy policy = byClient();
        int listenerFd = kernel.listen(serverSocket);
        kernel.failCarry = true;
        for (int i = 1; i < InheritingListeners.WINDOW; i++) {
            acceptFrom(NEAR, policy);
        }
        int fd = kernel.handshake(serverSocket);
        assertThrows(IllegalStateException.class, () -> accept(fd, policy, NEAR));
        assertEquals(InheritingListeners.RESET, state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
        assertNull(acceptFrom(STRANGER, policy));
    }

    /**
     * Handshakes and accepts interleaved at random (a queue that fills and drains), client mixes that change from
     * phase to phase, and a reload: every socket ends with exactly what its own rule says.
     */
    @Test
    void everySocketEndsWithItsOwnRuleWhateverTheMixAndTheQueue() throws Throwable {
        for (long seed = 1; seed <= 20; seed++) {
            java.util.Random random = new java.util.Random(seed);
            FakeKernel fresh = new FakeKernel();
            ByPolicy current = new ByPolicy();
            InheritingListeners fresher = new InheritingListeners(fresh, current);
            Object listener = new Object();
            fresh.listen(listener);
            java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<Integer>();
            Map<Integer, InetAddress> clients = new HashMap<Integer, InetAddress>();
            InetAddress[] others = {FAR, TWIN, QUIET, STRANGER};
            int[] nearPercent = {100, 95, 80, 50, 10, 97};
            Policy policy = byClient();
            int guesses = 0;
            for (int phase = 0; phase < nearPercent.length; phase++) {
                if (phase == 4) {
                    policy = byClient(); // a reload
                }
                for (int step = 0; step < 400; step++) {
                    if (queue.isEmpty() || (queue.size() < 50 && random.nextInt(3) > 0)) {
                        int fd = fresh.handshake(listener);
                        clients.put(fd, random.nextInt(100) < nearPercent[phase] ? NEAR
                                : others[random.nextInt(others.length)]);
                        queue.add(fd);
                        continue;
                    }
                    int fd = queue.poll();
                    InetAddress client = clients.get(fd);
                    current.current = policy;
                    accept(fresher, fresh, listener, fd, policy, client, new Rule[1]);
                    if (fresher.listener(listener).state() == InheritingListeners.GUESSING) {
                        guesses++;
                    }
                    assertEquals(expectedFor(client), fresh.options.get(fd).toString(),
                            "seed " + seed + ", phase " + phase + ", socket " + fd + " from " + client);
                }
            }
            assertTrue(guesses > 0, "seed " + seed + ": the mixes made the listener guess");
        }
    }
}
