/*
 * serve_loadgen.c - HTTP ingest load for `zeropark serve` (used by
 * bench/bench_serve.sh): C connections (one thread each, keep-alive) POST
 * readings documents of R readings to /api/v1/readings for D seconds.
 * Each connection builds 100 requests before the clock starts (series
 * "bench.c<conn>", one reading per simulated second) and sends them in
 * turn, so the generator's own JSON formatting does not compete with the
 * daemon for the CPU. Prints "start" when the clock starts.
 *
 *   serve_loadgen PORT TOKEN CONNECTIONS READINGS_PER_REQUEST SECONDS
 *
 * Prints one line: "requests N readings N seconds S errors N".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, per_req;
static double seconds;
static const char *token;
static pthread_barrier_t ready; /* the clock starts when every request is built */

typedef struct worker {
    int id;
    long requests, readings, errors;
} worker;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int connect_to(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Read one response; returns the status code or -1. */
static int read_response(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    for (;;) {
        ssize_t k = recv(fd, buf + len, cap - 1 - len, 0);
        if (k <= 0)
            return -1;
        len += (size_t)k;
        buf[len] = '\0';
        char *hdr_end = strstr(buf, "\r\n\r\n");
        if (!hdr_end)
            continue;
        char *cl = strcasestr(buf, "Content-Length:");
        size_t body = cl ? strtoul(cl + 15, NULL, 10) : 0;
        if (len >= (size_t)(hdr_end + 4 - buf) + body)
            return atoi(buf + 9);
    }
}

#define NBODIES 100 /* requests built before the clock starts, sent in turn */

static void *run(void *ud)
{
    worker *w = ud;
    size_t cap = (size_t)per_req * 96 + 512;
    char *req[NBODIES], resp[4096];
    size_t rlen[NBODIES];
    long long t0 = 1704067200000LL; /* 2024-01-01T00:00:00Z */
    long seq = 0;
    /* Distinct readings: NBODIES x per_req instants of series bench.c<id>;
     * after NBODIES requests the same instants are written again. */
    for (int b = 0; b < NBODIES; b++) {
        char *body = malloc(cap);
        req[b] = malloc(cap + 512);
        size_t n = (size_t)snprintf(body, cap, "{\"readings\":[");
        for (int i = 0; i < per_req; i++, seq++)
            n += (size_t)snprintf(body + n, cap - n, "%s{\"series\":\"bench.c%d\",\"t\":%lld,\"value\":%ld}",
                                  i ? "," : "", w->id, t0 + seq * 1000, seq);
        n += (size_t)snprintf(body + n, cap - n, "]}");
        int h = snprintf(req[b], cap + 512,
                         "POST /api/v1/readings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                         "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                         token, n);
        memcpy(req[b] + h, body, n);
        rlen[b] = (size_t)h + n;
        free(body);
    }
    pthread_barrier_wait(&ready);
    int fd = connect_to();
    double end = now_s() + seconds;
    for (long k = 0; fd >= 0 && now_s() < end; k++) {
        if (send_all(fd, req[k % NBODIES], rlen[k % NBODIES]) != 0) {
            w->errors++;
            break;
        }
        int st = read_response(fd, resp, sizeof resp);
        if (st == 202) {
            w->requests++;
            w->readings += per_req;
        } else {
            w->errors++;
            if (st < 0)
                break;
        }
    }
    if (fd >= 0)
        close(fd);
    for (int b = 0; b < NBODIES; b++)
        free(req[b]);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: serve_loadgen PORT TOKEN CONNECTIONS READINGS_PER_REQUEST SECONDS\n");
        return 2;
    }
    port = atoi(argv[1]);
    token = argv[2];
    int nconn = atoi(argv[3]);
    per_req = atoi(argv[4]);
    seconds = atof(argv[5]);
    if (port <= 0 || nconn <= 0 || nconn > 256 || per_req <= 0 || seconds <= 0) {
        fprintf(stderr, "serve_loadgen: bad arguments\n");
        return 2;
    }
    pthread_t th[256];
    worker w[256];
    pthread_barrier_init(&ready, NULL, (unsigned)nconn + 1);
    for (int i = 0; i < nconn; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].id = i;
        pthread_create(&th[i], NULL, run, &w[i]);
    }
    pthread_barrier_wait(&ready);
    double t0 = now_s();
    printf("start\n");
    fflush(stdout);
    long req = 0, rd = 0, err = 0;
    for (int i = 0; i < nconn; i++) {
        pthread_join(th[i], NULL);
        req += w[i].requests;
        rd += w[i].readings;
        err += w[i].errors;
    }
    printf("requests %ld readings %ld seconds %.3f errors %ld\n", req, rd, now_s() - t0, err);
    return 0;
}
