/*
 * mqtt_loadgen.c - MQTT load for `zeropark serve` (used by
 * bench/bench_serve.sh): publishes N messages as fast as the broker takes
 * them from CLIENTS connections, each one reading of "bench.m<k>" with its own time, to
 * PREFIX "series/bench.m<k>" as {"value": i, "t": ms}.
 *
 *   mqtt_loadgen HOST PORT PREFIX MESSAGES SERIES QOS CLIENTS
 *
 * Prints "published N seconds S".
 */
#define _DEFAULT_SOURCE
#include <mosquitto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct pub {
    int id, nclients, nseries, qos, port;
    long n;
    const char *host, *prefix;
    _Atomic long acked;
    int ok;
} pub;

static void on_publish(struct mosquitto *m, void *ud, int mid)
{
    (void)m;
    (void)mid;
    atomic_fetch_add(&((pub *)ud)->acked, 1);
}

/* One client: messages id, id + nclients, ... of the n in all. */
static void *run(void *ud)
{
    pub *p = ud;
    char cid[64], topic[256], payload[128];
    snprintf(cid, sizeof cid, "zeropark-loadgen-%d", p->id);
    struct mosquitto *m = mosquitto_new(cid, true, p);
    mosquitto_publish_callback_set(m, on_publish);
    mosquitto_max_inflight_messages_set(m, 1000);
    if (mosquitto_connect(m, p->host, p->port, 30) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "mqtt_loadgen: cannot connect to %s:%d\n", p->host, p->port);
        mosquitto_destroy(m);
        return NULL;
    }
    mosquitto_loop_start(m);
    long long ms0 = 1704067200000LL;
    long sent = 0;
    for (long i = p->id; i < p->n; i += p->nclients, sent++) {
        int k = (int)(i % p->nseries);
        snprintf(topic, sizeof topic, "%sseries/bench.m%d", p->prefix, k);
        int len = snprintf(payload, sizeof payload, "{\"value\":%ld,\"t\":%lld}", i,
                           ms0 + (i / p->nseries) * 1000);
        while (mosquitto_publish(m, NULL, topic, len, payload, p->qos, false) == MOSQ_ERR_NOMEM)
            usleep(100);
        /* bound what waits in the client: no more than 5000 unacknowledged */
        while (p->qos == 1 && sent - atomic_load(&p->acked) > 5000)
            usleep(50);
    }
    double t0 = now_s();
    while (p->qos == 1 && atomic_load(&p->acked) < sent && now_s() - t0 < 120)
        usleep(1000);
    if (p->qos == 0)
        usleep(200000); /* let the network thread send what is queued */
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
    p->ok = 1;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: mqtt_loadgen HOST PORT PREFIX MESSAGES SERIES QOS CLIENTS\n");
        return 2;
    }
    int nclients = atoi(argv[7]);
    long n = atol(argv[4]);
    if (atoi(argv[5]) <= 0 || n <= 0 || atoi(argv[6]) < 0 || atoi(argv[6]) > 1 || nclients < 1 ||
        nclients > 64)
        return 2;
    mosquitto_lib_init();
    pthread_t th[64];
    static pub p[64];
    double t0 = now_s();
    for (int c = 0; c < nclients; c++) {
        p[c] = (pub){.id = c, .nclients = nclients, .nseries = atoi(argv[5]), .qos = atoi(argv[6]),
                     .port = atoi(argv[2]), .n = n, .host = argv[1], .prefix = argv[3]};
        pthread_create(&th[c], NULL, run, &p[c]);
    }
    int ok = 1;
    for (int c = 0; c < nclients; c++) {
        pthread_join(th[c], NULL);
        ok &= p[c].ok;
    }
    mosquitto_lib_cleanup();
    printf("published %ld seconds %.3f\n", n, now_s() - t0);
    return ok ? 0 : 1;
}
