/*
 * test_mps.c - the one MPS writer (core/mps.h): a small MIP written out
 * and solved by GLPK's glpsol, which must find the optimum worked out by
 * hand below. Each of the writer's cases changes that optimum when it is
 * written wrong: integer markers with PL, a free column (MI), a fixed one
 * (FX), LO and UP, rows of type E, L and G, a range (RANGES) and a free
 * row (N). Also: the text of those lines, and the error of a path that
 * cannot be written.
 *
 * The MIP (columns x y z w s v, rows e l g r f):
 *   minimise  3x + y + 2z - 2w + 0.5s
 *   e:  x - s = 0            (E; as G, s = 0 would pay)
 *   l:  -y <= 3              (L: y >= -3)
 *   g:  2x >= 3              (G: x >= 1.5)
 *   r:  1 <= x + w <= 4      (G with a range: w <= 4 - x)
 *   f:  -x + y free          (N; as G >= 0 it would force y >= x)
 *   x integer >= 0, no upper bound (PL: not binary); y free (MI);
 *   z fixed at 2 (FX); 1 <= w <= 3; s >= 0; v >= 0 with no entry and no
 *   cost (written as "v obj 0").
 * By hand: x is an integer >= 1.5, so x >= 2. For a given x, w is as
 * large as r and its bound allow, w = min(3, 4 - x), s = x, y = -3, z = 2:
 * cost 3x + 0.5x - 2 min(3, 4 - x) - 3 + 4, which is 3.5x - 2(4 - x) + 1
 * = 5.5x - 7 for x >= 1, smallest at x = 2: 11 - 7 = 4.
 * Wrong writers give (glpsol, each mistake made by hand in the file):
 * no integer markers x = 1.5, w = 2.5: 3.5 * 1.5 - 5 + 1 = 1.25; no
 * range w = 3: 7 - 6 + 1 = 2; y >= 0 (no MI): 7; z at 0 (no FX): 0; e as
 * G (s = 0): 3; f as G (y >= x = 2): 9; x binary (no PL): infeasible.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mps.h"
#include "zeropark/zeropark.h"

#include "need.h"
#include "testutil.h"

static const char *const cols[] = {"x", "y", "z", "w", "s", "v"};
static const char *const rows[] = {"e", "l", "g", "r", "f"};

static void name_of(const void *user, size_t i, char *buf, size_t len)
{
    const char *const *names = user;
    snprintf(buf, len, "%s", names[i]);
}

static void col_name(const void *user, size_t i, char *buf, size_t len)
{
    (void)user;
    name_of(cols, i, buf, len);
}

static void row_name(const void *user, size_t i, char *buf, size_t len)
{
    (void)user;
    name_of(rows, i, buf, len);
}

/* The MIP of the top of the file. */
static zp__mps the_mip(void)
{
    /* Column-major entries: x in e, g, r, f; y in l, f; z none; w in r;
     * s in e; v none. */
    static const int start[] = {0, 4, 6, 6, 7, 8, 8};
    static const int index[] = {0, 2, 3, 4, 1, 4, 3, 0};
    static const double value[] = {1, 2, 1, -1, -1, 1, 1, -1};
    static const double obj[] = {3, 1, 2, -2, 0.5, 0};
    static const double collb[] = {0, -DBL_MAX, 2, 1, 0, 0};
    static const double colub[] = {DBL_MAX, DBL_MAX, 2, 3, DBL_MAX, DBL_MAX};
    static const double rowlb[] = {0, -DBL_MAX, 3, 1, -DBL_MAX};
    static const double rowub[] = {0, 3, DBL_MAX, 4, DBL_MAX};
    static const char isint[] = {1, 0, 0, 0, 0, 0};
    zp__mps m = {.name = "test", .comment = "* a test\n", .ncols = 6, .nrows = 5,
                 .start = start, .index = index, .value = value, .obj = obj, .collb = collb,
                 .colub = colub, .rowlb = rowlb, .rowub = rowub, .isint = isint,
                 .col_name = col_name, .row_name = row_name};
    return m;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_mps_glpsol(void **state)
{
    (void)state;
    zp_need("glpsol");
    zp_ctx *ctx = zp_ctx_new();
    char path[512], out[600], cmd[1400], line[256];
    snprintf(path, sizeof path, "%s/test_mps_%ld.mps", ZP_BINARY_DIR, (long)getpid());
    snprintf(out, sizeof out, "%s.txt", path);
    zp__mps m = the_mip();
    assert_int_equal(zp__mps_write(ctx, path, &m), ZP_OK);

    const char *text = slurp(path);
    const char *want[] = {"* a test\nNAME test\nROWS\n N obj\n E e\n L l\n G g\n G r\n N f\n",
                          " M0 'MARKER' 'INTORG'\n x obj 3\n x e 1\n", " M1 'MARKER' 'INTEND'\n",
                          " v obj 0\n", "RHS\n rhs l 3\n rhs g 3\n rhs r 1\nRANGES\n rng r 3\n",
                          " PL bnd x\n", " MI bnd y\n", " FX bnd z 2\n",
                          " LO bnd w 1\n UP bnd w 3\n", "ENDATA\n"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(text, want[i]))
            fail_msg("no \"%s\" in:\n%s", want[i], text);

    snprintf(cmd, sizeof cmd, "glpsol --freemps '%s' -o '%s' >/dev/null 2>&1", path, out);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    double v = NAN;
    int optimal = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "Status:") && strstr(line, "INTEGER OPTIMAL"))
            optimal = 1;
        sscanf(line, "Objective: obj = %lf", &v);
    }
    fclose(f);
    assert_true(optimal);
    assert_near(v, 4.0, 1e-9);
    remove(out);
    remove(path);
    zp_ctx_free(ctx);
}

static void test_mps_unwritable(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp__mps m = the_mip();
    assert_int_equal(zp__mps_write(ctx, "/nonexistent-dir/x.mps", &m), ZP_EIO);
    assert_non_null(strstr(zp_ctx_errmsg(ctx), "/nonexistent-dir/x.mps: cannot write the MPS file"));
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mps_glpsol),
        cmocka_unit_test(test_mps_unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
