#!/usr/bin/env bash
# indicator.sh ZEROPARK SOURCE_DIR - the zero-carbon park indicator (issue
# 16) and one green-power contract for simulate and account (issue 15):
#   - a park with natural gas and grid electricity over 2020: t CO2 per tce
#     and the clean-energy share worked by hand from the published
#     coefficients (guideline NCV and carbon content of natural gas, 29.3076
#     GJ/tce, 305.5 gce/kWh for 2020, 0.1229 kgce/kWh), equal in simulate
#     --json, account --json on the run's own flows, and the report (en, zh);
#   - its targets met at the boundary and missed 1e-6 beyond it;
#   - a month: the period's own ratio, annualised energy for the tier;
#   - grid.green_power, monthly and with an hourly profile: simulate and
#     account on the simulation's flows give the same market-based Scope 2
#     (and hourly-matched share), and the monthly one matches a hand count;
#   - a contract given twice (grid.green_power and
#     accounting.green_power_contracts_mwh) is a located error.
set -euo pipefail
zp=$1 src=$2
. "$src/tests/need.sh"
need python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec /usr/bin/python3 - "$zp" "$src" "$tmp" <<'PY'
import csv, json, math, os, subprocess, sys

zp, src, tmp = sys.argv[1:4]
fails, passed = [], [0]
def expect(cond, msg):
    print(("ok - " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if cond:
        passed[0] += 1
    else:
        fails.append(msg)
def run(*args, code=0):
    p = subprocess.run([zp, *args], capture_output=True, text=True, cwd=tmp)
    expect(p.returncode == code, f"zeropark {' '.join(args)}: exit {p.returncode} (want {code}) {p.stderr.strip()[:300]}")
    return p
def near(a, b, rel=1e-9):
    return a is not None and b is not None and abs(a - b) <= rel * abs(b) + 1e-9
def write(name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    return path

HOURS = 8784  # 2020 is a leap year
# The load: 1500 kW from 08:00 to 20:00, 500 kW otherwise (local time).
with open(os.path.join(tmp, "load.csv"), "w") as f:
    f.write("timestamp,factory_kw,contract_kw\n")
    for h in range(HOURS):
        hod = h % 24
        day_h = 8 <= hod < 20
        f.write(f"{h},{1500 if day_h else 500},{600}\n")
# timestamps as hours from the start are not ISO: rewrite them
import datetime as dt
t0 = dt.datetime(2020, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
rows = list(csv.reader(open(os.path.join(tmp, "load.csv"))))
with open(os.path.join(tmp, "load.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(rows[0])
    for r in rows[1:]:
        w.writerow([(t0 + dt.timedelta(hours=int(r[0]))).isoformat(), r[1], r[2]])

base = {
    "name": "gas and grid",
    "period": {"start": "2020-01-01T00:00:00+08:00", "end": "2021-01-01T00:00:00+08:00",
               "step_min": 60},
    "grid": {"emission_factor_kg_per_kwh": 0.5306, "price_cny_per_kwh": 0.6},
    "loads": [{"name": "factory", "power_kw": {"csv": "load.csv", "column": "factory_kw"}}],
    "fuels": [{"type": "natural_gas", "amount": 100000, "unit": "m3"}],
    "certificates": {"green_certificates_mwh": 2000},
    "accounting": {"residual": "value", "residual_factor_kg_per_kwh": 0.6096},
}

# ---- by hand, from the published coefficients --------------------------------
imp_kwh = 366 * (12 * 1500 + 12 * 500)           # 8 784 000 kWh, all from the grid
gj = 100000 * 389.31 / 10000                     # NCV 389.31 GJ per 10^4 m3
gas_t = gj * 15.30 / 1000 * 0.99 * 44 / 12       # CC 15.30 tC/TJ, OF 99 %
gas_tce = gj / 29.3076                           # GB/T 2589-2020: 29 307.6 kJ/kgce
eq = imp_kwh * 305.5e-6 + gas_tce                # 2020: 305.5 gce/kWh (NDRC)
cal = imp_kwh * 0.1229e-3 + gas_tce              # 0.1229 kgce/kWh
market = gas_t + (imp_kwh - 2000e3) * 0.6096 / 1000
location = gas_t + imp_kwh * 0.5306 / 1000
ind = market / eq
share = 100 * 2000e3 * 305.5e-6 / eq
print(f"# by hand: {ind:.6f} t CO2/tce, clean share {share:.4f} %, energy {eq:.4f} tce")
expect(abs(ind - 1.5452) < 1e-4, f"hand value 1.5452 t CO2/tce ({ind:.6f})")

m = write("park.json", base)
sim = json.loads(run("simulate", m, "--json", "--csv", os.path.join(tmp, "flows.csv")).stdout)
x = sim["indicator"]
expect(near(x["t_co2_per_tce"], ind), f"simulate: t_co2_per_tce {x['t_co2_per_tce']} = {ind}")
expect(near(x["energy_tce"]["equal_value"], eq), "simulate: energy_tce.equal_value by hand")
expect(near(x["energy_tce"]["calorific"], cal), "simulate: energy_tce.calorific by hand")
expect(near(x["emissions_t"]["market"], market), "simulate: emissions_t.market by hand")
expect(near(x["t_co2_per_tce_by_method"]["location_calorific"], location / cal),
       "simulate: location/calorific by hand")
expect(near(x["clean_energy_share_pct"], share), f"simulate: clean share {x['clean_energy_share_pct']} = {share}")
expect(near(x["clean_energy_share_by_method_pct"]["with_natural_gas"],
            100 * (2000e3 * 305.5e-6 + gas_tce) / eq), "simulate: clean share with gas by hand")
expect(x["method"] == {"emissions": "market", "electricity": "equal_value"}, "simulate: default method named")
expect(x["full_year"] is True and x["notice_limit_t_co2_per_tce"] == 0.2, "simulate: a full year, the 0.2 tier")

# account on the run's own flows, as meters
def meters(flows, out):
    rows = list(csv.DictReader(open(flows)))
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "grid_import_kw", "grid_export_kw", "load_kw"])
        for r in rows:
            w.writerow([r["timestamp"], r["grid_import_kw"], r["grid_export_kw"], r["consumption_kw"]])
meters(os.path.join(tmp, "flows.csv"), os.path.join(tmp, "meters.csv"))
acc = json.loads(run("account", m, "--data", os.path.join(tmp, "meters.csv"), "--json").stdout)
expect(near(acc["indicator"]["t_co2_per_tce"], ind), f"account --data: t_co2_per_tce {acc['indicator']['t_co2_per_tce']} = {ind}")
expect(near(acc["indicator"]["clean_energy_share_pct"], share), "account --data: clean share by hand")
txt = run("account", m, "--data", os.path.join(tmp, "meters.csv")).stdout
expect("t CO2 per tce (market, equal value)" in txt and f"{ind:.3f}" in txt, "account: the statement shows the indicator")

# the report, English and Chinese
for lang, word in (("en", "Carbon per unit of energy use"), ("zh", "单位能耗碳排放")):
    html = os.path.join(tmp, f"r-{lang}.html")
    run("report", m, "--html", html, "--lang", lang)
    page = open(html, encoding="utf-8").read()
    expect(word in page and 'id="energy-indicator"' in page, f"report ({lang}): the indicator row")
    expect(f"{ind:.3f}" in page, f"report ({lang}): shows {ind:.3f}")

# targets at the boundary: met at the value, missed 1e-6 beyond
def targets(doc):
    return {t["name"]: t for t in doc["targets"]}
at = dict(base, targets={"max_t_co2_per_tce": ind, "min_clean_energy_share_pct": share})
p = run("validate", write("at-targets.json", dict(base, targets={"max_t_co2_per_tce": 0.2,
                                                               "min_clean_energy_share_pct": 90})))
expect("t CO2 per tce <= 0.2;" in p.stdout and "clean-energy share >= 90%;" in p.stdout,
       "validate: the indicator's targets in the summary")
sim = json.loads(run("simulate", write("at.json", at), "--json").stdout)
tg = targets(sim)
expect(tg["max_t_co2_per_tce"]["met"] is True and tg["min_clean_energy_share_pct"]["met"] is True,
       "simulate: targets at the hand values are met")
beyond = dict(base, targets={"max_t_co2_per_tce": ind * (1 - 1e-6),
                             "min_clean_energy_share_pct": share * (1 + 1e-6)})
bm = write("beyond.json", beyond)
tg = targets(json.loads(run("simulate", bm, "--json").stdout))
expect(tg["max_t_co2_per_tce"]["met"] is False and tg["min_clean_energy_share_pct"]["met"] is False,
       "simulate: targets 1e-6 beyond the hand values are missed")
tg = targets(json.loads(run("account", bm, "--data", os.path.join(tmp, "meters.csv"), "--json").stdout))
expect(tg["max_t_co2_per_tce"]["status"] == "missed" and tg["min_clean_energy_share_pct"]["status"] == "missed",
       "account: the same targets are missed over the complete year")
bad = dict(base, targets={"max_t_co2_per_tce": -1})
p = run("validate", write("bad.json", bad), code=1)
expect("targets.max_t_co2_per_tce" in p.stderr, "validate: a negative max_t_co2_per_tce names its key")

# a month: its own ratio, energy annualised for the tier
mo = json.loads(run("simulate", m, "--json", "--to", "2020-02-01T00:00:00+08:00").stdout)["indicator"]
jan_kwh = 31 * (12 * 1500 + 12 * 500)
jan_eq = jan_kwh * 305.5e-6 + gas_tce * 744 / HOURS
expect(mo["full_year"] is False and near(mo["energy_tce"]["equal_value"], jan_eq), "a month: its energy by hand")
# the year from January 2020 holds 29 February: 8784 h (docs/methodology.md "Periods")
expect(near(mo["annual_energy_tce"], jan_eq * 8784 / 744), "a month: annual_energy_tce = energy x 8784 / 744")

# ---- one green-power contract for simulate and account -------------------------
def scope2(doc):
    return doc["emissions_t"]["scope2_market"]
for kind, gp in (("monthly", {"mwh_per_month": 200, "premium_cny_per_mwh": 30}),
                 ("profile", {"profile": {"csv": "load.csv", "column": "contract_kw"}})):
    g = dict(base)
    g["grid"] = dict(base["grid"], green_power=gp)
    gm = write(f"green-{kind}.json", g)
    flows = os.path.join(tmp, f"flows-{kind}.csv")
    s = json.loads(run("simulate", gm, "--json", "--csv", flows).stdout)
    meters(flows, os.path.join(tmp, f"meters-{kind}.csv"))
    a = json.loads(run("account", gm, "--data", os.path.join(tmp, f"meters-{kind}.csv"), "--json").stdout)
    expect(near(scope2(a), scope2(s)), f"{kind}: account --data scope 2 market {scope2(a)} = simulate's {scope2(s)}")
    expect(near(a["green_share_pct"]["hourly_matched"], s["green_share_pct"]["hourly_matched"]),
           f"{kind}: hourly-matched share equal ({a['green_share_pct']['hourly_matched']})")
    expect(near(a["indicator"]["t_co2_per_tce"], s["indicator"]["t_co2_per_tce"]), f"{kind}: indicator equal")
    if kind == "monthly":
        # 200 MWh in each of 12 whole months, every month importing more
        want = (imp_kwh - 2000e3 - 12 * 200e3) * 0.6096 / 1000
        expect(near(scope2(a), want), f"monthly: scope 2 market by hand {want}")
        expect(near(a["scope2_market"]["contracts_mwh"], 2400), "monthly: 2400 MWh delivered")
    else:
        # min(600, import): 600 by day (1500 kW), 500 at night (500 kW)
        want_mwh = 366 * (12 * 600 + 12 * 500) / 1000
        expect(near(a["scope2_market"]["contracts_mwh"], want_mwh), f"profile: {want_mwh} MWh delivered")
        expect(a["green_share_pct"]["hourly_matched"] > 0, "profile: matched hour by hour")

twice = dict(base, accounting=dict(base["accounting"], green_power_contracts_mwh=500))
twice["grid"] = dict(base["grid"], green_power={"mwh_per_month": 200})
p = run("account", write("twice.json", twice), "--data", os.path.join(tmp, "meters.csv"), code=2)
expect("twice.json:" in p.stderr and "accounting.green_power_contracts_mwh" in p.stderr
       and "grid.green_power" in p.stderr, "a contract given twice: located error " + p.stderr.strip()[:200])

print(f"{passed[0]} passed, {len(fails)} failed")
sys.exit(1 if fails else 0)
PY
