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
# model, weather, then series in model order: datacenter.it_power_kw, loads[0].power_kw (the
# campus is priced by a built-in tariff, which is the engine's, not a file of the model)
for f in ["model.json", "data/weather.csv", "data/load.csv", "data/load.csv"]:
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

# optimize --peak-so-far: the month's peak already paid. July hourly, 1000 kW
# with 2000 kW at 18:00 and 19:00 every day, 0.5 CNY/kWh flat, 30 CNY/kW-month
# on the month's peak (the period is the whole month, so the plan pays the
# whole charge); a 1000 kWh / 500 kW battery, SOC 0.1..0.95 from 0.5,
# efficiencies 0.95 each way; a 48 h plan on perfect forecasts.
# By hand: a kW shaved off the two spike hours saves 30 CNY and costs
# 2 kWh x 0.5 x (1/0.9025 - 1) = 0.108 CNY of losses, so the battery shaves
# as far as it can. It can deliver 0.95 x (0.95 - 0.1) x 1000 = 807.5 kWh
# over the two hours (charging in between never nears the peak), so the
# peak is 2000 - 807.5 / 2 = 1596.25 kW.
# With --peak-so-far 1800 importing up to 1800 kW costs nothing more: the
# battery shaves the spikes to exactly 1800 (discharging 200 kW), not below;
# the economic objective is 0.5 x (52000 + 800 / 0.9025 - 800) + 30 x 1800
# (52000 kWh of load in two days, 800 kWh delivered).
# With --peak-so-far 2500, above the load's own peak: shaving buys nothing,
# so the battery stays idle, import is the load, and the objective is
# 0.5 x 52000 + 30 x 2500 = 101000 CNY; the month's planned peak is 2500.
mkdir -p "$tmp/pk"
"$PY" - "$tmp/pk/load.csv" <<'PY'
import datetime as dt, sys
t0 = dt.datetime(2024, 7, 1)
with open(sys.argv[1], "w") as f:
    f.write("timestamp,kw\n")
    for h in range(31 * 24):
        t = t0 + dt.timedelta(hours=h)
        f.write(t.strftime("%Y-%m-%dT%H:00:00+08:00") + ",%d\n" % (2000 if t.hour in (18, 19) else 1000))
PY
cat >"$tmp/pk/model.json" <<'JSON'
{
  "name": "spike",
  "period": {"start": "2024-07-01T00:00:00+08:00", "end": "2024-08-01T00:00:00+08:00", "step_min": 60},
  "grid": {"price_cny_per_kwh": 0.5, "demand_charge_cny_per_kw_month": 30,
           "emission_factor_kg_per_kwh": 0.5},
  "storage": [{"name": "b", "energy_kwh": 1000, "power_kw": 500}],
  "loads": [{"name": "plant", "power_kw": {"csv": "load.csv", "column": "kw"}}],
  "objective": {"minimise": "cost"}
}
JSON
pk="$tmp/pk/model.json"
for p in 0 1800 2500; do
    expect 0 "$zp" optimize "$pk" --at 2024-07-01T00:00 --horizon-h 48 --load-forecast perfect --json --peak-so-far "$p"
    cp "$tmp/out" "$tmp/pk/plan_$p.json"
done
"$PY" - "$tmp/pk" <<'PY' && ok || bad "optimize --peak-so-far: the plan shaves to the hand-computed peak, to the peak so far, or not at all"
import json, sys
d = {p: json.load(open("%s/plan_%d.json" % (sys.argv[1], p))) for p in (0, 1800, 2500)}
def imp(p): return [s["grid_import_kw"] for s in d[p]["steps"]]
def bat(p): return [s["storage"][0]["setpoint_kw"] for s in d[p]["steps"]]
spikes = [18, 19, 42, 43]
for p in d:
    assert d[p]["solver"]["status"] == "optimal" and len(d[p]["steps"]) == 48, d[p]["solver"]
    assert d[p]["demand_charge"]["month_peak_so_far_kw"] == p, d[p]["demand_charge"]
# no peak so far: shaved to 2000 - 0.95 * 850 / 2
assert abs(max(imp(0)) - 1596.25) < 1e-3, max(imp(0))
assert all(abs(bat(0)[t] - 403.75) < 1e-3 for t in spikes), bat(0)
# 1800 so far: shaved to it, not below
assert abs(max(imp(1800)) - 1800) < 1e-3, max(imp(1800))
assert all(abs(bat(1800)[t] - 200) < 1e-3 for t in spikes), bat(1800)
assert abs(d[1800]["demand_charge"]["month_planned_peak_kw"] - 1800) < 1e-3
want = 0.5 * (52000 + 800 / 0.9025 - 800) + 30 * 1800
assert abs(d[1800]["solver"]["objective_economic"] - want) < 1e-6 * want, (d[1800]["solver"], want)
# 2500 so far: the battery idle, import = load, the charge a constant
assert all(abs(b) < 1e-6 for b in bat(2500)), bat(2500)
assert all(abs(i - (2000 if t % 24 in (18, 19) else 1000)) < 1e-6 for t, i in enumerate(imp(2500)))
assert d[2500]["demand_charge"]["month_planned_peak_kw"] == 2500
assert abs(d[2500]["solver"]["objective_economic"] - 101000) < 1e-6 * 101000, d[2500]["solver"]
PY
expect 0 "$zp" optimize --help
contains "$tmp/out" "--peak-so-far KW"
expect 2 "$zp" optimize "$pk" --at 2024-07-01T00:00 --peak-so-far -1
contains "$tmp/err" "--peak-so-far '-1': the month's peak import so far, kW >= 0"
expect 2 "$zp" optimize "$pk" --at 2024-07-01T00:00 --peak-so-far 1e400
contains "$tmp/err" "--peak-so-far '1e400'"
expect 2 "$zp" optimize "$pk" --at 2024-07-01T00:00 --peak-so-far
contains "$tmp/err" "--peak-so-far needs a value"

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

# --- text output: numbers as people write them ------------------------------------
# 10,000 kW for the 8,784 h of 2024 at 0.6 kg CO2/kWh (location and residual):
# 87,840,000 kWh x 0.6 = 52,704,000 kg = 52,704 t against a cap of 20,000 t.
cat > "$tmp/cap.json" <<'JSON'
{"name": "cap", "site": {"lat_deg": 24.8, "lon_deg": 113.6},
 "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2025-01-01T00:00:00+08:00", "step_min": 60},
 "grid": {"emission_factor_kg_per_kwh": 0.6},
 "accounting": {"residual_factor_kg_per_kwh": 0.6},
 "loads": [{"name": "plant", "power_kw": 10000}],
 "targets": {"max_emissions_t": 20000}}
JSON
noexp() { if grep -qE '[0-9]e[+-]?[0-9]' "$1"; then bad "$1 has a number in exponent form"; grep -E '[0-9]e[+-]?[0-9]' "$1" | head -5 >&2; else ok; fi; }
expect 0 "$zp" simulate "$tmp/cap.json" --db "$tmp/cap.db"
contains "$tmp/out" "52,704 vs 20,000       MISSED"
contains "$tmp/out" "grid import                            87,840.0"
noexp "$tmp/out"
expect 0 "$zp" account "$tmp/cap.json" --run 1 --db "$tmp/cap.db"
contains "$tmp/out" "52,704 vs 20,000       MISSED"
if grep -qE "^  total, market-based +52,704\.00$" "$tmp/out"; then ok; else bad "account: total market-based 52,704.00"; fi
noexp "$tmp/out"
expect 0 "$zp" compare "$src/examples/greensboro-pv/model.json"
if grep -qE "^  energy cost \(CNY\)( +[0-9]{1,3}(,[0-9]{3})+){3}$" "$tmp/out"; then ok; else bad "compare: costs with thousands separators"; cat "$tmp/out" >&2; fi
noexp "$tmp/out"
expect 0 "$zp" account "$tmp/cap.json" --run 1 --db "$tmp/cap.db" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "account --json keeps full precision"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["emissions_t"]["total_market"] == 52704.0, d["emissions_t"]
PY

# --- account --run: each dispatch simulated again with its stored options ----------
# Two weeks of the industrial park. Checked against the simulation's own
# figures and by hand from the flows CSV: Scope 2 = sum of grid import (kWh,
# hourly steps) x 0.55 kg/kWh (the model's grid factor) for location-based
# and x 0.6096 kg/kWh (MEE/NBS 2023 national residual mix) for market-based;
# Scope 1 = 1,200,000 m3 of natural gas x 14/366 of the year x NCV 0.038931
# GJ/m3 x CC 0.0153 tC/GJ x OF 0.99 x 44/12 (NDRC guideline defaults:
# 389.31 GJ/10^4 Nm3, 15.30 tC/TJ, 99 %).
for d in rule optimal mpc; do
    case $d in
        rule) extra="--outage 2024-07-03T18:00/2024-07-04T02:00" ;;
        optimal) extra="--no-reserve" ;;
        mpc) extra="--horizon-h 6 --replan-h 2 --pv-forecast noisy --load-forecast noisy --noise-pct 50 --seed 7" ;;
    esac
    # shellcheck disable=SC2086
    expect 0 "$zp" simulate "$bs" --dispatch $d $extra --from 2024-07-01 --to 2024-07-15 \
        --json --csv "$tmp/run-$d.csv" --db "$tmp/run-$d.db"
    cp "$tmp/out" "$tmp/run-$d.json"
    expect 0 "$zp" account "$bs" --run 1 --db "$tmp/run-$d.db" --json
    "$PY" - "$tmp/out" "$tmp/run-$d.json" "$tmp/run-$d.csv" "$d" <<'PY' && ok || bad "account --run of a '$d' run: the simulation's Scope 1/2 and the hand check"
import csv, json, sys
a = json.load(open(sys.argv[1]))["emissions_t"]
s = json.load(open(sys.argv[2]))
assert s["dispatch"] == sys.argv[4], s["dispatch"]
for k in ["scope1", "scope2_location", "scope2_market", "total_location", "total_market"]:
    assert abs(a[k] - s["emissions_t"][k]) <= 1e-9 * abs(s["emissions_t"][k]), (k, a[k], s["emissions_t"][k])
rows = list(csv.DictReader(open(sys.argv[3])))
assert len(rows) == 14 * 24
imp = sum(float(r["grid_import_kw"]) for r in rows)           # kW x 1 h
assert abs(a["scope2_location"] - imp * 0.55 / 1000) <= 1e-6 * a["scope2_location"], (a, imp)
assert abs(a["scope2_market"] - imp * 0.6096 / 1000) <= 1e-6 * a["scope2_market"], (a, imp)
s1 = 1200000 * 14 / 366 * 0.038931 * 0.0153 * 0.99 * 44 / 12
assert abs(a["scope1"] - s1) <= 1e-6 * s1, (a["scope1"], s1)
PY
done
# The options really are used: with the horizon, forecasts and seed the MPC
# run is not the default MPC (cost differs), and account reproduces it.
expect 0 "$zp" simulate "$bs" --dispatch mpc --from 2024-07-01 --to 2024-07-15 --json
"$PY" - "$tmp/out" "$tmp/run-mpc.json" <<'PY' && ok || bad "the MPC options change the run"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert abs(a["cost_cny"] - b["cost_cny"]) > 1, (a["cost_cny"], b["cost_cny"])
PY
# A run stored without its options (an older zeropark): said so, exit 2.
"$PY" - "$tmp/run-mpc.db" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
(rj,) = c.execute("select results_json from runs where id = 1").fetchone()
d = json.loads(rj); d.pop("options")
c.execute("update runs set results_json = ? where id = 1", (json.dumps(d),)); c.commit()
PY
expect 2 "$zp" account "$bs" --run 1 --db "$tmp/run-mpc.db"
contains "$tmp/err" "run 1 was stored without its simulation options (by an older zeropark)"
contains "$tmp/err" "simulate the model again with the options it was made with"
# A damaged options record: named, exit 2.
"$PY" - "$tmp/run-optimal.db" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
(rj,) = c.execute("select results_json from runs where id = 1").fetchone()
d = json.loads(rj); d["options"]["dispatch"] = "fastest"
c.execute("update runs set results_json = ? where id = 1", (json.dumps(d),)); c.commit()
PY
expect 2 "$zp" account "$bs" --run 1 --db "$tmp/run-optimal.db"
contains "$tmp/err" "run 1: its stored options cannot be read (options.dispatch: expected rule, optimal or mpc)"
expect 2 "$zp" account "$bs" --run 7 --db "$tmp/run-mpc.db"
contains "$tmp/err" "no run with id 7"
expect 2 "$zp" account "$sg" --run 1 --db "$tmp/run-rule.db"
contains "$tmp/err" "run 1 was made from other inputs"

# --- report: dispatch, stored runs, energy cost, monthly peak import, Chinese ------
# Cost and peaks checked with pandas from `simulate --csv` flows: import cost =
# sum of grid_import_kw x 1 h x the step's import price (the tariff column, or
# the model's constant), export revenue likewise at the export price; the
# peak of a month is its highest grid_import_kw, at a step that has it.
cat > "$tmp/cost_check.py" <<'PY'
import json, sys
import pandas as pd
rep, flows, model = json.load(open(sys.argv[1])), pd.read_csv(sys.argv[2]), json.load(open(sys.argv[3]))
csvrep = pd.read_csv(sys.argv[4]) if len(sys.argv) > 4 else None
g = model["grid"]
price = flows["price_cny_per_kwh"] if "price_cny_per_kwh" in flows else g["price_cny_per_kwh"]
eprice = flows["export_price_cny_per_kwh"] if "export_price_cny_per_kwh" in flows else g["export_price_cny_per_kwh"]
step_h = 1.0                                                # the runs here are hourly
flows["month"] = flows["timestamp"].str[:7]                 # local time as written
flows["cost"] = flows["grid_import_kw"] * step_h * price
flows["rev"] = flows["grid_export_kw"] * step_h * eprice
by = flows.groupby("month")
def near(a, b, rel=1e-8):
    assert abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-6, (a, b)
c = rep["cost"]
near(c["import_cost_cny"], flows["cost"].sum())
near(c["export_revenue_cny"], flows["rev"].sum())
near(c["net_cny"], flows["cost"].sum() - flows["rev"].sum())
near(c["peak_import_kw"], flows["grid_import_kw"].max())
assert [m["month"] for m in c["months"]] == sorted(by.groups), [m["month"] for m in c["months"]]
for m in c["months"]:
    f = by.get_group(m["month"])
    near(m["import_cost_cny"], f["cost"].sum())
    near(m["export_revenue_cny"], f["rev"].sum())
    near(m["peak_import_kw"], f["grid_import_kw"].max())
    at = f[f["timestamp"] == m["peak_import_at"]]
    assert len(at) == 1, m
    near(float(at["grid_import_kw"].iloc[0]), f["grid_import_kw"].max())
    if csvrep is not None:
        row = csvrep[csvrep["month"] == m["month"]].iloc[0]
        near(row["import_cost_cny"], f["cost"].sum())
        near(row["export_revenue_cny"], f["rev"].sum())
        near(row["peak_import_kw"], f["grid_import_kw"].max())
        assert row["peak_import_at"] == m["peak_import_at"]
print("months", len(c["months"]), "import", round(c["import_cost_cny"]), "export", round(c["export_revenue_cny"]),
      "peak", c["peak_import_kw"], c["peak_import_at"])
PY
# The industrial park (tariff series, no export) dispatched optimally.
expect 0 "$zp" report "$bs" --dispatch optimal --html "$tmp/bs-opt.html" --csv "$tmp/bs-opt.csv" --json
cp "$tmp/out" "$tmp/bs-opt.json"
expect 0 "$zp" simulate "$bs" --dispatch optimal --csv "$tmp/bs-opt-flows.csv"
"$PY" - "$tmp/bs-opt.json" "$tmp/bs-opt.html" <<'PY' && ok || bad "report --dispatch optimal: the dispatch used, shown and in --json"
import json, sys
d = json.load(open(sys.argv[1])); h = open(sys.argv[2], encoding="utf-8").read()
assert d["dispatch"] == "optimal" and d["run"] is None, (d["dispatch"], d["run"])
assert 'data-dispatch="optimal">optimal (perfect foresight)</span>' in h
assert 'id="table-cost"' in h and 'id="table-peaks"' in h and 'id="kpi-peak"' in h
PY
"$PY" "$tmp/cost_check.py" "$tmp/bs-opt.json" "$tmp/bs-opt-flows.csv" "$bs" "$tmp/bs-opt.csv" >"$tmp/cost.log" 2>&1 \
    && ok || { bad "report --dispatch optimal: cost and monthly peaks against the flows"; cat "$tmp/cost.log" >&2; }
# A PV site with export (constant prices 0.80 and 0.30 CNY/kWh, UTC-05:00).
gb="$src/examples/greensboro-pv/model.json"
expect 0 "$zp" report "$gb" --html "$tmp/gb.html" --csv "$tmp/gb.csv" --json
cp "$tmp/out" "$tmp/gb.json"
expect 0 "$zp" simulate "$gb" --csv "$tmp/gb-flows.csv"
"$PY" "$tmp/cost_check.py" "$tmp/gb.json" "$tmp/gb-flows.csv" "$gb" "$tmp/gb.csv" >"$tmp/cost.log" 2>&1 \
    && ok || { bad "report: cost, export revenue and monthly peaks against the flows"; cat "$tmp/cost.log" >&2; }
"$PY" - "$tmp/gb.json" <<'PY' && ok || bad "report: the PV site earns export revenue"
import json, sys
c = json.load(open(sys.argv[1]))["cost"]
assert c["export_revenue_cny"] > 0 and c["months"][0]["month"] == "2023-01", c
PY
# A stored MPC run reported with its own options (rule is the default).
expect 0 "$zp" simulate "$bs" --dispatch mpc --horizon-h 6 --pv-forecast noisy --seed 3 \
    --from 2024-07-01 --to 2024-07-15 --db "$tmp/run-mpc2.db" --csv "$tmp/run-mpc2.csv"
expect 0 "$zp" report "$bs" --run 1 --db "$tmp/run-mpc2.db" --html "$tmp/bs-run.html" --lang zh --json
cp "$tmp/out" "$tmp/bs-run.json"
"$PY" "$tmp/cost_check.py" "$tmp/bs-run.json" "$tmp/run-mpc2.csv" "$bs" >"$tmp/cost.log" 2>&1 \
    && ok || { bad "report --run: cost and peaks of the stored MPC run"; cat "$tmp/cost.log" >&2; }
"$PY" - "$tmp/bs-run.json" "$tmp/bs-run.html" <<'PY' && ok || bad "report --run: the stored run's dispatch, in Chinese"
import json, sys
d = json.load(open(sys.argv[1])); h = open(sys.argv[2], encoding="utf-8").read()
assert d["dispatch"] == "mpc" and d["run"] == 1, (d["dispatch"], d["run"])
assert 'data-dispatch="mpc">滚动优化调度（MPC）</span>' in h
assert '已存储的运行 <span id="run">1</span>' in h
PY
expect 2 "$zp" report "$bs" --run 2 --db "$tmp/run-mpc2.db" --html "$tmp/x.html"
contains "$tmp/err" "no run with id 2"
expect 2 "$zp" report "$bs" --run 1 --html "$tmp/x.html"
contains "$tmp/err" "--run needs --db FILE"
expect 2 "$zp" report "$bs" --run 1 --db "$tmp/run-mpc2.db" --dispatch rule --html "$tmp/x.html"
contains "$tmp/err" "leave out --dispatch"
expect 2 "$zp" report "$bs" --dispatch best --html "$tmp/x.html"
contains "$tmp/err" "--dispatch 'best'"
# The Chinese page: no English word outside units, abbreviations and proper
# names, and none outside what the page marks as data (translate="no").
expect 0 "$zp" report "$bs" --dispatch optimal --html "$tmp/bs-opt-zh.html" --lang zh
expect 0 "$zp" report "$gb" --html "$tmp/gb-zh.html" --lang zh
if "$PY" "$src/tests/cli/zh_words.py" "$tmp/report.html" "$tmp/bs-opt-zh.html" "$tmp/gb-zh.html" \
    "$tmp/bs-run.html" >"$tmp/zh.log" 2>&1; then ok; else bad "English words on the Chinese report"; head -20 "$tmp/zh.log" >&2; fi

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
# run-now leaves jobs out, so the reduction is per IT kWh (docs/schedule.md,
# "Reductions"); against the SDK rule (the same jobs placed) over the totals
assert now["placed"] < g["placed"] and d["reductions"]["basis_vs_run_now"] == "per_it_kwh", d["reductions"]
per = lambda x: x["emissions_kg"] / x["it_kwh"]
red = 100 * (per(now) - per(g)) / per(now)
assert abs(red - d["reductions"]["emissions_vs_run_now_pct"]) < 1e-9, (red, d["reductions"])
assert sdk["placed"] == g["placed"] and d["reductions"]["basis_vs_carbon_aware_sdk"] == "same_jobs"
red = 100 * (sdk["emissions_kg"] - g["emissions_kg"]) / sdk["emissions_kg"]
assert abs(red - d["reductions"]["emissions_vs_carbon_aware_sdk_pct"]) < 1e-9, (red, d["reductions"])
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
m = re.search(r"site Shaoguan: green supply from .*: mean surplus ([0-9,]+) kW, PUE ([0-9.]+)", out)
assert m, out[:400]
rows = list(csv.DictReader(open(sys.argv[2])))
cur = [float(r["curtailed_kw"]) for r in rows[151 * 24: 151 * 24 + 168]]
assert abs(float(m.group(1).replace(",", "")) - sum(cur) / 168) <= 1, (m.group(1), sum(cur) / 168)
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
# Inputs are bounded: a power of 1e308 kW is a located input error, not an
# empty JSON answer or "inf" MWh with exit 0 (docs/schedule.md, "Jobs").
printf 'id,class,home,duration,power_kw\na,batch,Shaoguan,2,1e308\n' >"$tmp/huge.csv"
for fmt in --json --csv=$tmp/huge-out.csv; do
    expect 2 "$zp" schedule --sites "$ed/sites.json" --jobs "$tmp/huge.csv" $fmt
    contains "$tmp/err" "$tmp/huge.csv:2: column power_kw: '1e308' is out of range: use 0.001..1000000 kW"
    [ ! -s "$tmp/out" ] && [ ! -e "$tmp/huge-out.csv" ] && ok || bad "schedule: nothing written for a bad input"
done
printf '{"slots": 2, "sites": [{"name": "A", "capacity_kw": 1e308, "intensity_kg_per_kwh": 0.5}]}\n' >"$tmp/huge.json"
printf 'id,class,home,duration,power_kw\na,batch,A,1,1\n' >"$tmp/a.csv"
expect 2 "$zp" schedule --sites "$tmp/huge.json" --jobs "$tmp/a.csv"
contains "$tmp/err" "$tmp/huge.json:1:53: sites[0].capacity_kw: 1e+308 is out of range: use 0..100000000 kW"
# No jobs: an input error, never an empty answer with exit 0.
printf 'id,class,home,duration,power_kw\n' >"$tmp/nojobs.csv"
expect 2 "$zp" schedule --sites "$ed/sites.json" --jobs "$tmp/nojobs.csv" --json
contains "$tmp/err" "$tmp/nojobs.csv: no jobs: the file has a header but no job rows"
[ ! -s "$tmp/out" ] && ok || bad "schedule: no JSON for a jobs file without jobs"
# Reductions when the schedules place different jobs, by hand: one site, PUE 1,
# 10 kW, intensity 1.0 then 0.5. A (10 kW, 1 slot in [0,2)), B (10 kW, slot 0).
# Greedy: B at 0, A at 1: 10 + 5 = 15 kg for 20 kWh (0.75 kg/kWh). Run-now: A
# at 0, B has no room: 10 kg for 10 kWh (1.0 kg/kWh) -> 25 % less per IT kWh
# (the totals would say 50 % more). SDK rule: A at 1, B at 0: 15 kg, the same
# jobs -> 0 %.
printf '{"slots": 2, "sites": [{"name": "A", "capacity_kw": 10, "intensity_kg_per_kwh": [1.0, 0.5]}]}\n' >"$tmp/one.json"
printf 'id,class,home,release,deadline,duration,power_kw\nA,batch,A,0,2,1,10\nB,batch,A,0,1,1,10\n' >"$tmp/two.csv"
expect 0 "$zp" schedule --sites "$tmp/one.json" --jobs "$tmp/two.csv"
contains "$tmp/out" "emissions vs run-now: 25.0% less per IT kWh (greedy placed 2 of 2 jobs, run-now 1)"
contains "$tmp/out" "emissions vs Carbon Aware SDK rule: 0.0% less (the same 2 of 2 jobs placed)"
expect 0 "$zp" schedule --sites "$tmp/one.json" --jobs "$tmp/two.csv" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "schedule --json: reductions per IT kWh when the jobs placed differ"
import json, sys
red = json.load(open(sys.argv[1]))["reductions"]
assert red["basis_vs_run_now"] == "per_it_kwh" and abs(red["emissions_vs_run_now_pct"] - 25.0) < 1e-9, red
assert red["basis_vs_carbon_aware_sdk"] == "same_jobs" and abs(red["emissions_vs_carbon_aware_sdk_pct"]) < 1e-9, red
PY
# Greedy places nothing (no site within the job's latency bound; run-now
# ignores latency): no comparison, never "100.0% less".
printf '{"slots": 2, "regions": ["R"], "sites": [{"name": "A", "capacity_kw": 10, "intensity_kg_per_kwh": 1, "latency_ms": {"R": 100}}]}\n' >"$tmp/far.json"
printf 'id,class,home,region,latency_ms,duration,power_kw\nW,interactive,A,R,1,1,5\n' >"$tmp/web.csv"
expect 0 "$zp" schedule --sites "$tmp/far.json" --jobs "$tmp/web.csv"
contains "$tmp/out" "emissions vs run-now: not compared: greedy placed 0 of 1 job (run-now 1)"
if grep -q "100.0% less" "$tmp/out"; then bad "schedule: 100% less for an empty schedule"; else ok; fi
expect 0 "$zp" schedule --sites "$tmp/far.json" --jobs "$tmp/web.csv" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "schedule --json: no reduction for an empty schedule"
import json, sys
d = json.load(open(sys.argv[1]))
red = d["reductions"]
assert red["basis_vs_run_now"] == "none" and red["emissions_vs_run_now_pct"] is None, red
assert red["objective_vs_run_now_pct"] is None, red
assert d["unplaced"] == [{"id": "W", "line": 2, "reason": "latency"}], d["unplaced"]
PY
# --method exact with a negative price: the real reason, located by key and slot.
printf '{"slots": 2, "sites": [{"name": "A", "capacity_kw": 10, "intensity_kg_per_kwh": 0.5, "price_cny_per_kwh": [0.3, -0.1]}]}\n' >"$tmp/neg.json"
expect 2 "$zp" schedule --sites "$tmp/neg.json" --jobs "$tmp/a.csv" --method exact --objective cost
contains "$tmp/err" "site 'A', slot 1: sites[0].price_cny_per_kwh is -0.1 CNY/kWh with --objective cost; the exact method (--method exact) needs a weight >= 0 in every slot: negative prices are not supported by its model"
if grep -q "not available in this build" "$tmp/err"; then bad "schedule: exact is built in"; else ok; fi
expect 0 "$zp" schedule --sites "$tmp/neg.json" --jobs "$tmp/a.csv" --objective cost
# A sites file naming a missing park model: its line:col, JSON path and the path tried.
printf '{"slots": 2,\n "sites": [{"name": "A", "capacity_kw": 10, "intensity_kg_per_kwh": 0.5,\n   "park_model": "missing/model.json"}]}\n' >"$tmp/park-missing.json"
expect 2 "$zp" schedule --sites "$tmp/park-missing.json" --jobs "$tmp/a.csv"
contains "$tmp/err" "$tmp/park-missing.json:3:18: sites[0].park_model: park model 'missing/model.json' cannot be opened: tried $tmp/missing/model.json (relative to the sites file): No such file or directory"
# The example README's figures are those of a fresh run (examples/tools/edwc_figures.py).
"$PY" "$src/examples/tools/edwc_figures.py" --zeropark "$zp" --check >"$tmp/fig.out" 2>&1 && ok || { bad "examples/east-data-west-compute/README.md figures differ from a fresh run"; sed 's/^/  /' "$tmp/fig.out" | head -30 >&2; }

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
