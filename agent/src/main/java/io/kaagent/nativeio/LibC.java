package io.kaagent.nativeio;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;

/** The few libc functions the agent calls. errno is saved by jnr-ffi after each call. */
public interface LibC {
    /** {@code value}: NativeSocketOptions.KeepAliveValues, direct memory passed as its address (or heap, copied). */
    int setsockopt(int fd, int level, int option, Pointer value, int length);

    int getsockopt(int fd, int level, int option, @Out IntByReference value, IntByReference length);

    String strerror(int errno);
}
