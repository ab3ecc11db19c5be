package io.kaagent.runtime;

import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ConcurrentHashMap;

import io.kaagent.nativeio.KernelKeepAliveDefaults;
import io.kaagent.nativeio.NativeSocketOptions;
import io.kaagent.nativeio.NativeSocketOptions.KeepAliveValues;
import io.kaagent.nativeio.SocketFds;
import io.kaagent.policy.KeepAliveSettings;

/** setsockopt on the socket's own file descriptor. */
final class NativeApplier implements OptionApplier, InheritingListeners.Kernel, TrackedSockets.Descriptors {
    private final NativeSocketOptions options;
    private final SocketFds fds;
    /**
     * The kernel's built-in timers, keepalive on: what the warm-ups set on sockets of the agent's own (this one's
     * and the JDK's). Not the sysctls: reading /proc there would load a reader's ten JDK classes into every JVM.
     */
    static final KeepAliveSettings KERNELS_OWN_TIMERS = new KeepAliveSettings(
            KernelKeepAliveDefaults.BUILT_IN.idleSeconds(), KernelKeepAliveDefaults.BUILT_IN.intervalSeconds(),
            KernelKeepAliveDefaults.BUILT_IN.count(), 0, false);
    /** Keyed by value, so a reload that keeps a rule's values keeps its slot too. */
    private final ConcurrentHashMap<KeepAliveSettings, KeepAliveValues> prepared =
            new ConcurrentHashMap<KeepAliveSettings, KeepAliveValues>();
    /** The last settings used: most sockets of a JVM fall under one rule, and this spares the map lookup. */
    private volatile Prepared<KeepAliveSettings> last;
    /** The values {@link #reset} sets, for the sysctls they were prepared for. */
    private volatile Prepared<KernelKeepAliveDefaults> lastReset;

    /** Values prepared in native memory, and what they were prepared for. */
    private static final class Prepared<K> {
        final K source;
        final KeepAliveValues values;

        Prepared(K source, KeepAliveValues values) {
            this.source = source;
            this.values = values;
        }
    }

    NativeApplier(NativeSocketOptions options, SocketFds fds) {
        this.options = options;
        this.fds = fds;
    }

    /** A socket the hooks just saw: user_timeout off leaves TCP_USER_TIMEOUT as it is (0 on a new socket). */
    @Override
    public int apply(Object socket, KeepAliveSettings settings) throws Throwable {
        int fd = fds.fdOf(socket);
        apply(fd, settings, settings.userTimeoutMillis() != 0);
        return fd;
    }

    /** A socket the sweep found open (attach, reload): user_timeout off resets a value an earlier policy set. */
    void applyToFd(int fd, KeepAliveSettings settings) throws Throwable {
        apply(fd, settings, true);
    }

    /** A socket that may have copied another rule's values from its listener: user_timeout off resets them too. */
    int applyInFull(Object socket, KeepAliveSettings settings) throws Throwable {
        int fd = fds.fdOf(socket);
        apply(fd, settings, true);
        return fd;
    }

    @Override
    public int listenerFdOf(Object listener) throws Throwable {
        return fds.listenerFdOf(listener);
    }

    @Override
    public int fdOf(Object socket) throws Throwable {
        return fds.fdOf(socket);
    }

    /** A listener nobody set before: user_timeout off leaves its TCP_USER_TIMEOUT as it is (0). */
    @Override
    public void carry(int listenerFd, KeepAliveSettings settings) throws Throwable {
        apply(listenerFd, settings, settings.userTimeoutMillis() != 0);
    }

    /** What nobody set, prepared once per value of the sysctls: a guessing listener puts sockets back one by one. */
    @Override
    public void reset(int fd) throws Throwable {
        reset(fd, KernelKeepAliveDefaults.recent());
    }

    /** As {@link #reset(int)}, with the sysctls just read. */
    void reset(int fd, KernelKeepAliveDefaults defaults) throws Throwable {
        Prepared<KernelKeepAliveDefaults> memo = lastReset;
        if (memo == null || !memo.source.sameTimers(defaults)) {
            KeepAliveValues values = preparedFor(defaults);
            if (values == null) { // the native slots are all taken: values for this call only
                options.reset(fd, defaults);
                return;
            }
            memo = new Prepared<KernelKeepAliveDefaults>(defaults, values);
            lastReset = memo;
        }
        options.reset(fd, memo.values);
    }

    @Override
    public boolean untouched(int fd) throws Throwable {
        KernelKeepAliveDefaults defaults = KernelKeepAliveDefaults.recent();
        return !options.getKeepAlive(fd) && options.getTcpKeepIdle(fd) == defaults.idleSeconds()
                && options.getTcpKeepInterval(fd) == defaults.intervalSeconds()
                && options.getTcpKeepCount(fd) == defaults.count() && options.getTcpUserTimeout(fd) <= 0;
    }

    @Override
    public boolean keepAliveOn(int fd) throws Throwable {
        return options.getKeepAlive(fd);
    }

    @Override
    public int valueOf(int fd, int option) throws Throwable {
        switch (option) {
            case InheritingListeners.IDLE:
                return options.getTcpKeepIdle(fd);
            case InheritingListeners.INTERVAL:
                return options.getTcpKeepInterval(fd);
            case InheritingListeners.COUNT:
                return options.getTcpKeepCount(fd);
            case InheritingListeners.USER_TIMEOUT:
                return options.getTcpUserTimeout(fd);
            default:
                throw new IllegalArgumentException("no option " + option);
        }
    }

    private void apply(int fd, KeepAliveSettings settings, boolean setUserTimeout) throws Throwable {
        KeepAliveValues values = valuesOf(settings);
        if (values == null) {
            options.applyOnce(fd, settings.idleSeconds(), settings.intervalSeconds(), settings.count(),
                    settings.userTimeoutMillis(), setUserTimeout);
            return;
        }
        options.apply(fd, values, setUserTimeout);
    }

    /** Null once the native slots are all taken (endless reloads with ever new values). */
    private KeepAliveValues valuesOf(KeepAliveSettings settings) {
        Prepared<KeepAliveSettings> memo = last;
        if (memo != null && memo.source == settings) {
            return memo.values;
        }
        KeepAliveValues values = prepared(settings);
        if (values != null) {
            last = new Prepared<KeepAliveSettings>(settings, values);
        }
        return values;
    }

    /** The slot of these values, prepared at first use; null once the native slots are all taken. */
    private KeepAliveValues prepared(KeepAliveSettings settings) {
        KeepAliveValues values = prepared.get(settings);
        if (values == null) {
            values = options.prepare(settings.idleSeconds(), settings.intervalSeconds(), settings.count(),
                    settings.userTimeoutMillis());
            if (values == null) {
                return null;
            }
            KeepAliveValues raced = prepared.putIfAbsent(settings, values);
            if (raced != null) {
                values = raced;
            }
        }
        return values;
    }

    /**
     * The sysctls' values in a slot of their own, keyed as a rule's values are (no user timeout, enforce off): a
     * sysctl changed and put back takes no second slot. Null once the slots are all taken, and for sysctls outside
     * what a socket accepts (setsockopt then refuses them, as it would anyway).
     */
    private KeepAliveValues preparedFor(KernelKeepAliveDefaults defaults) {
        KeepAliveSettings nobodys;
        try {
            nobodys = new KeepAliveSettings(defaults.idleSeconds(), defaults.intervalSeconds(), defaults.count(), 0,
                    false);
        } catch (IllegalArgumentException outOfRange) {
            return null;
        }
        return prepared(nobodys);
    }

    /**
     * The way the hooks' first sockets take through this applier, once, on a socket and a listener of the agent's own
     * (never bound nor connected, so no port is taken; closed at once): the descriptor handles' call sites linked
     * (the JVM spins their invokers at a call site's first call), the kernel's own timers prepared and set,
     * SO_KEEPALIVE read back as an accept from a carrying listener reads it.
     *
     * @return whether the socket reads back keepalive on, as set
     */
    boolean warm() throws Throwable {
        Socket own = new Socket();
        try {
            ServerSocket ownListener = new ServerSocket();
            try {
                // Their descriptors are made at first use of their impls.
                own.getTcpNoDelay();
                ownListener.getReuseAddress();
                fds.listenerFdOf(ownListener);
                // Keyed as reset's values are (preparedFor) where the sysctls are the kernel's own: one slot then.
                return options.getKeepAlive(apply(own, KERNELS_OWN_TIMERS));
            } finally {
                ownListener.close();
            }
        } finally {
            own.close();
        }
    }

    NativeSocketOptions options() {
        return options;
    }

    SocketFds fds() {
        return fds;
    }

    @Override
    public String mode() {
        return "native";
    }
}
