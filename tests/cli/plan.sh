#!/usr/bin/env bash
# plan.sh ZEROPARK SOURCE_DIR - `zeropark plan` (docs/planning.md): help,
# bad input located and exit 2, a target no portfolio can meet exits 1
# naming it and the best value, the hand case of an emission cap met by
# certificates (by hand: 24 MWh at 0.5 t/MWh = 12 t; a 10 t cap needs
# 4 MWh of certificates in the day, 4 x 372 = 1488 MWh a year), and the
# out-model written to another directory (paths made absolute) billing the
# plan's operation_cost_cny under simulate --dispatch optimal.
set -uo pipefail
zp=$1 src=$2
. "$src/tests/need.sh"
need python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/cli/checks.sh"

mkdir -p "$tmp/park" "$tmp/elsewhere"
cp -r "$src/tests/unit/models/data" "$tmp/park/"
cat >"$tmp/park/day.json" <<'JSON'
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
JSON

expect 0 "$zp" plan --help
contains "$tmp/out" "usage: zeropark plan MODEL"
expect 0 "$zp" help
contains "$tmp/out" "plan         least-cost capacity"
expect 2 "$zp" plan "$tmp/park/day.json" --max-emissions -3
contains "$tmp/err" "--max-emissions '-3'"
expect 2 "$zp" plan
contains "$tmp/err" "missing MODEL"

# a model without candidates

python3 - "$tmp/park" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/day.json"))
del d["planning"]
json.dump(d, open(sys.argv[1] + "/none.json", "w"))
d = json.load(open(sys.argv[1] + "/day.json"))
d["planning"]["pv"][0]["max_kwpp"] = 1
json.dump(d, open(sys.argv[1] + "/typo.json", "w"), indent=1)
PY
expect 2 "$zp" plan "$tmp/park/none.json"
contains "$tmp/err" "the model has no \"planning\" section"
expect 2 "$zp" plan "$tmp/park/typo.json"
contains "$tmp/err" "typo.json:"
contains "$tmp/err" "planning.pv[0].max_kwpp: unknown key 'max_kwpp'; did you mean 'max_kwp'?"

# the hand case
expect 0 "$zp" plan "$tmp/park/day.json" --json
python3 - "$tmp/out" <<'PY' || bad "plan --json: the hand case"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "optimal", d["status"]
assert abs(d["build"]["certificates_mwh"] - 1488) < 1e-6, d["build"]
assert d["build"]["pv.roof_kwp"] == 0, d["build"]
assert abs(d["operation_cost_cny"] - 24000) < 1e-6, d["operation_cost_cny"]
t = {x["name"]: x for x in d["targets"]}
assert abs(t["max_emissions_t"]["value"] - 10) < 1e-9 and t["max_emissions_t"]["met"], t
assert abs(d["shadow_prices"]["max_emissions_t"]["value"] - 10) < 1e-6, d["shadow_prices"]
for k in ("capital", "om", "operation", "certificates", "credits", "carbon_price", "total"):
    assert k in d["annualised_cost_cny"], k
PY
ok
expect 0 "$zp" plan "$tmp/park/day.json"
contains "$tmp/out" "certificates_mwh"
contains "$tmp/out" "(binding: 10.00 CNY/t)"

# no portfolio meets 5 t: exit 1 with the target and the best value
expect 1 "$zp" plan "$tmp/park/day.json" --max-emissions 5
contains "$tmp/err" "zeropark plan: max_emissions_t: 5 t cannot be met; the best the candidates reach is 5.279569892 t"

# the out-model, written elsewhere, reproduces the plan's bill
expect 0 "$zp" plan "$tmp/park/day.json" --max-emissions 8 --json --out-model "$tmp/elsewhere/built.json"
cp "$tmp/out" "$tmp/plan.json"
contains "$tmp/elsewhere/built.json" "\"csv\": \"$tmp/park/data/weather.csv\""
lacks "$tmp/elsewhere/built.json" "\"planning\""
contains "$tmp/elsewhere/built.json" "\"max_emissions_t\": 8.0"
expect 0 "$zp" simulate "$tmp/elsewhere/built.json" --dispatch optimal --json
python3 - "$tmp/plan.json" "$tmp/out" <<'PY' || bad "out-model: simulate bills the plan's operation"
import json, sys
p, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
a, b = p["operation_cost_cny"], s["cost_breakdown_cny"]["total"]
assert abs(a - b) <= 1e-6 * abs(b), (a, b)
t = {x["name"]: x for x in s["targets"]}
assert t["max_emissions_t"]["met"], t
PY
ok
# an unwritable out-model: exit 2, nothing half-written
expect 2 "$zp" plan "$tmp/park/day.json" --out-model "$tmp/nowhere/built.json"
contains "$tmp/err" "cannot write"

echo "cli_plan: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
