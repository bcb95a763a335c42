#!/usr/bin/env bash
# run.sh ZEROPARK SOURCE_DIR - command-line tests: exit codes, help, messages,
# and round trips through the store. Ends with "N passed, N failed".
set -u
zp=$1
src=$2
# The system interpreter (Debian packages), not another one on PATH.
PY=${ZP_PYTHON:-/usr/bin/python3}
. "$src/tests/need.sh"
need python3 glpsol
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect CODE CMD... : run, check the exit code; output in $tmp/out, $tmp/err
expect() {
    local want=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (want $want): $*"; sed 's/^/  /' "$tmp/err" | head -20 >&2; fi
}
# contains FILE TEXT
contains() {
    if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks: $2"; sed 's/^/  /' "$1" | head -20 >&2; fi
}

# --- dispatch, help, version -------------------------------------------------
expect 0 "$zp" --version
contains "$tmp/out" "zeropark 0."
expect 2 "$zp"
contains "$tmp/err" "usage: zeropark <command>"
expect 0 "$zp" help
contains "$tmp/out" "validate"
expect 2 "$zp" valdate x
contains "$tmp/err" "Did you mean 'validate'?"
for c in validate import export series; do
    expect 0 "$zp" "$c" --help
    contains "$tmp/out" "usage: zeropark $c"
    expect 0 "$zp" help "$c"
    contains "$tmp/out" "usage: zeropark $c"
done
expect 2 "$zp" validate
contains "$tmp/err" "missing MODEL"
expect 2 "$zp" validate --bogus x
contains "$tmp/err" "unknown option '--bogus'"

# --- validate ------------------------------------------------------------------
for ex in shaoguan-campus baoshan-park greensboro-pv; do
    expect 0 "$zp" validate "$src/examples/$ex/model.json"
    contains "$tmp/out" "valid: no problems found"
    expect 0 "$zp" validate --json "$src/examples/$ex/model.json"
    contains "$tmp/out" '"valid": true'
done
expect 0 "$zp" validate --json "$src/examples/shaoguan-campus/model.json"
"$PY" - "$tmp/out" <<'PY' && ok || bad "validate --json summary values"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["period"]["steps"] == 8784, d["period"]            # 2024 is a leap year: 366 * 24
assert d["totals"]["pv_kwp"] == 20000.0                     # 12000 + 8000
assert d["totals"]["wind_kw"] == 50000.0                    # 20 * 2500
assert d["datacenter"]["pue"] == 1.25
PY
"$PY" - "$tmp/out" "$src/examples/shaoguan-campus/data/load.csv" <<'PY' && ok || bad "validate --json series mean equals the CSV's mean"
import csv, json, sys
d = json.load(open(sys.argv[1]))
vals = [float(r["it_kw"]) for r in csv.DictReader(open(sys.argv[2]))]
mean = sum(vals) / len(vals)
got = d["datacenter"]["it_power_kw"]["mean"]
assert abs(got - mean) <= 1e-6 * mean, (got, mean)
assert abs(d["datacenter"]["it_power_kw"]["max"] - max(vals)) < 1e-9
PY

# A model with several problems: all reported, exit 1.
mkdir -p "$tmp/m"
cat > "$tmp/m/model.json" <<'JSON'
{
  "name": "bad",
  "site": {"lat_deg": 24.8, "lon_deg": 113.6},
  "period": {"start": "2024-01-01T00:00:00+08:00",
             "end": "2024-01-02T00:00:00+08:00", "step_min": 60},
  "pv": [{"name": "a", "capacity_kwp": 100, "tilt_deg": 120, "azimuth_deg": 180}],
  "storrage": []
}
JSON
expect 1 "$zp" validate "$tmp/m/model.json"
contains "$tmp/err" "model.json:6:57: pv[0].tilt_deg: 120 is out of range 0..90"
contains "$tmp/err" "storrage"
contains "$tmp/err" "did you mean 'storage'?"
expect 1 "$zp" validate --json "$tmp/m/model.json"
contains "$tmp/out" '"valid": false'
expect 2 "$zp" validate "$tmp/does-not-exist.json"
contains "$tmp/err" "does-not-exist.json"

# --- import / export / series --------------------------------------------------
cat > "$tmp/meter.csv" <<'CSV'
timestamp,load_kw,pv_kw
2024-01-01T00:00:00+08:00,100.5,0
2024-01-01T00:15:00+08:00,101.25,0
2024-01-01T00:30:00+08:00,99.75,0.125
2024-01-01T00:45:00+08:00,0.1,3.3e-5
CSV
expect 0 "$zp" import --db "$tmp/s.db" "$tmp/meter.csv"
contains "$tmp/out" "imported 8 readings in 2 series"
expect 0 "$zp" series --db "$tmp/s.db" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "series --json lists both meters"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in d["series"]}
assert set(s) == {"load_kw", "pv_kw"}, s
assert s["load_kw"]["unit"] == "kW" and s["load_kw"]["kind"] == "power"
assert s["load_kw"]["step_s"] == 900 and s["load_kw"]["count"] == 4
assert s["load_kw"]["first"] == "2024-01-01T00:00:00+08:00"
assert s["load_kw"]["end"] == "2024-01-01T01:00:00+08:00"
PY
expect 0 "$zp" export --db "$tmp/s.db" --series load_kw,pv_kw --output "$tmp/back.csv"
if cmp -s <("$PY" -c "
import csv,sys
for r in csv.reader(open('$tmp/meter.csv')): print(r[0], *[repr(float(x)) if i else x for i,x in enumerate(r[1:],1)] if r[0]!='timestamp' else r)") \
          <("$PY" -c "
import csv,sys
for r in csv.reader(open('$tmp/back.csv')): print(r[0], *[repr(float(x)) if i else x for i,x in enumerate(r[1:],1)] if r[0]!='timestamp' else r)"); then ok; else bad "export differs from the imported CSV"; cat "$tmp/back.csv" >&2; fi
# Resampled to 1 h: mean of the four quarter-hours, (100.5+101.25+99.75+0.1)/4 = 75.4.
expect 0 "$zp" export --db "$tmp/s.db" --series load_kw --step-min 60
contains "$tmp/out" "2024-01-01T00:00:00+08:00,75.4"
expect 0 "$zp" import --db "$tmp/s.db" "$tmp/meter.csv" --series site_kw=load_kw --json
contains "$tmp/out" '"name": "site_kw"'
expect 2 "$zp" export --db "$tmp/s.db" --series nosuch
contains "$tmp/err" "nosuch"
expect 2 "$zp" export --db "$tmp/s.db"
contains "$tmp/err" "missing --series"
expect 2 "$zp" series --db "$tmp/none.db"
contains "$tmp/err" "none.db"

# Bad CSV: every problem reported with FILE:LINE, nothing imported.
cat > "$tmp/gappy.csv" <<'CSV'
timestamp,load_kw
2024-01-01T00:00:00+08:00,1
2024-01-01T01:00:00+08:00,2
2024-01-01T03:00:00+08:00,x
CSV
expect 2 "$zp" import --db "$tmp/g.db" "$tmp/gappy.csv"
contains "$tmp/err" "gappy.csv:4"
contains "$tmp/err" "gappy.csv:4"
if [ -e "$tmp/g.db" ] && [ "$("$zp" series --db "$tmp/g.db" --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["series"]))')" != 0 ]; then
    bad "a failed import left series in the store"; else ok; fi
expect 2 "$zp" import --db "$tmp/g.db" "$tmp/meter.csv" --series nope
contains "$tmp/err" "nope"

# --- solar ----------------------------------------------------------------------
# The SPA paper's worked example (reference/pv-reference.md).
expect 0 "$zp" solar --lat 39.742476 --lon -105.1786 --time 2003-10-17T12:30:30-07:00 \
    --elevation-m 1830.14 --pressure-hpa 820 --temperature-c 11 --delta-t-s 67 --slope-deg 30 \
    --azimuth-rotation-deg -10 --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "solar --json matches the SPA paper's example"
import json, sys
d = json.load(open(sys.argv[1]))
assert abs(d["zenith_deg"] - 50.111622) < 1e-6, d
assert abs(d["azimuth_deg"] - 194.340241) < 1e-6, d
assert abs(d["incidence_deg"] - 25.187000) < 1e-6, d
assert d["sunrise"] == "2003-10-17T06:12:43-07:00", d
assert d["sunset"] == "2003-10-17T17:20:19-07:00", d
PY
expect 2 "$zp" solar --lat 95 --lon 0 --time 2024-06-21T12:00:00Z
contains "$tmp/err" "lat_deg 95 is out of range -90..90"
expect 2 "$zp" solar --lat abc --lon 0 --time 2024-06-21T12:00:00Z
expect 2 "$zp" solar --lat 10 --lon 0
contains "$tmp/err" "--time"

# --- weather --------------------------------------------------------------------
# The examples' weather files are reproduced exactly by the commands in their READMEs.
expect 0 "$zp" weather --lat 24.80 --lon 113.60 --elevation-m 70 --year 2024 \
    --annual-ghi-kwh-m2 1250 --temp-mean-c 20.3 --temp-season-amp-c 9.3 \
    --wind-mean-m-s 5.0 --seed 1 --csv "$tmp/sg_weather.csv"
if cmp -s "$tmp/sg_weather.csv" "$src/examples/shaoguan-campus/data/weather.csv"; then ok; else bad "zeropark weather does not reproduce the Shaoguan example's weather"; fi
expect 0 "$zp" weather --lat 31.40 --lon 121.49 --elevation-m 4 --year 2024 \
    --annual-ghi-kwh-m2 1280 --temp-mean-c 17.0 --temp-season-amp-c 11.9 \
    --wind-mean-m-s 3.5 --seed 2 --csv "$tmp/bs_weather.csv" --json
if cmp -s "$tmp/bs_weather.csv" "$src/examples/baoshan-park/data/weather.csv"; then ok; else bad "zeropark weather does not reproduce the Baoshan example's weather"; fi
"$PY" - "$tmp/out" "$tmp/bs_weather.csv" <<'PY' && ok || bad "weather --json monthly GHI sums to the year and matches the file"
import csv, json, sys
d = json.load(open(sys.argv[1]))
assert abs(sum(d["monthly_ghi_kwh_m2"]) - 1280.0) < 1e-6, d
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 8784
total = sum(float(r["ghi_w_m2"]) for r in rows) / 1000.0     # hourly W/m2 -> kWh/m2
assert abs(total - 1280.0) < 0.01, total                      # the file rounds to 4 decimals
PY
expect 2 "$zp" weather --lat 24.8 --lon 113.6 --year 2024 --csv "$tmp/x.csv"
contains "$tmp/err" "annual-ghi"
expect 2 "$zp" weather --lat 124.8 --lon 113.6 --year 2024 --annual-ghi-kwh-m2 1000 --csv "$tmp/x.csv"
contains "$tmp/err" "--lat '124.8'"
# A weather file in kW/m2 is refused with the fix named.
"$PY" - "$src/examples/shaoguan-campus/data/weather.csv" "$tmp/m2" <<'PY'
import csv, os, sys
os.makedirs(sys.argv[2], exist_ok=True)
rows = list(csv.reader(open(sys.argv[1])))
with open(sys.argv[2] + "/weather.csv", "w") as f:
    f.write(",".join(rows[0]) + "\n")
    for r in rows[1:]:
        f.write(",".join([r[0]] + ["%.6f" % (float(x) / 1000) for x in r[1:4]] + r[4:]) + "\n")
src = open(sys.argv[1].replace("data/weather.csv", "model.json")).read()
open(sys.argv[2] + "/model.json", "w").write(src)
os.makedirs(sys.argv[2] + "/data", exist_ok=True)
os.rename(sys.argv[2] + "/weather.csv", sys.argv[2] + "/data/weather.csv")
import shutil
shutil.copy(sys.argv[1].replace("weather.csv", "load.csv"), sys.argv[2] + "/data/load.csv")
shutil.copy(sys.argv[1].replace("weather.csv", "tariff.csv"), sys.argv[2] + "/data/tariff.csv")
PY
expect 2 "$zp" simulate "$tmp/m2/model.json"
contains "$tmp/err" "kW/m2"

# --- simulate -------------------------------------------------------------------
sg="$src/examples/shaoguan-campus/model.json"
expect 0 "$zp" simulate "$sg" --json --csv "$tmp/flows.csv" --db "$tmp/runs.db"
cp "$tmp/out" "$tmp/sim.json"
"$PY" - "$tmp/sim.json" "$tmp/flows.csv" <<'PY' && ok || bad "simulate --json: stable keys, annual balance, CSV agrees"
import csv, json, sys
d = json.load(open(sys.argv[1]))
for k in ["model", "period", "dispatch", "energy_kwh", "emissions_t", "green_share_pct", "pue", "cost_cny", "targets"]:
    assert k in d, k
e = d["energy_kwh"]
for k in ["load", "datacenter_it", "datacenter_facility", "pv", "wind", "grid_import", "grid_export",
          "storage_charge", "storage_discharge", "curtailed", "unserved", "delayed"]:
    assert k in e, k
assert d["period"]["steps"] == 8784 and d["dispatch"] == "rule"
lhs = e["load"] + e["datacenter_facility"] + e["storage_charge"] + e["grid_export"] + e["curtailed"]
rhs = e["pv"] + e["wind"] + e["storage_discharge"] + e["grid_import"] + e["unserved"]
assert abs(lhs - rhs) <= 1e-6 * lhs, (lhs, rhs)
assert abs(d["pue"] - 1.25) < 1e-12
em = d["emissions_t"]
assert abs(em["total_location"] - em["scope1"] - em["scope2_location"]) < 1e-6
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 8784
imp = sum(float(r["grid_import_kw"]) for r in rows)        # hourly steps: kW x 1 h = kWh
assert abs(imp - e["grid_import"]) <= 1e-6 * imp, (imp, e["grid_import"])
kg = sum(float(r["scope2_location_kg"]) for r in rows)
assert abs(kg / 1000 - em["scope2_location"]) <= 1e-6 * kg / 1000
PY
# The stored run's inputs hash is SHA-256 over the model and its files, each followed by a NUL.
"$PY" - "$tmp/runs.db" "$src/examples/shaoguan-campus" <<'PY' && ok || bad "stored run and its inputs hash"
import hashlib, sqlite3, sys
db, d = sys.argv[1], sys.argv[2]
rows = sqlite3.connect(db).execute("select kind, model_name, inputs_sha256, results_json from runs").fetchall()
assert len(rows) == 1 and rows[0][0] == "simulate", rows
h = hashlib.sha256()
# model, weather, then series in model order: grid price, datacenter.it_power_kw, loads[0].power_kw
for f in ["model.json", "data/weather.csv", "data/tariff.csv", "data/load.csv", "data/load.csv"]:
    h.update(open(d + "/" + f, "rb").read()); h.update(b"\0")
assert rows[0][2] == h.hexdigest(), (rows[0][2], h.hexdigest())
assert '"energy_kwh"' in rows[0][3]
PY
expect 0 "$zp" simulate "$sg"
contains "$tmp/out" "green share, hourly matched"
contains "$tmp/out" "max_pue"
expect 0 "$zp" simulate "$sg" --step-min 15 --from 2024-07-01 --to 2024-07-08 --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "simulate --step-min 15 --from --to"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["period"]["steps"] == 7 * 96 and d["period"]["step_min"] == 15, d["period"]
assert d["period"]["start"] == "2024-07-01T00:00:00+08:00"
PY
expect 2 "$zp" simulate "$sg" --dispatch magic
contains "$tmp/err" "--dispatch 'magic'"
expect 2 "$zp" simulate "$sg" --step-min 7
expect 2 "$zp" simulate "$sg" --from 2023-01-01
contains "$tmp/err" "is not inside the model period"
expect 2 "$zp" simulate "$tmp/m/model.json"
contains "$tmp/err" "pv[0].tilt_deg"

# --- optimize, compare, forecast ---------------------------------------------------
bs="$src/examples/baoshan-park/model.json"
expect 0 "$zp" optimize "$bs" --at 2024-07-15T08:00 --horizon-h 12 --json --export-mps "$tmp/plan.mps"
cp "$tmp/out" "$tmp/plan.json"
if command -v glpsol >/dev/null 2>&1; then
    glpsol --freemps "$tmp/plan.mps" -o "$tmp/plan.glpk" >/dev/null 2>&1
    "$PY" - "$tmp/plan.json" "$tmp/plan.glpk" <<'PY' && ok || bad "optimize: GLPK's optimum of the exported MPS equals zeropark's"
import json, re, sys
d = json.load(open(sys.argv[1]))
g = float(re.search(r"Objective:\s+obj = ([-0-9.eE+]+)", open(sys.argv[2]).read()).group(1))
z = d["solver"]["objective"]
assert d["solver"]["status"] == "optimal" and len(d["steps"]) == 12, d["solver"]
assert abs(z - g) <= 1e-6 * max(1.0, abs(g)), (z, g)
PY
else
    echo "SKIP: glpsol not installed (Debian glpk-utils); the GLPK check did not run" >&2
fi
expect 2 "$zp" optimize "$bs"
contains "$tmp/err" "missing --at"
expect 2 "$zp" optimize "$bs" --at 2023-07-15T08:00
contains "$tmp/err" "must be a step of the model period"
expect 2 "$zp" optimize "$bs" --at 2024-07-15T08:00 --soc 0.5,0.6
contains "$tmp/err" "one fraction 0..1 per battery (1)"

expect 0 "$zp" compare "$bs" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "compare: optimal <= mpc <= rule on the industrial park"
import json, sys
d = json.load(open(sys.argv[1]))
o = {x["method"]: x["objective"] for x in d["methods"]}
assert o["optimal"] <= o["mpc"] * (1 + 1e-9) and o["mpc"] <= o["rule"], o
assert d["objective"] == "cost_with_carbon_price"
PY
expect 2 "$zp" compare "$bs" --dispatch rule
contains "$tmp/err" "compare runs every method"

expect 0 "$zp" forecast "$sg" --at 2024-06-01T00:00 --horizon-h 48 --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "forecast --json: 48 hourly steps from the origin"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["horizon_steps"] == 48 and len(d["steps"]) == 48, d.keys()
assert d["steps"][0]["time"] == "2024-06-01T00:00:00+08:00"
assert all(s["pv_kw"] >= 0 for s in d["steps"])
PY

# --- account and report -----------------------------------------------------------
expect 0 "$zp" account "$sg" --run 1 --db "$tmp/runs.db" --json
cp "$tmp/out" "$tmp/acct.json"
expect 0 "$zp" simulate "$sg" --json
"$PY" - "$tmp/acct.json" "$tmp/out" <<'PY' && ok || bad "account of a simulation equals the simulation's emissions"
import json, sys
a = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
def find(d, key):
    if isinstance(d, dict):
        if key in d and isinstance(d[key], (int, float)): return d[key]
        for v in d.values():
            r = find(v, key)
            if r is not None: return r
    return None
for k in ["scope2_location", "total_location", "total_market"]:
    x, y = find(a, k), s["emissions_t"][k]
    assert x is not None and abs(x - y) <= 1e-9 * abs(y), (k, x, y)
PY
expect 0 "$zp" report "$sg" --html "$tmp/report.html" --lang zh
contains "$tmp/out" "report.html"
"$PY" - "$tmp/report.html" <<'PY' && ok || bad "report: self-contained HTML with the five charts"
import sys
h = open(sys.argv[1], encoding="utf-8").read()
assert h.startswith("<!DOCTYPE html>") or h.lower().startswith("<!doctype html>")
for c in ["chart-emissions", "chart-sources", "chart-heatmap", "chart-burndown", "chart-pue"]:
    assert c in h, c
assert "http://" not in h.replace("http://www.w3.org", "") and "https://" not in h
PY
expect 2 "$zp" report "$sg" --lang fr --html "$tmp/x.html"

# --- schedule ---------------------------------------------------------------------
ed="$src/examples/east-data-west-compute"
expect 0 "$zp" schedule --sites "$ed/sites.json" --jobs "$ed/jobs-10k.csv" --json
"$PY" - "$tmp/out" "$ed/sites.json" <<'PY' && ok || bad "schedule --json: greedy beats both baselines and places every job"
import json, sys
d = json.load(open(sys.argv[1]))
r = {x["method"]: x for x in d["results"]}
g, now, sdk = r["greedy"], r["run_now"], r["carbon_aware_sdk"]
assert g["placed"] == d["jobs"] == 10000 and g["unplaced"] == 0, g
assert g["emissions_kg"] < now["emissions_kg"] and g["emissions_kg"] < sdk["emissions_kg"]
# the reduction printed is the one the totals give
red = 100 * (now["emissions_kg"] - g["emissions_kg"]) / now["emissions_kg"]
assert abs(red - d["reductions"]["emissions_vs_run_now_pct"]) < 1e-9, (red, d["reductions"])
# per-site loads never exceed capacity
sites = {s["name"]: s for s in json.load(open(sys.argv[2]))["sites"]}
for name, loads in d["load_kw"].items():
    cap = sites[name]["capacity_kw"]
    assert max(loads) <= cap + 1e-6, (name, max(loads), cap)
PY
# A site coupled to a park: its green supply is the park's surplus at the same
# local time of year (2026-06-01 is 151 days into its year: hours 3624..3791 of
# the campus's 2024 simulation), its PUE the park's.
"$PY" - "$ed/sites.json" "$tmp/park_sites.json" "$src/examples/shaoguan-campus/model.json" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
for s in d["sites"]:
    if s["name"] == "Shaoguan":
        s.pop("green_kw", None)
        s["park_model"] = os.path.abspath(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
expect 0 "$zp" schedule --sites "$tmp/park_sites.json" --jobs "$ed/jobs-10k.csv"
cp "$tmp/out" "$tmp/park_sched.txt"
expect 0 "$zp" simulate "$sg" --step-min 60 --csv "$tmp/park_flows.csv"
"$PY" - "$tmp/park_sched.txt" "$tmp/park_flows.csv" <<'PY' && ok || bad "schedule: a park-coupled site takes the park's surplus and PUE"
import csv, re, sys
out = open(sys.argv[1]).read()
m = re.search(r"site Shaoguan: green supply from .*: mean surplus (\d+) kW, PUE ([0-9.]+)", out)
assert m, out[:400]
rows = list(csv.DictReader(open(sys.argv[2])))
cur = [float(r["curtailed_kw"]) for r in rows[151 * 24: 151 * 24 + 168]]
assert abs(float(m.group(1)) - sum(cur) / 168) <= 1, (m.group(1), sum(cur) / 168)
assert m.group(2) == "1.250", m.group(2)
PY
# One command: the campus's green share with the scheduled load and with the
# run-now load at the coupled site. Checked by the two-step route written
# out by hand: the site's load (--site-load) moved to the same local time of
# the model's year (2026-06-01 -> 2024-05-31, 151 days into both years), a
# copy of the campus model over that week with it as the IT load and no
# flexible part, simulated by `zeropark simulate`.
expect 0 "$zp" schedule --sites "$tmp/park_sites.json" --jobs "$ed/jobs-10k.csv" --json \
    --site-load "Shaoguan=$tmp/park_load.csv"
cp "$tmp/out" "$tmp/park_sched.json"
"$PY" - "$tmp/park_load.csv" "$sg" "$tmp/park_model.json" "$tmp/park_load24.csv" <<'PY'
import csv, json, os, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 168 and rows[0]["time"].startswith("2026-06-01T00:00"), rows[0]
with open(sys.argv[4], "w") as f:
    f.write("time,it_kw\n")
    for i, r in enumerate(rows):
        f.write("2024-05-%02dT%02d:00:00+08:00,%s\n" % (31, i, r["it_kw"]) if i < 24 else
                "2024-06-%02dT%02d:00:00+08:00,%s\n" % (i // 24, i % 24, r["it_kw"]))
m = json.load(open(sys.argv[2]))
base = os.path.dirname(os.path.abspath(sys.argv[2]))
def absolute(o):
    if isinstance(o, dict):
        if "csv" in o:
            o["csv"] = os.path.join(base, o["csv"])
        for v in o.values():
            absolute(v)
    elif isinstance(o, list):
        for v in o:
            absolute(v)
absolute(m)
m["period"] = {"start": "2024-05-31T00:00:00+08:00", "end": "2024-06-07T00:00:00+08:00", "step_min": 60}
m["datacenter"]["it_power_kw"] = {"csv": os.path.abspath(sys.argv[4]), "column": "it_kw"}
m["datacenter"].pop("flexible", None)
# fuels and certificates are given for the model's year (2024: 8784 h); a
# run over a week takes its share of them
m["certificates"]["green_certificates_mwh"] *= 168 / 8784
for f in m.get("fuels", []):
    f["amount"] *= 168 / 8784
json.dump(m, open(sys.argv[3], "w"))
PY
expect 0 "$zp" simulate "$tmp/park_model.json" --json
"$PY" - "$tmp/park_sched.json" "$tmp/out" "$tmp/park_load.csv" <<'PY' && ok || bad "schedule: campus green share with and without scheduling (two-step route)"
import csv, json, sys
d = json.load(open(sys.argv[1]))
sim = json.load(open(sys.argv[2]))
(c,) = d["campus"]
assert c["site"] == "Shaoguan"
hm = sim["green_share_pct"]["hourly_matched"]
vol = sim["green_share_pct"]["annual_volumetric"]
assert abs(c["scheduled"]["green_share_hourly_pct"] - hm) < 1e-6, (c["scheduled"], hm)
assert abs(c["scheduled"]["green_share_volumetric_pct"] - vol) < 1e-6, (c["scheduled"], vol)
it = sum(float(r["it_kw"]) for r in csv.DictReader(open(sys.argv[3])))
assert abs(c["scheduled"]["it_kwh"] - it) < 1e-3 * max(1, it), (c["scheduled"]["it_kwh"], it)
# scheduling changes the campus's share (which way depends on the jobs)
assert 0 < c["run_now"]["green_share_hourly_pct"] < 100 and c["scheduled"]["green_share_hourly_pct"] != c["run_now"]["green_share_hourly_pct"]
PY
expect 2 "$zp" schedule --sites "$ed/sites.json" --jobs "$ed/jobs-10k.csv" --method exact
contains "$tmp/err" "the exact method takes up to 5000 jobs"
expect 2 "$zp" schedule --sites "$ed/sites.json"
contains "$tmp/err" "--jobs"

# validate checks the live devices too (src/server/devices.c), with located errors
expect 0 "$zp" validate "$src/examples/live-campus/model.json"
contains "$tmp/out" "devices      8 (8 Modbus, 0 MQTT, 0 HTTP push)"
"$PY" - "$src/examples/live-campus/model.json" "$src/examples/live-campus/bad-devices-test.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["devices"][0]["port"] = "x"
json.dump(m, open(sys.argv[2], "w"), indent=1)
PY
expect 1 "$zp" validate "$src/examples/live-campus/bad-devices-test.json"
rm -f "$src/examples/live-campus/bad-devices-test.json"
contains "$tmp/err" "devices[0].port: expected an integer, got a string"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
