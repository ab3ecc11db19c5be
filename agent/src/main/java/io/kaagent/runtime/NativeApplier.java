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

    @Override
    public void apply(Object socket, KeepAliveSettings settings) throws Throwable {
        int fd = fds.fdOf(socket);
        applyToFd(fd, settings);
    }

    void applyToFd(int fd, KeepAliveSettings settings) throws Throwable {
        // Timers first, then SO_KEEPALIVE: the kernel never runs a keepalive timer with the old values.
        options.setTcpKeepIdle(fd, settings.idleSeconds());
        options.setTcpKeepInterval(fd, settings.intervalSeconds());
        options.setTcpKeepCount(fd, settings.count());
        if (options.constants().hasUserTimeout()) {
            // 0 switches it off again, which matters when a reload removed it.
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
