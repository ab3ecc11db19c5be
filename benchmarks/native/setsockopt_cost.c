/*
 * What the kernel's part of applying a keepalive rule costs on this machine, without Java: the four setsockopt calls
 * the agent makes per socket (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT), in a tight loop on one TCP
 * socket, and getpid as the floor of any system call. A floor, not the agent's cost: on a fresh connection the
 * socket's cache lines are cold. Prints a Markdown table (BENCHMARKS.md, "Per connection").
 *
 *   cc -O2 -o setsockopt-cost setsockopt_cost.c && ./setsockopt-cost
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CALLS 1000000
#define ROUNDS 7

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

int main(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        perror("socket");
        return 1;
    }
    int on = 1, idle = 30, intvl = 5, cnt = 3;
    double one[ROUNDS], four[ROUNDS], floor_ns[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        for (int i = 0; i < CALLS; i++) {
            check(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on), "SO_KEEPALIVE");
        }
        double t1 = now_ns();
        for (int i = 0; i < CALLS; i++) {
            check(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle), "TCP_KEEPIDLE");
            check(setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl), "TCP_KEEPINTVL");
            check(setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt), "TCP_KEEPCNT");
            check(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on), "SO_KEEPALIVE");
        }
        double t2 = now_ns();
        for (int i = 0; i < CALLS; i++) {
            getpid();
        }
        double t3 = now_ns();
        one[r] = (t1 - t0) / CALLS;
        four[r] = (t2 - t1) / CALLS;
        floor_ns[r] = (t3 - t2) / CALLS;
    }
    qsort(one, ROUNDS, sizeof one[0], cmp);
    qsort(four, ROUNDS, sizeof four[0], cmp);
    qsort(floor_ns, ROUNDS, sizeof floor_ns[0], cmp);
    printf("## System calls: what applying a rule costs the kernel here (ns per call, C, one socket)\n");
    printf("%d rounds x %d calls; median [min..max]\n", ROUNDS, CALLS);
    printf("| call | ns |\n| --- | --- |\n");
    printf("| getpid (any system call's floor) | %.0f [%.0f..%.0f] |\n", floor_ns[ROUNDS / 2], floor_ns[0],
           floor_ns[ROUNDS - 1]);
    printf("| setsockopt(SO_KEEPALIVE) | %.0f [%.0f..%.0f] |\n", one[ROUNDS / 2], one[0], one[ROUNDS - 1]);
    printf("| the four keepalive options | %.0f [%.0f..%.0f] |\n", four[ROUNDS / 2], four[0], four[ROUNDS - 1]);
    close(s);
    return 0;
}
