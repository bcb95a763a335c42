/*
 * mqtt_loadgen.c - MQTT load for `zeropark serve` (used by
 * bench/bench_serve.sh): publishes N messages as fast as the broker takes
 * them, each one reading of "bench.m<k>" with its own time, to
 * PREFIX "series/bench.m<k>" as {"value": i, "t": ms}.
 *
 *   mqtt_loadgen HOST PORT PREFIX MESSAGES SERIES QOS
 *
 * Prints "published N seconds S".
 */
#define _DEFAULT_SOURCE
#include <mosquitto.h>
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

static _Atomic long acked;
static void on_publish(struct mosquitto *m, void *ud, int mid)
{
    (void)m;
    (void)ud;
    (void)mid;
    acked++;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: mqtt_loadgen HOST PORT PREFIX MESSAGES SERIES QOS\n");
        return 2;
    }
    const char *host = argv[1], *prefix = argv[3];
    int port = atoi(argv[2]), nseries = atoi(argv[5]), qos = atoi(argv[6]);
    long n = atol(argv[4]);
    if (nseries <= 0 || n <= 0 || qos < 0 || qos > 1)
        return 2;
    mosquitto_lib_init();
    struct mosquitto *m = mosquitto_new("zeropark-loadgen", true, NULL);
    mosquitto_publish_callback_set(m, on_publish);
    mosquitto_int_option(m, MOSQ_OPT_SEND_MAXIMUM, 1000);
    mosquitto_max_inflight_messages_set(m, 1000);
    if (mosquitto_connect(m, host, port, 30) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "mqtt_loadgen: cannot connect to %s:%d\n", host, port);
        return 1;
    }
    mosquitto_loop_start(m);
    double t0 = now_s();
    long long ms0 = 1704067200000LL;
    char topic[256], payload[128];
    for (long i = 0; i < n; i++) {
        int k = (int)(i % nseries);
        snprintf(topic, sizeof topic, "%sseries/bench.m%d", prefix, k);
        int len = snprintf(payload, sizeof payload, "{\"value\":%ld,\"t\":%lld}", i, ms0 + (i / nseries) * 1000);
        int rc;
        while ((rc = mosquitto_publish(m, NULL, topic, len, payload, qos, false)) == MOSQ_ERR_OVERSIZE_PACKET ||
               rc == MOSQ_ERR_NOMEM)
            usleep(100);
        /* bound what is queued in the client: wait for the broker to keep up */
        if (qos == 0 && (i & 1023) == 0)
            usleep(0);
        if (qos == 1)
            while (i - acked > 5000)
                usleep(50);
    }
    if (qos == 1)
        while (acked < n && now_s() - t0 < 120)
            usleep(1000);
    double dt = now_s() - t0;
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    printf("published %ld seconds %.3f\n", n, dt);
    return 0;
}
