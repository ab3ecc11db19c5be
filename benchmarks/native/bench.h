/*
 * What the C benchmarks share (setsockopt_cost.c, uring_setsockopt.c): the clock, sorting doubles, failing on an
 * error, the rule's values (idle 30 s, intvl 5 s, cnt 3) and a loopback listener.
 */
#ifndef KA_BENCH_H
#define KA_BENCH_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static void check(int rc, const char *what) {
    if (rc != 0) {
        perror(what);
        exit(1);
    }
}

static const int ON = 1, IDLE = 30, INTVL = 5, CNT = 3;

/** A socket listening on a free loopback port, whose address is written to {@code address}. */
static int loopback_listener(struct sockaddr_in *address) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) {
        perror("socket");
        exit(1);
    }
    memset(address, 0, sizeof *address);
    address->sin_family = AF_INET;
    address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof *address;
    check(bind(listener, (struct sockaddr *) address, sizeof *address), "bind");
    check(listen(listener, 128), "listen");
    check(getsockname(listener, (struct sockaddr *) address, &length), "getsockname");
    return listener;
}

#endif
