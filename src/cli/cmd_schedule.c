/*
 * cmd_schedule.c - `zeropark schedule --sites FILE --jobs FILE`: place
 * compute jobs across sites and hours (greedy or exact), side by side with
 * the run-now-at-home and Carbon-Aware-SDK baselines (docs/schedule.md).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "opts.h"
#include "util.h"
#include "zeropark/sched.h"

const char cmd_schedule_usage[] =
    "usage: zeropark schedule --sites FILE --jobs FILE [options]\n"
    "\n"
    "Place every job in a site and hourly slots so that emissions (or cost) are\n"
    "least, within site capacity, latency bounds, release and deadline; compare\n"
    "with running each job at once at its home site, and with the Carbon Aware\n"
    "SDK's rule (lowest-intensity window at home, capacity ignored).\n"
    "\n"
    "Options:\n"
    "  --sites FILE          sites, regions, latencies, intensity (JSON, docs/schedule.md)\n"
    "  --jobs FILE           jobs (CSV: id,class,home,region,latency_ms,release,\n"
    "                        deadline,duration,power_kw,preemptible,min_chunk)\n"
    "  --method M            greedy (default) or exact (MIP; a few thousand jobs)\n"
    "  --objective O         carbon (default), cost or cost_with_carbon_price\n"
    "  --time-limit S        exact: solver time limit in seconds (default 60)\n"
    "  --csv FILE            write the per-job placement (id,site,start,slots,reason)\n"
    "  --site-load SITE=FILE write SITE's scheduled IT load as a time,it_kw CSV\n"
    "                        (for a park model's datacenter.it_power_kw)\n"
    "  --json                print the result as JSON (docs/schedule.md)\n"
    "  -h, --help            show this help\n";

static const char *const obj_names[] = {"carbon", "cost", "cost_with_carbon_price"};

static json_t *totals_json(const zp_sched_result *r)
{
    const zp_sched_totals *t = &r->totals;
    json_t *o = json_pack(
        "{s:s, s:I, s:I, s:{s:I, s:I, s:I}, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
        "method", r->method, "placed", (json_int_t)t->placed, "unplaced",
        (json_int_t)t->unplaced, "unplaced_by_reason", "latency",
        (json_int_t)t->unplaced_by_reason[ZP_SCHED_LATENCY], "window",
        (json_int_t)t->unplaced_by_reason[ZP_SCHED_WINDOW], "capacity",
        (json_int_t)t->unplaced_by_reason[ZP_SCHED_CAPACITY], "it_kwh", t->it_kwh,
        "facility_kwh", t->facility_kwh, "green_kwh", t->green_kwh, "grid_kwh", t->grid_kwh,
        "emissions_kg", t->emissions_kg, "cost_cny", t->cost_cny, "objective", t->objective,
        "green_share_pct", t->green_share_pct, "overload_kwh", t->overload_kwh, "seconds",
        r->seconds);
    if (o && !isnan(r->bound))
        json_object_set_new(o, "bound", json_real(r->bound));
    return o;
}

/* The outputs (--csv, --site-load) are written to temporary files next to
 * their paths and renamed only when every one of them is complete, so a
 * failure leaves none of them behind (nor half of one). */
typedef struct out_file {
    const char *path; /* where it goes */
    char *tmp;        /* the temporary file while it is written */
} out_file;

/* Open a temporary file for o->path; NULL (and a message) if it cannot be. */
static FILE *out_open(out_file *o)
{
    size_t n = strlen(o->path) + 32;
    if (!(o->tmp = malloc(n)))
        return NULL;
    snprintf(o->tmp, n, "%s.tmp%ld", o->path, (long)getpid());
    FILE *f = fopen(o->tmp, "w");
    if (!f) {
        cli_err("schedule", "cannot write %s: %s", o->path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
    }
    return f;
}

/* Close f; EXIT_OK, or a message and EXIT_USAGE when the data did not all
 * reach the file (the temporary file is removed). */
static int out_close(out_file *o, FILE *f)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        cli_err("schedule", "cannot write %s: %s", o->path, strerror(errno ? errno : EIO));
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Per-job placement as CSV; slots are listed (space separated) only for
 * jobs that run in pieces. */
static int write_csv(out_file *o, const zp_sched_problem *p, const zp_sched_result *r)
{
    int32_t *buf = malloc((p->nslots + 1) * sizeof *buf);
    if (!buf)
        return EXIT_INTERNAL;
    FILE *f = out_open(o);
    if (!f) {
        free(buf);
        return EXIT_USAGE;
    }
    fputs("id,site,start,slots,reason\n", f);
    for (size_t j = 0; j < p->njobs; j++) {
        const zp_sched_placement *pl = &r->place[j];
        const char *id = zp_sched_job_id(p, j);
        int quote = strpbrk(id, ",\"\n") != NULL;
        if (quote) {
            fputc('"', f);
            for (const char *c = id; *c; c++) {
                if (*c == '"')
                    fputc('"', f);
                fputc(*c, f);
            }
            fputc('"', f);
        } else {
            fputs(id, f);
        }
        if (pl->site < 0) {
            fprintf(f, ",,,,%s\n", zp_sched_reason_name(pl->reason));
            continue;
        }
        fprintf(f, ",%s,%d,", p->sites[pl->site].name, pl->start);
        if (pl->slot_off >= 0) {
            size_t n = zp_sched_result_job_slots(p, r, j, buf);
            for (size_t k = 0; k < n; k++)
                fprintf(f, k ? " %d" : "%d", buf[k]);
        }
        fputs(",placed\n", f);
    }
    free(buf);
    return out_close(o, f);
}

/* The site of a --site-load SITE=FILE, or -1 (with a message). */
static long site_load_site(const zp_sched_problem *p, const char *spec)
{
    const char *eq = strchr(spec, '=');
    for (size_t s = 0; eq && eq[1] && s < p->nsites; s++)
        if (strlen(p->sites[s].name) == (size_t)(eq - spec) &&
            memcmp(p->sites[s].name, spec, (size_t)(eq - spec)) == 0)
            return (long)s;
    cli_err("schedule", "--site-load '%s': use SITE=FILE with a site of the sites file", spec);
    return -1;
}

static int write_site_load(zp_ctx *ctx, const zp_sched_problem *p, const zp_sched_result *r,
                           size_t s, out_file *o)
{
    char *text;
    size_t len;
    zp_status rc = zp_sched_site_load_csv(ctx, p, r, s, &text, &len);
    if (rc)
        return cli_fail("schedule", ctx, rc);
    FILE *f = out_open(o);
    int e = EXIT_USAGE;
    if (f) {
        fwrite(text, 1, len, f);
        e = out_close(o, f);
    }
    zp_sched_text_free(ctx, text);
    return e;
}

static const char *const base_names[3] = {NULL, "run_now", "carbon_aware_sdk"};
static const char *const base_titles[3] = {NULL, "run-now", "Carbon Aware SDK rule"};

/* The output layer's assertion: every result covers every job and every
 * figure to be printed is finite (a reduction is finite or explicitly not
 * defined). Returns what is wrong, or NULL. */
static const char *answer_incomplete(const zp_sched_problem *p, zp_sched_result *const r[3],
                                     const zp_sched_reduction red[3],
                                     const zp_sched_park_info *pinfo,
                                     const zp_sched_park_share *share)
{
    for (int i = 0; i < 3; i++) {
        const zp_sched_totals *t = &r[i]->totals;
        if (r[i]->njobs != p->njobs || t->placed + t->unplaced != p->njobs)
            return "a result does not account for every job";
        const double v[] = {t->it_kwh,      t->facility_kwh, t->green_kwh, t->grid_kwh,
                            t->emissions_kg, t->cost_cny,     t->objective, t->green_share_pct,
                            t->overload_kwh, r[i]->seconds};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            if (!isfinite(v[k]))
                return "a total is not finite";
        for (size_t k = 0; k < p->nsites * p->nslots; k++)
            if (!isfinite(r[i]->load_kw[k]))
                return "a site's load is not finite";
    }
    for (int i = 1; i < 3; i++) {
        if (red[i].basis == ZP_SCHED_CMP_NONE &&
            (!isnan(red[i].emissions_pct) || !isnan(red[i].objective_pct)))
            return "a reduction without a basis";
        if (isinf(red[i].emissions_pct) || isinf(red[i].objective_pct))
            return "a reduction is infinite";
    }
    for (size_t s = 0; s < p->nsites; s++) {
        if (!p->sites[s].park_model)
            continue;
        if (!isfinite(pinfo[s].mean_green_kw) || !isfinite(pinfo[s].pue) ||
            !isfinite(pinfo[s].green_share_hourly_pct))
            return "a park's figures are not finite";
        for (int i = 0; i < 3; i++) {
            const zp_sched_park_share *sh = &share[s * 3 + i];
            const double v[] = {sh->it_kwh, sh->consumption_kwh, sh->grid_import_kwh,
                                sh->curtailed_kwh, sh->green_share_hourly_pct,
                                sh->green_share_volumetric_pct, sh->scope2_location_t};
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
                if (!isfinite(v[k]))
                    return "a campus figure is not finite";
        }
    }
    return NULL;
}

/* A number, or null where a reduction is not defined (NAN). */
static json_t *num_or_null(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}

/* The whole --json document, or NULL if any part of it could not be built
 * (json_real refuses non-finite numbers: nothing is silently left out). */
static json_t *answer_json(const zp_sched_problem *p, zp_sched_result *const r[3],
                           const zp_sched_reduction red[3], const zp_sched_park_share *share,
                           const char *sites, const char *jobs, int exact,
                           zp_sched_objective objective)
{
    int ok = 1;
    json_t *res = json_array(), *load = json_object(), *unpl = json_array(),
           *campus = json_array();
    if (!res || !load || !unpl || !campus)
        ok = 0;
    for (int i = 0; i < 3 && ok; i++)
        ok = json_array_append_new(res, totals_json(r[i])) == 0;
    for (size_t s = 0; s < p->nsites && ok; s++) {
        json_t *a = json_array();
        for (size_t t = 0; t < p->nslots && a; t++)
            if (json_array_append_new(a, json_real(r[0]->load_kw[s * p->nslots + t])) != 0) {
                json_decref(a);
                a = NULL;
            }
        ok = a && json_object_set_new(load, p->sites[s].name, a) == 0;
    }
    /* every unplaced job, with its reason: none is dropped silently */
    for (size_t j = 0; j < p->njobs && ok; j++)
        if (r[0]->place[j].site < 0)
            ok = json_array_append_new(unpl, json_pack("{s:s, s:I, s:s}", "id",
                                                       zp_sched_job_id(p, j), "line",
                                                       (json_int_t)p->jobs[j].line, "reason",
                                                       zp_sched_reason_name(r[0]->place[j].reason))) == 0;
    for (size_t s = 0; s < p->nsites && ok; s++) {
        if (!p->sites[s].park_model)
            continue;
        json_t *o = json_pack("{s:s, s:s}", "site", p->sites[s].name, "park_model",
                              p->sites[s].park_model);
        for (int i = 0; i < 3 && o; i++) {
            const zp_sched_park_share *sh = &share[s * 3 + i];
            if (json_object_set_new(
                    o, i == 0 ? "scheduled" : base_names[i],
                    json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "it_kwh", sh->it_kwh,
                              "consumption_kwh", sh->consumption_kwh, "grid_import_kwh",
                              sh->grid_import_kwh, "curtailed_kwh", sh->curtailed_kwh,
                              "green_share_hourly_pct", sh->green_share_hourly_pct,
                              "green_share_volumetric_pct", sh->green_share_volumetric_pct,
                              "scope2_location_t", sh->scope2_location_t)) != 0) {
                json_decref(o);
                o = NULL;
            }
        }
        ok = o && json_array_append_new(campus, o) == 0;
    }
    if (!ok) {
        json_decref(res);
        json_decref(load);
        json_decref(unpl);
        json_decref(campus);
        return NULL;
    }
    char tb[ZP_TIME_BUFSIZE];
    /* json_pack's "o" takes the references, also when it fails */
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:f, s:o, s:{s:o, s:o, s:o, s:o, s:s, s:s}, s:o, "
        "s:o, s:o}",
        "sites_file", sites, "jobs_file", jobs, "method", exact ? "exact" : "greedy", "objective",
        obj_names[objective], "start", zp_time_format(p->start, p->offset_min, tb), "slots",
        (json_int_t)p->nslots, "jobs", (json_int_t)p->njobs, "slot_h", p->slot_h, "results", res,
        "reductions", "emissions_vs_run_now_pct", num_or_null(red[1].emissions_pct),
        "emissions_vs_carbon_aware_sdk_pct", num_or_null(red[2].emissions_pct),
        "objective_vs_run_now_pct", num_or_null(red[1].objective_pct),
        "objective_vs_carbon_aware_sdk_pct", num_or_null(red[2].objective_pct), "basis_vs_run_now",
        zp_sched_cmp_basis_name(red[1].basis), "basis_vs_carbon_aware_sdk",
        zp_sched_cmp_basis_name(red[2].basis), "load_kw", load, "unplaced", unpl, "campus",
        campus);
}

/* A count as people write it ("10,000"). */
#define CNT(n) CLI_NUM((double)(n), 0)
/* "job" or "jobs" after a count n. */
#define PL(n, word) (n) == 1 ? word : word "s"

/* "29.1% less per IT kWh (greedy placed 10,000 of 10,000 jobs, run-now 9,648)" */
static void print_reduction(const char *what, double pctv, const zp_sched_reduction *rd,
                            const char *method, int i)
{
    printf("  %s vs %s: ", what, base_titles[i]);
    if (rd->basis == ZP_SCHED_CMP_NONE) {
        printf("not compared: %s placed %s of %s %s (%s %s)\n", method, CNT(rd->placed),
               CNT(rd->njobs), PL(rd->njobs, "job"), base_titles[i], CNT(rd->base_placed));
        return;
    }
    if (isnan(pctv))
        printf("not compared: the %s figure is not above 0", base_titles[i]);
    else
        printf("%s%% %s", CLI_NUM(fabs(pctv), 1), pctv >= 0 ? "less" : "more");
    if (rd->basis == ZP_SCHED_CMP_SAME_JOBS)
        printf(" (the same %s of %s %s placed)\n", CNT(rd->placed), CNT(rd->njobs),
               PL(rd->njobs, "job"));
    else
        printf(" per IT kWh (%s placed %s of %s %s, %s %s)\n", method, CNT(rd->placed),
               CNT(rd->njobs), PL(rd->njobs, "job"), base_titles[i], CNT(rd->base_placed));
}

/* The three-column tables (the schedule, run-now, the SDK rule). Cells are
 * formatted first and every column is as wide as its widest cell, at least
 * 16, so that no figure runs into the next. */
#define TABLE_ROWS 12
#define CELL_SIZE (CLI_NUM_BUFSIZE + 4)
typedef struct table {
    const char *head[3];
    const char *label[TABLE_ROWS];
    char cell[TABLE_ROWS][3][CELL_SIZE];
    size_t n;
} table;

/* One cell: v with dec decimals and thousands separators, then unit ("%"
 * or ""). A figure that these decimals would show with fewer than three
 * significant digits (0.1 MWh at 0 decimals is "0") is shown with four
 * instead. */
static void cell(char *buf, double v, int dec, const char *unit)
{
    if (v != 0 && isfinite(v) && fabs(v) < pow(10, 2 - dec))
        dec = CLI_NUM_AUTO;
    snprintf(buf, CELL_SIZE, "%s%s", CLI_NUM(v, dec), unit);
}

static void row3(table *t, const char *label, double a, double b, double c, int dec,
                 const char *unit)
{
    if (t->n == TABLE_ROWS)
        return;
    t->label[t->n] = label;
    cell(t->cell[t->n][0], a, dec, unit);
    cell(t->cell[t->n][1], b, dec, unit);
    cell(t->cell[t->n][2], c, dec, unit);
    t->n++;
}

static void table_print(const table *t)
{
    int w = 16;
    for (int k = 0; k < 3; k++)
        if ((int)strlen(t->head[k]) > w)
            w = (int)strlen(t->head[k]);
    for (size_t i = 0; i < t->n; i++)
        for (int k = 0; k < 3; k++)
            if ((int)strlen(t->cell[i][k]) > w)
                w = (int)strlen(t->cell[i][k]);
    printf("  %-28s %*s %*s %*s\n", "", w, t->head[0], w, t->head[1], w, t->head[2]);
    for (size_t i = 0; i < t->n; i++)
        printf("  %-28s %*s %*s %*s\n", t->label[i], w, t->cell[i][0], w, t->cell[i][1], w,
               t->cell[i][2]);
}

static void print_text(const zp_sched_problem *p, zp_sched_result *const r[3],
                       const zp_sched_reduction red[3], const zp_sched_park_info *pinfo,
                       const zp_sched_park_share *share, zp_sched_objective objective)
{
    for (size_t s = 0; s < p->nsites; s++)
        if (p->sites[s].park_model)
            printf("site %s: green supply from %s: mean surplus %s kW, PUE %s, park's "
                   "hourly-matched green share %s%%\n",
                   p->sites[s].name, p->sites[s].park_model, CLI_NUM(pinfo[s].mean_green_kw, 0),
                   CLI_NUM(pinfo[s].pue, 3), CLI_NUM(pinfo[s].green_share_hourly_pct, 1));
    for (size_t s = 0; s < p->nsites; s++) {
        if (!p->sites[s].park_model)
            continue;
        const zp_sched_park_share *sh = &share[s * 3];
        printf("campus %s (%s) with the site's load, over the schedule's window:\n",
               p->sites[s].name, p->sites[s].park_model);
        table t = {{r[0]->method, "run_now", "carbon_aware_sdk"}, {NULL}, {{{0}}}, 0};
        row3(&t, "green share, hourly-matched", sh[0].green_share_hourly_pct,
             sh[1].green_share_hourly_pct, sh[2].green_share_hourly_pct, 1, "%");
        row3(&t, "green share, volumetric", sh[0].green_share_volumetric_pct,
             sh[1].green_share_volumetric_pct, sh[2].green_share_volumetric_pct, 1, "%");
        row3(&t, "site IT energy (MWh)", sh[0].it_kwh / 1e3, sh[1].it_kwh / 1e3, sh[2].it_kwh / 1e3,
             0, "");
        row3(&t, "grid import (MWh)", sh[0].grid_import_kwh / 1e3, sh[1].grid_import_kwh / 1e3,
             sh[2].grid_import_kwh / 1e3, 0, "");
        row3(&t, "curtailed PV+wind (MWh)", sh[0].curtailed_kwh / 1e3, sh[1].curtailed_kwh / 1e3,
             sh[2].curtailed_kwh / 1e3, 0, "");
        table_print(&t);
        printf("\n");
    }
    const zp_sched_totals *g = &r[0]->totals, *rn = &r[1]->totals, *sdk = &r[2]->totals;
    printf("%s %s, %s %s, %s %s of %s h; objective: %s\n\n", CNT(p->njobs), PL(p->njobs, "job"),
           CNT(p->nsites), PL(p->nsites, "site"), CNT(p->nslots), PL(p->nslots, "slot"),
           CLI_NUM(p->slot_h, CLI_NUM_AUTO), obj_names[objective]);
    table t = {{r[0]->method, "run_now", "carbon_aware_sdk"}, {NULL}, {{{0}}}, 0};
    row3(&t, "placed", (double)g->placed, (double)rn->placed, (double)sdk->placed, 0, "");
    row3(&t, "unplaced", (double)g->unplaced, (double)rn->unplaced, (double)sdk->unplaced, 0, "");
    row3(&t, "emissions (t CO2)", g->emissions_kg / 1e3, rn->emissions_kg / 1e3,
         sdk->emissions_kg / 1e3, 1, "");
    row3(&t, "grid cost (CNY)", g->cost_cny, rn->cost_cny, sdk->cost_cny, 0, "");
    row3(&t, "green share, hourly", g->green_share_pct, rn->green_share_pct, sdk->green_share_pct,
         1, "%");
    row3(&t, "IT energy (MWh)", g->it_kwh / 1e3, rn->it_kwh / 1e3, sdk->it_kwh / 1e3, 0, "");
    row3(&t, "over capacity (MWh)", g->overload_kwh / 1e3, rn->overload_kwh / 1e3,
         sdk->overload_kwh / 1e3, 0, "");
    row3(&t, "run time (s)", r[0]->seconds, r[1]->seconds, r[2]->seconds, 3, "");
    table_print(&t);
    printf("\n");
    for (int i = 1; i < 3; i++)
        print_reduction("emissions", red[i].emissions_pct, &red[i], r[0]->method, i);
    if (objective != ZP_SCHED_CARBON)
        for (int i = 1; i < 3; i++)
            print_reduction(objective == ZP_SCHED_COST ? "cost" : "cost with carbon price",
                            red[i].objective_pct, &red[i], r[0]->method, i);
    if (g->unplaced)
        printf("  %s %s not placed (latency %s, window %s, capacity %s): see --json or "
               "--csv\n",
               CNT(g->unplaced), PL(g->unplaced, "job"), CNT(g->unplaced_by_reason[ZP_SCHED_LATENCY]),
               CNT(g->unplaced_by_reason[ZP_SCHED_WINDOW]),
               CNT(g->unplaced_by_reason[ZP_SCHED_CAPACITY]));
}

/* The --site-load SITE=FILE options: at most 16. */
typedef struct site_loads {
    const char *spec[16];
    size_t n;
} site_loads;

static int add_site_load(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    site_loads *sl = o->dst;
    if (sl->n == 16)
        return cli_usage_error(cmd, "--site-load: at most 16");
    sl->spec[sl->n++] = value;
    return EXIT_OK;
}

static int parse_method(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    if (strcmp(value, "greedy") == 0)
        *(bool *)o->dst = false;
    else if (strcmp(value, "exact") == 0)
        *(bool *)o->dst = true;
    else
        return cli_usage_error(cmd, "--method '%s': use greedy or exact", value);
    return EXIT_OK;
}

static int parse_objective(const cli_cmd *cmd, const cli_opt *o, const char *value)
{
    size_t k;
    for (k = 0; k < 3 && strcmp(value, obj_names[k]) != 0; k++)
        ;
    if (k == 3)
        return cli_usage_error(cmd, "--objective '%s': use carbon, cost or cost_with_carbon_price", value);
    *(zp_sched_objective *)o->dst = (zp_sched_objective)k;
    return EXIT_OK;
}

int cmd_schedule_run(const cli_cmd *cmd, int argc, char **argv)
{
    const char *sites = NULL, *jobs = NULL, *csv = NULL;
    site_loads sl = {{NULL}, 0};
    long site_load_at[16];
    out_file outs[17];
    size_t nouts = 0;
    bool exact = false, json = false;
    zp_sched_opts so;
    zp_sched_opts_init(&so);
    cli_opt opts[] = {CLI_TEXT("sites", &sites),
                      CLI_TEXT("jobs", &jobs),
                      CLI_CALL("method", parse_method, &exact),
                      CLI_CALL("objective", parse_objective, &so.objective),
                      CLI_DOUBLE("time-limit", &so.time_limit_s, 0.001, 1e6, ": use seconds in 0.001..1000000"),
                      CLI_TEXT("csv", &csv),
                      CLI_CALL("site-load", add_site_load, &sl),
                      CLI_FLAG("json", &json),
                      CLI_HELP,
                      CLI_END};
    int exit_code;
    if (!cli_opts_parse(cmd, opts, argc, argv, &exit_code))
        return exit_code;
    if ((exit_code = cli_no_operand(cmd, argc, argv)) ||
        (exit_code = cli_opts_need(cmd, opts, "sites", "--sites FILE", "jobs", "--jobs FILE", NULL)))
        return exit_code;
    zp_ctx *ctx = zp_ctx_new();
    if (!ctx)
        return EXIT_INTERNAL;
    zp_sched_problem *p = NULL;
    zp_sched_result *r[3] = {NULL, NULL, NULL};
    zp_sched_park_info *pinfo = NULL;
    zp_sched_park_share *share = NULL; /* [nsites][3]: scheduled, run_now, sdk */
    json_t *doc = NULL;
    zp_status rc = zp_sched_sites_load(ctx, sites, &p);
    if (!rc)
        rc = zp_sched_jobs_load(ctx, p, jobs);
    if (rc) {
        exit_code = cli_fail("schedule", ctx, rc);
        goto out;
    }
    for (size_t k = 0; k < sl.n; k++)
        if ((site_load_at[k] = site_load_site(p, sl.spec[k])) < 0) {
            exit_code = EXIT_USAGE;
            goto out;
        }
    if (p->njobs == 0) {
        cli_err("schedule", "%s: no jobs: the file has a header but no job rows", jobs);
        exit_code = EXIT_USAGE;
        goto out;
    }
    pinfo = calloc(p->nsites, sizeof *pinfo);
    share = calloc(p->nsites * 3, sizeof *share);
    if (!pinfo || !share) {
        exit_code = EXIT_INTERNAL;
        goto out;
    }
    /* Sites coupled to a park take its surplus and PUE from its simulation. */
    for (size_t s = 0; s < p->nsites; s++)
        if (p->sites[s].park_model && (rc = zp_sched_site_use_park(ctx, p, s, sites, &pinfo[s]))) {
            exit_code = cli_fail("schedule", ctx, rc);
            goto out;
        }
    rc = exact ? zp_sched_exact(ctx, p, &so, &r[0]) : zp_sched_greedy(ctx, p, &so, &r[0]);
    if (!rc)
        rc = zp_sched_baseline_run(ctx, p, &so, ZP_SCHED_RUN_NOW, &r[1]);
    if (!rc)
        rc = zp_sched_baseline_run(ctx, p, &so, ZP_SCHED_CARBON_AWARE_SDK, &r[2]);
    if (rc) {
        exit_code = cli_fail("schedule", ctx, rc);
        goto out;
    }
    /* The checker guards every answer we print. */
    if ((rc = zp_sched_check(ctx, p, r[0], 0, NULL))) {
        exit_code = cli_fail("schedule", ctx, rc);
        goto out;
    }
    zp_sched_reduction red[3];
    for (int i = 1; i < 3; i++)
        if ((rc = zp_sched_compare(ctx, p, r[0], r[i], &red[i]))) {
            exit_code = cli_fail("schedule", ctx, rc);
            goto out;
        }
    /* Park-coupled sites: the campus with each answer's load at the site. */
    for (size_t s = 0; s < p->nsites; s++)
        for (int i = 0; i < 3 && p->sites[s].park_model; i++)
            if ((rc = zp_sched_park_share_of(ctx, p, s, sites, r[i], &share[s * 3 + i]))) {
                exit_code = cli_fail("schedule", ctx, rc);
                goto out;
            }
    /* Nothing is written or printed unless the whole answer is there. */
    const char *why = answer_incomplete(p, r, red, pinfo, share);
    if (why) {
        cli_err("schedule", "internal error: the answer is incomplete (%s); nothing written", why);
        exit_code = EXIT_INTERNAL;
        goto out;
    }
    if (json && !(doc = answer_json(p, r, red, share, sites, jobs, exact, so.objective))) {
        cli_err("schedule", "internal error: could not build the JSON answer; nothing written");
        exit_code = EXIT_INTERNAL;
        goto out;
    }
    /* Every file complete, then all renamed: a failure leaves none. */
    if (csv) {
        outs[nouts].path = csv;
        if ((exit_code = write_csv(&outs[nouts++], p, r[0])) != EXIT_OK)
            goto out;
    }
    for (size_t k = 0; k < sl.n; k++) {
        outs[nouts].path = strchr(sl.spec[k], '=') + 1;
        if ((exit_code = write_site_load(ctx, p, r[0], (size_t)site_load_at[k], &outs[nouts++])) !=
            EXIT_OK)
            goto out;
    }
    for (size_t k = 0; k < nouts; k++) {
        if (rename(outs[k].tmp, outs[k].path) != 0) {
            cli_err("schedule", "cannot write %s: %s", outs[k].path, strerror(errno));
            exit_code = EXIT_USAGE;
            /* those renamed already are complete; the rest are removed */
            goto out;
        }
        free(outs[k].tmp);
        outs[k].tmp = NULL;
    }
    if (json) {
        if (cli_print_json(doc) != 0 || fflush(stdout) != 0) {
            cli_err("schedule", "cannot write the answer to standard output");
            exit_code = EXIT_INTERNAL;
        }
    } else {
        print_text(p, r, red, pinfo, share, so.objective);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_err("schedule", "cannot write the answer to standard output");
            exit_code = EXIT_INTERNAL;
        }
    }
out:
    for (size_t k = 0; k < nouts; k++)
        if (outs[k].tmp) {
            unlink(outs[k].tmp);
            free(outs[k].tmp);
        }
    json_decref(doc);
    free(pinfo);
    free(share);
    for (int i = 0; i < 3; i++)
        zp_sched_result_free(ctx, r[i]);
    zp_sched_problem_free(ctx, p);
    zp_ctx_free(ctx);
    return exit_code;
}
