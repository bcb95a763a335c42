/*
 * test_tariff_bill.c - the bill (zeropark/tariff.h, "The bill"): a case
 * worked by hand over two months, the first a part month (energy at
 * time-of-use prices from a tariff, the demand charge pro rata by days,
 * export, battery wear, a green-power contract); the 1/30 rule, the
 * capacity basis and an hourly green profile; park-local months; what an
 * hourly step does to a 15-minute peak; the wear formula; bad input; the
 * months a dispatch prices its peaks in (zp_bill_months).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zeropark/zeropark.h"
#include "testutil.h"

#define OFF8 480 /* +08:00 */

static zp_time_t local(int y, unsigned m, unsigned d, int h)
{
    return zp_days_from_civil(y, m, d) * 86400 - OFF8 * 60 + h * 3600;
}

/* 2024-01-20 00:00 to 2024-03-01 00:00 at +08:00, hourly: 12 days of
 * January (of 31) and all 29 days of February. */
#define NSTEPS ((12 + 29) * 24)

typedef struct run {
    zp_time_grid g;
    double imp[NSTEPS], exp[NSTEPS], price[NSTEPS], dis[NSTEPS], green[NSTEPS];
} run;

static size_t step_at(const run *r, zp_time_t t) { return (size_t)((t - r->g.start) / 3600); }

/* Flat 1000 kW with three spikes; 200 kW exported one noon; the battery
 * discharges 500 kW 17:00-19:00 every day; prices from a tariff of 0.5
 * CNY/kWh and 1.0 at 10-12 and 14-19. */
static void make_run(zp_ctx *ctx, run *r)
{
    static const char *const tariff =
        "{\"name\": \"two-price\", \"periods\": {\"flat\": {\"cny_per_kwh\": 0.5}, "
        "\"peak\": {\"cny_per_kwh\": 1.0}},\n"
        " \"schedule\": [{\"period\": \"flat\", \"hours\": [\"19-10\", \"12-14\"]},\n"
        "              {\"period\": \"peak\", \"hours\": [\"10-12\", \"14-19\"]}]}";
    zp_tariff *t = NULL;
    memset(r, 0, sizeof *r);
    r->g.start = local(2024, 1, 20, 0);
    r->g.step_s = 3600;
    r->g.count = NSTEPS;
    r->g.offset_min = OFF8;
    for (size_t i = 0; i < NSTEPS; i++) {
        r->imp[i] = 1000;
        r->dis[i] = (i % 24 == 17 || i % 24 == 18) ? 500 : 0;
    }
    r->imp[step_at(r, local(2024, 1, 25, 15))] = 1800; /* peak hour */
    r->imp[step_at(r, local(2024, 2, 10, 11))] = 2500; /* peak hour */
    r->imp[step_at(r, local(2024, 2, 20, 3))] = 2000;  /* flat hour */
    r->exp[step_at(r, local(2024, 2, 5, 12))] = 200;
    assert_int_equal(zp_tariff_load_buf(ctx, tariff, strlen(tariff), "two.json", &t), ZP_OK);
    assert_int_equal(zp_tariff_prices(ctx, t, &r->g, NULL, r->price), ZP_OK);
    zp_tariff_free(ctx, t);
}

static void test_hand_case(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    run *r = malloc(sizeof *r);
    assert_non_null(r);
    make_run(ctx, r);
    zp_bill_storage bat = {"b1", r->dis, 0.1, 2000, 0.95, 6000, 0.8};
    zp_green_contract gc = {300, NULL, 30};
    zp_bill_input in;
    zp_bill_input_init(&in);
    in.grid = r->g;
    in.import_kw = r->imp;
    in.export_kw = r->exp;
    in.price_cny_per_kwh = r->price;
    in.export_price_flat_cny_per_kwh = 0.3;
    in.demand_charge_cny_per_kw_month = 36.1;
    in.storage = &bat;
    in.nstorage = 1;
    in.green = &gc;
    zp_bill *b = NULL;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_OK);

    /* Energy. A day of 1000 kW: 7 peak hours at 1.0 and 17 flat at 0.5 =
     * 15 500 CNY. January: 12 days = 186 000, + the 15:00 spike's 800 kWh at
     * 1.0 = 186 800. February: 29 days = 449 500, + 1 500 kWh at 1.0
     * (11:00) + 1 000 kWh at 0.5 (03:00) = 451 500. */
    assert_int_equal(b->nmonths, 2);
    zp_bill_month *jan = &b->months[0], *feb = &b->months[1];
    assert_string_equal(jan->month, "2024-01");
    assert_string_equal(feb->month, "2024-02");
    assert_near(jan->cost.energy, 186800, 1e-6);
    assert_near(feb->cost.energy, 451500, 1e-6);
    assert_near(b->cost.energy, 638300, 1e-6);

    /* Demand: each month's highest hour, the part month pro rata by days.
     * January: 36.1 x 1800 kW x 12/31 = 779 760 / 31 = 25 153.548387...
     * February: 36.1 x 2500 kW x 29/29 = 90 250. */
    assert_int_equal(jan->days_covered, 12);
    assert_int_equal(jan->days_in_month, 31);
    assert_int_equal(feb->days_covered, 29);
    assert_int_equal(feb->days_in_month, 29);
    assert_near(jan->fraction, 12.0 / 31, 1e-15);
    assert_near(feb->fraction, 1, 0);
    assert_near(jan->peak_import_kw, 1800, 0);
    assert_true(jan->peak_at == local(2024, 1, 25, 15));
    assert_near(feb->peak_import_kw, 2500, 0);
    assert_true(feb->peak_at == local(2024, 2, 10, 11));
    assert_near(jan->cost.demand, 25153.548387096774, 1e-8);
    assert_near(feb->cost.demand, 90250, 1e-8);
    assert_near(b->cost.demand, 115403.548387096774, 1e-8);
    assert_near(b->cost.capacity, 0, 0);

    /* Export: 200 kWh at 0.3 = 60, in February. */
    assert_near(feb->cost.export_revenue, 60, 1e-9);
    assert_near(b->cost.export_revenue, 60, 1e-9);
    assert_near(b->export_kwh, 200, 1e-9);

    /* Wear: 1 000 kWh a day; 12 000 in January, 29 000 in February, at 0.1
     * CNY/kWh = 4 100. Cycles: 41 000 / (2 000 x 0.95) = 21.578947...;
     * a year: x 8 766 h / 984 h = 192.2361...; fade: x (1 - 0.8) / 6 000. */
    assert_near(jan->cost.degradation, 1200, 1e-9);
    assert_near(feb->cost.degradation, 2900, 1e-9);
    assert_int_equal(b->nstorage, 1);
    assert_string_equal(b->storage[0].name, "b1");
    assert_near(b->storage[0].discharged_kwh, 41000, 1e-9);
    assert_near(b->storage[0].degradation_cny, 4100, 1e-9);
    assert_near(b->storage[0].cycles, 41000.0 / 1900, 1e-12);
    assert_near(b->storage[0].cycles_per_year, 41000.0 / 1900 * 8766 / 984, 1e-9);
    assert_near(b->storage[0].fade_per_year, 41000.0 / 1900 * 8766 / 984 * 0.2 / 6000, 1e-15);
    assert_near(b->hours, 984, 0);

    /* Green power: 300 MWh a month, the part month 300 x 12/31 =
     * 116.129032 MWh (January imported 288.8 MWh, more than that);
     * February 300 of 698.5 MWh. Premium 30 CNY/MWh: 3 483.870968 + 9 000. */
    assert_near(jan->import_kwh, 288800, 1e-9);
    assert_near(feb->import_kwh, 698500, 1e-9);
    assert_near(jan->green_mwh, 300.0 * 12 / 31, 1e-9);
    assert_near(feb->green_mwh, 300, 1e-9);
    assert_near(b->cost.green_power, 300.0 * 12 / 31 * 30 + 9000, 1e-8);

    /* The total: 638 300 + 115 403.548387 - 60 + 4 100 + 12 483.870968 */
    double total = 638300 + 779760.0 / 31 + 90250 - 60 + 4100 + 300.0 * 12 / 31 * 30 + 9000;
    assert_near(b->cost.total, total, 1e-7);
    assert_near(b->cost.total, 770227.41935483871, 1e-7);
    assert_near(jan->cost.total + feb->cost.total, b->cost.total, 1e-7);
    zp_bill_free(ctx, b);

    /* The 1996 rule's 1/30 a day: January pays 12/30 of the charge. */
    in.prorate = ZP_PRORATE_30;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_OK);
    assert_near(b->months[0].fraction, 0.4, 1e-15);
    assert_near(b->months[0].cost.demand, 36.1 * 1800 * 0.4, 1e-9);
    assert_near(b->months[1].cost.demand, 90250, 1e-9);
    zp_bill_free(ctx, b);

    /* The capacity basis: 22.6 CNY/kVA-month on 3 150 kVA, fixed, pro rata:
     * 71 190 x 12/31 + 71 190. */
    in.prorate = ZP_PRORATE_CALENDAR;
    in.demand_charge_cny_per_kw_month = 0;
    in.capacity_charge_cny_per_kva_month = 22.6;
    in.transformer_kva = 3150;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_OK);
    assert_near(b->cost.demand, 0, 0);
    assert_near(b->months[0].cost.capacity, 71190.0 * 12 / 31, 1e-8);
    assert_near(b->cost.capacity, 71190.0 * 12 / 31 + 71190, 1e-8);
    zp_bill_free(ctx, b);

    /* A green profile of 400 kW: delivered 400 kWh an hour, capped at the
     * import (never below 400 here): 984 x 0.4 MWh at 30. */
    for (size_t i = 0; i < NSTEPS; i++)
        r->green[i] = 400;
    r->green[0] = 1200; /* more than the 1000 kW imported: 1000 delivered */
    gc.mwh_per_month = 0;
    gc.profile_kw = r->green;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_OK);
    assert_near(b->green_mwh, 983 * 0.4 + 1.0, 1e-9);
    assert_near(b->cost.green_power, (983 * 0.4 + 1.0) * 30, 1e-8);
    zp_bill_free(ctx, b);
    free(r);
    zp_ctx_free(ctx);
}

/* Months are the park's: a grid starting 2024-02-01 00:00 +08:00
 * (2024-01-31 16:00 UTC) is all February; a step belongs to the month it
 * starts in. */
static void test_local_months(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double imp[48], price[48];
    for (int i = 0; i < 48; i++) {
        imp[i] = 100 + i;
        price[i] = 1;
    }
    zp_bill_input in;
    zp_bill_input_init(&in);
    in.grid = (zp_time_grid){local(2024, 2, 1, 0), 3600, 48, OFF8};
    in.import_kw = imp;
    in.price_cny_per_kwh = price;
    in.demand_charge_cny_per_kw_month = 10;
    zp_bill *b = NULL;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_OK);
    assert_int_equal(b->nmonths, 1);
    assert_string_equal(b->months[0].month, "2024-02");
    assert_int_equal(b->months[0].days_covered, 2);
    assert_near(b->cost.demand, 10 * 147 * 2.0 / 29, 1e-9);
    zp_bill_free(ctx, b);
    /* two hours earlier: the first two steps are January's (one day) */
    in.grid.start -= 2 * 3600;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_OK);
    assert_int_equal(b->nmonths, 2);
    assert_string_equal(b->months[0].month, "2024-01");
    assert_int_equal(b->months[0].steps, 2);
    assert_int_equal(b->months[0].days_covered, 1);
    assert_near(b->months[0].peak_import_kw, 101, 0);
    assert_int_equal(b->months[1].first, 2);
    zp_bill_free(ctx, b);
    zp_ctx_free(ctx);
}

/* The meter bills the highest 15-minute mean; an hourly step averages a
 * 15-minute spike away: 1000 kW with 4000 kW for a quarter hour is 1750
 * kW as an hourly mean. */
/* zp_bill_months: the months a dispatch prices its peaks in are the
 * bill's (the hand case's grid: 12/31 of January, all of February). */
static void test_months_for_dispatch(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    zp_time_grid g = {local(2024, 1, 20, 0), 3600, NSTEPS, OFF8};
    uint16_t *mos = calloc(NSTEPS, sizeof *mos);
    double *frac = NULL;
    size_t n = 0;
    assert_non_null(mos);
    assert_int_equal(zp_bill_months(ctx, &g, ZP_PRORATE_CALENDAR, mos, &frac, &n), ZP_OK);
    assert_int_equal(n, 2);
    assert_near(frac[0], 12.0 / 31.0, 1e-15);
    assert_near(frac[1], 1.0, 0);
    assert_int_equal(mos[0], 0);
    assert_int_equal(mos[12 * 24 - 1], 0);
    assert_int_equal(mos[12 * 24], 1);
    assert_int_equal(mos[NSTEPS - 1], 1);
    zp_free(ctx, frac);
    /* the 1/30 rule; no arrays asked for */
    assert_int_equal(zp_bill_months(ctx, &g, ZP_PRORATE_30, NULL, &frac, &n), ZP_OK);
    assert_near(frac[0], 12.0 / 30.0, 1e-15);
    zp_free(ctx, frac);
    assert_int_equal(zp_bill_months(ctx, &g, ZP_PRORATE_CALENDAR, NULL, NULL, &n), ZP_OK);
    assert_int_equal(n, 2);
    /* a month starts on the park's clock: 2024-01-31 16:00 UTC is February */
    zp_time_grid u = {local(2024, 1, 31, 23), 3600, 2, OFF8};
    assert_int_equal(zp_bill_months(ctx, &u, ZP_PRORATE_CALENDAR, mos, &frac, &n), ZP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(mos[1], 1);
    assert_near(frac[0], 1.0 / 31.0, 1e-15);
    assert_near(frac[1], 1.0 / 29.0, 1e-15);
    zp_free(ctx, frac);
    g.step_s = 0;
    assert_int_equal(zp_bill_months(ctx, &g, ZP_PRORATE_CALENDAR, mos, NULL, &n), ZP_EINVAL);
    free(mos);
    zp_ctx_free(ctx);
}

static void test_fifteen_minutes(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double q[4] = {1000, 4000, 1000, 1000}, h[1] = {1750}, pq[4] = {1, 1, 1, 1}, ph[1] = {1};
    zp_bill_input in;
    zp_bill_input_init(&in);
    in.demand_charge_cny_per_kw_month = 36.1;
    in.grid = (zp_time_grid){local(2024, 7, 1, 10), 900, 4, OFF8};
    in.import_kw = q;
    in.price_cny_per_kwh = pq;
    zp_bill *bq = NULL, *bh = NULL;
    assert_int_equal(zp_bill_compute(ctx, &in, &bq), ZP_OK);
    in.grid = (zp_time_grid){local(2024, 7, 1, 10), 3600, 1, OFF8};
    in.import_kw = h;
    in.price_cny_per_kwh = ph;
    assert_int_equal(zp_bill_compute(ctx, &in, &bh), ZP_OK);
    assert_near(bq->months[0].peak_import_kw, 4000, 0);
    assert_near(bh->months[0].peak_import_kw, 1750, 0);
    assert_near(bq->cost.energy, bh->cost.energy, 1e-9); /* the energy is the same */
    assert_near(bq->cost.demand / bh->cost.demand, 4000.0 / 1750, 1e-12);
    zp_bill_free(ctx, bq);
    zp_bill_free(ctx, bh);
    zp_ctx_free(ctx);
}

/* capex / (cycle life x depth x discharge efficiency x mean capacity). */
static void test_degradation(void **state)
{
    (void)state;
    /* 600 CNY/kWh of cells, 6 000 cycles at 85 %, 95 % out, 80 % left at
     * the end: 600 / (6000 x 0.85 x 0.95 x 0.9) = 600 / 4360.5 */
    assert_near(zp_degradation_cny_per_kwh(600, 6000, 0.85, 0.95, 0.8), 600 / 4360.5, 1e-15);
    assert_near(zp_degradation_cny_per_kwh(1000, 4000, 1, 1, 0), 0.5, 1e-15);
    assert_true(isnan(zp_degradation_cny_per_kwh(600, 0, 0.85, 0.95, 0.8)));
    assert_true(isnan(zp_degradation_cny_per_kwh(-1, 6000, 0.85, 0.95, 0.8)));
    assert_true(isnan(zp_degradation_cny_per_kwh(600, 6000, 1.2, 0.95, 0.8)));
    assert_true(isnan(zp_degradation_cny_per_kwh(600, 6000, 0.85, 0, 0.8)));
    assert_true(isnan(zp_degradation_cny_per_kwh(600, 6000, 0.85, 0.95, 1)));
    assert_true(isnan(zp_degradation_cny_per_kwh(NAN, 6000, 0.85, 0.95, 0.8)));
}

static void test_bad_input(void **state)
{
    (void)state;
    zp_ctx *ctx = zp_ctx_new();
    double imp[4] = {1, 2, 3, -1}, price[4] = {1, 1, NAN, 1}, ok[4] = {1, 1, 1, 1};
    zp_bill_input in;
    zp_bill *b = NULL;
    zp_bill_input_init(&in);
    in.grid = (zp_time_grid){local(2024, 7, 1, 0), 3600, 4, OFF8};
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx), "zp_bill_compute: the import_kw series is missing");
    in.import_kw = imp;
    in.price_cny_per_kwh = ok;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "import_kw[3] is -1: it must be a number of at least 0");
    in.import_kw = ok;
    in.price_cny_per_kwh = price;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx), "price_cny_per_kwh[2] is nan: it must be a finite number");
    in.price_cny_per_kwh = ok;
    in.demand_charge_cny_per_kw_month = 36.1;
    in.capacity_charge_cny_per_kva_month = 22.6;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "a demand charge (36.1 CNY/kW-month) and a capacity charge (22.6 "
                        "CNY/kVA-month) are both given: a park pays its basic charge on one basis; "
                        "set the other to 0");
    in.demand_charge_cny_per_kw_month = 0;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "a capacity charge needs transformer_kva (the transformers' kVA)");
    in.capacity_charge_cny_per_kva_month = 0;
    zp_green_contract gc = {10, ok, 30};
    in.green = &gc;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx), "green contract: give its energy per month "
                                            "(mwh_per_month) or its profile (profile_kw), one of "
                                            "them");
    in.green = NULL;
    zp_bill_storage s = {"b1", imp, 0.1, 100, 0.95, 6000, 0.8};
    in.storage = &s;
    in.nstorage = 1;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_EINVAL);
    assert_string_equal(zp_ctx_errmsg(ctx),
                        "storage[0] b1 discharge_kw[3] is -1: it must be a number of at least 0");
    s.discharge_kw = ok;
    in.grid.step_s = 0;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_EINVAL);
    in.grid.step_s = 3600;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_OK);
    assert_true(isnan(b->storage[0].fade_per_year) == 0);
    zp_bill_free(ctx, b);
    /* nothing to bill */
    in.grid.count = 0;
    in.nstorage = 0;
    assert_int_equal(zp_bill_compute(ctx, &in, &b), ZP_OK);
    assert_int_equal(b->nmonths, 0);
    assert_near(b->cost.total, 0, 0);
    zp_bill_free(ctx, b);
    zp_bill_free(ctx, NULL);
    zp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_case),      cmocka_unit_test(test_local_months),
        cmocka_unit_test(test_fifteen_minutes), cmocka_unit_test(test_degradation),
        cmocka_unit_test(test_bad_input),      cmocka_unit_test(test_months_for_dispatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
