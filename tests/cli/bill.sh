#!/usr/bin/env bash
# bill.sh ZEROPARK SOURCE_DIR - the bill a park pays (issue 15): a model on a
# named tariff and the same model on the equivalent price CSV give the same
# run (2024, with its leap day, on +08:00); the demand part of
# cost_breakdown_cny is the charge times the monthly peaks recomputed with
# pandas from `simulate --csv` flows, a part month pro rata by days; the
# energy, wear and total likewise; the examples' bills; the report's bill
# rows in English and Chinese; compare's breakdown and split.
set -euo pipefail
zp=$1 src=$2
. "$src/tests/need.sh"
need python3 py:pandas
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec /usr/bin/python3 - "$zp" "$src" "$tmp" <<'PY'
import calendar, json, math, os, subprocess, sys
from datetime import datetime, timedelta, timezone
import pandas as pd

zp, src, tmp = sys.argv[1:4]
fails = []
def expect(cond, msg):
    print(("ok - " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if not cond:
        fails.append(msg)
def run(*args):
    p = subprocess.run([zp, *args], capture_output=True, text=True, cwd=tmp)
    expect(p.returncode == 0, f"zeropark {' '.join(args)}: exit {p.returncode} {p.stderr.strip()[:300]}")
    return p.stdout
def near(a, b, rel=1e-9, abs_=1e-6):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + abs_

# --- the Guangdong large-industry tariff, by hand ---------------------------
# data/tariffs/guangdong.json: flat = base 0.66096875 CNY/kWh; valley and
# peak are ratios 0.38 and 1.7 of the part above the fixed 0.02766875 (the
# funds do not float); the critical peak (Jul-Sep, 11-12 and 15-17) is 1.25
# x the peak's floating part. Hours: valley 0-8, flat 8-10 12-14 19-24,
# peak 10-12 14-19. No weekend or holiday distinction.
tf = json.load(open(os.path.join(src, "data/tariffs/guangdong.json")))
base, fixed = tf["base_price_cny_per_kwh"], tf["fixed_cny_per_kwh"]
valley, flat = fixed + 0.38 * (base - fixed), base
peak = fixed + 1.7 * (base - fixed)
critical = fixed + 1.25 * (peak - fixed)
def gd_price(month, hour):
    if hour < 8:
        return valley
    if month in (7, 8, 9) and hour in (11, 15, 16):
        return critical
    if 10 <= hour < 12 or 14 <= hour < 19:
        return peak
    return flat

# --- a park: a two-shift factory with a spike, a battery, flexible load -----
tz = timezone(timedelta(hours=8))
t0 = datetime(2024, 1, 1, tzinfo=tz)
hours = [t0 + timedelta(hours=h) for h in range(366 * 24)]
stamp = lambda t: t.isoformat()
with open(os.path.join(tmp, "load.csv"), "w") as f:
    f.write("timestamp,kw\n")
    for i, t in enumerate(hours):
        kw = 3000 if 8 <= t.hour < 22 and t.weekday() < 5 else 1200
        kw += 1500 if t.hour == 15 and t.day % 3 == 0 else 0     # a spike every third day
        kw += (i * 37) % 200                                      # some texture
        f.write(f"{stamp(t)},{kw}\n")
with open(os.path.join(tmp, "price.csv"), "w") as f:
    f.write("timestamp,price_cny_per_kwh\n")
    for t in hours:
        f.write(f"{stamp(t)},{gd_price(t.month, t.hour)!r}\n")
park = {"name": "bill park", "utc_offset_h": 8,
        "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2025-01-01T00:00:00+08:00"},
        "grid": {"emission_factor_kg_per_kwh": 0.5306, "import_limit_kw": 20000},
        "storage": [{"name": "b", "energy_kwh": 4000, "power_kw": 1000, "capex_cny_per_kwh": 600,
                     "cycle_life": 6000}],
        "loads": [{"name": "factory", "power_kw": {"csv": "load.csv", "column": "kw"},
                   "flexible": {"share": 0.2, "max_delay_h": 4}}],
        "objective": {"minimise": "cost_with_carbon_price", "carbon_price_cny_per_t": 95.8}}
named = json.loads(json.dumps(park))
named["grid"]["tariff"] = "guangdong-large-industry-2021"
csvp = json.loads(json.dumps(park))
csvp["grid"]["price_cny_per_kwh"] = {"csv": "price.csv", "column": "price_cny_per_kwh"}
csvp["grid"]["demand_charge_cny_per_kw_month"] = 36.1   # the tariff's, written out
for name, m in (("named.json", named), ("csv.json", csvp)):
    json.dump(m, open(os.path.join(tmp, name), "w"))
wear = 600 / (6000 * 0.85 * 0.95 * 0.9)                     # docs/tariffs.md "Battery wear"

# --- a named tariff = the same prices in a CSV --------------------------------
flows = {}
for disp in ("rule", "optimal"):
    a = json.loads(run("simulate", "named.json", "--dispatch", disp, "--json",
                       "--csv", f"named-{disp}.csv") or "{}")
    b = json.loads(run("simulate", "csv.json", "--dispatch", disp, "--json",
                       "--csv", f"csv-{disp}.csv") or "{}")
    if not a or not b:
        continue
    same = all(near(a["energy_kwh"][k], b["energy_kwh"][k], 1e-12) for k in a["energy_kwh"])
    same &= all(near(a["cost_breakdown_cny"][k], b["cost_breakdown_cny"][k], 1e-12)
                for k in a["cost_breakdown_cny"])
    same &= a["monthly_peak_import_kw"] == b["monthly_peak_import_kw"]
    same &= near(a["emissions_t"]["total_market"], b["emissions_t"]["total_market"], 1e-12)
    expect(same and near(a["cost_cny"], b["cost_cny"], 1e-12),
           f"{disp}: named tariff and price CSV give the same run (cost {a['cost_cny']:.2f} "
           f"and {b['cost_cny']:.2f} CNY)")
    expect(a["cost_cny"] == a["cost_breakdown_cny"]["total"], f"{disp}: cost_cny is the bill's total")
    expect(a["bill"]["tariff"]["name"] == "guangdong-large-industry-2021"
           and a["bill"]["demand_charge_cny_per_kw_month"] == 36.1,
           f"{disp}: the bill names the tariff and its demand charge")
    flows[disp] = pd.read_csv(os.path.join(tmp, f"named-{disp}.csv"))
    flows[disp + "_json"] = a
f = flows.get("rule")
if f is not None:
    want = [gd_price(int(t[5:7]), int(t[11:13])) for t in f["timestamp"]]
    expect(len(f) == 8784 and (f["timestamp"].str[:10] == "2024-02-29").sum() == 24,
           "the run has 8,784 hours, 24 of them on 2024-02-29")
    expect(all(abs(x - y) <= 1e-9 for x, y in zip(f["price_cny_per_kwh"], want)),
           "each hour's price is the tariff's period price (critical peak in July-September)")

# --- the bill from the flows, with pandas ------------------------------------
def check_bill(label, d, fl, price, charge, wear_cny_per_kwh, step_h=1.0):
    """d: simulate --json; fl: its --csv flows; price: each step's import price."""
    fl = fl.copy()
    fl["month"] = fl["timestamp"].str[:7]
    by = fl.groupby("month")
    peaks = by["grid_import_kw"].max()
    demand = 0.0
    for mo, pk in peaks.items():
        y, m = int(mo[:4]), int(mo[5:7])
        days = by.get_group(mo)["timestamp"].str[:10].nunique()
        demand += charge * pk * days / calendar.monthrange(y, m)[1]
    energy = (fl["grid_import_kw"] * step_h * price).sum()
    dis = sum(fl[c].sum() for c in fl.columns if c.endswith(".discharge_kw")) * step_h
    c = d["cost_breakdown_cny"]
    ok = near(c["demand"], demand) and near(c["energy"], energy) and \
        near(c["degradation"], dis * wear_cny_per_kwh)
    parts = c["energy"] + c["demand"] + c["capacity"] - c["export_revenue"] + c["degradation"] + c["green_power"]
    ok &= near(c["total"], parts) and near(d["cost_cny"], c["total"], 0, 0)
    ok &= [x["month"] for x in d["monthly_peak_import_kw"]] == list(peaks.index)
    ok &= all(near(x["kw"], peaks[x["month"]]) for x in d["monthly_peak_import_kw"])
    expect(ok, f"{label}: demand {c['demand']:.2f} = {charge} x monthly peaks pro rata "
               f"({demand:.2f}), energy, wear and total from the flows")
    return demand

a = flows.get("optimal_json")
if a:
    check_bill("optimal, the year", a, flows["optimal"], flows["optimal"]["price_cny_per_kwh"], 36.1, wear)
# a part month at each end: 20-29 February (10 of 29 days), 1-9 March (9 of 31)
d = json.loads(run("simulate", "named.json", "--dispatch", "optimal", "--from", "2024-02-20",
                   "--to", "2024-03-10", "--json", "--csv", "part.csv") or "{}")
if d:
    fl = pd.read_csv(os.path.join(tmp, "part.csv"))
    price = [gd_price(int(t[5:7]), int(t[11:13])) for t in fl["timestamp"]]
    dem = check_bill("optimal, 2024-02-20 .. 03-10", d, fl, price, 36.1, wear)
    mo = d["bill"]["months"]
    expect([(x["month"], x["days_covered"], x["days_in_month"]) for x in mo] ==
           [("2024-02", 10, 29), ("2024-03", 9, 31)],
           "part months: February 10 of 29 days, March 9 of 31")
    pk = {x["month"]: x["kw"] for x in d["monthly_peak_import_kw"]}
    expect(near(dem, 36.1 * (pk["2024-02"] * 10 / 29 + pk["2024-03"] * 9 / 31)),
           "part months pay the demand charge pro rata by days")

# --- the examples: their provinces' tariffs, the same checks --------------------
for ex, charge in (("baoshan-park", 44.8), ("shaoguan-campus", 36.1)):
    mp = os.path.join(src, "examples", ex, "model.json")
    d = json.loads(run("simulate", mp, "--from", "2024-06-20", "--to", "2024-07-10", "--json",
                       "--csv", f"{ex}.csv") or "{}")
    if not d:
        continue
    fl = pd.read_csv(os.path.join(tmp, f"{ex}.csv"))
    m = json.load(open(mp))
    st = m["storage"][0]
    w = st["capex_cny_per_kwh"] / (st["cycle_life"] * (st["soc_max"] - st["soc_min"]) *
                                   st["discharge_efficiency"] * (1 + 0.8) / 2)
    check_bill(f"{ex} (rule, 2024-06-20 .. 07-10)", d, fl, fl["price_cny_per_kwh"], charge, w)
    expect(d["bill"]["tariff"]["name"] == m["grid"]["tariff"] and
           m["objective"]["minimise"] == "cost_with_carbon_price",
           f"{ex}: on {m['grid']['tariff']}, minimising cost with a carbon price")

# --- report: the bill and the bill by month, in English and Chinese -------------
for lang in ("en", "zh"):
    run("report", "named.json", "--from", "2024-02-20", "--to", "2024-03-10", "--dispatch",
        "optimal", "--lang", lang, "--html", f"r-{lang}.html", "--csv", f"r-{lang}.csv")
h = open(os.path.join(tmp, "r-en.html"), encoding="utf-8").read() if os.path.exists(
    os.path.join(tmp, "r-en.html")) else ""
if d := json.loads(run("simulate", "named.json", "--dispatch", "optimal", "--from", "2024-02-20",
                       "--to", "2024-03-10", "--json") or "{}"):
    def cell(id_):
        k = f'id="{id_}" data-v="'
        i = h.find(k)
        return float(h[i + len(k):h.index('"', i + len(k))]) if i >= 0 else math.nan
    c = d["cost_breakdown_cny"]
    expect(near(cell("cost-demand"), c["demand"]) and near(cell("cost-total"), c["total"]) and
           near(cell("cost-degradation"), c["degradation"]) and near(cell("wear-cycles-0"),
           d["storage_wear"][0]["equivalent_full_cycles_per_year"]),
           "report: the bill's rows are the run's bill")
    expect('data-month="2024-02" data-fraction="0.34482758620689657"' in h and
           'data-month="2024-03" data-fraction="0.29032258064516131"' in h,
           "report: the bill by month, with each part month's share")
    rc = pd.read_csv(os.path.join(tmp, "r-en.csv"))
    expect(near(rc["demand_charge_cny"].sum(), c["demand"]) and near(rc["bill_cny"].sum(), c["total"]),
           "report --csv: the bill's columns add up to the run's bill")
zh = os.path.join(tmp, "r-zh.html")
if os.path.exists(zh):
    p = subprocess.run(["/usr/bin/python3", os.path.join(src, "tests/cli/zh_words.py"), zh],
                       capture_output=True, text=True)
    hz = open(zh, encoding="utf-8").read()
    expect(p.returncode == 0 and "需量电费" in hz and "各月电费与电网购电峰值" in hz,
           f"report --lang zh: the bill in Chinese, no English words {p.stdout.strip()[:300]}")

# --- compare: each dispatch's bill in parts, and the optimum's saving split --------
short = json.loads(json.dumps(named))
short["period"] = {"start": "2024-02-20T00:00:00+08:00", "end": "2024-03-10T00:00:00+08:00"}
json.dump(short, open(os.path.join(tmp, "short.json"), "w"))
d = json.loads(run("compare", "short.json", "--json") or "{}")
if d:
    ok = [x["method"] for x in d["methods"]] == ["rule", "mpc", "optimal"]
    for x in d["methods"]:
        c = x["cost_breakdown_cny"]
        ok &= near(x["cost_cny"], c["total"], 0, 0) and c["demand"] > 0 and c["energy"] > 0
        ok &= near(c["total"], c["energy"] + c["demand"] + c["capacity"] - c["export_revenue"] +
                   c["degradation"] + c["green_power"])
    expect(ok, "compare --json: each dispatch's bill in parts adds up to its cost_cny")
    sp, meth = d["split"], {x["method"]: x for x in d["methods"]}
    parts = sp["tariff_periods_cny"] + sp["battery_cny"] + sp["flexible_load_cny"] + sp["other_cny"]
    b = sp["bills_cny"]
    expect(near(sp["saving_cny"], meth["rule"]["cost_cny"] - meth["optimal"]["cost_cny"]) and
           near(parts, sp["saving_cny"]) and
           near(sp["tariff_periods_cny"], b["optimal_flat_price"] - meth["optimal"]["cost_cny"]) and
           near(sp["other_cny"], b["rule_storage_idle_load_firm"] - b["optimal_flat_price_storage_idle_load_firm"]) and
           sp["order"] == ["tariff_periods", "battery", "flexible_load", "other"],
           f"compare --json: the saving {sp['saving_cny']:.2f} CNY is periods + battery + flexible + other "
           f"({sp['tariff_periods_cny']:.2f} + {sp['battery_cny']:.2f} + {sp['flexible_load_cny']:.2f} + "
           f"{sp['other_cny']:.2f})")
    # the flat plan's price is the run's mean import price
    fl = pd.read_csv(os.path.join(tmp, "part.csv")) if os.path.exists(os.path.join(tmp, "part.csv")) else None
    if fl is not None:
        expect(near(sp["flat_price_cny_per_kwh"], fl["price_cny_per_kwh"].mean(), 1e-9),
               "compare: the flat plan's price is the run's mean import price")
txt = run("compare", "short.json")
rows = ["energy cost (CNY)", "demand charge (CNY)", "capacity charge (CNY)", "less export revenue (CNY)",
        "battery wear (CNY)", "green-power premium (CNY)", "bill (CNY)", "highest monthly peak (kW)",
        "b: cycles a year", "tariff periods", "battery", "flexible load", "saved in all"]
expect(all(("  " + r) in txt for r in rows), "compare: the bill's rows and the split in the text")
d = json.loads(run("compare", "short.json", "--json", "--no-split") or "{}")
expect(d.get("split", 0) is None, "compare --no-split: no split")

print(f"bill: {'FAILED ' + str(len(fails)) if fails else 'all passed'}")
sys.exit(1 if fails else 0)
PY
