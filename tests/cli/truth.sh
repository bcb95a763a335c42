#!/usr/bin/env bash
# truth.sh ZEROPARK SOURCE_DIR - one truth for every number: options that
# do not apply are refused rather than ignored, prices below zero are
# dispatched (not refused with an internal field name), outputs are all
# written or none, numbers are printed as people write them and read as
# decimals only. Figures are worked out by hand in the comments. Ends with
# "N passed, N failed".
set -u
zp=$1
src=$2
PY=${ZP_PYTHON:-/usr/bin/python3}
. "$src/tests/need.sh"
need python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/cli/checks.sh"

bs=$src/examples/baoshan-park/model.json

# ---------------------------------------------------------------------------
# MPC options apply to --dispatch mpc only: with rule (the default) or
# optimal they are refused, naming the option, not silently ignored.
for opt in "--horizon-h 6" "--replan-h 2" "--pv-forecast noisy" "--load-forecast persistence" \
    "--wind-forecast perfect" "--noise-pct 50" "--seed 7"; do
    name=${opt%% *}
    for d in rule optimal; do
        # shellcheck disable=SC2086
        expect 2 "$zp" simulate "$bs" --dispatch $d $opt --from 2024-07-01 --to 2024-07-02
        contains "$tmp/err" "$name applies to --dispatch mpc only (this run is --dispatch $d)"
    done
    # shellcheck disable=SC2086
    expect 2 "$zp" simulate "$bs" $opt --from 2024-07-01 --to 2024-07-02
    contains "$tmp/err" "$name applies to --dispatch mpc only (this run is --dispatch rule)"
    # shellcheck disable=SC2086
    expect 2 "$zp" report "$bs" $opt --dispatch optimal --html "$tmp/r.html"
    contains "$tmp/err" "$name applies to --dispatch mpc only"
    [ ! -e "$tmp/r.html" ] && ok || bad "report wrote its HTML despite $name"
done
# An option a command refuses is named as typed, not by its value.
expect 2 "$zp" optimize "$bs" --at 2024-07-01T00:00 --replan-h 2
contains "$tmp/err" "'--replan-h' applies to simulate, not optimize"
# The option given before --dispatch mpc is accepted.
expect 0 "$zp" simulate "$bs" --horizon-h 6 --replan-h 6 --dispatch mpc --from 2024-07-01 --to 2024-07-02 --json

# ---------------------------------------------------------------------------
# The jobs CSV reads numbers as decimals only: power_kw '0x10' (hex, 16 to
# strtod) is not a number, '1e-320' (a subnormal, "above 0") is below the
# documented 0.001 kW; either is a located error and no output is written.
ed=$src/examples/east-data-west-compute
for v in 0x10 1e-320 inf; do
    printf 'id,class,home,duration,power_kw\na,batch,Shaoguan,2,%s\n' "$v" >"$tmp/jobs-$v.csv"
    rm -f "$tmp/jobs-out.csv"
    expect 2 "$zp" schedule --sites "$ed/sites.json" --jobs "$tmp/jobs-$v.csv" --csv "$tmp/jobs-out.csv"
    case $v in
        1e-320) contains "$tmp/err" "$tmp/jobs-$v.csv:2: column power_kw: '$v' is out of range: use 0.001..1000000 kW" ;;
        *) contains "$tmp/err" "$tmp/jobs-$v.csv:2: column power_kw: '$v' is not a number: use 0.001..1000000 kW" ;;
    esac
    [ ! -e "$tmp/jobs-out.csv" ] && ok || bad "schedule wrote --csv for power_kw $v"
done
printf 'id,class,home,region,latency_ms,duration,power_kw\na,batch,Shaoguan,Guangzhou,0x10,2,1\n' >"$tmp/jobs-lat.csv"
expect 2 "$zp" schedule --sites "$ed/sites.json" --jobs "$tmp/jobs-lat.csv"
contains "$tmp/err" "$tmp/jobs-lat.csv:2: column latency_ms: '0x10' is not a number"

# ---------------------------------------------------------------------------
# schedule: a small schedule shows its figures, a large one keeps its
# columns, counts agree with their nouns, and outputs are all or nothing.
# One job of 100 kW for one 1-hour slot at one site (PUE 1, 0.5 kg/kWh,
# 0.6 CNY/kWh): IT energy 100 kWh = 0.1 MWh, emissions 50 kg = 0.05 t,
# cost 60 CNY, for every method.
printf '{"start": "2024-06-01T00:00:00+08:00", "slots": 4, "sites": [{"name": "A", "capacity_kw": 1000, "intensity_kg_per_kwh": 0.5, "price_cny_per_kwh": 0.6}]}\n' >"$tmp/s1.json"
printf 'id,class,home,duration,power_kw\nj,batch,A,1,100\n' >"$tmp/j1.csv"
expect 0 "$zp" schedule --sites "$tmp/s1.json" --jobs "$tmp/j1.csv"
contains "$tmp/out" "1 job, 1 site, 4 slots of 1 h; objective: carbon"
contains "$tmp/out" "(the same 1 of 1 job placed)"
"$PY" - "$tmp/out" <<'PY' && ok || bad "schedule: small figures show (0.1 MWh, 0.05 t, 60 CNY)"
import re, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"  (\S.*?)\s{2,}(\S+)\s+(\S+)\s+(\S+)$", line.rstrip("\n"))
    if m:
        rows[m.group(1)] = m.groups()[1:]
want = {"IT energy (MWh)": "0.1", "emissions (t CO2)": "0.05", "grid cost (CNY)": "60", "placed": "1"}
bad = [(k, rows.get(k), v) for k, v in want.items() if rows.get(k) != (v, v, v)]
assert not bad, bad
PY
# 100 jobs of 1,000,000 kW for 1,000 one-hour slots on a site of 1e8 kW at
# 100 CNY/kWh and 10 kg/kWh: all run at once; cost 100 x 1e6 x 1,000 x 100 =
# 1e13 CNY ("10,000,000,000,000", 18 characters), emissions 1e9 t.
printf '{"start": "2024-01-01T00:00:00+08:00", "slots": 1000, "sites": [{"name": "A", "capacity_kw": 1e8, "intensity_kg_per_kwh": 10, "price_cny_per_kwh": 100}]}\n' >"$tmp/sbig.json"
{
    echo "id,class,home,duration,power_kw"
    for i in $(seq 1 100); do echo "j$i,batch,A,1000,1000000"; done
} >"$tmp/jbig.csv"
expect 0 "$zp" schedule --sites "$tmp/sbig.json" --jobs "$tmp/jbig.csv"
"$PY" - "$tmp/out" <<'PY' && ok || bad "schedule: large figures stay in their columns"
import re, sys
lines = open(sys.argv[1]).read().split("\n")
h = next(i for i, l in enumerate(lines) if l.rstrip().endswith("carbon_aware_sdk"))
ends = [m.end() for m in re.finditer(r"\S+", lines[h])]
assert len(ends) == 3, lines[h]
rows = {}
for l in lines[h + 1:]:
    if not l.strip():
        break
    cells = list(re.finditer(r"\S+", l))[-3:]
    assert [m.end() for m in cells] == ends, (l, ends)
    rows[l[:30].strip()] = [m.group() for m in cells]
assert rows["grid cost (CNY)"] == ["10,000,000,000,000"] * 3, rows
assert rows["emissions (t CO2)"] == ["1,000,000,000.0"] * 3, rows
assert rows["IT energy (MWh)"] == ["100,000,000"] * 3, rows
PY
# --site-load into a directory that does not exist: exit 2 and the --csv
# file (which could be written) is not left behind either.
expect 2 "$zp" schedule --sites "$tmp/s1.json" --jobs "$tmp/j1.csv" --csv "$tmp/place.csv" \
    --site-load "A=$tmp/no/such/dir/load.csv"
contains "$tmp/err" "cannot write $tmp/no/such/dir/load.csv"
[ ! -e "$tmp/place.csv" ] && ok || bad "schedule: --csv written although --site-load failed"
ls "$tmp" | grep -q '\.tmp' && bad "schedule: a temporary file left behind" || ok
expect 2 "$zp" schedule --sites "$tmp/s1.json" --jobs "$tmp/j1.csv" --csv "$tmp/place.csv" --site-load "B=$tmp/load.csv"
contains "$tmp/err" "--site-load 'B=$tmp/load.csv': use SITE=FILE with a site of the sites file"
[ ! -e "$tmp/place.csv" ] && ok || bad "schedule: --csv written although --site-load named no site"
# Both written when both can be: the placement and the load (100 kW in slot 0).
expect 0 "$zp" schedule --sites "$tmp/s1.json" --jobs "$tmp/j1.csv" --csv "$tmp/place.csv" --site-load "A=$tmp/load.csv"
contains "$tmp/place.csv" "j,A,0,,placed"
"$PY" - "$tmp/load.csv" <<'PY' && ok || bad "schedule: --site-load file"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [float(r["it_kw"]) for r in rows] == [100, 0, 0, 0], rows
PY

# ---------------------------------------------------------------------------
# validate, series and import print numbers as people write them; a figure
# the user wrote is shown as given (docs/cli.md). The Baoshan model with a
# 12,345.6 kWp array, an import limit of 30,000 kW, a site at 79.95 W; the
# year 2024 has 366 x 24 = 8,784 hourly steps.
"$PY" - "$bs" "$tmp/v.json" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
base = os.path.dirname(os.path.abspath(sys.argv[1]))
def absolute(x):
    if isinstance(x, dict):
        return {k: (os.path.join(base, v) if k == "csv" and not os.path.isabs(v) else absolute(v)) for k, v in x.items()}
    if isinstance(x, list):
        return [absolute(v) for v in x]
    return x
d = absolute(d)
d["pv"][0]["capacity_kwp"] = 12345.6
d["site"]["lon_deg"] = -79.95
json.dump(d, open(sys.argv[2], "w"))
PY
expect 0 "$zp" validate "$tmp/v.json"
contains "$tmp/out" "1 array, 12,345.6 kWp"
contains "$tmp/out" "import <= 30,000 kW, export <= 5,000 kW"
contains "$tmp/out" "60-min steps (8,784)"
contains "$tmp/out" "79.9500 W"
contains "$tmp/out" "natural_gas: 1,200,000 m3"
lacks "$tmp/out" "12345.6"
# 10,000 hourly readings of one series: "10,000" readings, a step of
# "3,600 s"; a counter that goes down from 4,294,967,290.5 to 12 is named
# with both readings as written.
"$PY" - "$tmp/n.csv" "$tmp/c.csv" <<'PY'
import datetime, sys
t0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
with open(sys.argv[1], "w") as f:
    f.write("time,pv_kw\n")
    for i in range(10000):
        f.write("%s,%d\n" % ((t0 + datetime.timedelta(hours=i)).isoformat(), i % 7))
with open(sys.argv[2], "w") as f:
    f.write("time,grid_import_kwh_total\n")
    for i, v in enumerate(["4294967280", "4294967290.5", "12"]):
        f.write("%s,%s\n" % ((t0 + datetime.timedelta(hours=i)).isoformat(), v))
PY
expect 0 "$zp" import "$tmp/n.csv" --db "$tmp/n.db"
contains "$tmp/out" "imported 10,000 readings in 1 series"
expect 0 "$zp" series --db "$tmp/n.db"
"$PY" - "$tmp/out" <<'PY' && ok || bad "series: 10,000 readings at a 3,600 s step"
import sys
lines = open(sys.argv[1]).read().splitlines()
row = next(l for l in lines if l.startswith("pv_kw "))
assert row.split()[-1] == "10,000", row
assert " 3,600 s " in row, row
assert lines[0].rstrip().endswith("readings") and len(lines[0].rstrip()) == len(row.rstrip()), lines
PY
expect 0 "$zp" import "$tmp/c.csv" --db "$tmp/c.db"
contains "$tmp/err" "counter 'grid_import_kwh_total' went down from 4,294,967,290.5 to 12"
contains "$tmp/out" "imported 3 readings in 1 series"

# ---------------------------------------------------------------------------
# account --run --by asset lists the simulation's assets (it printed an
# empty table). A week of the Shaoguan campus; checked from the
# simulation's own per-step CSV: grid import, each PV array's share of the
# PV used (in proportion to its available power), the battery's flows, and
# the consumption split between the services load and the data center's
# facility in proportion to their demand; the Scope 2 shares add up to
# import x 0.5306 kg/kWh (the model's factor) / 1000.
sg=$src/examples/shaoguan-campus/model.json
expect 0 "$zp" simulate "$sg" --from 2024-07-01 --to 2024-07-08 --db "$tmp/sg.db" --csv "$tmp/sg.csv"
expect 0 "$zp" account "$sg" --run 1 --db "$tmp/sg.db" --by asset
contains "$tmp/out" "pv.rooftops_kw"
contains "$tmp/out" "load.campus-services_kw"
expect 0 "$zp" account "$sg" --run 1 --db "$tmp/sg.db" --by asset --json
"$PY" - "$tmp/out" "$tmp/sg.csv" <<'PY' && ok || bad "account --run --by asset: the simulation's assets"
import csv, json, sys
d = json.load(open(sys.argv[1]))
a = {x["name"]: x for x in d["assets"]}
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 7 * 24
col = lambda k: [float(r[k]) for r in rows]
def near(x, y, what):
    assert abs(x - y) <= 1e-6 * max(1.0, abs(y)), (what, x, y)
near(a["grid_import_kw"]["total"], sum(col("grid_import_kw")), "import")
near(a["grid_export_kw"]["total"], sum(col("grid_export_kw")), "export")
for arr in ("rooftops", "carports"):
    share = sum(u * p / v if v > 0 else 0 for u, p, v in
                zip(col("pv_used_kw"), col("pv.%s.ac_kw" % arr), col("pv_available_kw")))
    near(a["pv.%s_kw" % arr]["total"], share, arr)
near(a["wind.ridge_kw"]["total"], sum(col("wind_used_kw")), "wind")
near(a["storage_charge.bess-1_kw"]["total"], sum(col("storage.bess-1.charge_kw")), "charge")
near(a["storage_discharge.bess-1_kw"]["total"], sum(col("storage.bess-1.discharge_kw")), "discharge")
svc = sum(c * l / (l + f) for c, l, f in zip(col("consumption_kw"), col("load.campus-services.demand_kw"),
                                             col("datacenter.facility_kw")))
near(a["load.campus-services_kw"]["total"], svc, "services")
near(a["load.campus-services_kw"]["total"] + a["dc_facility_kw"]["total"], sum(col("consumption_kw")), "consumption")
s2 = sum(col("grid_import_kw")) * 0.5306 / 1000
near(sum(x["scope2_location_t"] for x in d["assets"]), s2, "scope 2 shares")
near(d["emissions_t"]["scope2_location"], s2, "scope 2")
assert set(a) == {"grid_import_kw", "grid_export_kw", "pv.rooftops_kw", "pv.carports_kw", "wind.ridge_kw",
                  "storage_charge.bess-1_kw", "storage_discharge.bess-1_kw", "load.campus-services_kw",
                  "dc_facility_kw"}, sorted(a)
PY

# ---------------------------------------------------------------------------
# Negative prices (docs/model.md allows them) are dispatched by the LP, not
# refused with an internal field name. By hand (docs/methodology.md,
# "Negative prices"): a battery of 100 kWh / 100 kW, round trip 1, empty;
# 50 kW of load; prices -0.2, 1.0, 1.0 CNY/kWh; no export. Optimum: charge
# 100 kW in hour 0 (import 150 kWh, paid 150 x 0.2 = 30 CNY), discharge 50
# kW in hours 1 and 2 (no import): cost -30 CNY, import 150 kWh.
mkdir -p "$tmp/neg"
cat >"$tmp/neg/price.csv" <<'EOF'
time,price_cny_per_kwh
2024-01-01T00:00:00+08:00,-0.2
2024-01-01T01:00:00+08:00,1.0
2024-01-01T02:00:00+08:00,1.0
EOF
cat >"$tmp/neg/m.json" <<'EOF'
{"name": "negative price",
 "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2024-01-01T03:00:00+08:00"},
 "grid": {"price_cny_per_kwh": {"csv": "price.csv", "column": "price_cny_per_kwh"}, "export_limit_kw": 0},
 "storage": [{"name": "b", "energy_kwh": 100, "power_kw": 100, "charge_efficiency": 1,
              "discharge_efficiency": 1, "soc_min": 0, "soc_max": 1, "soc_initial": 0}],
 "loads": [{"name": "l", "power_kw": 50}],
 "objective": {"minimise": "cost"}}
EOF
for d in optimal mpc; do
    expect 0 "$zp" simulate "$tmp/neg/m.json" --dispatch $d --json --csv "$tmp/neg/$d.csv"
    "$PY" - "$tmp/out" "$tmp/neg/$d.csv" <<'PY' && ok || bad "simulate --dispatch $d with a negative price: cost -30 CNY by hand"
import csv, json, sys
d = json.load(open(sys.argv[1]))
assert abs(d["cost_cny"] - (-30.0)) < 1e-6, d["cost_cny"]
rows = list(csv.DictReader(open(sys.argv[2])))
imp = [float(r["grid_import_kw"]) for r in rows]
ch = [float(r["storage.b.charge_kw"]) for r in rows]
dis = [float(r["storage.b.discharge_kw"]) for r in rows]
assert all(abs(a - b) < 1e-6 for a, b in zip(imp, [150, 0, 0])), imp
assert all(abs(a - b) < 1e-6 for a, b in zip(ch, [100, 0, 0])), ch
assert all(abs(a - b) < 1e-6 for a, b in zip(dis, [0, 50, 50])), dis
PY
done
expect 0 "$zp" optimize "$tmp/neg/m.json" --at 2024-01-01T00:00 --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "optimize with a negative price: the hand plan"
import json, sys
d = json.load(open(sys.argv[1]))
assert abs(d["solver"]["objective_economic"] - (-30.0)) < 1e-6, d["solver"]
assert [round(s["grid_import_kw"], 6) for s in d["steps"]] == [150, 0, 0], d["steps"]
assert [round(s["storage"][0]["setpoint_kw"], 6) for s in d["steps"]] == [-100, 50, 50], d["steps"]
PY
# With losses (one-way 0.9, half full at the start and at least so at the
# end, prices -1.0, 0.1, 0.1) absorbing energy pays, through charge and
# discharge in one step too, but a battery can only alternate within the
# step: charge + discharge <= 100 kW. By hand, with x the charge and y the
# discharge in hour 0 (stored energy then 50 + 0.9x - y/0.9; what is above
# 50 is discharged later, 0.9 AC kWh per stored kWh, each saving 0.1 CNY):
# cost = -(50 + x - y) + 0.1 x (100 - 0.9 x (0.9x - y/0.9))
#      = -40 - 1.081x + 1.1y, least with the battery full (0.9x - y/0.9 = 50)
# and x + y = 100: y = 40 / (0.9 + 1/0.9) = 19.889503, x = 80.110497, cost
# -104.720994 CNY, import 50 + x - y = 110.220994 kWh in hour 0.
sed -e 's/"charge_efficiency": 1,/"charge_efficiency": 0.9,/' -e 's/"discharge_efficiency": 1,/"discharge_efficiency": 0.9,/' \
    -e 's/"soc_initial": 0}/"soc_initial": 0.5}/' -e 's/price.csv/price2.csv/' "$tmp/neg/m.json" >"$tmp/neg/m2.json"
printf 'time,price_cny_per_kwh\n2024-01-01T00:00:00+08:00,-1.0\n2024-01-01T01:00:00+08:00,0.1\n2024-01-01T02:00:00+08:00,0.1\n' >"$tmp/neg/price2.csv"
expect 0 "$zp" simulate "$tmp/neg/m2.json" --dispatch optimal --json --csv "$tmp/neg/loss.csv"
"$PY" - "$tmp/out" "$tmp/neg/loss.csv" <<'PY' && ok || bad "simulate --dispatch optimal, negative price with losses: the hand optimum"
import csv, json, sys
y = 40 / (0.9 + 1 / 0.9)
x = 100 - y
cost = -40 - 1.081 * x + 1.1 * y
d = json.load(open(sys.argv[1]))
assert abs(d["cost_cny"] - cost) < 1e-6, (d["cost_cny"], cost)
r0 = next(csv.DictReader(open(sys.argv[2])))
ch, dis = float(r0["storage.b.charge_kw"]), float(r0["storage.b.discharge_kw"])
assert abs(ch - x) < 1e-6 and abs(dis - y) < 1e-6, (ch, dis, x, y)
assert ch + dis <= 100 + 1e-9, (ch, dis)
assert abs(float(r0["grid_import_kw"]) - (50 + x - y)) < 1e-6, r0
PY

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
