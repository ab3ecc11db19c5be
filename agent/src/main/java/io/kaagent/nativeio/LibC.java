package io.kaagent.nativeio;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;

/** The few libc functions the agent calls. errno is saved by jnr-ffi after each call. */
public interface LibC {
    /** {@code value}: direct memory (NativeSocketOptions.KeepAliveValues), passed as its address. */
    int setsockopt(int fd, int level, int option, Pointer value, int length);

    int setsockopt(int fd, int level, int option, @In IntByReference value, int length);

    int getsockopt(int fd, int level, int option, @Out IntByReference value, IntByReference length);

    String strerror(int errno);
}
