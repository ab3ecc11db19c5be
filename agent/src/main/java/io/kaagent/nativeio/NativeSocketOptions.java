package io.kaagent.nativeio;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * Typed keepalive setters and getters on a raw file descriptor through libc, every return value checked.
 * Loading costs 110–225 ms the first time (jffi unpacks and loads its stub, FACTS.md), so the agent calls
 * {@link #load()} on its background thread, never on an application's connect.
 */
public final class NativeSocketOptions {
    private final LibC libc;
    private final Runtime runtime;
    private final SocketConstants constants;

    private NativeSocketOptions(LibC libc, SocketConstants constants) {
        this.libc = libc;
        this.runtime = Runtime.getRuntime(libc);
        this.constants = constants;
    }

    /** @throws UnsupportedOperationException naming the reason when native access is impossible here */
    public static NativeSocketOptions load() {
        SocketConstants constants = SocketConstants.current();
        if (constants == null) {
            throw new UnsupportedOperationException("no socket option constants for " + System.getProperty("os.name"));
        }
        try {
            LibC libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
            NativeSocketOptions options = new NativeSocketOptions(libc, constants);
            options.probe();
            return options;
        } catch (UnsupportedOperationException e) {
            throw e;
        } catch (Throwable t) {
            // UnsatisfiedLinkError from a jffi stub that cannot be unpacked or loaded (noexec temp dir), and the like.
            throw new UnsupportedOperationException(describe(t), t);
        }
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message.split("\n")[0]);
    }

    /** A call on an invalid fd must fail with EBADF: proves the binding and errno reach us. */
    private void probe() {
        IntByReference value = new IntByReference(1);
        int rc = libc.setsockopt(-1, constants.solSocket, constants.soKeepAlive, value, 4);
        if (rc != -1) {
            throw new UnsupportedOperationException("setsockopt(-1) unexpectedly returned " + rc);
        }
    }

    public SocketConstants constants() {
        return constants;
    }

    public void setKeepAlive(int fd, boolean on) throws NativeSocketException {
        set(fd, constants.solSocket, constants.soKeepAlive, on ? 1 : 0, "SO_KEEPALIVE");
    }

    public void setTcpKeepIdle(int fd, int seconds) throws NativeSocketException {
        set(fd, constants.ipprotoTcp, constants.keepIdle, seconds, "TCP_KEEPIDLE");
    }

    public void setTcpKeepInterval(int fd, int seconds) throws NativeSocketException {
        set(fd, constants.ipprotoTcp, constants.keepInterval, seconds, "TCP_KEEPINTVL");
    }

    public void setTcpKeepCount(int fd, int probes) throws NativeSocketException {
        set(fd, constants.ipprotoTcp, constants.keepCount, probes, "TCP_KEEPCNT");
    }

    public void setTcpUserTimeout(int fd, int millis) throws NativeSocketException {
        if (!constants.hasUserTimeout()) {
            throw new NativeSocketException("setsockopt(TCP_USER_TIMEOUT)", 0, "not supported on " + constants.os);
        }
        set(fd, constants.ipprotoTcp, constants.userTimeout, millis, "TCP_USER_TIMEOUT");
    }

    public boolean getKeepAlive(int fd) throws NativeSocketException {
        return get(fd, constants.solSocket, constants.soKeepAlive, "SO_KEEPALIVE") != 0;
    }

    public int getTcpKeepIdle(int fd) throws NativeSocketException {
        return get(fd, constants.ipprotoTcp, constants.keepIdle, "TCP_KEEPIDLE");
    }

    public int getTcpKeepInterval(int fd) throws NativeSocketException {
        return get(fd, constants.ipprotoTcp, constants.keepInterval, "TCP_KEEPINTVL");
    }

    public int getTcpKeepCount(int fd) throws NativeSocketException {
        return get(fd, constants.ipprotoTcp, constants.keepCount, "TCP_KEEPCNT");
    }

    /** -1 where the OS has no TCP_USER_TIMEOUT. */
    public int getTcpUserTimeout(int fd) throws NativeSocketException {
        return constants.hasUserTimeout() ? get(fd, constants.ipprotoTcp, constants.userTimeout, "TCP_USER_TIMEOUT")
                : -1;
    }

    private void set(int fd, int level, int option, int value, String name) throws NativeSocketException {
        if (fd < 0) {
            throw new NativeSocketException("setsockopt(" + name + ")", 9, "socket has no file descriptor");
        }
        if (libc.setsockopt(fd, level, option, new IntByReference(value), 4) != 0) {
            throw failure("setsockopt(" + name + ")");
        }
    }

    private int get(int fd, int level, int option, String name) throws NativeSocketException {
        IntByReference value = new IntByReference();
        IntByReference length = new IntByReference(4);
        if (libc.getsockopt(fd, level, option, value, length) != 0) {
            throw failure("getsockopt(" + name + ")");
        }
        return value.intValue();
    }

    private NativeSocketException failure(String call) {
        int errno = runtime.getLastError();
        String reason;
        try {
            reason = libc.strerror(errno);
        } catch (Throwable t) {
            reason = "errno " + errno;
        }
        return new NativeSocketException(call, errno, reason);
    }
}
