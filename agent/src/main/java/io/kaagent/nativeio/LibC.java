package io.kaagent.nativeio;

import jnr.ffi.Pointer;

/** The few libc functions the agent calls. errno is saved by jnr-ffi after each call. */
public interface LibC {
    /** {@code value}: NativeSocketOptions.KeepAliveValues, direct memory passed as its address (or heap, copied). */
    int setsockopt(int fd, int level, int option, Pointer value, int length);

    /** {@code value}, {@code length}: scratch slots of NativeSocketOptions, direct memory passed as addresses. */
    int getsockopt(int fd, int level, int option, Pointer value, Pointer length);

    String strerror(int errno);
}
