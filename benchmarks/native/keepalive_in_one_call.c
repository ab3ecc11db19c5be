/*
 * The agent's four keepalive calls (five with TCP_USER_TIMEOUT) behind one C function, for the `calls` benchmark
 * only: what the agent would save if it shipped a native helper and crossed from Java to C once per socket instead
 * of four times. The agent does not ship it (docs/benchmark-history.md, twentieth run: the crossing is not where the
 * time goes).
 *
 * values: idle, interval, count, user timeout, 1. Returns 0, or which call failed (1-5) with errno set.
 *
 *   cc -O2 -fPIC -shared -o libkeepalive_in_one_call.so keepalive_in_one_call.c
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

int keepalive_in_one_call(int fd, const int *values, int set_user_timeout) {
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &values[0], sizeof(int)) != 0) {
        return 1;
    }
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &values[1], sizeof(int)) != 0) {
        return 2;
    }
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &values[2], sizeof(int)) != 0) {
        return 3;
    }
    if (set_user_timeout && setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &values[3], sizeof(int)) != 0) {
        return 4;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &values[4], sizeof(int)) != 0) {
        return 5;
    }
    return 0;
}
