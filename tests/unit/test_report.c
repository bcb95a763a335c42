/*
 * test_report.c - the HTML report and its CSV table: well-formed markup,
 * every chart present with drawn marks, the numbers shown equal to the
 * simulation's (and the accounting's) totals, escaping of model strings,
 * both languages, size cap, allocation failures, generation time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zeropark/carbon.h"
#include "zeropark/report.h"
#include "zeropark/zeropark.h"

static char tmpdir[256];

static const char *const chart_ids[] = {"chart-emissions", "chart-sources", "chart-heatmap",
                                        "chart-burndown", "chart-pue"};

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/zp_test_report_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static zp_model *load_path(zp_ctx *ctx, const char *path)
{
    zp_model *m = NULL;
    zp_status rc = zp_model_load_file(ctx, path, 0, &m);
    if (rc)
        fprintf(stderr, "%s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(rc, ZP_OK);
    return m;
}

static zp_model *load_tmp(zp_ctx *ctx, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return load_path(ctx, path);
}

/* The campus example, simulated once and shared by the tests. */
static zp_ctx *campus_ctx;
static zp_model *campus;
static zp_sim_result *campus_run;

static void campus_load(void)
{
    if (campus_run)
        return;
    campus_ctx = zp_ctx_new();
    assert_non_null(campus_ctx);
    campus = load_path(campus_ctx, ZP_SOURCE_DIR "/examples/shaoguan-campus/model.json");
    assert_int_equal(zp_simulate(campus_ctx, campus, NULL, &campus_run), ZP_OK);
}

static int campus_free(void **state)
{
    (void)state;
    zp_sim_result_free(campus_ctx, campus_run);
    zp_model_free(campus_ctx, campus);
    zp_ctx_free(campus_ctx);
    campus_run = NULL;
    return teardown(state);
}

static char *report(zp_ctx *ctx, const zp_model *m, const zp_sim_result *r, const zp_acct_result *a,
                    zp_report_lang lang, size_t *len)
{
    zp_report_opts o;
    zp_report_opts_init(&o);
    o.lang = lang;
    char *html = NULL;
    zp_status rc = zp_report_html(ctx, m, r, a, &o, &html, len);
    if (rc)
        fprintf(stderr, "%s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(rc, ZP_OK);
    assert_non_null(html);
    return html;
}

/* ---- a small well-formedness checker ------------------------------------------
 * Every element closed in order (void elements excepted), attribute values
 * quoted, no stray '<' or '>' in text. Returns NULL or what is wrong. */
static const char *check_markup(const char *s, char *why, size_t whylen)
{
    static const char *const voids[] = {"meta", "br", "hr", "img", "input", "link", "wbr", "col"};
    char stack[256][16];
    size_t depth = 0;
    const char *p = s;
    while (*p) {
        if (*p == '>') {
            snprintf(why, whylen, "stray '>' at offset %td", p - s);
            return why;
        }
        if (*p != '<') {
            p++;
            continue;
        }
        if (strncmp(p, "<!DOCTYPE", 9) == 0 || strncmp(p, "<!--", 4) == 0) {
            p = strchr(p, '>');
            if (!p)
                return "unterminated declaration";
            p++;
            continue;
        }
        int closing = p[1] == '/';
        const char *n = p + 1 + closing;
        size_t nl = 0;
        while (isalnum((unsigned char)n[nl]))
            nl++;
        if (nl == 0 || nl >= 16) {
            snprintf(why, whylen, "stray '<' at offset %td: %.20s", p - s, p);
            return why;
        }
        /* Scan to the end of the tag, skipping quoted attribute values. */
        const char *q = n + nl;
        int selfclose = 0;
        while (*q && *q != '>') {
            if (*q == '"' || *q == '\'') {
                const char *e = strchr(q + 1, *q);
                if (!e)
                    return "unterminated attribute value";
                q = e + 1;
                continue;
            }
            if (*q == '<') {
                snprintf(why, whylen, "'<' inside a tag at offset %td", q - s);
                return why;
            }
            if (*q == '=' && q[1] != '"' && q[1] != '\'') {
                snprintf(why, whylen, "unquoted attribute at offset %td", q - s);
                return why;
            }
            selfclose = *q == '/' && q[1] == '>';
            q++;
        }
        if (!*q)
            return "unterminated tag";
        char name[16];
        memcpy(name, n, nl);
        name[nl] = '\0';
        int is_void = 0;
        for (size_t i = 0; i < sizeof voids / sizeof voids[0]; i++)
            is_void |= strcmp(name, voids[i]) == 0;
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0) {
                snprintf(why, whylen, "</%s> closes <%s> at offset %td", name,
                         depth ? stack[depth - 1] : "(nothing)", p - s);
                return why;
            }
            depth--;
        } else if (!selfclose && !is_void) {
            if (depth == 256)
                return "nesting too deep";
            memcpy(stack[depth++], name, nl + 1);
            if (strcmp(name, "style") == 0) {
                /* Raw text up to </style>. */
                const char *e = strstr(q, "</style>");
                if (!e)
                    return "unterminated style";
                q = e - 1;
            }
        }
        p = q + 1;
    }
    if (depth) {
        snprintf(why, whylen, "<%s> never closed", stack[depth - 1]);
        return why;
    }
    return NULL;
}

static void assert_well_formed(const char *html)
{
    char why[200];
    const char *err = check_markup(html, why, sizeof why);
    if (err)
        fail_msg("report is not well formed: %s", err);
}

/* The text of one chart: from <svg id="ID" to its </svg>. */
static const char *chart_span(const char *html, const char *id, const char **end)
{
    char key[64];
    snprintf(key, sizeof key, "<svg id=\"%s\"", id);
    const char *s = strstr(html, key);
    if (!s)
        return NULL;
    *end = strstr(s, "</svg>");
    return *end ? s : NULL;
}

/* Occurrences of what in [s, end). Bounded by hand: strstr would rescan
 * the whole megabyte after each hit (and ASan's strstr measures it). */
static size_t count_in(const char *s, const char *end, const char *what)
{
    size_t n = 0, wl = strlen(what);
    for (const char *q = s; q + wl <= end;) {
        q = memchr(q, what[0], (size_t)(end - q));
        if (!q || q + wl > end)
            break;
        if (memcmp(q, what, wl) == 0) {
            n++;
            q += wl;
        } else {
            q++;
        }
    }
    return n;
}

/* The exact value of the cell with id (its data-v attribute). */
static double cell_value(const char *html, const char *id)
{
    char key[96];
    snprintf(key, sizeof key, "id=\"%s\" data-v=\"", id);
    const char *s = strstr(html, key);
    if (!s)
        fail_msg("no numeric cell with id %s", id);
    return strtod(s + strlen(key), NULL);
}

/* The shown text of the cell with id, parsed back (thousands separators
 * removed). */
static double cell_shown(const char *html, const char *id)
{
    char key[96];
    snprintf(key, sizeof key, "id=\"%s\"", id);
    const char *s = strstr(html, key);
    if (!s)
        fail_msg("no cell with id %s", id);
    s = strchr(s, '>') + 1;
    char num[64];
    size_t k = 0;
    for (; *s && *s != '<' && k < sizeof num - 1; s++)
        if (*s != ',')
            num[k++] = *s;
    num[k] = '\0';
    char *endp;
    double v = strtod(num, &endp);
    if (endp == num)
        fail_msg("cell %s shows '%s', not a number", id, num);
    return v;
}

static void check_charts(const char *html)
{
    for (size_t i = 0; i < sizeof chart_ids / sizeof chart_ids[0]; i++) {
        const char *end = NULL, *s = chart_span(html, chart_ids[i], &end);
        if (!s)
            fail_msg("chart %s missing", chart_ids[i]);
        size_t marks = count_in(s, end, "<rect") + count_in(s, end, "<path") + count_in(s, end, "<circle");
        if (marks < 10)
            fail_msg("chart %s has %zu marks", chart_ids[i], marks);
        /* A title for screen readers and hover, and a legend. */
        if (count_in(s, end, "<title") < 2 || count_in(s, end, "class=\"legend\"") != 1)
            fail_msg("chart %s lacks titles or its legend", chart_ids[i]);
    }
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_campus_english(void **state)
{
    (void)state;
    campus_load();
    const zp_sim_result *r = campus_run;
    size_t len = 0;
    char *html = report(campus_ctx, campus, r, NULL, ZP_REPORT_EN, &len);
    assert_int_equal(strlen(html), len);
    assert_well_formed(html);
    assert_non_null(strstr(html, "<html lang=\"en\">"));
    assert_non_null(strstr(html, "Monthly emissions by scope"));
    assert_non_null(strstr(html, "Carbon budget burn-down"));
    check_charts(html);
    /* Self-contained: nothing fetched, no script. */
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "src=\""));
    assert_null(strstr(html, "href=\""));
    assert_null(strstr(html, "url("));

    /* The numbers shown are the simulation's: exact in data-v, and the
     * formatted text within its rounding. */
    const struct {
        const char *id;
        double v, eps;
    } cells[] = {
        {"total-scope1", r->emissions_t.scope1, 0.05},
        {"total-scope2-location", r->emissions_t.scope2_location, 0.05},
        {"total-scope2-market", r->emissions_t.scope2_market, 0.05},
        {"total-location", r->emissions_t.total_location, 0.05},
        {"total-market", r->emissions_t.total_market, 0.05},
        {"energy-grid-import", r->energy_kwh.grid_import / 1000, 0.05},
        {"energy-pv", r->energy_kwh.pv / 1000, 0.05},
        {"energy-wind", r->energy_kwh.wind / 1000, 0.05},
        {"energy-dc-it", r->energy_kwh.datacenter_it / 1000, 0.05},
        {"energy-storage-discharge", r->energy_kwh.storage_discharge / 1000, 0.05},
        {"green-volumetric", r->green_share_volumetric_pct, 0.05},
        {"green-hourly", r->green_share_hourly_pct, 0.05},
        {"green-pue", r->pue, 0.0005},
    };
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        assert_near(cell_value(html, cells[i].id), cells[i].v, 1e-12 * fabs(cells[i].v));
        assert_near(cell_shown(html, cells[i].id), cells[i].v, cells[i].eps);
    }
    /* Thousands separators in the shown text. */
    assert_true(r->emissions_t.total_market > 1000);
    const char *tm = strstr(html, "id=\"total-market\"");
    tm = strchr(tm, '>') + 1;
    assert_non_null(memchr(tm, ',', (size_t)(strchr(tm, '<') - tm)));
    /* Targets: each with a status in words. */
    for (size_t i = 0; i < r->ntargets; i++) {
        char id[64];
        snprintf(id, sizeof id, "target-%s", r->targets[i].name);
        assert_near(cell_value(html, id), r->targets[i].value, 1e-12 * fabs(r->targets[i].value));
    }
    assert_non_null(strstr(html, "data-status=\"met\""));
    /* Factor sources written out. */
    assert_non_null(strstr(html, "id=\"factor-sources\""));
    assert_non_null(strstr(html, "diesel"));

    /* The monthly table adds up to the run's totals. */
    const char *mt = strstr(html, "id=\"table-monthly\"");
    assert_non_null(mt);
    double s2 = 0, mkt = 0;
    int rows = 0;
    for (const char *q = strstr(mt, "<tr><th scope=\"row\">"); q; q = strstr(q + 1, "<tr><th scope=\"row\">")) {
        const char *d = q;
        double v[4];
        for (int k = 0; k < 4; k++) {
            d = strstr(d, "data-v=\"") + 8;
            v[k] = strtod(d, NULL);
        }
        s2 += v[1];
        mkt += v[3];
        rows++;
        if (!strstr(q + 1, "<tr><th scope=\"row\">") || strstr(q, "</table>") < strstr(q + 1, "<tr><th"))
            break;
    }
    assert_int_equal(rows, 12);
    assert_near(s2, r->emissions_t.scope2_location, 1e-9 * r->emissions_t.scope2_location);
    assert_near(mkt, r->emissions_t.total_market, 1e-9 * r->emissions_t.total_market);

    /* The heat map has a cell per hour of the year (366 days in 2024). */
    const char *end, *hs = chart_span(html, "chart-heatmap", &end);
    const char *cells0 = strstr(hs, "class=\"cells\"");
    assert_int_equal(count_in(cells0, end, "<rect"), 366 * 24);

    zp_report_free(campus_ctx, html);
}

static void test_campus_chinese(void **state)
{
    (void)state;
    campus_load();
    char *html = report(campus_ctx, campus, campus_run, NULL, ZP_REPORT_ZH, NULL);
    assert_well_formed(html);
    assert_non_null(strstr(html, "<html lang=\"zh-CN\">"));
    assert_non_null(strstr(html, "各月分范围排放"));
    assert_non_null(strstr(html, "逐时无碳电力占用电量比例"));
    assert_non_null(strstr(html, "碳预算消耗"));
    assert_non_null(strstr(html, "1月"));
    assert_non_null(strstr(html, "达成"));
    /* No English chart titles or month names leak into the Chinese page. */
    assert_null(strstr(html, "Monthly emissions"));
    assert_null(strstr(html, ">Jan<"));
    check_charts(html);
    assert_near(cell_value(html, "total-market"), campus_run->emissions_t.total_market,
                1e-12 * campus_run->emissions_t.total_market);
    zp_report_free(campus_ctx, html);
}

/* A model whose strings try to break out of the markup. */
static void test_escaping(void **state)
{
    (void)state;
    write_file("evil.json",
               "{\"name\": \"<script>alert('x')</script> & \\\"Co\\\" <b>\",\n"
               " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": \"2024-01-03T00:00:00+08:00\", \"step_min\": 60},\n"
               " \"grid\": {\"emission_factor_kg_per_kwh\": 0.5},\n"
               " \"loads\": [{\"name\": \"<img src=x onerror=alert(1)>\", \"power_kw\": 100}],\n"
               " \"targets\": {\"max_emissions_t\": 1}}\n");
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = load_tmp(ctx, "evil.json");
    zp_sim_result *r = NULL;
    assert_int_equal(zp_simulate(ctx, m, NULL, &r), ZP_OK);
    for (int lang = 0; lang < 2; lang++) {
        char *html = report(ctx, m, r, NULL, (zp_report_lang)lang, NULL);
        assert_well_formed(html);
        assert_null(strstr(html, "<script"));
        assert_null(strstr(html, "<b>"));
        assert_null(strstr(html, "<img"));
        assert_non_null(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot; &lt;b&gt;"));
        /* No data center: no PUE chart, and a note says so. */
        assert_null(strstr(html, "id=\"chart-pue\""));
        assert_non_null(strstr(html, "id=\"no-pue\""));
        /* 2.4 t against a cap of 1 t: missed. */
        assert_non_null(strstr(html, "data-status=\"missed\""));
        zp_report_free(ctx, html);
    }
    /* A title given by the caller is escaped too. */
    zp_report_opts o;
    zp_report_opts_init(&o);
    o.title = "A&B <i>";
    o.generated_at = "2024-06-01T12:00:00+08:00";
    char *html = NULL;
    assert_int_equal(zp_report_html(ctx, m, r, NULL, &o, &html, NULL), ZP_OK);
    assert_non_null(strstr(html, "<h1 id=\"title\" translate=\"no\">A&amp;B &lt;i&gt;</h1>"));
    assert_non_null(strstr(html, "2024-06-01T12:00:00+08:00"));
    zp_report_free(ctx, html);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

/* A run that stops in June: the burn-down projects to the end of the
 * period, and a cap the projection crosses is at risk. */
static void test_partial_run_projection(void **state)
{
    (void)state;
    write_file("half.json",
               "{\"name\": \"half year\",\n"
               " \"period\": {\"start\": \"2024-01-01T00:00:00+08:00\", \"end\": \"2025-01-01T00:00:00+08:00\", \"step_min\": 60},\n"
               " \"grid\": {\"emission_factor_kg_per_kwh\": 0.5},\n"
               " \"loads\": [{\"name\": \"l\", \"power_kw\": 100}],\n"
               " \"targets\": {\"max_emissions_t\": 400}}\n");
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = load_tmp(ctx, "half.json");
    zp_sim_opts so;
    zp_sim_opts_init(&so);
    so.to = m->start + 182 * 86400; /* 182 days: 218.4 t so far, 439.2 t projected */
    zp_sim_result *r = NULL;
    assert_int_equal(zp_simulate(ctx, m, &so, &r), ZP_OK);
    char *html = report(ctx, m, r, NULL, ZP_REPORT_EN, NULL);
    assert_well_formed(html);
    assert_non_null(strstr(html, "Linear projection"));
    assert_non_null(strstr(html, "data-status=\"at_risk\""));
    assert_non_null(strstr(html, "Budget crossed"));
    /* Location-based: 182 d x 24 h x 100 kW x 0.5 kg/kWh; market-based is the
     * simulation's (the residual mix), as the page shows it. */
    assert_near(cell_value(html, "total-location"), 182 * 24 * 100 * 0.5 / 1000, 1e-9);
    assert_near(cell_value(html, "total-market"), r->emissions_t.total_market, 1e-9);
    zp_report_free(ctx, html);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

static void test_csv(void **state)
{
    (void)state;
    campus_load();
    char *csv = NULL;
    size_t len = 0;
    assert_int_equal(zp_report_csv(campus_ctx, campus, campus_run, NULL, NULL, &csv, &len), ZP_OK);
    assert_int_equal(strlen(csv), len);
    assert_true(strncmp(csv, "month,scope1_t,scope2_location_t,", 33) == 0);
    int lines = 0;
    double s2 = 0, imp = 0;
    for (const char *l = strchr(csv, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
        lines++;
        assert_true(strncmp(l, "2024-", 5) == 0);
        const char *f = l;
        double v[11];
        for (int k = 0; k < 11; k++) {
            f = strchr(f, ',') + 1;
            v[k] = strtod(f, NULL);
        }
        s2 += v[1];
        imp += v[9];
    }
    assert_int_equal(lines, 12);
    /* 12 significant digits per field. */
    assert_near(s2, campus_run->emissions_t.scope2_location, 1e-9 * campus_run->emissions_t.scope2_location);
    assert_near(imp, campus_run->energy_kwh.grid_import, 1e-9 * campus_run->energy_kwh.grid_import);
    zp_report_free(campus_ctx, csv);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    campus_load();
    char *html = (char *)1;
    zp_report_lang l;
    assert_int_equal(zp_report_lang_parse("zh", &l), ZP_OK);
    assert_int_equal(l, ZP_REPORT_ZH);
    assert_int_equal(zp_report_lang_parse("en", &l), ZP_OK);
    assert_int_equal(l, ZP_REPORT_EN);
    assert_int_equal(zp_report_lang_parse("fr", &l), ZP_EINVAL);
    assert_int_equal(zp_report_html(campus_ctx, campus, NULL, NULL, NULL, &html, NULL), ZP_EINVAL);
    assert_null(html);
    /* A result of another model. */
    zp_model other = *campus;
    assert_int_equal(zp_report_html(campus_ctx, &other, campus_run, NULL, NULL, &html, NULL), ZP_EINVAL);
    assert_non_null(strstr(zp_ctx_errmsg(campus_ctx), "not a run of this model"));
    /* The size cap. */
    zp_report_opts o;
    zp_report_opts_init(&o);
    o.max_bytes = 10000;
    assert_int_equal(zp_report_html(campus_ctx, campus, campus_run, NULL, &o, &html, NULL), ZP_ETOOBIG);
    assert_null(html);
    assert_non_null(strstr(zp_ctx_errmsg(campus_ctx), "cap"));
    zp_report_free(campus_ctx, NULL);
}

/* Allocator that fails after a budget of allocations. */
typedef struct budget {
    long left;
} budget;

static void *failing_alloc(void *ud, void *ptr, size_t n)
{
    budget *b = ud;
    if (n == 0) {
        free(ptr);
        return NULL;
    }
    if (b->left-- <= 0)
        return NULL;
    return realloc(ptr, n);
}

/* Every allocation the report makes fails in turn: ZP_ENOMEM, no text, no
 * leak (ASan), then success once the budget is large enough. */
static void test_alloc_failure(void **state)
{
    (void)state;
    campus_load();
    int ok = 0;
    for (long n = 0; n < 200 && !ok; n++) {
        budget b = {1000};
        zp_ctx *ctx = zp_ctx_new_with_alloc(failing_alloc, &b);
        assert_non_null(ctx);
        b.left = n;
        char *html = NULL;
        zp_status rc = zp_report_html(ctx, campus, campus_run, NULL, NULL, &html, NULL);
        if (rc == ZP_OK) {
            ok = 1;
            assert_non_null(html);
            zp_report_free(ctx, html);
        } else {
            assert_int_equal(rc, ZP_ENOMEM);
            assert_null(html);
        }
        zp_ctx_free(ctx);
    }
    assert_true(ok);
}

/* With the accounting result: its totals, target statuses, tce and factor
 * sources appear, and they agree with the simulation (the accounting of a
 * run equals the run's own emissions). */
static void test_with_accounting(void **state)
{
    (void)state;
    campus_load();
    zp_ctx *ctx = campus_ctx;
    zp_acct_input *in = NULL;
    zp_acct_result *a = NULL;
    zp_acct_opts o;
    zp_acct_opts_from_model(&o, campus);
    zp_status rc = zp_acct_from_sim(ctx, campus_run, &in);
    if (!rc)
        rc = zp_account(ctx, in, &o, &a);
    if (rc)
        fprintf(stderr, "%s\n", zp_ctx_errmsg(ctx));
    assert_int_equal(rc, ZP_OK);
    for (int lang = 0; lang < 2; lang++) {
        char *html = report(ctx, campus, campus_run, a, (zp_report_lang)lang, NULL);
        assert_well_formed(html);
        check_charts(html);
        assert_near(cell_value(html, "total-market"), a->total.total_market_t, 1e-12 * a->total.total_market_t);
        assert_near(cell_value(html, "total-scope2-location"), a->total.scope2_location_t,
                    1e-12 * a->total.scope2_location_t);
        assert_near(cell_value(html, "energy-tce-calorific"), a->total.energy_tce_calorific,
                    1e-12 * a->total.energy_tce_calorific);
        assert_near(cell_value(html, "energy-tce-equal-value"), a->total.energy_tce_equal_value,
                    1e-12 * a->total.energy_tce_equal_value);
        assert_near(cell_value(html, "green-volumetric"), a->green_share_volumetric_pct, 1e-9);
        for (size_t i = 0; i < a->ntargets; i++) {
            char needle[64];
            snprintf(needle, sizeof needle, "data-status=\"%s\"", zp_target_status_name(a->targets[i].status));
            assert_non_null(strstr(html, needle));
        }
        /* The factor sources with their year. */
        assert_non_null(strstr(html, "id=\"factor-sources\""));
        assert_non_null(strstr(html, a->power_coal.unit));
        char year[16];
        snprintf(year, sizeof year, "(%d", a->power_coal.year);
        assert_non_null(strstr(html, year));
        zp_report_free(ctx, html);
    }
    char *csv = NULL;
    assert_int_equal(zp_report_csv(ctx, campus, campus_run, a, NULL, &csv, NULL), ZP_OK);
    assert_non_null(strstr(csv, "energy_tce_equal_value"));
    zp_report_free(ctx, csv);
    zp_acct_result_free(ctx, a);
    zp_acct_input_free(ctx, in);
}

/* Issue 4: report generation for the campus year <= 1 s. */
static void test_generation_time(void **state)
{
    (void)state;
    campus_load();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *html = report(campus_ctx, campus, campus_run, NULL, ZP_REPORT_EN, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("campus report: %zu bytes in %.1f ms\n", strlen(html), s * 1e3);
    assert_true(s < 1.0);
    zp_report_free(campus_ctx, html);
}

/* Energy cost and peak import by local month, worked out by hand: a load
 * of 10 i kW in hour i = 0..47 from 2024-01-31 00:00 +08:00 at 0.5 CNY/kWh.
 * January (local) holds hours 0..23: 10 x 276 = 2,760 kWh, 1,380 CNY, peak
 * 230 kW at 23:00; February hours 24..47: 10 x 852 = 8,520 kWh, 4,260 CNY,
 * peak 470 kW at Feb 1 23:00. (Months in UTC would split 8 h later.) */
static void test_cost_and_peaks(void **state)
{
    (void)state;
    char csv[4096];
    size_t n = (size_t)snprintf(csv, sizeof csv, "timestamp,kw\n");
    for (int i = 0; i < 48; i++)
        n += (size_t)snprintf(csv + n, sizeof csv - n, "2024-%s-%02dT%02d:00:00+08:00,%d\n",
                              i < 24 ? "01" : "02", i < 24 ? 31 : 1, i % 24, 10 * i);
    write_file("ramp.csv", csv);
    write_file("ramp.json",
               "{\"name\": \"ramp\",\n"
               " \"period\": {\"start\": \"2024-01-31T00:00:00+08:00\", \"end\": \"2024-02-02T00:00:00+08:00\", \"step_min\": 60},\n"
               " \"grid\": {\"emission_factor_kg_per_kwh\": 0.5, \"price_cny_per_kwh\": 0.5},\n"
               " \"loads\": [{\"name\": \"l\", \"power_kw\": {\"csv\": \"ramp.csv\", \"column\": \"kw\"}}]}\n");
    zp_ctx *ctx = zp_ctx_new();
    zp_model *m = load_tmp(ctx, "ramp.json");
    zp_sim_result *r = NULL;
    assert_int_equal(zp_simulate(ctx, m, NULL, &r), ZP_OK);
    zp_report_cost *c = NULL;
    assert_int_equal(zp_report_cost_compute(ctx, r, &c), ZP_OK);
    assert_int_equal(c->nmonths, 2);
    assert_near(c->months[0].import_cost_cny, 1380, 1e-9);
    assert_near(c->months[1].import_cost_cny, 4260, 1e-9);
    assert_near(c->months[0].export_revenue_cny, 0, 0);
    assert_near(c->months[0].peak_import_kw, 230, 1e-9);
    assert_near(c->months[1].peak_import_kw, 470, 1e-9);
    char t[ZP_TIME_BUFSIZE];
    assert_string_equal(zp_time_format(c->months[0].peak_at, 480, t), "2024-01-31T23:00:00+08:00");
    assert_string_equal(zp_time_format(c->months[1].peak_at, 480, t), "2024-02-01T23:00:00+08:00");
    assert_string_equal(zp_time_format(c->months[1].start, 480, t), "2024-02-01T00:00:00+08:00");
    assert_near(c->import_cost_cny, 5640, 1e-9);
    assert_near(c->net_cny, 5640, 1e-9);
    assert_near(c->peak_import_kw, 470, 1e-9);
    assert_near(c->net_cny, r->cost_cny, 1e-9);
    /* The page and the CSV show the same figures. */
    char *html = report(ctx, m, r, NULL, ZP_REPORT_EN, NULL);
    assert_well_formed(html);
    assert_near(cell_value(html, "cost-import"), 5640, 1e-9);
    assert_near(cell_value(html, "cost-net"), 5640, 1e-9);
    assert_near(cell_value(html, "peak-max"), 470, 1e-9);
    assert_non_null(strstr(html, "data-dispatch=\"rule\">rule-based</span>"));
    zp_report_free(ctx, html);
    char *text = NULL;
    assert_int_equal(zp_report_csv(ctx, m, r, NULL, NULL, &text, NULL), ZP_OK);
    /* the bill's columns follow: demand, capacity, wear, green power, bill */
    assert_non_null(strstr(text, ",1380,0,1380,230,2024-01-31T23:00:00+08:00,0,0,0,0,1380\n"));
    assert_non_null(strstr(text, ",4260,0,4260,470,2024-02-01T23:00:00+08:00,0,0,0,0,4260\n"));
    zp_report_free(ctx, text);
    zp_report_cost_free(ctx, c);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);

    /* With a demand charge of 30 CNY/kW-month: each month pays it on its
     * peak for the one day of it the run covers, January 30 x 230 x 1/31,
     * February 30 x 470 x 1/29; the energy cost is as before. */
    write_file("ramp2.json",
               "{\"name\": \"ramp\",\n"
               " \"period\": {\"start\": \"2024-01-31T00:00:00+08:00\", \"end\": \"2024-02-02T00:00:00+08:00\", \"step_min\": 60},\n"
               " \"grid\": {\"emission_factor_kg_per_kwh\": 0.5, \"price_cny_per_kwh\": 0.5,\n"
               "          \"demand_charge_cny_per_kw_month\": 30},\n"
               " \"loads\": [{\"name\": \"l\", \"power_kw\": {\"csv\": \"ramp.csv\", \"column\": \"kw\"}}]}\n");
    m = load_tmp(ctx, "ramp2.json");
    assert_int_equal(zp_simulate(ctx, m, NULL, &r), ZP_OK);
    assert_int_equal(zp_report_cost_compute(ctx, r, &c), ZP_OK);
    const double d1 = 30 * 230 / 31.0, d2 = 30 * 470 / 29.0;
    assert_near(c->months[0].bill.demand, d1, 1e-9);
    assert_near(c->months[1].bill.demand, d2, 1e-9);
    assert_near(c->months[0].fraction, 1 / 31.0, 1e-15);
    assert_near(c->months[1].bill.total, 4260 + d2, 1e-9);
    assert_near(c->bill.total, 5640 + d1 + d2, 1e-9);
    assert_near(c->bill.total, r->cost_cny, 0);
    assert_near(c->net_cny, 5640, 1e-9);
    html = report(ctx, m, r, NULL, ZP_REPORT_EN, NULL);
    assert_well_formed(html);
    assert_near(cell_value(html, "cost-demand"), d1 + d2, 1e-9);
    assert_near(cell_value(html, "cost-total"), 5640 + d1 + d2, 1e-9);
    assert_non_null(strstr(html, "<tr data-month=\"2024-02\" data-fraction=\"0.034482758620689655\">"));
    zp_report_free(ctx, html);
    zp_report_cost_free(ctx, c);
    zp_sim_result_free(ctx, r);
    zp_model_free(ctx, m);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_campus_english),
        cmocka_unit_test(test_campus_chinese),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_partial_run_projection),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_with_accounting),
        cmocka_unit_test(test_generation_time),
        cmocka_unit_test(test_cost_and_peaks),
    };
    return cmocka_run_group_tests(tests, setup, campus_free);
}
