package io.kaagent.nativeio;

import java.nio.charset.Charset;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Type;

/**
 * The few C library functions the agent calls, through jffi's invoker directly: a function's address and its call
 * context, arguments as machine words, errno saved after each call. jnr-ffi did this until 2026-12-03 by generating
 * a class per interface with ASM; its ~250 classes, ASM's and the JDK's it pulled in (reflection, annotations,
 * regular expressions) cost every JVM ~2 MiB of metaspace and ~200 ms of CPU when the native layer loaded, for calls
 * that end in the same jffi invoker (docs/benchmark-history.md, twentieth run).
 * <p>
 * Pointers are addresses of native memory the caller owns ({@link MemoryIO}). An int result comes back in the low
 * half of the returned word; {@link #syscall} returns a whole {@code long}.
 */
final class LibC {
    private static final Type[] FD_LEVEL_OPTION_POINTER_INT = {Type.SINT, Type.SINT, Type.SINT, Type.POINTER,
            Type.SINT};
    private static final Type[] FD_LEVEL_OPTION_POINTER_POINTER = {Type.SINT, Type.SINT, Type.SINT, Type.POINTER,
            Type.POINTER};

    private final Invoker invoker = Invoker.getInstance();
    private final LastError lastError = LastError.getInstance();
    private final long setsockopt;
    private final long getsockopt;
    private final long strerror;
    private final long syscall;
    private final long close;
    private final long mmap;
    private final long socket;
    private final long munmap;
    private final CallContext setsockoptContext;
    private final CallContext getsockoptContext;
    private final CallContext strerrorContext;
    private final CallContext syscallContext;
    private final CallContext syscall5Context;
    private final CallContext syscall6Context;
    private final CallContext mmapContext;
    private final CallContext socketContext;
    private final CallContext munmapContext;
    private final CallContext closeContext;

    private LibC(Library library) {
        setsockopt = address(library, "setsockopt");
        getsockopt = address(library, "getsockopt");
        strerror = address(library, "strerror");
        syscall = address(library, "syscall");
        close = address(library, "close");
        mmap = address(library, "mmap");
        socket = address(library, "socket");
        munmap = address(library, "munmap");
        setsockoptContext = context(Type.SINT, FD_LEVEL_OPTION_POINTER_INT);
        getsockoptContext = context(Type.SINT, FD_LEVEL_OPTION_POINTER_POINTER);
        strerrorContext = context(Type.POINTER, new Type[] {Type.SINT});
        // syscall(2) is variadic; its integer arguments go in the same registers as a plain call's on the Linux ABIs
        // (x86_64, aarch64), where the only system calls made through it (pidfd_*, io_uring_*) exist. Every argument
        // the system call reads must be passed: the ones not passed are whatever the registers held.
        syscallContext = context(Type.SLONG, new Type[] {Type.SLONG, Type.SLONG, Type.SLONG, Type.SLONG});
        syscall5Context = context(Type.SLONG, new Type[] {Type.SLONG, Type.SLONG, Type.SLONG, Type.SLONG, Type.SLONG});
        syscall6Context = context(Type.SLONG, new Type[] {Type.SLONG, Type.SLONG, Type.SLONG, Type.SLONG, Type.SLONG,
            Type.SLONG});
        mmapContext = context(Type.POINTER, new Type[] {Type.POINTER, Type.SLONG, Type.SINT, Type.SINT, Type.SINT,
            Type.SLONG});
        socketContext = context(Type.SINT, new Type[] {Type.SINT, Type.SINT, Type.SINT});
        munmapContext = context(Type.SINT, new Type[] {Type.POINTER, Type.SLONG});
        closeContext = context(Type.SINT, new Type[] {Type.SINT});
    }

    /**
     * The C library of this process (the JVM's own, in its global symbols): jffi's stub must be loaded first.
     *
     * @throws UnsupportedOperationException when a function is missing
     */
    static LibC load() {
        return new LibC(Library.getDefault());
    }

    private static long address(Library library, String function) {
        long address = library.getSymbolAddress(function);
        if (address == 0) {
            throw new UnsupportedOperationException("no " + function + " in the C library: " + Library.getLastError());
        }
        return address;
    }

    private static CallContext context(Type result, Type[] parameters) {
        return CallContext.getCallContext(result, parameters, CallingConvention.DEFAULT, true);
    }

    /** @param value the address of {@code length} bytes */
    int setsockopt(int fd, int level, int option, long value, int length) {
        return (int) invoker.invokeN5(setsockoptContext, setsockopt, fd, level, option, value, length);
    }

    /** @param value the address of the value's bytes; @param length the address of a socklen_t holding their size */
    int getsockopt(int fd, int level, int option, long value, long length) {
        return (int) invoker.invokeN5(getsockoptContext, getsockopt, fd, level, option, value, length);
    }

    long syscall(long number, long arg1, long arg2, long arg3) {
        return invoker.invokeN4(syscallContext, syscall, number, arg1, arg2, arg3);
    }

    /** As {@link #syscall(long, long, long, long)}, for four arguments (io_uring_enter's first four). */
    long syscall(long number, long arg1, long arg2, long arg3, long arg4) {
        return invoker.invokeN5(syscall5Context, syscall, number, arg1, arg2, arg3, arg4);
    }

    /** As {@link #syscall(long, long, long, long)}, for system calls of five arguments. */
    long syscall(long number, long arg1, long arg2, long arg3, long arg4, long arg5) {
        return invoker.invokeN6(syscall6Context, syscall, number, arg1, arg2, arg3, arg4, arg5);
    }

    /** @return the mapping's address, or -1 (MAP_FAILED) */
    long mmap(long address, long length, int protection, int flags, int fd, long offset) {
        return invoker.invokeN6(mmapContext, mmap, address, length, protection, flags, fd, offset);
    }

    int munmap(long address, long length) {
        return (int) invoker.invokeN2(munmapContext, munmap, address, length);
    }

    int socket(int domain, int type, int protocol) {
        return (int) invoker.invokeN3(socketContext, socket, domain, type, protocol);
    }

    int close(int fd) {
        return (int) invoker.invokeN1(closeContext, close, fd);
    }

    /** The errno the last call on this thread left. */
    int errno() {
        return lastError.get();
    }

    /** The C library's text for an errno, or "errno N" when it has none or cannot give it: never throws. */
    String strerror(int errno) {
        try {
            long text = invoker.invokeN1(strerrorContext, strerror, errno);
            if (text != 0) {
                return new String(MemoryIO.getInstance().getZeroTerminatedByteArray(text), Charset.defaultCharset());
            }
        } catch (Throwable t) {
            // a message about a failure must not fail in turn
        }
        return "errno " + errno;
    }

    /** The failure of {@code call}, with the errno the last call on this thread left. */
    NativeSocketException failure(String call) {
        return failure(call, errno());
    }

    NativeSocketException failure(String call, int errno) {
        return new NativeSocketException(call, errno, strerror(errno));
    }
}
