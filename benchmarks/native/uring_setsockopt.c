/*
 * Whether the four keepalive options of a fresh connection cost the kernel less as one io_uring submission than as
 * four setsockopt calls: on a host whose system calls are slow (page-table isolation: ~1 µs per entry and exit), the
 * agent's connect side sits on the four calls' floor (BENCHMARKS.md, "Per connection"). Linux 6.7+ can set socket
 * options through io_uring (IORING_OP_URING_CMD, SOCKET_URING_OP_SETSOCKOPT): four SQEs, one io_uring_enter.
 *
 * On fresh loopback connections, just connected, timed around the option calls alone (as setsockopt_cost.c does):
 * the four setsockopt calls, then the same four as one submission on a ring of this thread's own (set up once; the
 * completions read and checked each time). Both then read back with getsockopt, so a mode that set nothing fails.
 * Raw system calls and the SQE layout of linux/io_uring.h written out, so that it builds with older headers.
 *
 *   cc -O2 -o uring-setsockopt uring_setsockopt.c && ./uring-setsockopt
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define FRESH 20000
#define ROUNDS 9
#define URING_CMD_OPCODE 46 /* IORING_OP_URING_CMD */
#define SOCKET_URING_OP_SETSOCKOPT 3
#define IORING_ENTER_GETEVENTS 1u
#define IORING_OFF_SQ_RING 0ULL
#define IORING_OFF_CQ_RING 0x8000000ULL
#define IORING_OFF_SQES 0x10000000ULL

struct sqring_offsets { uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1; uint64_t resv2; };
struct cqring_offsets { uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1; uint64_t resv2; };
struct uring_params {
    uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
    struct sqring_offsets sq_off;
    struct cqring_offsets cq_off;
};
struct cqe { uint64_t user_data; int32_t res; uint32_t flags; };

static struct {
    int fd;
    uint32_t *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    unsigned char *sqes;
    struct cqe *cqes;
} ring;

static const int LEVELS[4] = {IPPROTO_TCP, IPPROTO_TCP, IPPROTO_TCP, SOL_SOCKET};
static const int NAMES[4] = {TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, SO_KEEPALIVE};
static const int *const VALUES[4] = {&IDLE, &INTVL, &CNT, &ON};

static void set_four(int s) {
    for (int i = 0; i < 4; i++) {
        check(setsockopt(s, LEVELS[i], NAMES[i], VALUES[i], sizeof(int)), "setsockopt");
    }
}

/** @return 0, or why this kernel will not run the ring (errno) */
static int ring_setup(void) {
    struct uring_params p;
    memset(&p, 0, sizeof p);
    int fd = (int) syscall(__NR_io_uring_setup, 8, &p);
    if (fd < 0) {
        return errno;
    }
    size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
    size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct cqe);
    unsigned char *sq = mmap(0, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    unsigned char *cq = mmap(0, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
    ring.sqes = mmap(0, p.sq_entries * 64, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || ring.sqes == MAP_FAILED) {
        return errno;
    }
    ring.fd = fd;
    ring.sq_tail = (uint32_t *) (sq + p.sq_off.tail);
    ring.sq_mask = (uint32_t *) (sq + p.sq_off.ring_mask);
    ring.sq_array = (uint32_t *) (sq + p.sq_off.array);
    ring.cq_head = (uint32_t *) (cq + p.cq_off.head);
    ring.cq_tail = (uint32_t *) (cq + p.cq_off.tail);
    ring.cq_mask = (uint32_t *) (cq + p.cq_off.ring_mask);
    ring.cqes = (struct cqe *) (cq + p.cq_off.cqes);
    return 0;
}

/** The four as one submission; @return 0, or the first failed completion's -errno */
static int ring_set_four(int s) {
    uint32_t tail = *ring.sq_tail;
    for (int i = 0; i < 4; i++) {
        uint32_t index = (tail + i) & *ring.sq_mask;
        unsigned char *sqe = ring.sqes + 64 * index;
        memset(sqe, 0, 64);
        sqe[0] = URING_CMD_OPCODE;
        *(int32_t *) (sqe + 4) = s;                               /* fd */
        *(uint32_t *) (sqe + 8) = SOCKET_URING_OP_SETSOCKOPT;     /* cmd_op */
        *(uint32_t *) (sqe + 16) = (uint32_t) LEVELS[i];          /* level */
        *(uint32_t *) (sqe + 20) = (uint32_t) NAMES[i];           /* optname */
        *(uint64_t *) (sqe + 32) = (uint64_t) i;                  /* user_data */
        *(uint32_t *) (sqe + 44) = sizeof(int);                   /* optlen */
        *(uint64_t *) (sqe + 48) = (uint64_t) (uintptr_t) VALUES[i]; /* optval */
        ring.sq_array[index] = index;
    }
    __atomic_store_n(ring.sq_tail, tail + 4, __ATOMIC_RELEASE);
    long n = syscall(__NR_io_uring_enter, ring.fd, 4, 4, IORING_ENTER_GETEVENTS, NULL, 0);
    if (n != 4) {
        return n < 0 ? -errno : -EAGAIN;
    }
    int failed = 0;
    uint32_t head = *ring.cq_head;
    uint32_t end = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
    for (; head != end; head++) {
        struct cqe *c = &ring.cqes[head & *ring.cq_mask];
        if (c->res < 0 && failed == 0) {
            failed = c->res;
        }
    }
    __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
    return failed;
}

static void expect_set(int s, const char *mode) {
    for (int i = 0; i < 4; i++) {
        int value = 0;
        socklen_t length = sizeof value;
        check(getsockopt(s, LEVELS[i], NAMES[i], &value, &length), "getsockopt");
        if (value != *VALUES[i]) {
            fprintf(stderr, "%s: option %d reads %d, not %d\n", mode, NAMES[i], value, *VALUES[i]);
            exit(1);
        }
    }
}

/** ns per fresh connection for the option calls alone, by setsockopt (uring 0) or by one submission (uring 1) */
static double fresh(int listener, struct sockaddr_in *address, int uring) {
    double total = 0;
    for (int i = 0; i < FRESH; i++) {
        int client = socket(AF_INET, SOCK_STREAM, 0);
        check(connect(client, (struct sockaddr *) address, sizeof *address), "connect");
        int accepted = accept(listener, NULL, NULL);
        double t0 = now_ns();
        if (uring) {
            int rc = ring_set_four(client);
            if (rc != 0) {
                fprintf(stderr, "io_uring setsockopt: %s\n", strerror(-rc));
                exit(1);
            }
        } else {
            set_four(client);
        }
        total += now_ns() - t0;
        if (i % 1000 == 0) {
            expect_set(client, uring ? "io_uring" : "setsockopt");
        }
        close(client);
        close(accepted);
    }
    return total / FRESH;
}

int main(void) {
    struct sockaddr_in address;
    int listener = loopback_listener(&address);
    int why = ring_setup();
    if (why != 0) {
        printf("io_uring unavailable here (%s): only the four setsockopt calls are measured\n", strerror(why));
    }
    double four[ROUNDS], one[ROUNDS], ratio[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        four[r] = fresh(listener, &address, 0);
        one[r] = why == 0 ? fresh(listener, &address, 1) : 0;
        ratio[r] = why == 0 ? one[r] / four[r] : 0;
    }
    qsort(four, ROUNDS, sizeof four[0], cmp);
    qsort(one, ROUNDS, sizeof one[0], cmp);
    qsort(ratio, ROUNDS, sizeof ratio[0], cmp);
    printf("## The four options of a fresh connection: setsockopt x4 or one io_uring submission (ns per connection, C)\n");
    printf("%d rounds of %d fresh loopback connections each, alternating; the options of every 1000th read back\n\n",
            ROUNDS, FRESH);
    printf("| way | median | min | max |\n| --- | --- | --- | --- |\n");
    printf("| setsockopt x4 | %.0f | %.0f | %.0f |\n", four[ROUNDS / 2], four[0], four[ROUNDS - 1]);
    if (why == 0) {
        printf("| io_uring, 4 SQEs, one io_uring_enter | %.0f | %.0f | %.0f |\n", one[ROUNDS / 2], one[0],
                one[ROUNDS - 1]);
        printf("| ratio (per round) | %.2fx | %.2fx | %.2fx |\n", ratio[ROUNDS / 2], ratio[0], ratio[ROUNDS - 1]);
    }
    return 0;
}
