package io.kaagent.nativeio;

/**
 * The raw syscall(2) entry of libc, for calls glibc has no wrapper for on every distribution (pidfd_*). Public only
 * because jnr-ffi implements it in a class loader of its own.
 */
public interface Syscalls {
    long syscall(long number, long arg1, long arg2, long arg3);

    int close(int fd);

    String strerror(int errno);
}
