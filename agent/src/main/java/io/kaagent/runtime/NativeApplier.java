package io.kaagent.runtime;

import io.kaagent.nativeio.NativeSocketOptions;
import io.kaagent.nativeio.SocketFds;
import io.kaagent.policy.KeepAliveSettings;

/** setsockopt on the socket's own file descriptor. */
final class NativeApplier implements OptionApplier {
    private final NativeSocketOptions options;
    private final SocketFds fds;

    NativeApplier(NativeSocketOptions options, SocketFds fds) {
        this.options = options;
        this.fds = fds;
    }

    /** A socket the hooks just saw: user_timeout off leaves TCP_USER_TIMEOUT as it is (0 on a new socket). */
    @Override
    public void apply(Object socket, KeepAliveSettings settings) throws Throwable {
        set(fds.fdOf(socket), settings, false);
    }

    /** A socket the sweep found open (attach, reload): user_timeout off resets a value an earlier policy set. */
    void applyToFd(int fd, KeepAliveSettings settings) throws Throwable {
        set(fd, settings, true);
    }

    private void set(int fd, KeepAliveSettings settings, boolean resetUserTimeout) throws Throwable {
        // Timers first, then SO_KEEPALIVE: the kernel never runs a keepalive timer with the old values.
        options.setTcpKeepIdle(fd, settings.idleSeconds());
        options.setTcpKeepInterval(fd, settings.intervalSeconds());
        options.setTcpKeepCount(fd, settings.count());
        if (options.constants().hasUserTimeout() && (settings.userTimeoutMillis() != 0 || resetUserTimeout)) {
            options.setTcpUserTimeout(fd, settings.userTimeoutMillis());
        }
        options.setKeepAlive(fd, true);
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
