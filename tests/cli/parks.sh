#!/usr/bin/env bash
# parks.sh ZEROPARK SOURCE_DIR - parks without some kind of asset plan
# normally (docs/model.md: every asset list may be empty). A park with no PV
# and no wind (a battery and a load under a two-price tariff) runs
# `compare`, `optimize`, `simulate --dispatch mpc` (every PV forecast) and
# `forecast`, with the costs worked out by hand below; a park with PV and no
# wind (and no battery: nothing to decide) gives the same cost by every
# dispatch, equal to the import summed here from the simulated flows.
set -euo pipefail
zp=$1 src=$2
. "$src/tests/need.sh"
need python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec /usr/bin/python3 - "$zp" "$src" "$tmp" <<'PY'
import json, os, subprocess, sys, csv
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

# --- no PV, no wind: a 100 kWh / 50 kW lossless battery, a 100 kW load ------
# Price 0.4 CNY/kWh from 00:00 to 08:00 local, 1.0 after; one day, hourly.
with open(os.path.join(tmp, "tariff.csv"), "w") as f:
    f.write("time,price_cny_per_kwh\n")
    for h in range(24):
        f.write(f"2024-01-01T{h:02d}:00:00+08:00,{0.4 if h < 8 else 1.0}\n")
bat = {"name": "battery park", "utc_offset_h": 8, "site": {"lat_deg": 31.4, "lon_deg": 121.5},
       "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2024-01-02T00:00:00+08:00", "step_min": 60},
       "grid": {"emission_factor_kg_per_kwh": 0.5,
                "price_cny_per_kwh": {"csv": "tariff.csv", "column": "price_cny_per_kwh"}},
       "storage": [{"name": "b", "energy_kwh": 100, "power_kw": 50, "soc_min": 0, "soc_max": 1,
                    "soc_initial": 0.5, "charge_efficiency": 1, "discharge_efficiency": 1}],
       "loads": [{"name": "f", "power_kw": 100}],
       "objective": {"minimise": "cost"}}
with open(os.path.join(tmp, "bat.json"), "w") as f:
    json.dump(bat, f)
# By hand. Without the battery: 8 h x 100 kWh x 0.4 + 16 h x 100 kWh x 1.0
# = 320 + 1600 = 1920 CNY. The mean price is (8 x 0.4 + 16 x 1.0) / 24 = 0.8.
# optimal (ends with at least its initial 50 kWh): buy 50 kWh more at 0.4,
#   discharge 50 kWh at 1.0: 1920 + 50 x 0.4 - 50 x 1.0 = 1890 CNY.
# rule: the first deficit (00:00, cheap) takes the stored 50 kWh:
#   1920 - 50 x 0.4 = 1900 CNY; objective + 50 kWh x 0.8 (storage adjustment,
#   docs/methodology.md "Fair comparison") = 1940.
# mpc: plans like optimal, charges the 50 kWh at 0.4 (a dearer step follows)
#   and in the dear hours (none dearer later) meets the deficit from storage
#   down to empty (docs/methodology.md, executing a plan, 3 and 4):
#   1920 + 50 x 0.4 - 100 x 1.0 = 1840 CNY; objective + 50 x 0.8 = 1880.
want = {"rule": (1900, 1940), "mpc": (1840, 1880), "optimal": (1890, 1890)}
out = run("compare", "bat.json", "--json")
if out:
    for m in json.loads(out)["methods"]:
        c, o = want[m["method"]]
        expect(abs(m["cost_cny"] - c) < 1e-6 and abs(m["objective"] - o) < 1e-6,
               f"compare, {m['method']}: cost {m['cost_cny']} objective {m['objective']} "
               f"(by hand {c}, {o})")
for pvf in ("clearsky", "persistence", "noisy", "perfect"):
    out = run("simulate", "bat.json", "--dispatch", "mpc", "--pv-forecast", pvf, "--json")
    if out:
        r = json.loads(out)
        expect(abs(r["cost_cny"] - 1840) < 1e-6, f"simulate --dispatch mpc --pv-forecast {pvf}: "
               f"cost {r['cost_cny']} (by hand 1840)")
out = run("optimize", "bat.json", "--at", "2024-01-01T00:00:00+08:00", "--horizon-h", "24", "--json")
if out:
    st = json.loads(out)["steps"]
    pr = [0.4 if i < 8 else 1.0 for i in range(24)]
    cost = sum(p * s["grid_import_kw"] for p, s in zip(pr, st))
    bk = [s["storage"][0]["setpoint_kw"] for s in st]
    expect(len(st) == 24 and abs(cost - 1890) < 1e-6,
           f"optimize: the plan's import cost {cost} CNY (by hand 1890)")
    expect(abs(sum(-x for x in bk[:8] if x < 0) - 50) < 1e-6 and abs(sum(x for x in bk[8:] if x > 0) - 50) < 1e-6
           and all(x >= -1e-9 for x in bk[8:]) and all(x <= 1e-9 for x in bk[:8]),
           f"optimize: charges 50 kWh in the cheap hours, discharges 50 kWh in the dear ones ({bk})")
    expect(all(s["forecast"]["pv_kw"] == 0 and s["forecast"]["wind_kw"] == 0 for s in st),
           "optimize: PV and wind forecasts are zero")
out = run("forecast", "bat.json", "--at", "2024-01-01T06:00:00+08:00", "--json")
if out:
    expect(all(s["pv_kw"] == 0 for s in json.loads(out)["steps"]), "forecast: PV is zero at every step")

# a day of data cannot hold a 48 h skill horizon: said in the user's terms
p = subprocess.run([zp, "forecast", "bat.json", "--skill"], capture_output=True, text=True, cwd=tmp)
expect(p.returncode == 2 and "horizon" in p.stderr and "zp_" not in p.stderr,
       f"forecast --skill on a day: exit 2 without internal names ({p.stderr.strip()[:160]})")

# --- PV, no wind, no battery ----------------------------------------------------
nw = {"name": "no wind", "utc_offset_h": 8, "site": {"lat_deg": 31.4, "lon_deg": 121.5},
      "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2024-01-02T00:00:00+08:00", "step_min": 60},
      "weather": {"csv": os.path.join(src, "tests/unit/models/data/weather.csv")},
      "grid": {"emission_factor_kg_per_kwh": 0.5, "price_cny_per_kwh": 1.0, "export_limit_kw": 0},
      "pv": [{"name": "roof", "capacity_kwp": 1200, "tilt_deg": 25, "azimuth_deg": 180}],
      "loads": [{"name": "f", "power_kw": 500}],
      "objective": {"minimise": "cost"}}
with open(os.path.join(tmp, "nowind.json"), "w") as f:
    json.dump(nw, f)
run("simulate", "nowind.json", "--csv", "flows.csv")
imp = 0.0
with open(os.path.join(tmp, "flows.csv")) as f:
    for row in csv.DictReader(f):  # price 1 CNY/kWh, 1 h steps: cost = import
        imp += max(0.0, 500.0 - float(row["pv_available_kw"]))
out = run("compare", "nowind.json", "--json")
if out:
    for m in json.loads(out)["methods"]:
        expect(abs(m["cost_cny"] - imp) < 1e-6 * imp,
               f"no wind, compare {m['method']}: cost {m['cost_cny']:.3f} = import {imp:.3f} kWh x 1 CNY")
run("optimize", "nowind.json", "--at", "2024-01-01T00:00:00+08:00")

# --- nothing but a load: no PV, no wind, no battery ---------------------------
# 50 kW for 24 h at 1 CNY/kWh: 1200 CNY by every dispatch, nothing to decide.
ld = {"name": "load only", "utc_offset_h": 8, "site": {"lat_deg": 31.4, "lon_deg": 121.5},
      "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2024-01-02T00:00:00+08:00", "step_min": 60},
      "grid": {"emission_factor_kg_per_kwh": 0.5, "price_cny_per_kwh": 1.0},
      "loads": [{"name": "f", "power_kw": 50}], "objective": {"minimise": "cost"}}
with open(os.path.join(tmp, "load.json"), "w") as f:
    json.dump(ld, f)
out = run("compare", "load.json", "--json")
if out:
    costs = [m["cost_cny"] for m in json.loads(out)["methods"]]
    expect(costs == [1200.0] * 3, f"load only, compare: 1200 CNY by every dispatch ({costs})")
out = run("optimize", "load.json", "--at", "2024-01-01T00:00:00+08:00", "--json")
if out:
    st = json.loads(out)["steps"]
    expect(all(abs(s["grid_import_kw"] - 50) < 1e-9 for s in st), "load only, optimize: 50 kW imported each step")

print(f"parks: {'FAILED ' + str(len(fails)) if fails else 'all passed'}")
sys.exit(1 if fails else 0)
PY
