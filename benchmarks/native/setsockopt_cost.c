/*
 * What the kernel's part of applying a keepalive rule costs on this machine, without Java: the four setsockopt calls
 * the agent makes per socket (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT), in a tight loop on one TCP
 * socket, and getpid as the floor of any system call. Then the same calls where the agent makes them: on a fresh
 * loopback connection, just connected or just accepted, whose cache lines are cold (timed around the calls alone,
 * in a connect/accept/close loop); and getsockopt(SO_KEEPALIVE) on a fresh accepted socket, which is all an accepted
 * socket costs the kernel when it copied the rule from its listener; and whole connect/accept/close cycles with the
 * four set after connect (as the agent does) or before it. Prints Markdown tables (BENCHMARKS.md).
 *
 *   cc -O2 -o setsockopt-cost setsockopt_cost.c && ./setsockopt-cost
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CALLS 1000000
#define ROUNDS 7


/** The agent's order: the timers first, SO_KEEPALIVE last. */
static void set_four(int s) {
    check(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &IDLE, sizeof IDLE), "TCP_KEEPIDLE");
    check(setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &INTVL, sizeof INTVL), "TCP_KEEPINTVL");
    check(setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &CNT, sizeof CNT), "TCP_KEEPCNT");
    check(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &ON, sizeof ON), "SO_KEEPALIVE");
}

#define FRESH 20000
#define FRESH_ROUNDS 9
enum { CLIENT_FOUR, SERVER_FOUR, SERVER_GET, FRESH_MODES };

/** ns per socket of the calls of this mode alone, over FRESH loopback connections. */
static double fresh(int mode) {
    struct sockaddr_in address;
    int listener = loopback_listener(&address);
    if (mode == SERVER_GET) {
        set_four(listener); /* what the agent puts on a listener: accepted sockets copy it */
    }
    double spent = 0;
    for (int i = 0; i < FRESH; i++) {
        int client = socket(AF_INET, SOCK_STREAM, 0);
        check(connect(client, (struct sockaddr *) &address, sizeof address), "connect");
        double t0 = now_ns();
        if (mode == CLIENT_FOUR) {
            set_four(client);
        }
        double t1 = now_ns();
        int accepted = accept(listener, NULL, NULL);
        if (accepted < 0) {
            perror("accept");
            exit(1);
        }
        double t2 = now_ns();
        if (mode == SERVER_FOUR) {
            set_four(accepted);
        } else if (mode == SERVER_GET) {
            int on = 0;
            socklen_t size = sizeof on;
            check(getsockopt(accepted, SOL_SOCKET, SO_KEEPALIVE, &on, &size), "getsockopt");
            if (!on) {
                fprintf(stderr, "an accepted socket did not copy SO_KEEPALIVE from its listener\n");
                exit(1);
            }
        }
        double t3 = now_ns();
        spent += (t1 - t0) + (t3 - t2);
        struct linger abort_close = {1, 0}; /* no TIME_WAIT pile-up over the run */
        check(setsockopt(client, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close), "SO_LINGER");
        close(client);
        close(accepted);
    }
    close(listener);
    return spent / FRESH;
}

enum { CYCLE_BARE, CYCLE_AFTER, CYCLE_BEFORE, CYCLE_MODES };

/**
 * ns per whole connect/accept/close cycle over FRESH loopback connections: no options, the four on the client just
 * connected (where the agent's hook makes them), or the four on the client before connect() (the destination is known
 * then too). Before connect the calls arm no keepalive timer (the socket is not connected yet), but connect then arms
 * it: timed whole, so that work moved into connect() or close() is counted wherever it lands.
 */
static double cycle(int mode) {
    struct sockaddr_in address;
    int listener = loopback_listener(&address);
    struct linger abort_close = {1, 0};
    double t0 = now_ns();
    for (int i = 0; i < FRESH; i++) {
        int client = socket(AF_INET, SOCK_STREAM, 0);
        if (client < 0) {
            perror("socket");
            exit(1);
        }
        if (mode == CYCLE_BEFORE) {
            set_four(client);
        }
        check(connect(client, (struct sockaddr *) &address, sizeof address), "connect");
        if (mode == CYCLE_AFTER) {
            set_four(client);
        }
        int accepted = accept(listener, NULL, NULL);
        if (accepted < 0) {
            perror("accept");
            exit(1);
        }
        check(setsockopt(client, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close), "SO_LINGER");
        close(client);
        close(accepted);
    }
    double spent = (now_ns() - t0) / FRESH;
    close(listener);
    return spent;
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

    /* An empty pair of clock reads, to subtract: what timing a call costs by itself. */
    double clock_pairs[FRESH_ROUNDS], modes[FRESH_MODES][FRESH_ROUNDS];
    for (int r = 0; r < FRESH_ROUNDS; r++) {
        double t0 = now_ns();
        for (int i = 0; i < CALLS; i++) {
            now_ns();
            now_ns();
        }
        clock_pairs[r] = (now_ns() - t0) / CALLS; /* two clock reads: what the two intervals of fresh() add */
        for (int m = 0; m < FRESH_MODES; m++) {
            modes[m][r] = fresh(m);
        }
    }
    qsort(clock_pairs, FRESH_ROUNDS, sizeof clock_pairs[0], cmp);
    const char *names[] = {"the four options, on a socket just connected",
                           "the four options, on a socket just accepted",
                           "getsockopt(SO_KEEPALIVE), on a socket just accepted from a listener that has the four"};
    printf("\n## System calls on fresh loopback connections (ns per socket, C)\n");
    printf("%d rounds x %d connections, each mode in turn; median [min..max], the clock reads (%.0f ns) subtracted\n",
           FRESH_ROUNDS, FRESH, clock_pairs[FRESH_ROUNDS / 2]);
    printf("| calls | ns per socket |\n| --- | --- |\n");
    for (int m = 0; m < FRESH_MODES; m++) {
        qsort(modes[m], FRESH_ROUNDS, sizeof modes[m][0], cmp);
        double c = clock_pairs[FRESH_ROUNDS / 2];
        printf("| %s | %.0f [%.0f..%.0f] |\n", names[m], modes[m][FRESH_ROUNDS / 2] - c, modes[m][0] - c,
               modes[m][FRESH_ROUNDS - 1] - c);
    }

    double cycles[CYCLE_MODES][FRESH_ROUNDS], added[CYCLE_MODES][FRESH_ROUNDS];
    for (int r = 0; r < FRESH_ROUNDS; r++) {
        for (int m = 0; m < CYCLE_MODES; m++) {
            cycles[m][r] = cycle(m);
        }
        for (int m = 0; m < CYCLE_MODES; m++) {
            added[m][r] = cycles[m][r] - cycles[CYCLE_BARE][r];
        }
    }
    const char *cycle_names[] = {"no options", "the four options after connect (where the agent makes them)",
                                 "the four options before connect"};
    printf("\n## Whole loopback cycles: connect, accept, close (ns per connection, C)\n");
    printf("%d rounds x %d connections, each mode in turn; median [min..max]; added: median of per-round differences"
           " to no options\n", FRESH_ROUNDS, FRESH);
    printf("| client | ns per cycle | added |\n| --- | --- | --- |\n");
    for (int m = 0; m < CYCLE_MODES; m++) {
        qsort(cycles[m], FRESH_ROUNDS, sizeof cycles[m][0], cmp);
        qsort(added[m], FRESH_ROUNDS, sizeof added[m][0], cmp);
        printf("| %s | %.0f [%.0f..%.0f] | ", cycle_names[m], cycles[m][FRESH_ROUNDS / 2], cycles[m][0],
               cycles[m][FRESH_ROUNDS - 1]);
        if (m == CYCLE_BARE) {
            printf("|\n");
        } else {
            printf("%+.0f |\n", added[m][FRESH_ROUNDS / 2]);
        }
    }
    return 0;
}
