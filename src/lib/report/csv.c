/*
 * csv.c - the report's monthly table as CSV, with each month's energy cost,
 * peak grid import and bill.
 */
#include "report/report_impl.h"

#include <math.h>

/* The month of the cost figures that starts in the same local month as t. */
static const zp_report_cost_month *cost_month(const rep *p, zp_time_t t)
{
    int64_t y, y2;
    unsigned mo, mo2, d;
    zp_civil_from_days(local_day(t, p->off), &y, &mo, &d);
    for (size_t i = 0; i < p->cost->nmonths; i++) {
        zp_civil_from_days(local_day(p->cost->months[i].start, p->off), &y2, &mo2, &d);
        if (y2 == y && mo2 == mo)
            return &p->cost->months[i];
    }
    return NULL;
}

/* The monthly table as CSV. */
void rep__csv(rep *p)
{
    sbuf *b = &p->b;
    sb_puts(b, "month,scope1_t,scope2_location_t,scope2_market_t,total_location_t,total_market_t,"
               "pv_kwh,wind_kwh,storage_charge_kwh,storage_discharge_kwh,grid_import_kwh,"
               "grid_export_kwh,consumption_kwh,cfe_kwh,green_share_hourly_pct,dc_it_kwh,"
               "dc_facility_kwh,pue,energy_tce_calorific,energy_tce_equal_value,import_cost_cny,"
               "export_revenue_cny,net_cost_cny,peak_import_kw,peak_import_at,demand_charge_cny,"
               "capacity_charge_cny,degradation_cny,green_power_cny,bill_cny\n");
    for (size_t i = 0; i < p->nmonths; i++) {
        const zp_acct_totals *x = &p->months[i];
        char day[16];
        rep__date_label(day, sizeof day, local_day(x->start, p->off));
        day[7] = '\0'; /* YYYY-MM */
        const double v[] = {x->scope1_t, x->scope2_location_t, x->scope2_market_t, x->total_location_t,
                            x->total_market_t, x->pv_kwh, x->wind_kwh, x->storage_charge_kwh,
                            x->storage_discharge_kwh, x->grid_import_kwh, x->grid_export_kwh,
                            x->consumption_kwh, x->cfe_kwh, x->green_share_hourly_pct, x->dc_it_kwh,
                            x->dc_facility_kwh, x->pue, x->energy_tce_calorific, x->energy_tce_equal_value};
        sb_puts(b, day);
        for (size_t k = 0; k < ZP_ARRAY_LEN(v); k++) {
            /* Empty field for "not applicable" (no IT energy, no tce). */
            if (isfinite(v[k]))
                sb_printf(b, ",%.12g", v[k]);
            else
                sb_puts(b, ",");
        }
        const zp_report_cost_month *c = cost_month(p, x->start);
        if (c) {
            char at[ZP_TIME_BUFSIZE];
            sb_printf(b, ",%.12g,%.12g,%.12g,%.12g,%s,%.12g,%.12g,%.12g,%.12g,%.12g",
                      c->import_cost_cny, c->export_revenue_cny, c->net_cny, c->peak_import_kw,
                      zp_time_format(c->peak_at, p->off, at), c->bill.demand, c->bill.capacity,
                      c->bill.degradation, c->bill.green_power, c->bill.total);
        } else {
            sb_puts(b, ",,,,,,,,,,");
        }
        sb_puts(b, "\n");
    }
}
