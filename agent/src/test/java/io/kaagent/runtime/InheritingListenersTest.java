package io.kaagent.runtime;

import static io.kaagent.policy.Direction.INBOUND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * The listener states against a kernel that behaves like Linux: an accepted socket starts as a copy of its listener.
 * What matters is never what the agent believes but what each accepted socket ends up with.
 */
class InheritingListenersTest {
    private static final int PORT = 8080;

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

        /** What the runtime does when the listener hands nothing on: the rule's values, every one. */
        void setInFull(int fd, KeepAliveSettings settings) {
            Options o = options.get(fd);
            o.idle = settings.idleSeconds();
            o.interval = settings.intervalSeconds();
            o.count = settings.count();
            o.userTimeout = settings.userTimeoutMillis();
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
            setInFull(listenerFd, settings);
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
    }

    private final FakeKernel kernel = new FakeKernel();
    private final InheritingListeners listeners = new InheritingListeners(kernel);
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
        return policy(rule("web", idle, Rule.builder("web").port(PortRange.of(PORT, PORT)).directions(INBOUND)));
    }

    /**
     * One accept as KeepAliveRuntime.onAccept does it: the inherited rule, or the rule decided and set in full (or
     * the copied values put back when there is none). Returns the rule the socket is under, or null.
     */
    private Rule accept(int fd, Policy inForce) throws Throwable {
        InheritingListeners.Listener from = listeners.listener(serverSocket);
        Rule inherited = listeners.inherited(from, inForce, PORT, fd);
        lastInherited = inherited != null;
        if (inherited != null) {
            return inherited;
        }
        Rule rule = inForce.match(INBOUND, null, null, PORT);
        if (rule == null || rule.keepaliveOff()) {
            if (from.mayHandOnStaleValues()) {
                listeners.putBackIfCopied(fd);
            }
            return null;
        }
        kernel.setInFull(fd, rule.settings());
        return rule;
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
        Rule rule = listeners.inherited(listeners.listener(serverSocket), policy, PORT, later);
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
        assertNull(listeners.inherited(listeners.listener(serverSocket), policy, PORT, fd));
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

    @Test
    void aReloadWithOtherValuesTakesThemBackAndEverySocketFromThenOnIsRight() throws Throwable {
        int listenerFd = kernel.listen(serverSocket);
        accept(kernel.handshake(serverSocket), web(30));
        int copiedBeforeReload = kernel.handshake(serverSocket);
        int alsoCopiedBefore = kernel.handshake(serverSocket);

        Policy reloaded = web(45);
        accept(copiedBeforeReload, reloaded);
        assertEquals(InheritingListeners.RESET, listeners.listener(serverSocket).state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString(), "the listener is as nobody set it");
        assertEquals("on/45/5/3/0", optionsOf(copiedBeforeReload).toString());

        // A reload to no rule at all: a socket still carrying the old copy gets it taken back.
        assertNull(accept(alsoCopiedBefore, policy()));
        assertEquals("off/7200/75/9/0", optionsOf(alsoCopiedBefore).toString());

        int after = kernel.handshake(serverSocket);
        kernel.calls.clear();
        assertNull(accept(after, policy()));
        assertEquals(Arrays.asList("get " + after), kernel.calls, "checked, nothing to put back");
        assertEquals("off/7200/75/9/0", optionsOf(after).toString());

        // RESET is for good: the listener is never set again.
        int again = kernel.handshake(serverSocket);
        accept(again, web(30));
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
        assertEquals("on/30/5/3/0", optionsOf(again).toString());
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
        assertThrows(IllegalStateException.class, () -> listeners.inherited(from, web(30), PORT, fd));
        assertEquals(InheritingListeners.RESET, from.state());
        assertEquals("off/7200/75/9/0", optionsOf(listenerFd).toString());
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
}
