"""An independent calculation of the zero-carbon park indicator, written from
docs/methodology.md ("Zero-carbon park indicator", "Carbon accounting",
"Green power", "Factor selection") and the tables under data/factors, not
from the engine's code. Used by tests/cli/indicator_check.py.

    electricity = import - export + on-site PV and wind used (after curtailment)
    energy      = electricity x k + sum of fuels' NCV / 29.3076 GJ per tce
                  k: equal value, power_coal.csv of the year rule (gce/kWh / 1e6);
                     calorific, 0.1229 kgce/kWh
    market      = Scope 1 + (import - certificates - contracts applied) x residual
    location    = Scope 1 + sum import x grid factor
    green       = min(electricity, max(0, PV + wind - export) + instruments applied)
    clean share = 100 x green x k / energy (with natural gas: + the gas tce)
    annual      = energy x hours of the year from the start / hours of the period
"""
import calendar
import csv
import datetime as dt
import os

GJ_PER_TCE = 29.3076
CAL_TCE_PER_KWH = 0.1229e-3


class Factors:
    def __init__(self, src):
        self.dir = os.path.join(src, "data", "factors")

    def rows(self, name):
        with open(os.path.join(self.dir, name), newline="") as f:
            return list(csv.DictReader(f))

    @staticmethod
    def year_rule(years, y):
        """accounting.year absent: y, else the latest before y, else the first."""
        ys = sorted(years)
        if y in ys:
            return y
        before = [v for v in ys if v < y]
        return before[-1] if before else ys[0]

    def pick(self, rows, y):
        yy = self.year_rule([int(x["year"]) for x in rows], y)
        return float([x for x in rows if int(x["year"]) == yy][0]["value"])

    def grid(self, region, y):
        return self.pick([x for x in self.rows("grid.csv")
                          if x["region"] == region and x["kind"] == "average"], y)

    def residual(self, y):
        return self.pick([x for x in self.rows("grid.csv")
                          if x["region"] == "national" and x["kind"] == "residual"], y)

    def power_coal(self, y):
        return self.pick(self.rows("power_coal.csv"), y)

    def fuel(self, typ, fuel_set="cn"):
        """(t CO2 per unit, tce per unit)"""
        if typ == "purchased_heat":
            return float(self.rows("heat.csv")[0]["value"]), 1.0 / GJ_PER_TCE
        rows = [x for x in self.rows("fuels.csv") if x["type"] == typ]
        x = ([r for r in rows if r["set"] == fuel_set] or
             [r for r in rows if r["set"] == "ipcc2006"])[0]
        ncv, cc, of = float(x["ncv"]), float(x["carbon_content"]), float(x["oxidation"])
        return ncv * cc * of * 44.0 / 12.0, ncv / GJ_PER_TCE


def leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def monthly_green(times, step_h, imp, mwh_per_month):
    """A monthly contract: per local calendar month, contracted MWh pro rata
    by the days the window covers (whole days here), at most the month's import."""
    months = {}
    for i, t in enumerate(times):
        m = months.setdefault((t.year, t.month), [0.0, 0])
        m[0] += imp[i]
        m[1] += 1
    total = 0.0
    for (y, mo), (mimp, steps) in months.items():
        days = steps * step_h / 24.0
        total += min(mwh_per_month * 1000.0 * days / calendar.monthrange(y, mo)[1], mimp)
    return total


def indicator(F, model, times, step_h, imp, exp, gen, gp_kwh=None, grid_ef=None):
    """model: the park model (dict); times: step starts (aware, local offset);
    imp, exp, gen: kWh per step (gen: PV + wind used, after curtailment);
    gp_kwh: green power delivered over the window (None: from the model's
    monthly contract); grid_ef: kg/kWh per step (None: the model's or the
    factor set's). Amounts given for the model period are pro-rated."""
    n = len(times)
    y = times[0].year
    acc = model.get("accounting", {})
    g = model.get("grid", {})
    if grid_ef is None:
        ef = g.get("emission_factor_kg_per_kwh")
        if ef is None:
            ef = F.grid(acc.get("grid_region", "national"), acc.get("year", y))
        grid_ef = [ef] * n
    p = model["period"]
    period_h = (dt.datetime.fromisoformat(p["end"]) -
                dt.datetime.fromisoformat(p["start"])).total_seconds() / 3600
    run_h = n * step_h
    share = run_h / period_h
    s1 = fuel_tce = gas_tce = 0.0
    for fu in model.get("fuels", []):
        f, tce = F.fuel(fu["type"], acc.get("fuel_set", "cn"))
        s1 += fu["amount"] * share * f
        fuel_tce += fu["amount"] * share * tce
        if fu["type"] in ("natural_gas", "lng"):
            gas_tce += fu["amount"] * share * tce
    IMP, EXP, GEN = sum(imp), sum(exp), sum(gen)
    s2loc = sum(i * e for i, e in zip(imp, grid_ef)) / 1000.0
    certs = model.get("certificates", {}).get("green_certificates_mwh", 0) * 1000 * share
    contracts = acc.get("green_power_contracts_mwh", 0) * 1000 * share
    gp = g.get("green_power")
    if gp_kwh is None:
        gp_kwh = monthly_green(times, step_h, imp, gp["mwh_per_month"]) \
            if gp and "mwh_per_month" in gp else 0.0
    cert_app = min(IMP, certs)
    applied = cert_app + min(IMP - cert_app, contracts + gp_kwh)
    if "residual_factor_kg_per_kwh" in acc:
        rf = acc["residual_factor_kg_per_kwh"]
    else:
        rf = F.residual(acc.get("year", y))
    s2mkt = (IMP - applied) * rf / 1000.0
    k = F.power_coal(acc.get("year", y)) * 1e-6
    elec = IMP - EXP + GEN
    e_ev = elec * k + fuel_tce
    e_cal = elec * CAL_TCE_PER_KWH + fuel_tce
    green = min(elec, max(0.0, GEN - EXP) + applied)
    mk, lc = s1 + s2mkt, s1 + s2loc
    div = lambda a, b: (a / b) if b > 0 else None
    t0 = times[0]
    year_h = 8784.0 if (leap(t0.year) if t0.month <= 2 else leap(t0.year + 1)) else 8760.0
    ann = e_ev * year_h / run_h
    return {
        "t_co2_per_tce": div(mk, e_ev),
        "market_calorific": div(mk, e_cal),
        "location_equal_value": div(lc, e_ev),
        "location_calorific": div(lc, e_cal),
        "clean_energy_share_pct": div(100 * green * k, e_ev),
        "clean_calorific": div(100 * green * CAL_TCE_PER_KWH, e_cal),
        "clean_with_gas": div(100 * (green * k + gas_tce), e_ev),
        "electricity_kwh": elec,
        "green_electricity_kwh": green,
        "energy_equal_value": e_ev,
        "energy_calorific": e_cal,
        "emissions_market": mk,
        "emissions_location": lc,
        "power_coal_gce_per_kwh": k * 1e6,
        "annual_energy_tce": ann,
        "notice_limit_t_co2_per_tce": 0.3 if ann >= 1e6 else 0.2,
        "full_year": run_h >= year_h,
    }


# The engine's JSON (simulate --json / account --json "indicator") by the names above.
ENGINE = {
    "t_co2_per_tce": lambda d: d["t_co2_per_tce"],
    "market_calorific": lambda d: d["t_co2_per_tce_by_method"]["market_calorific"],
    "location_equal_value": lambda d: d["t_co2_per_tce_by_method"]["location_equal_value"],
    "location_calorific": lambda d: d["t_co2_per_tce_by_method"]["location_calorific"],
    "clean_energy_share_pct": lambda d: d["clean_energy_share_pct"],
    "clean_calorific": lambda d: d["clean_energy_share_by_method_pct"]["calorific"],
    "clean_with_gas": lambda d: d["clean_energy_share_by_method_pct"]["with_natural_gas"],
    "electricity_kwh": lambda d: d["electricity_kwh"],
    "green_electricity_kwh": lambda d: d["green_electricity_kwh"],
    "energy_equal_value": lambda d: d["energy_tce"]["equal_value"],
    "energy_calorific": lambda d: d["energy_tce"]["calorific"],
    "emissions_market": lambda d: d["emissions_t"]["market"],
    "emissions_location": lambda d: d["emissions_t"]["location"],
    "power_coal_gce_per_kwh": lambda d: d["power_coal_gce_per_kwh"],
    "annual_energy_tce": lambda d: d["annual_energy_tce"],
    "notice_limit_t_co2_per_tce": lambda d: d["notice_limit_t_co2_per_tce"],
    "full_year": lambda d: d["full_year"],
}


def differences(mine, engine, rel=1e-7):
    """The keys where the engine's indicator differs from the reference."""
    out = []
    for key, get in ENGINE.items():
        a, b = mine[key], get(engine)
        if a is None or b is None or isinstance(a, bool):
            same = a == b
        else:
            same = abs(a - b) <= rel * max(1.0, abs(a))
        if not same:
            out.append(f"{key}: reference {a!r}, engine {b!r}")
    return out


def meters(path):
    """A metered CSV of *_kwh or *_kw columns: times, step_h, import, export,
    PV + wind (kWh per step)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    tcol = list(rows[0].keys())[0]
    times = [dt.datetime.fromisoformat(r[tcol]) for r in rows]
    step_h = (times[1] - times[0]).total_seconds() / 3600

    def col(prefixes):
        out = [0.0] * len(rows)
        for c in rows[0]:
            if any(c.startswith(p) for p in prefixes):
                mult = step_h if c.endswith("_kw") else 1.0
                for i, r in enumerate(rows):
                    out[i] += float(r[c]) * mult
        return out
    return (times, step_h, col(["grid_import"]), col(["grid_export"]),
            col(["pv.", "pv_", "wind.", "wind_"]))


def write_meters(path, start, hours, step_min, fn):
    """fn(t) -> {column: value}; rows every step_min from start for hours."""
    t0 = dt.datetime.fromisoformat(start)
    n = int(round(hours * 60 / step_min))
    with open(path, "w") as f:
        cols = None
        for i in range(n):
            t = t0 + dt.timedelta(minutes=step_min * i)
            r = fn(t)
            if cols is None:
                cols = list(r)
                f.write("time," + ",".join(cols) + "\n")
            f.write(t.isoformat() + "," + ",".join(repr(float(r[c])) for c in cols) + "\n")
