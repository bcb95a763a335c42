/*
 * bench_devices.c - the Modbus poller polling the 200 devices of
 * examples/live-campus/model-200.json every second, served by the device
 * simulator (`zeropark devices`, a child process) on loopback.
 *
 * Prints JSON lines: the poller's CPU (% of one core) and peak RSS, the
 * readings per second it delivered, its failed requests, and the
 * simulator's CPU and RSS while serving them.
 *
 *   bench_devices [SECONDS] [ZEROPARK] [MODEL]   (defaults: 10, the build's
 *                                                 zeropark, model-200.json)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devices.h"

static atomic_ulong readings;

static void sink(void *ud, const zs_reading *r, size_t n)
{
    (void)ud;
    (void)r;
    atomic_fetch_add(&readings, (unsigned long)n);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || getsockname(fd, (struct sockaddr *)&sa, &sl))
        return -1;
    close(fd);
    return ntohs(sa.sin_port);
}

static int port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* CPU seconds (user + system) of a process from /proc/PID/stat. */
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A field of /proc/PID/status in MB ("VmRSS", "VmHWM"). */
static double proc_mem_mb(pid_t pid, const char *field)
{
    char path[64], line[256];
    double kb = 0;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, strlen(field)) == 0 && line[strlen(field)] == ':')
            kb = strtod(line + strlen(field) + 1, NULL);
    fclose(f);
    return kb / 1024;
}

static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 10;
    const char *zp = argc > 2 ? argv[2] : ZP_BINARY_DIR "/zeropark";
    const char *model = argc > 3 ? argv[3] : ZP_SOURCE_DIR "/examples/live-campus/model-200.json";
    int port = free_port();
    char listen[64];
    zp_ctx *ctx = zp_ctx_new();
    zs_devices devs;
    zs_poller *P = NULL;

    if (secs <= 0 || port < 0 || !ctx)
        return 2;
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    pid_t sim = fork();
    if (sim == 0) {
        freopen("/dev/null", "w", stderr);
        execl(zp, zp, "devices", model, "--listen", listen, "--speed", "60", (char *)NULL);
        _exit(127);
    }
    double t0 = now_s();
    while (!port_open(port)) {
        if (now_s() - t0 > 120 || waitpid(sim, NULL, WNOHANG) == sim) {
            fprintf(stderr, "bench_devices: the simulator (%s) did not start\n", zp);
            kill(sim, SIGKILL);
            return 1;
        }
        sleep_s(0.05);
    }
    if (zs_devices_load(ctx, model, &devs)) {
        fprintf(stderr, "bench_devices: %s\n", zp_ctx_errmsg(ctx));
        kill(sim, SIGKILL);
        return 1;
    }
    for (size_t i = 0; i < devs.n; i++)
        devs.dev[i].port = port;
    if (zs_poller_start(ctx, &devs, sink, NULL, &P)) {
        fprintf(stderr, "bench_devices: %s\n", zp_ctx_errmsg(ctx));
        kill(sim, SIGKILL);
        return 1;
    }
    sleep_s(3); /* every device connected and polling */
    unsigned long r0 = atomic_load(&readings);
    double c0 = self_cpu_s(), s0 = proc_cpu_s(sim), w0 = now_s();
    sleep_s(secs);
    unsigned long r1 = atomic_load(&readings);
    double c1 = self_cpu_s(), s1 = proc_cpu_s(sim), w1 = now_s();
    double rss = proc_mem_mb(getpid(), "VmHWM"), sim_rss = proc_mem_mb(sim, "VmRSS");
    uint64_t polls = 0, errors = 0;
    size_t ok = 0;
    for (size_t i = 0; i < devs.n; i++) {
        zs_dev_health h;
        zs_poller_health(P, i, &h);
        polls += h.polls;
        errors += h.errors;
        ok += h.state == ZS_STATE_OK;
        if (h.errors && errors == h.errors)
            fprintf(stderr, "bench_devices: %s: %llu errors, last: %s\n", devs.dev[i].name,
                    (unsigned long long)h.errors, h.last_error);
    }
    zs_poller_stop(P);
    kill(sim, SIGTERM);
    waitpid(sim, NULL, 0);
    double wall = w1 - w0;
    printf("{\"bench\": \"devices_poll_200_cpu\", \"value\": %.2f, \"unit\": \"%% of one core\", "
           "\"devices\": %zu, \"poll_ms\": %d, \"seconds\": %.1f}\n",
           100 * (c1 - c0) / wall, devs.n, devs.n ? devs.dev[0].poll_ms : 0, wall);
    printf("{\"bench\": \"devices_poll_200_rss\", \"value\": %.1f, \"unit\": \"MB\"}\n", rss);
    printf("{\"bench\": \"devices_poll_200_readings\", \"value\": %.0f, \"unit\": \"readings/s\"}\n",
           (double)(r1 - r0) / wall);
    printf("{\"bench\": \"devices_poll_200_errors\", \"value\": %llu, \"unit\": \"failed requests\", "
           "\"polls\": %llu, \"devices_ok\": %zu}\n",
           (unsigned long long)errors, (unsigned long long)polls, ok);
    printf("{\"bench\": \"devices_sim_200_cpu\", \"value\": %.2f, \"unit\": \"%% of one core\"}\n",
           100 * (s1 - s0) / wall);
    printf("{\"bench\": \"devices_sim_200_rss\", \"value\": %.1f, \"unit\": \"MB\"}\n", sim_rss);
    zs_devices_free(&devs);
    zp_ctx_free(ctx);
    return 0;
}
