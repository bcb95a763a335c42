#!/usr/bin/env bash
# bench_sweep.sh BUILD_DIR - a 100-scenario sweep (docs/sweep.md) as JSON lines:
#   sweep_100_threads_1, _threads_2   `zeropark plan --sweep` on 1 and 2 threads, s
#   sweep_100_mpi_1, _mpi_2           under `mpirun -n 1` and `-n 2`, one thread a
#                                     process (--jobs 1), s
#   sweep_speedup_threads, sweep_speedup_mpi   1 -> 2 threads, 1 -> 2 ranks (target >= 1.7)
#   sweep_peer_xargs_2                the peer: the same 100 scenarios as model files
#                                     written by a script and run by `xargs -P 2
#                                     zeropark <work>`, one process each, s; its ratio
#                                     to the 2-thread sweep
#   sweep_results_identical           1 when the four sweeps wrote the same bytes
# Each run's line has its CPU seconds (it and its children, user + system)
# and cores_used = CPU / wall: when other work holds the cores, a run of
# two gets less than two and its speed-up shows it.
# The scenarios: a 10 x 10 grid of the Shaoguan campus's battery energy
# and the grid's emission factor (its carbon price makes the factor part of
# the objective), each the least-cost plan from five candidates (two PV, a
# wind farm, two batteries) and certificates over July (a month: a year's
# plan takes a minute or more a scenario on this machine);
# ZP_BENCH_SWEEP_RUN=simulate: each the campus's full year with the optimal
# dispatch instead. The machine's load is printed with the figures: other
# work on the cores makes the speed-ups smaller.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")/.." && pwd)
zp=$build/zeropark
run=${ZP_BENCH_SWEEP_RUN:-plan}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The base model in $tmp, its data files by absolute paths (the peer's
# copies go there too); for plans, with five candidates and certificates
# (as tests/unit/test_plan.c) over July.
"${ZP_PYTHON:-/usr/bin/python3}" - "$here/examples/shaoguan-campus/model.json" "$tmp/model.json" "$run" <<'PY'
import json, os, sys
src, dst, run = sys.argv[1:4]
m = json.load(open(src))
base = os.path.dirname(src)
def absolute(v):
    if isinstance(v, dict):
        return {k: (os.path.join(base, x) if k == "csv" and not os.path.isabs(x) else absolute(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [absolute(x) for x in v]
    return v
m = absolute(m)
if run == "plan":
    # July: a year's plan takes a minute or more a scenario on two cores
    m["period"] = {"start": "2024-07-01T00:00:00+08:00", "end": "2024-08-01T00:00:00+08:00", "step_min": 60}
    m["certificates"] = {"green_certificates_mwh": 4000}
    curve = [[3, 0], [4, 80], [5, 200], [6, 380], [7, 620], [8, 950], [9, 1350], [10, 1800], [11, 2200],
             [12, 2450], [13, 2500], [25, 2500]]
    m["planning"] = {
        "discount_rate": 0.06, "analysis_years": 20,
        "pv": [{"name": "roof-new", "tilt_deg": 15, "azimuth_deg": 180, "capex_cny_per_kwp": 3000,
                "om_cny_per_kwp_year": 40, "lifetime_years": 25, "area_m2": 100000, "kwp_per_m2": 0.2},
               {"name": "carports-more", "extends": "carports", "capex_cny_per_kwp": 3500,
                "om_cny_per_kwp_year": 45, "lifetime_years": 25, "max_kwp": 10000}],
        "wind": [{"name": "ridge-2", "turbine_kw": 2500, "hub_height_m": 90, "shear_exponent": 0.143,
                  "power_curve": curve, "capex_cny_per_kw": 6000, "om_cny_per_kw_year": 150,
                  "lifetime_years": 20, "max_kw": 50000}],
        "storage": [{"name": "bess-1-more", "extends": "bess-1", "capex_cny_per_kwh": 900, "capex_cny_per_kw": 300,
                     "lifetime_years": 15, "max_kwh": 80000, "max_kw": 20000},
                    {"name": "bess-2", "capex_cny_per_kwh": 850, "capex_cny_per_kw": 350, "lifetime_years": 15,
                     "max_kwh": 80000, "max_kw": 20000, "degradation_cny_per_kwh": 0.02}],
        "certificates": {"price_cny_per_mwh": 5, "max_mwh_per_year": 200000}}
json.dump(m, open(dst, "w"), indent=1)
PY
model=$tmp/model.json

cat >"$tmp/sweep.json" <<EOF
{
  "model": "$model",
  "run": "$run",
  "parameters": [
    {"name": "battery kWh", "path": "storage[0].energy_kwh", "values": {"from": 10000, "to": 100000, "steps": 10}},
    {"name": "grid factor", "path": "grid.emission_factor_kg_per_kwh", "values": {"from": 0.35, "to": 0.8, "steps": 10}}
  ]
}
EOF

# seconds of the command (wall), its output kept in $tmp/LABEL.*; the CPU
# seconds of it and its children (user + system) in $tmp/LABEL.cpu
timed() {
    local label=$1; shift
    if ! /usr/bin/time -f "%e %U %S" -o "$tmp/$label.time" "$@" >"$tmp/$label.out" 2>"$tmp/$label.err"; then
        echo "bench_sweep.sh: $label failed:" >&2
        tail -5 "$tmp/$label.err" >&2
        return 1
    fi
    awk '{printf "%.3f", $2 + $3}' "$tmp/$label.time" >"$tmp/$label.cpu"
    awk '{printf "%.3f", $1}' "$tmp/$label.time"
}
# the extra JSON of a run: its CPU seconds and the cores it had on average
cpu() { awk -v w="$2" '{printf "\"cpu_s\": %.1f, \"cores_used\": %.2f", $1, $1 / w}' "$tmp/$1.cpu"; }
line() { # bench value unit [extra JSON]
    printf '{"bench": "%s", "value": %s, "unit": "%s"%s}\n' "$1" "$2" "$3" "${4:+, $4}"
}
load=$(cut -d' ' -f1 /proc/loadavg)
if [ "$run" = plan ]; then period=2024-07; else period=2024; fi
common="\"scenarios\": 100, \"run\": \"$run\", \"model\": \"shaoguan-campus\", \"period\": \"$period\", \"cores\": $(nproc), \"loadavg_1min_before\": $load"

sweep=("$zp" plan --sweep "$tmp/sweep.json" --quiet)
t1=$(timed t1 "${sweep[@]}" --jobs 1 --results "$tmp/t1.json" --csv "$tmp/t1.csv")
line sweep_100_threads_1 "$t1" s "$common, $(cpu t1 "$t1")"
t2=$(timed t2 "${sweep[@]}" --jobs 2 --results "$tmp/t2.json" --csv "$tmp/t2.csv")
line sweep_100_threads_2 "$t2" s "$common, $(cpu t2 "$t2")"
line sweep_speedup_threads "$(awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.2f", a / b}')" x \
    "\"of\": \"sweep_100_threads_1 / sweep_100_threads_2\""

same=1
if command -v mpirun >/dev/null 2>&1 && [[ $(ldd "$zp" 2>/dev/null) == *libmpi* ]]; then
    mpi=(mpirun)
    [ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
    # one thread a process: the ranks are the only parallelism measured
    m1=$(timed m1 "${mpi[@]}" -n 1 "${sweep[@]}" --jobs 1 --results "$tmp/m1.json" --csv "$tmp/m1.csv")
    line sweep_100_mpi_1 "$m1" s "$common, $(cpu m1 "$m1")"
    m2=$(timed m2 "${mpi[@]}" -n 2 "${sweep[@]}" --jobs 1 --results "$tmp/m2.json" --csv "$tmp/m2.csv")
    line sweep_100_mpi_2 "$m2" s "$common, $(cpu m2 "$m2")"
    line sweep_speedup_mpi "$(awk -v a="$m1" -v b="$m2" 'BEGIN {printf "%.2f", a / b}')" x \
        "\"of\": \"sweep_100_mpi_1 / sweep_100_mpi_2\", \"target\": 1.7"
    for f in m1 m2; do
        cmp -s "$tmp/t1.json" "$tmp/$f.json" && cmp -s "$tmp/t1.csv" "$tmp/$f.csv" || same=0
    done
else
    echo "bench_sweep.sh: mpirun or an MPI build missing (scripts/deps.sh bench); the MPI figures skipped" >&2
fi
cmp -s "$tmp/t1.json" "$tmp/t2.json" && cmp -s "$tmp/t1.csv" "$tmp/t2.csv" || same=0

# The peer: a script writes each scenario's model (the same values) and
# xargs runs one zeropark per scenario, two at a time.
"${ZP_PYTHON:-/usr/bin/python3}" - "$model" "$tmp" <<'PY'
import json, os, sys
model, tmp = sys.argv[1:3]
doc = json.load(open(model))
with open(os.path.join(tmp, "models.txt"), "w") as out:
    for i in range(10):
        for j in range(10):
            doc["storage"][0]["energy_kwh"] = float("%.15g" % (10000 + 90000 * i / 9))
            doc["grid"]["emission_factor_kg_per_kwh"] = float("%.15g" % (0.35 + 0.45 * j / 9))
            path = os.path.join(tmp, f"s{i * 10 + j:03d}.json")
            json.dump(doc, open(path, "w"))
            out.write(path + "\n")
PY
if [ "$run" = plan ]; then work=(plan --json); else work=(simulate --dispatch optimal --json); fi
px=$(timed px xargs -P 2 -I{} sh -c "\"$zp\" ${work[*]} {} >{}.out" <"$tmp/models.txt")
line sweep_peer_xargs_2 "$px" s "$common, $(cpu px "$px"), \"peer\": \"xargs -P 2 zeropark ${work[*]}, one process a scenario\""
line sweep_peer_ratio "$(awk -v a="$px" -v b="$t2" 'BEGIN {printf "%.2f", a / b}')" x \
    "\"of\": \"sweep_peer_xargs_2 / sweep_100_threads_2\""
line sweep_results_identical "$same" bool "\"of\": \"threads 1, 2, mpirun -n 1, -n 2\""
# the peer computed the same: each scenario's bill against the sweep's table
"${ZP_PYTHON:-/usr/bin/python3}" - "$tmp" "$run" <<'PY'
import csv, json, os, sys
tmp, run = sys.argv[1:3]
rows = list(csv.DictReader(open(os.path.join(tmp, "t1.csv"))))
worst = 0.0
for i, r in enumerate(rows):
    doc = json.load(open(os.path.join(tmp, f"s{i:03d}.json.out")))
    if run == "plan":
        a, b = float(r["annualised_cost_cny.total"]), doc["annualised_cost_cny"]["total"]
    else:
        a, b = float(r["cost_breakdown_cny.total"]), doc["cost_breakdown_cny"]["total"]
    worst = max(worst, abs(a - b) / max(abs(b), 1.0))
print('{"bench": "sweep_peer_max_rel_diff", "value": %.3g, "unit": "ratio", "of": "the bill of each scenario, sweep vs peer"}' % worst)
PY
