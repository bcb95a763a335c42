#!/usr/bin/env bash
# sweep.sh ZEROPARK SOURCE_DIR MPI [ZEROPARK_NOMPI] - `zeropark plan --sweep`
# (docs/sweep.md): a 12-scenario grid (two weather years and a missing one,
# PV and battery sizes) run on one thread, on two, and under `mpirun -n 2`
# on loopback gives the same results, byte for byte; a scenario's figures
# equal `zeropark simulate --dispatch optimal` on the model file edited by
# hand to its values; a scenario that fails (its weather file is missing)
# is recorded with its message and the sweep goes on (exit 1); plans of an
# emission cap met by certificates against the hand calculation, the
# unreachable cap recorded as failed; a bad sweep
# file is refused at its line and column with nothing written. MPI is
# "yes" when ZEROPARK was built with MPI; ZEROPARK_NOMPI (the same command
# built without MPI; ZEROPARK itself when MPI is "no") gives the same
# results on one machine, and a message naming the package under mpirun
# or with --mpi.
# Ends with "N passed, N failed".
set -u
zp=$1
src=$2
built_mpi=$3
nompi=${4-}
PY=${ZP_PYTHON:-/usr/bin/python3}
. "$src/tests/need.sh"
need python3 mpirun
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/cli/checks.sh"

# mpirun on 127.0.0.1 only (self and TCP, the loopback interface), more
# processes than cores allowed, as root too (containers); bounded in time.
# OpenMPI keeps some memory to the end of the process: leaks whose stack
# goes through MPI's libraries are not this program's (openmpi.supp).
mpi=(timeout 300 mpirun --oversubscribe --mca btl self,tcp --mca btl_tcp_if_include lo
     --mca oob_tcp_if_include lo -x ASAN_OPTIONS -x LSAN_OPTIONS -x UBSAN_OPTIONS)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
mpienv() {
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0" \
        LSAN_OPTIONS="suppressions=$src/tests/cli/openmpi.supp:print_suppressions=0" "$@"
}

# ---------------------------------------------------------------------------
# Two weeks of a park with PV, a battery and a load on Guangdong's tariff;
# two synthetic weather years for its site (seeds 1 and 2).
for s in 1 2; do
    expect 0 "$zp" weather --lat 24.8 --lon 113.6 --year 2024 --annual-ghi-kwh-m2 1300 --seed $s \
        --csv "$tmp/weather-$s.csv"
done
cat >"$tmp/model.json" <<'EOF'
{
  "name": "sweep test park",
  "site": {"lat_deg": 24.8, "lon_deg": 113.6},
  "period": {"start": "2024-06-01T00:00:00+08:00", "end": "2024-06-15T00:00:00+08:00", "step_min": 60},
  "weather": {"csv": "weather-1.csv"},
  "grid": {"import_limit_kw": 5000, "export_limit_kw": 0, "emission_factor_kg_per_kwh": 0.5,
           "tariff": "guangdong-large-industry-2021"},
  "pv": [{"name": "roof", "capacity_kwp": 1000, "tilt_deg": 20, "azimuth_deg": 180}],
  "storage": [{"name": "b", "energy_kwh": 2000, "power_kw": 500}],
  "loads": [{"name": "f", "power_kw": 800}],
  "targets": {"max_emissions_t": 100}
}
EOF
# Scenarios count like nested loops, the last parameter innermost:
# 0 (weather-1, 200, 500), 1 (weather-1, 200, 4000), 2 (weather-1, 1000,
# 500), 3 (weather-1, 1000, 4000), 4 (weather-2, 200, 500), ... 8-11
# missing.csv.
cat >"$tmp/sweep.json" <<'EOF'
{
  "model": "model.json",
  "run": "simulate",
  "parameters": [
    {"name": "weather year", "path": "weather.csv", "values": ["weather-1.csv", "weather-2.csv", "missing.csv"]},
    {"name": "pv kWp", "path": "pv[0].capacity_kwp", "values": [200, 1000]},
    {"path": "storage[0].energy_kwh", "values": {"from": 500, "to": 4000, "steps": 2}}
  ]
}
EOF
cd "$tmp" || exit 1
# A command built without MPI (no libopenmpi-dev) is tested as such.
with_mpi=1
if [ "$built_mpi" != yes ]; then
    with_mpi=0
    nompi=$zp
fi

# ---------------------------------------------------------------------------
# One thread, two threads, two processes: the same bytes.
expect 1 "$zp" plan --sweep sweep.json --jobs 1 --results t1.json --csv t1.csv
contains "$tmp/err" "sweep: 12 of 12 scenarios done"
contains "$tmp/err" "scenario 8 (weather year = \"missing.csv\", pv kWp = 200, storage[0].energy_kwh = 500)"
contains "$tmp/err" "missing.csv"
expect 1 "$zp" plan --sweep sweep.json --jobs 2 --results t2.json --csv t2.csv
cmp -s t1.json t2.json && ok || bad "1 and 2 threads: the JSON differs"
cmp -s t1.csv t2.csv && ok || bad "1 and 2 threads: the CSV differs"
if [ $with_mpi = 1 ]; then
    expect 1 mpienv "${mpi[@]}" -n 2 "$zp" plan --sweep sweep.json --results m2.json --csv m2.csv
    cmp -s t1.json m2.json && ok || bad "1 thread and mpirun -n 2: the JSON differs"
    cmp -s t1.csv m2.csv && ok || bad "1 thread and mpirun -n 2: the CSV differs"
    contains "$tmp/err" "sweep: 12 of 12 scenarios done"
    # the table alone on stdout, the same as the file
    expect 1 mpienv "${mpi[@]}" -n 2 "$zp" plan --sweep sweep.json --quiet
    cmp -s "$tmp/out" t1.csv && ok || bad "mpirun -n 2: the CSV on stdout differs from the file"
    lacks "$tmp/err" "scenarios done"
fi

# ---------------------------------------------------------------------------
# Each scenario's figures equal simulate on the model edited by hand (sed,
# not the sweep's path setting) to its values; the failed ones hold their
# message.
for spec in "1 200 500 0" "1 1000 4000 3" "2 200 4000 5" "2 1000 500 6"; do
    set -- $spec
    sed -e "s/weather-1.csv/weather-$1.csv/" -e "s/\"capacity_kwp\": 1000/\"capacity_kwp\": $2/" \
        -e "s/\"energy_kwh\": 2000/\"energy_kwh\": $3/" model.json >"edited-$4.json"
    expect 0 "$zp" simulate "edited-$4.json" --dispatch optimal --json
    cp "$tmp/out" "sim-$4.json"
done
expect 0 "$PY" - <<'PY'
import csv, json
rows = list(csv.DictReader(open("t1.csv")))
doc = json.load(open("t1.json"))
bad = []
def near(a, b):
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)
for i in (0, 3, 5, 6):
    sim = json.load(open(f"sim-{i}.json"))
    got = doc["scenarios"][i]["result"]
    for k in ("total",):
        if not near(float(rows[i]["cost_breakdown_cny.total"]), sim["cost_breakdown_cny"]["total"]):
            bad.append(f"scenario {i}: CSV cost {rows[i]['cost_breakdown_cny.total']} vs simulate {sim['cost_breakdown_cny']['total']}")
    for key in ("energy_kwh", "emissions_t", "cost_breakdown_cny"):
        for k, v in sim[key].items():
            if not near(got[key][k], v):
                bad.append(f"scenario {i}: {key}.{k} {got[key][k]} vs simulate {v}")
# the grid's values in order
want = [(w, p, s) for w in ("weather-1.csv", "weather-2.csv", "missing.csv") for p in (200, 1000) for s in (500, 4000)]
for i, (w, p, s) in enumerate(want):
    r = rows[i]
    if (r["index"], r["weather year"], r["pv kWp"], r["storage[0].energy_kwh"]) != (str(i), w, str(p), str(s)):
        bad.append(f"row {i}: {r['index']} {r['weather year']} {r['pv kWp']} {r['storage[0].energy_kwh']}")
    failed = w == "missing.csv"
    if r["status"] != ("failed" if failed else "ok") or doc["scenarios"][i]["status"] != r["status"]:
        bad.append(f"row {i}: status {r['status']}")
    if failed and "missing.csv" not in r["message"]:
        bad.append(f"row {i}: message {r['message']!r}")
# the weather year is swapped: the same park costs more or less
if rows[2]["cost_breakdown_cny.total"] == rows[6]["cost_breakdown_cny.total"]:
    bad.append("with PV the weather year did not change the cost")
if doc["summary"] != {"scenarios": 12, "ok": 8, "failed": 4}:
    bad.append(f"summary {doc['summary']}")
print("\n".join(bad))
raise SystemExit(1 if bad else 0)
PY
[ -s "$tmp/out" ] && sed 's/^/  /' "$tmp/out" >&2

# ---------------------------------------------------------------------------
# Plans (the default work): a day of a 1000 kW load at 0.5 t/MWh, 12 t,
# under an emission cap met by certificates (docs/planning.md). By hand: a
# cap of 8 t needs (12 - 8) / 0.5 = 8 MWh of certificates in the day, twice
# the 4 MWh of a 10 t cap, whatever they cost; the cap's shadow price is
# the certificate's price over 0.5 t/MWh (10 CNY/t at 5 CNY/MWh, 20 at 10);
# 5 t is out of reach and that scenario fails with its message.
mkdir -p plan
cp -r "$src/tests/unit/models/data" plan/
cat >plan/day.json <<'EOF'
{"name": "day",
 "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2024-01-02T00:00:00+08:00"},
 "site": {"lat_deg": 24.8, "lon_deg": 113.6}, "weather": {"csv": "data/weather.csv"},
 "grid": {"price_cny_per_kwh": 1.0, "emission_factor_kg_per_kwh": 0.5},
 "accounting": {"residual_factor_kg_per_kwh": 0.5},
 "loads": [{"name": "l", "power_kw": 1000}],
 "targets": {"max_emissions_t": 10},
 "planning": {"certificates": {"price_cny_per_mwh": 5, "max_mwh_per_year": 5000},
              "pv": [{"name": "roof", "tilt_deg": 20, "azimuth_deg": 180, "capex_cny_per_kwp": 3000,
                      "lifetime_years": 25, "max_kwp": 0}]}}
EOF
cat >plan/sweep.json <<'EOF'
{"model": "day.json",
 "parameters": [{"name": "cap", "path": "targets.max_emissions_t", "values": [10, 8, 5]},
                {"name": "price", "path": "planning.certificates.price_cny_per_mwh", "values": [5, 10]}]}
EOF
expect 1 "$zp" plan --sweep plan/sweep.json --jobs 2 --results plan/t.json --csv plan/t.csv
contains "$tmp/err" "scenario 4 (cap = 5, price = 5): max_emissions_t: 5 t cannot be met"
if [ $with_mpi = 1 ]; then
    expect 1 mpienv "${mpi[@]}" -n 2 "$zp" plan --sweep plan/sweep.json --results plan/m.json --csv plan/m.csv
    cmp -s plan/t.json plan/m.json && ok || bad "plans: 2 threads and mpirun -n 2: the JSON differs"
    cmp -s plan/t.csv plan/m.csv && ok || bad "plans: 2 threads and mpirun -n 2: the CSV differs"
fi
expect 0 "$PY" - <<'PY'
import csv
rows = list(csv.DictReader(open("plan/t.csv")))
bad = []
def f(i, k):
    return float(rows[i][k])
for p, (a, b) in ((5, (0, 2)), (10, (1, 3))):
    if abs(f(b, "build.certificates_mwh") - 2 * f(a, "build.certificates_mwh")) > 1e-6 * f(b, "build.certificates_mwh"):
        bad.append(f"price {p}: certificates {f(a, 'build.certificates_mwh')} (10 t) and {f(b, 'build.certificates_mwh')} (8 t)")
    for i in (a, b):
        if abs(f(i, "shadow_prices.max_emissions_t.value") - p / 0.5) > 1e-6:
            bad.append(f"row {i}: shadow price {rows[i]['shadow_prices.max_emissions_t.value']}, by hand {p / 0.5}")
        if rows[i]["targets.max_emissions_t.met"] != "true":
            bad.append(f"row {i}: the cap is not met")
for i in (4, 5):
    if rows[i]["status"] != "failed" or "5 t cannot be met" not in rows[i]["message"]:
        bad.append(f"row {i}: {rows[i]['status']} {rows[i]['message']!r}")
print("\n".join(bad))
raise SystemExit(1 if bad else 0)
PY
[ -s "$tmp/out" ] && sed 's/^/  /' "$tmp/out" >&2

# ---------------------------------------------------------------------------
# A bad sweep file: every problem at its line and column, exit 2, nothing
# written (under mpirun too, said once).
cat >"$tmp/bad.json" <<'EOF'
{
  "model": "model.json",
  "run": "simulate",
  "parameters": [
    {"path": "pv[0].tilt_deg", "values": [20, 120]},
    {"path": "storage[1].energy_kwh", "values": [1]}
  ]
}
EOF
expect 2 "$zp" plan --sweep bad.json --results bad-out.json
contains "$tmp/err" "bad.json:6:14: parameters[1].path: 'storage[1].energy_kwh': 'storage' has 1 entry in the model; [1] is past its end"
[ ! -e bad-out.json ] && ok || bad "a bad sweep file wrote its results"
sed -i 's/storage\[1\]/storage[0]/' bad.json
if [ $with_mpi = 1 ]; then
    expect 2 mpienv "${mpi[@]}" -n 2 "$zp" plan --sweep bad.json --results bad-out.json
else
    expect 2 "$zp" plan --sweep bad.json --results bad-out.json
fi
contains "$tmp/err" "bad.json:5:47: parameters[0].values[1]: scenario 1 (pv[0].tilt_deg = 120, storage[0].energy_kwh = 1): pv[0].tilt_deg: 120 is out of range 0..90"
[ "$(grep -c 'is out of range 0..90' "$tmp/err")" -eq 1 ] && ok || bad "the message was not said once"
[ ! -e bad-out.json ] && ok || bad "a bad sweep file wrote its results under mpirun"
expect 2 "$zp" plan --sweep nothere.json
contains "$tmp/err" "cannot open nothere.json"
expect 2 "$zp" plan --sweep sweep.json --jobs 0
contains "$tmp/err" "--jobs '0': use a whole number of threads, 1 or more"
expect 2 "$zp" plan --sweep sweep.json --carbon-price 50
contains "$tmp/err" "'--carbon-price' applies to a plan of one model; a sweep sets the model's value in its file's \"parameters\""
expect 2 "$zp" plan --sweep sweep.json --out-model x.json
contains "$tmp/err" "'--out-model' applies to a plan of one model, not to --sweep"
expect 2 "$zp" plan --sweep sweep.json extra
contains "$tmp/err" "unexpected argument 'extra'"
expect 0 "$zp" plan --help
contains "$tmp/out" "--sweep FILE"

# ---------------------------------------------------------------------------
# Built without MPI: the same results on one machine; under mpirun or with
# --mpi a message that names the package, and no results.
if [ -n "$nompi" ]; then
    expect 1 "$nompi" plan --sweep sweep.json --jobs 2 --results n.json --csv n.csv
    cmp -s t1.json n.json && ok || bad "the build without MPI: the JSON differs"
    cmp -s t1.csv n.csv && ok || bad "the build without MPI: the CSV differs"
    expect 2 "$nompi" plan --sweep sweep.json --mpi --results n2.json
    contains "$tmp/err" "--mpi: this zeropark was built without MPI"
    contains "$tmp/err" "libopenmpi-dev"
    [ ! -e n2.json ] && ok || bad "--mpi without MPI wrote results"
    "${mpi[@]}" -n 2 "$nompi" plan --sweep sweep.json --results n3.json >"$tmp/out" 2>"$tmp/err"
    [ $? -ne 0 ] && ok || bad "mpirun of a build without MPI succeeded"
    contains "$tmp/err" "started by mpirun or srun as one of 2 processes, but this zeropark was built without MPI"
    contains "$tmp/err" "libopenmpi-dev"
    [ "$(grep -c 'built without MPI' "$tmp/err")" -eq 1 ] && ok || bad "the no-MPI message was not said once"
    [ ! -e n3.json ] && ok || bad "mpirun of a build without MPI wrote results"
fi

echo "sweep: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
