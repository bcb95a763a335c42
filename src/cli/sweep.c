/*
 * sweep.c - `zeropark plan --sweep FILE`: every scenario of a sweep file
 * (docs/sweep.md), on all the cores of this machine and, under mpirun or
 * srun, on every process of the run; one JSON document and one CSV table
 * written by rank 0, the same bytes however the work was shared.
 *
 * Sharing: scenario i is process (i mod N)'s, a fixed share that needs no
 * messages while the scenarios run: the processes send their progress and
 * at the end their outcomes to rank 0 (ranks.h). Scenarios of one sweep
 * are solves of about the same size, and interleaving spreads a grid's
 * slow corner over every process. Inside a process the threads take the
 * next scenario when free (zp_sweep_start).
 */
#define _GNU_SOURCE
#include "sweep.h"

#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "opts.h"
#include "outfile.h"
#include "ranks.h"

/* Seconds between the main thread's looks at the work. */
#define TICK_S 0.25
/* Failed scenarios said on stderr; the rest are in the results. */
#define FAILS_SHOWN 10

/* What the command was asked. */
typedef struct sweep_args {
    const char *file;    /* --sweep */
    long jobs;           /* --jobs; 0: the default */
    bool mpi;            /* --mpi */
    bool json;           /* --json: the results document on stdout */
    bool quiet;          /* --quiet: no progress */
    const char *results; /* --results FILE */
    const char *csv;     /* --csv FILE */
} sweep_args;

/* Progress of the whole sweep on stderr (rank 0): on a terminal one line
 * redrawn, otherwise a line every 10 s and at the end (batch logs). */
typedef struct progress {
    const char *cmd;
    bool on, tty;
    double t0, last;
    uint64_t shown;
} progress;

static void progress_show(progress *p, uint64_t done, uint64_t total, bool end)
{
    double now = cli_now();
    if (!p->on || (!end && (done == p->shown || now - p->last < (p->tty ? 0.2 : 10.0))))
        return;
    p->last = now;
    p->shown = done;
    fprintf(stderr, "%szeropark %s: sweep: %llu of %llu scenarios done (%.1f s)%s", p->tty ? "\r" : "",
            p->cmd, (unsigned long long)done, (unsigned long long)total, now - p->t0,
            p->tty && !end ? "" : "\n");
    fflush(stderr);
}

/* The threads of this process by default: the cores it may run on; when
 * the launcher did not bind the processes of this machine to cores of
 * their own, a share of them. */
static long default_jobs(const cli_mpi *m)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN), mine = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        mine = CPU_COUNT(&set);
    if (online < 1)
        online = 1;
    if (mine < 1)
        mine = online;
    if (m->local > 1 && mine >= online)
        mine /= m->local;
    return mine < 1 ? 1 : mine;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Run this process's scenarios (i mod size == rank) with the progress of
 * all, into *mine (n of them). EXIT_OK or an exit code after the message. */
static int run_share(const cli_cmd *cmd, zp_ctx *ctx, cli_mpi *m, const zp_sweep *sw, long jobs,
                     progress *prog, size_t **idx, zp_sweep_outcome **mine, size_t *n)
{
    size_t count = zp_sweep_count(sw);
    *n = 0;
    *idx = malloc((count / (size_t)m->size + 1) * sizeof **idx);
    uint64_t *done = calloc((size_t)m->size, sizeof *done);
    if (!*idx || !done) {
        free(done);
        return cli_fail(cmd->name, ctx, ZP_ENOMEM);
    }
    for (size_t i = (size_t)m->rank; i < count; i += (size_t)m->size)
        (*idx)[(*n)++] = i;
    zp_sweep_exec_opts eo = {(unsigned)jobs, NULL, NULL};
    zp_sweep_exec *x = NULL;
    zp_status rc = zp_sweep_start(ctx, sw, *idx, *n, &eo, &x);
    if (rc) {
        free(done);
        return cli_fail(cmd->name, ctx, rc);
    }
    uint64_t sent = 0, total = 0;
    for (;;) {
        bool all_mine = zp_sweep_wait(x, TICK_S);
        uint64_t own = zp_sweep_done(x);
        if (m->rank != 0) {
            if (own != sent)
                cli_mpi_progress_send(m, own);
            sent = own;
            if (all_mine)
                break;
            continue;
        }
        done[0] = own;
        if (m->on)
            cli_mpi_progress_poll(m, done);
        total = 0;
        for (int r = 0; r < m->size; r++)
            total += done[r];
        progress_show(prog, total, count, false);
        if (total >= count || (all_mine && !m->on))
            break;
        if (all_mine)
            sleep_s(TICK_S); /* the others are still at it */
    }
    free(done);
    rc = zp_sweep_finish(ctx, x, mine);
    if (m->rank == 0)
        progress_show(prog, total, count, true);
    return rc ? cli_fail(cmd->name, ctx, rc) : EXIT_OK;
}

/* The failed scenarios on stderr (the first FAILS_SHOWN). */
static size_t say_failures(const char *cmd, const zp_sweep_outcome *all, size_t count)
{
    size_t failed = 0;
    for (size_t i = 0; i < count; i++) {
        if (all[i].ok)
            continue;
        if (failed < FAILS_SHOWN)
            cli_err(cmd, "%s", all[i].message ? all[i].message : "failed");
        failed++;
    }
    if (failed > FAILS_SHOWN)
        cli_err(cmd, "%zu more scenarios failed (their messages are in the results)",
                failed - FAILS_SHOWN);
    return failed;
}

/* Rank 0: the results written as asked. EXIT_OK or the exit code. */
static int write_results(const cli_cmd *cmd, zp_ctx *ctx, const zp_sweep *sw, const sweep_args *a,
                         const zp_sweep_outcome *all, size_t count)
{
    char *json = NULL, *csv = NULL;
    cli_outfile fj = {0}, fc = {0};
    int ex = EXIT_OK;
    zp_status rc = ZP_OK;
    bool to_stdout_csv = !a->json && !a->results && !a->csv;
    if ((a->json || a->results) && (rc = zp_sweep_results_json(ctx, sw, all, count, &json)))
        goto fail;
    if ((a->csv || to_stdout_csv) && (rc = zp_sweep_results_csv(ctx, sw, all, count, &csv)))
        goto fail;
    /* both files complete before either replaces what was there */
    if ((a->results && (ex = cli_outfile_open(&fj, cmd->name, a->results))) ||
        (a->csv && (ex = cli_outfile_open(&fc, cmd->name, a->csv))))
        goto out;
    if (a->results)
        fputs(json, fj.f);
    if (a->csv)
        fputs(csv, fc.f);
    if ((a->results && (ex = cli_outfile_commit(&fj, cmd->name, false))) ||
        (a->csv && (ex = cli_outfile_commit(&fc, cmd->name, false))))
        goto out;
    if (a->json)
        fputs(json, stdout), fputc('\n', stdout);
    else if (to_stdout_csv)
        fputs(csv, stdout);
    goto out;
fail:
    ex = cli_fail(cmd->name, ctx, rc);
out:
    cli_outfile_discard(&fj);
    cli_outfile_discard(&fc);
    zp_free(ctx, json);
    zp_free(ctx, csv);
    return ex;
}

/* Load the sweep in every process and check that they agree. EXIT_OK,
 * or the exit code (every process gets the same). */
static int load(const cli_cmd *cmd, zp_ctx *ctx, cli_mpi *m, const char *file, zp_sweep **sw)
{
    zp_status rc = zp_sweep_load_file(ctx, file, 0, sw);
    bool root_ok = rc == ZP_OK;
    int agree = m->on ? cli_mpi_agree(m, rc == ZP_OK, zp_sweep_digest(*sw), zp_sweep_count(*sw),
                                      &root_ok)
                      : (rc == ZP_OK);
    if (agree == 1)
        return EXIT_OK;
    if (agree < 0) {
        if (m->rank == 0)
            cli_err(cmd->name, "%s: the processes read different sweep files or models; every "
                               "machine must see the same files", file);
        return EXIT_USAGE;
    }
    /* rank 0 says what is wrong; another process only when rank 0 read it well */
    if (rc && (m->rank == 0 || root_ok)) {
        if (m->rank != 0) {
            char host[256] = "";
            gethostname(host, sizeof host - 1);
            cli_err(cmd->name, "process %d on %s:", m->rank, host);
        }
        return cli_fail(cmd->name, ctx, rc);
    }
    return EXIT_USAGE;
}

/* The plan's own options, refused with --sweep. */
#define NOT_SWEPT " applies to a plan of one model, not to --sweep"
#define SET_IN_FILE                                                                                  \
    " applies to a plan of one model; a sweep sets the model's value in its file's "              \
    "\"parameters\" (docs/sweep.md)"

int cli_sweep_run(const cli_cmd *cmd, int argc, char **argv)
{
    sweep_args a = {0};
    cli_opt opts[] = {CLI_TEXT("sweep", &a.file),
                      CLI_LONG("jobs", &a.jobs, 1, 4096, ": use a whole number of threads, 1 or more"),
                      CLI_FLAG("mpi", &a.mpi),
                      CLI_FLAG("json", &a.json),
                      CLI_TEXT("results", &a.results),
                      CLI_TEXT("csv", &a.csv),
                      CLI_FLAG("quiet", &a.quiet),
                      CLI_REFUSE("out-model", NOT_SWEPT),
                      CLI_REFUSE("export-mps", NOT_SWEPT),
                      CLI_REFUSE("discount-rate", SET_IN_FILE),
                      CLI_REFUSE("carbon-price", SET_IN_FILE),
                      CLI_REFUSE("max-emissions", SET_IN_FILE),
                      CLI_REFUSE("min-green-share", SET_IN_FILE),
                      CLI_REFUSE("time-limit", NOT_SWEPT),
                      CLI_HELP,
                      CLI_END};
    int ex;
    if (!cli_opts_parse(cmd, opts, argc, argv, &ex))
        return ex;
    if ((ex = cli_no_operand(cmd, argc, argv)) || (ex = cli_opts_need(cmd, opts, "sweep", "--sweep FILE", NULL)))
        return ex;
    cli_mpi m;
    if ((ex = cli_mpi_start(cmd->name, a.mpi, &m)))
        return ex;
    zp_ctx *ctx = cli_ctx_new(cmd->name);
    zp_sweep *sw = NULL;
    zp_sweep_outcome *mine = NULL, *all = NULL;
    size_t *idx = NULL, n = 0, count = 0;
    double t0 = cli_now();
    progress prog = {cmd->name, !a.quiet && m.rank == 0, isatty(STDERR_FILENO) != 0, t0, t0, 0};
    if (!ctx) {
        cli_mpi_abort(&m, EXIT_INTERNAL);
        ex = EXIT_INTERNAL;
        goto out;
    }
    if ((ex = load(cmd, ctx, &m, a.file, &sw)))
        goto out;
    count = zp_sweep_count(sw);
    long jobs = a.jobs ? a.jobs : default_jobs(&m);
    if ((ex = run_share(cmd, ctx, &m, sw, jobs, &prog, &idx, &mine, &n))) {
        cli_mpi_abort(&m, ex); /* the others would wait for this process */
        goto out;
    }
    if (m.rank != 0) {
        ex = cli_mpi_gather(&m, ctx, cmd->name, mine, n, NULL, count);
        ex = cli_mpi_share_exit(&m, ex);
        goto out;
    }
    /* rank 0: its own outcomes moved into the whole, the others' received */
    if (!(all = zp_sweep_outcomes_new(ctx, count))) {
        ex = cli_fail(cmd->name, ctx, ZP_ENOMEM);
    } else {
        for (size_t k = 0; k < n; k++) {
            all[mine[k].index] = mine[k];
            mine[k].result = mine[k].message = NULL;
        }
        ex = cli_mpi_gather(&m, ctx, cmd->name, mine, n, all, count);
    }
    if (ex == EXIT_OK && (ex = write_results(cmd, ctx, sw, &a, all, count)) == EXIT_OK &&
        say_failures(cmd->name, all, count))
        ex = EXIT_CHECK;
    if (m.on)
        ex = cli_mpi_share_exit(&m, ex);
out:
    zp_sweep_outcomes_free(ctx, mine, n);
    zp_sweep_outcomes_free(ctx, all, count);
    free(idx);
    zp_sweep_free(ctx, sw);
    zp_ctx_free(ctx);
    cli_mpi_stop(&m);
    return ex;
}

bool cli_sweep_asked(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--sweep") == 0 || strncmp(argv[i], "--sweep=", 8) == 0)
            return true;
    }
    return false;
}
