package io.kaagent.nativeio;

import java.io.IOException;

/** A failed socket call, named with its option: {@code setsockopt(TCP_KEEPIDLE) failed: Bad file descriptor}. */
public final class NativeSocketException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    NativeSocketException(String call, int errno, String reason) {
        super(call + " failed: " + reason + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
