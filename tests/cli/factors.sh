#!/usr/bin/env bash
# factors.sh ZEROPARK SOURCE_DIR - the grid factor: one resolution for every
# command (docs/model.md "Which grid factor"), checked against the published
# table data/factors/grid.csv and hand calculations. Ends with
# "N passed, N failed".
set -u
zp=$1
src=$2
. "$src/tests/need.sh"
need python3
PY=${ZP_PYTHON:-/usr/bin/python3}
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
contains() {
    if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks: $2"; sed 's/^/  /' "$1" | head -20 >&2; fi
}
lacks() {
    if grep -qF -- "$2" "$1"; then bad "$1 has: $2"; sed 's/^/  /' "$1" | head -20 >&2; else ok; fi
}

# The published rows used below, read from the table itself:
#   sichuan,average,2022,0.1404  (MEE/NBS 2022 provincial factor, Sichuan)
#   sichuan,average,2021,0.1255
#   national,average,2023,0.5306
# A 2024 park takes the latest year published up to 2024: 2022 for Sichuan.
grid_csv="$src/data/factors/grid.csv"
"$PY" - "$grid_csv" <<'PY' && ok || bad "grid.csv holds the rows the tests rely on"
import csv, sys
rows = {(r["region"], r["kind"], int(r["year"])): float(r["value"]) for r in csv.DictReader(open(sys.argv[1]))}
assert rows[("sichuan", "average", 2022)] == 0.1404
assert rows[("sichuan", "average", 2021)] == 0.1255
assert rows[("national", "average", 2023)] == 0.5306
assert max(y for (g, k, y) in rows if g == "sichuan" and k == "average") == 2022
PY

# A Sichuan park (January and February 2024): the Baoshan example's weather
# and load, Sichuan's large-industry tariff (by name), "grid_region":
# "sichuan" and no grid factor written.
d="$src/examples/baoshan-park/data"
mk_model() { # mk_model FILE REGION [FACTOR]
    local factor=""
    [ -n "${3:-}" ] && factor="\"emission_factor_kg_per_kwh\": $3,"
    cat > "$1" <<JSON
{
  "name": "Sichuan park",
  "site": {"lat_deg": 30.6, "lon_deg": 104.1, "elevation_m": 500},
  "period": {"start": "2024-01-01T00:00:00+08:00",
             "end": "2024-03-01T00:00:00+08:00", "step_min": 60},
  "weather": {"csv": "$d/weather.csv"},
  "grid": {
    "import_limit_kw": 30000, "export_limit_kw": 5000, $factor
    "tariff": "sichuan-large-industry-2025"
  },
  "pv": [{"name": "roofs", "capacity_kwp": 8000, "tilt_deg": 22, "azimuth_deg": 180}],
  "storage": [{"name": "bess", "energy_kwh": 10000, "power_kw": 5000}],
  "loads": [{"name": "factory", "power_kw": {"csv": "$d/load.csv", "column": "factory_kw"}}],
  "fuels": [{"type": "natural_gas", "amount": 1200000, "unit": "m3"}],
  "objective": {"minimise": "carbon"},
  "accounting": {
    "grid_region": "$2"
  }
}
JSON
}

# --- (a) simulate, account and report: one location-based Scope 2 -------------
m="$tmp/sichuan.json"
mk_model "$m" sichuan
expect 0 "$zp" simulate "$m" --csv "$tmp/sim.csv" --json --db "$tmp/runs.db"
cp "$tmp/out" "$tmp/sim.json"
expect 0 "$zp" account "$m" --db "$tmp/runs.db" --run 1 --json
cp "$tmp/out" "$tmp/acct.json"
expect 0 "$zp" report "$m" --csv "$tmp/report.csv" --json
cp "$tmp/out" "$tmp/report.json"
"$PY" - "$tmp/sim.csv" "$tmp/sim.json" "$tmp/acct.json" "$tmp/report.csv" <<'PY' && ok || bad "Scope 2 location-based: simulate = account = report = import x 0.1404"
import csv, json, sys
# Hand calculation: grid import summed from the per-step CSV (60-min steps,
# so kW = kWh per step) x the Sichuan 2022 factor 0.1404 kg/kWh.
imp_kwh = sum(float(r["grid_import_kw"]) for r in csv.DictReader(open(sys.argv[1])))
want_t = imp_kwh * 0.1404 / 1000
sim = json.load(open(sys.argv[2]))["emissions_t"]["scope2_location"]
acct = json.load(open(sys.argv[3]))["emissions_t"]["scope2_location"]
rep = sum(float(r["scope2_location_t"]) for r in csv.DictReader(open(sys.argv[4])))
for name, got in (("simulate", sim), ("account", acct), ("report", rep)):
    assert abs(got - want_t) <= 1e-6 * want_t, (name, got, want_t)
# and not the national default the simulation used to take (0.5306)
assert abs(sim - imp_kwh * 0.5306 / 1000) > 1000, sim
PY
"$PY" - "$tmp/sim.json" "$tmp/acct.json" <<'PY' && ok || bad "simulate and account name the same factor, year and rule"
import json, sys
f = json.load(open(sys.argv[1]))["factors"]
a = json.load(open(sys.argv[2]))["method"]
assert f["grid_kg_per_kwh"] == 0.1404 and f["grid_year"] == 2022 and f["grid_region"] == "sichuan", f
assert f["grid_rule"] == "accounting.grid_region", f
assert a["location_factor"]["value"] == 0.1404 and a["location_factor"]["year"] == 2022, a
assert f["grid_source"] == a["location_factor"]["source"], (f, a)
# the residual mix of the market-based figures: the same in both
assert f["market_residual_kg_per_kwh"] == a["residual_factor"]["value"], (f, a)
PY
# --- (b) the optimisers' carbon objective uses the resolved factor ------------
# The LP's import column costs factor x step hours under "minimise carbon":
# imp_t obj = 0.1404 x 1 h (the national default would be 0.5306).
expect 0 "$zp" optimize "$m" --at 2024-02-01T00:00:00+08:00 --horizon-h 6 --export-mps "$tmp/plan.mps"
"$PY" - "$tmp/plan.mps" <<'PY' && ok || bad "optimize --export-mps: import cost is 0.1404 kg/kWh x 1 h"
import sys
obj = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 3 and p[1] == "obj" and p[0].startswith("imp_"):
        obj[p[0]] = float(p[2])
assert sorted(obj) == ["imp_%d" % t for t in range(6)], obj
assert all(abs(v - 0.1404) < 1e-12 for v in obj.values()), obj
PY
# A tiny park where the choice flips with the factor: 1000 kW load, a
# 4000 kWh battery with 0.9 / 0.9 efficiencies starting empty (SOC 0.1),
# energy at 0.30 CNY/kWh for hours 0-11 and 0.40 for 12-23, carbon at 500
# CNY/t. A kWh stored at night and used by day costs (0.30 + 0.5 f) / 0.81,
# one bought by day 0.40 + 0.5 f: storing pays while f < 0.024 / 0.095 =
# 0.2526 kg/kWh. Sichuan (0.1404) cycles the battery, national (0.5306) does
# not. Sichuan, both days: 0.8 x 4000 = 3200 kWh stored, 3200 / 0.9 =
# 3555.56 kWh charged, 3200 x 0.9 = 2880 kWh discharged per day.
mkdir -p "$tmp/arb"
"$PY" - "$tmp/arb" <<'PY'
import json, sys
d = sys.argv[1]
with open(d + "/price.csv", "w") as f:
    f.write("timestamp,price_cny_per_kwh\n")
    for h in range(48):
        f.write("2024-01-%02dT%02d:00:00+08:00,%s\n" % (1 + h // 24, h % 24, "0.30" if h % 24 < 12 else "0.40"))
for region in ("sichuan", "national"):
    json.dump({"name": "arbitrage",
               "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2024-01-03T00:00:00+08:00"},
               "grid": {"price_cny_per_kwh": {"csv": "price.csv", "column": "price_cny_per_kwh"}},
               "storage": [{"name": "b", "energy_kwh": 4000, "power_kw": 1000,
                            "charge_efficiency": 0.9, "discharge_efficiency": 0.9,
                            "soc_min": 0.1, "soc_max": 0.9, "soc_initial": 0.1}],
               "loads": [{"name": "l", "power_kw": 1000}],
               "objective": {"minimise": "cost_with_carbon_price", "carbon_price_cny_per_t": 500},
               "accounting": {"grid_region": region}}, open("%s/%s.json" % (d, region), "w"))
PY
for method in optimal mpc; do
    for region in sichuan national; do
        # shellcheck disable=SC2046
        expect 0 "$zp" simulate "$tmp/arb/$region.json" --dispatch "$method" \
            $([ "$method" = mpc ] && echo --pv-forecast perfect) --json
        cp "$tmp/out" "$tmp/arb/$region-$method.json"
    done
    "$PY" - "$tmp/arb/sichuan-$method.json" "$tmp/arb/national-$method.json" <<'PY' && ok || bad "$method: the battery cycles with the Sichuan factor only"
import json, sys
s = json.load(open(sys.argv[1]))
n = json.load(open(sys.argv[2]))
assert abs(s["energy_kwh"]["storage_discharge"] - 5760) < 1e-3, s["energy_kwh"]
assert abs(s["energy_kwh"]["storage_charge"] - 2 * 3200 / 0.9) < 1e-3, s["energy_kwh"]
assert n["energy_kwh"]["storage_discharge"] < 1e-6, n["energy_kwh"]
# Objectives by hand. National: 48 000 kWh, 24 000 at each price:
# 16 800 CNY + 48 t x 0.5306 x 500 = 12 734.4 -> 29 534.4 CNY.
assert abs(n["objective"]["value"] - 29534.4) < 1e-6, n["objective"]
# Sichuan: night 24 000 + 7 111.11 kWh x 0.30, day 24 000 - 5 760 x 0.40,
# carbon 49 351.11 kWh x 0.1404 kg x 0.5 CNY/kg.
imp_n, imp_d = 24000 + 6400 / 0.9, 24000 - 5760
want = imp_n * 0.30 + imp_d * 0.40 + (imp_n + imp_d) * 0.1404 * 0.5
assert abs(s["objective"]["value"] - want) < 1e-6, (s["objective"], want)
PY
done

# compare runs the same simulations: each method's location-based total is
# its import x 0.1404 (no fuels here).
expect 0 "$zp" compare "$tmp/arb/sichuan.json" --pv-forecast perfect --json
"$PY" - "$tmp/out" "$tmp/arb/sichuan-optimal.json" <<'PY' && ok || bad "compare uses the resolved factor"
import json, sys
c = json.load(open(sys.argv[1]))
o = json.load(open(sys.argv[2]))
got = {x["method"]: x["emissions_total_location_t"] for x in c["methods"]}
assert abs(got["optimal"] - o["energy_kwh"]["grid_import"] * 0.1404 / 1000) < 1e-9, (got, o["energy_kwh"])
assert abs(got["rule"] - 48000 * 0.1404 / 1000) < 1e-9, got  # the rule never charges from the grid
PY

# --- (c) validate prints the factors: value, source, year, rule ---------------
expect 0 "$zp" validate "$m"
contains "$tmp/out" "location 0.1404 kg/kWh, sichuan 2022, chosen by accounting.grid_region"
contains "$tmp/out" "note: location factor: 2022 is the latest year with a published sichuan factor up to the data year 2024"
contains "$tmp/out" "residual 0.6096 kg/kWh, national 2023, chosen by accounting.residual factor_set"
contains "$tmp/out" "factor 0.1404 kg/kWh"
"$PY" - "$grid_csv" "$tmp/out" <<'PY' && ok || bad "validate names the table row's source"
import csv, sys
row = [r for r in csv.DictReader(open(sys.argv[1])) if (r["region"], r["kind"], r["year"]) == ("sichuan", "average", "2022")][0]
text = open(sys.argv[2]).read()
assert "source: %s [%s]" % (row["source"], row["verification"]) in text, text
PY
expect 0 "$zp" validate --json "$m"
"$PY" - "$grid_csv" "$tmp/out" <<'PY' && ok || bad "validate --json factors"
import csv, json, sys
rows = {(r["region"], r["kind"], r["year"]): r for r in csv.DictReader(open(sys.argv[1]))}
f = json.load(open(sys.argv[2]))["factors"]
loc, res = f["location"], f["residual"]
assert f["set"] == "builtin" and f["data_year"] == 2024, f
assert loc["kg_per_kwh"] == 0.1404 and loc["year"] == 2022 and loc["region"] == "sichuan", loc
assert loc["rule"] == "accounting.grid_region", loc
assert loc["source"] == rows[("sichuan", "average", "2022")]["source"], loc
r = rows[("national", "residual", "2023")]
assert res["kg_per_kwh"] == float(r["value"]) and res["year"] == 2023 and res["source"] == r["source"], res
assert res["method"] == "factor_set" and f["warning"] is None, f
PY

# A grid factor written in the model wins over the region, and says so.
mk_model "$tmp/typed.json" sichuan 0.5306
expect 0 "$zp" validate "$tmp/typed.json"
contains "$tmp/out" "location 0.5306 kg/kWh, chosen by grid.emission_factor_kg_per_kwh"
contains "$tmp/out" "warning      grid.emission_factor_kg_per_kwh 0.5306 kg/kWh wins over accounting.grid_region 'sichuan' (0.1404 kg/kWh, 2022)"
expect 0 "$zp" validate --json "$tmp/typed.json"
"$PY" - "$tmp/out" <<'PY' && ok || bad "validate --json: the typed factor wins, with a warning"
import json, sys
f = json.load(open(sys.argv[1]))["factors"]
assert f["location"]["kg_per_kwh"] == 0.5306 and f["location"]["rule"] == "grid.emission_factor_kg_per_kwh", f
assert f["region"]["kg_per_kwh"] == 0.1404 and f["region"]["year"] == 2022, f
assert "wins over accounting.grid_region 'sichuan'" in f["warning"], f
PY
expect 0 "$zp" simulate "$tmp/typed.json" --csv "$tmp/typed.csv" --json
pos=$("$PY" -c "
import sys
for i, l in enumerate(open(sys.argv[1]), 1):
    if '\"emission_factor_kg_per_kwh\"' in l:
        print('%d:%d' % (i, l.index('0.5306') + 1))" "$tmp/typed.json")
contains "$tmp/err" "zeropark simulate: warning: $tmp/typed.json:$pos: grid.emission_factor_kg_per_kwh 0.5306 kg/kWh wins over accounting.grid_region 'sichuan'"
"$PY" - "$tmp/typed.csv" "$tmp/out" <<'PY' && ok || bad "the typed factor is what simulate uses"
import csv, json, sys
imp = sum(float(r["grid_import_kw"]) for r in csv.DictReader(open(sys.argv[1])))
got = json.load(open(sys.argv[2]))["emissions_t"]["scope2_location"]
assert abs(got - imp * 0.5306 / 1000) <= 1e-6 * got, (got, imp)
PY
"$PY" - "$tmp/typed.csv" "$tmp/meter.csv" <<'PY'
import csv, sys
with open(sys.argv[2], "w") as f:
    f.write("timestamp,grid_import_kw\n")
    for r in csv.DictReader(open(sys.argv[1])):
        f.write("%s,%s\n" % (r["timestamp"], r["grid_import_kw"]))
PY
expect 0 "$zp" account "$tmp/typed.json" --data "$tmp/meter.csv"
contains "$tmp/out" "note: grid factor: grid.emission_factor_kg_per_kwh 0.5306 kg/kWh wins over accounting.grid_region 'sichuan'"

# --- (d) a misspelt region: located error with did-you-mean -------------------
mk_model "$tmp/typo.json" sichaun
# where the value starts, found independently: the line holding "sichaun"
pos=$("$PY" -c "
import sys
for i, l in enumerate(open(sys.argv[1]), 1):
    if '\"sichaun\"' in l:
        print('%d:%d' % (i, l.index('\"sichaun\"') + 1))" "$tmp/typo.json")
want="typo.json:$pos: accounting.grid_region: unknown grid region 'sichaun'; did you mean 'sichuan'?"
expect 1 "$zp" validate "$tmp/typo.json"
contains "$tmp/err" "$want"
expect 1 "$zp" validate --json "$tmp/typo.json"
contains "$tmp/out" "unknown grid region 'sichaun'; did you mean 'sichuan'?"
expect 2 "$zp" simulate "$tmp/typo.json"
contains "$tmp/err" "$want"
expect 2 "$zp" report "$tmp/typo.json" --csv "$tmp/typo-report.csv"
contains "$tmp/err" "$want"
expect 2 "$zp" account "$tmp/typo.json" --data "$tmp/meter.csv"
contains "$tmp/err" "$want"
# No near match: the regions there are.
mk_model "$tmp/mars.json" mars
expect 1 "$zp" validate "$tmp/mars.json"
contains "$tmp/err" "accounting.grid_region: unknown grid region 'mars'; factor set builtin has: national, north,"
# A year the region has no factor for: the years it has (from the table).
sed 's/"grid_region": "sichuan"/"grid_region": "sichuan", "year": 2023/' "$m" > "$tmp/y2023.json"
expect 1 "$zp" validate "$tmp/y2023.json"
years=$("$PY" -c "
import csv, sys
print(', '.join(sorted({r['year'] for r in csv.DictReader(open(sys.argv[1])) if r['region'] == 'sichuan' and r['kind'] == 'average'})))" "$grid_csv")
contains "$tmp/err" "accounting.year: grid region 'sichuan' has no factor for 2023 in factor set builtin; years with factors: $years"
expect 2 "$zp" simulate "$tmp/y2023.json"
contains "$tmp/err" "years with factors: $years"
# An explicit year the region has: 2021 -> 0.1255 (the residual mix has no
# 2021 row, so the market side takes the location factor).
sed 's/"grid_region": "sichuan"/"grid_region": "sichuan", "year": 2021, "residual": "location"/' "$m" > "$tmp/y2021.json"
expect 0 "$zp" simulate "$tmp/y2021.json" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "accounting.year 2021 -> 0.1255"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["factors"]["grid_kg_per_kwh"] == 0.1255 and d["factors"]["grid_year"] == 2021, d["factors"]
e = d["energy_kwh"]["grid_import"] * 0.1255 / 1000
assert abs(d["emissions_t"]["scope2_location"] - e) <= 1e-6 * e, d["emissions_t"]
PY
sed 's/"grid_region": "sichuan"/"grid_region": "sichuan", "year": 2021/' "$m" > "$tmp/r2021.json"
expect 1 "$zp" validate "$tmp/r2021.json"
contains "$tmp/err" "accounting.year: the national residual mix (accounting.residual \"factor_set\") has no factor for 2021 in factor set builtin; years with factors: 2022, 2023"

echo "cli_factors: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
