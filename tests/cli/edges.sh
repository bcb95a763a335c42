#!/usr/bin/env bash
# edges.sh ZEROPARK SOURCE_DIR - cases a new user meets outside the
# examples: the Chinese report of a park whose grid factor comes from its
# region (the accounting's notes on factor years and precedence, the
# region's name), the accounting's alerts and the schedule's table in
# numbers as people write them, a sites file whose park model is a
# directory or does not load, options that `account --run` cannot honour.
# Figures are worked out by hand in the comments. Ends with
# "N passed, N failed".
set -u
zp=$1
src=$2
. "$src/tests/need.sh"
need python3
PY=${ZP_PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/cli/checks.sh"

# ---------------------------------------------------------------------------
# 1. The Chinese report of a Sichuan park (2024 data, no factor in the model):
#    data/factors/grid.csv has Sichuan factors for 2021-2022 and the national
#    residual mix for 2022-2023, so the accounting notes both years. Every
#    note is in Chinese (none left in English under lang="en"), and the
#    region is named 四川.
cat >"$tmp/sichuan.json" <<'EOF'
{"name": "Sichuan works", "utc_offset_h": 8,
 "period": {"start": "2024-03-01T00:00:00+08:00", "end": "2024-03-08T00:00:00+08:00", "step_min": 60},
 "grid": {"price_cny_per_kwh": 0.6},
 "loads": [{"name": "works", "power_kw": 1000}],
 "accounting": {"grid_region": "sichuan"}}
EOF
expect 0 "$zp" report "$tmp/sichuan.json" --html "$tmp/sichuan-zh.html" --lang zh
lacks "$tmp/sichuan-zh.html" 'lang="en"'
lacks "$tmp/sichuan-zh.html" 'residual mix:'
lacks "$tmp/sichuan-zh.html" '>sichuan<'
contains "$tmp/sichuan-zh.html" '四川'
contains "$tmp/sichuan-zh.html" '剩余电力因子：截至数据年份 2024，已发布的全国剩余电力因子最新为 2023 年'
contains "$tmp/sichuan-zh.html" '电网排放因子：截至数据年份 2024，已发布的四川因子最新为 2022 年'
# The English page keeps the notes as the accounting writes them.
expect 0 "$zp" report "$tmp/sichuan.json" --html "$tmp/sichuan-en.html"
contains "$tmp/sichuan-en.html" 'residual mix: 2023 is the latest year with a published national residual-mix factor up to the data year 2024'

# Data of 2019, older than every Yunnan factor (first 2021) and every
# residual mix (first 2022), with a factor typed in the model that wins
# over the region's 0.1235 kg/kWh of 2021: three more notes, in Chinese.
cat >"$tmp/yunnan.json" <<'EOF'
{"name": "Yunnan works", "utc_offset_h": 8,
 "period": {"start": "2019-03-01T00:00:00+08:00", "end": "2019-03-08T00:00:00+08:00", "step_min": 60},
 "grid": {"emission_factor_kg_per_kwh": 0.5},
 "loads": [{"name": "works", "power_kw": 1000}],
 "accounting": {"grid_region": "yunnan"}}
EOF
expect 0 "$zp" report "$tmp/yunnan.json" --html "$tmp/yunnan-zh.html" --lang zh
lacks "$tmp/yunnan-zh.html" 'lang="en"'
lacks "$tmp/yunnan-zh.html" 'wins over'
lacks "$tmp/yunnan-zh.html" 'older than every'
contains "$tmp/yunnan-zh.html" '剩余电力因子：数据年份 2019 早于所有已发布的全国剩余电力因子，采用最早的 2022 年'
contains "$tmp/yunnan-zh.html" '0.5 kg/kWh 优先于'
contains "$tmp/yunnan-zh.html" '云南'
contains "$tmp/yunnan-zh.html" '0.1235 kg/kWh，2021 年'

# ---------------------------------------------------------------------------
# 2. The accounting's alerts as people write numbers. 100,000 kW for 168 h
#    at 0.5 kg/kWh (residual 0.5, no certificates) = 16,800,000 kWh x 0.5 =
#    8,400 t, 1,200 t a day. Budget 5,000 t: crossed on day 5 (cumulative
#    4,800 t on 5 March, 6,000 t on day 5, 2024-03-05). Projection to the
#    end of 2024: 8,400 + 1,200 x 299 days (8 March to 31 December) =
#    367,200 t.
cat >"$tmp/budget.json" <<'EOF'
{"name": "Budget works", "utc_offset_h": 8,
 "period": {"start": "2024-03-01T00:00:00+08:00", "end": "2024-03-08T00:00:00+08:00", "step_min": 60},
 "grid": {"emission_factor_kg_per_kwh": 0.5},
 "loads": [{"name": "works", "power_kw": 100000}],
 "targets": {"max_emissions_t": 5000},
 "accounting": {"residual": "value", "residual_factor_kg_per_kwh": 0.5}}
EOF
expect 0 "$zp" simulate "$tmp/budget.json" --db "$tmp/runs.db"
expect 0 "$zp" account "$tmp/budget.json" --run 1 --db "$tmp/runs.db"
contains "$tmp/out" 'ALERT budget_exceeded: carbon budget of 5,000 t exceeded on 2024-03-05: 8,400 t emitted (market-based)'
contains "$tmp/out" 'ALERT target_missed: max_emissions_t: 8,400 against a limit of 5,000 (projected to year-end: 367,200)'
# Budget 300,000 t, not reached by the run but by the projection: used up
# (300,000 - 8,400) / 1,200 = 243 days after 8 March 2024, on 6 November.
sed 's/"max_emissions_t": 5000/"max_emissions_t": 300000/' "$tmp/budget.json" >"$tmp/budget2.json"
expect 0 "$zp" simulate "$tmp/budget2.json" --db "$tmp/runs2.db"
expect 0 "$zp" account "$tmp/budget2.json" --run 1 --db "$tmp/runs2.db"
contains "$tmp/out" 'ALERT budget_projection: at 1,200 t/day the carbon budget of 300,000 t is used up on 2024-11-06; projected 367,200 t by 2024-12-31'
lacks "$tmp/out" '300000'
# The English report shows the same alert text.
expect 0 "$zp" report "$tmp/budget.json" --html "$tmp/budget-en.html"
contains "$tmp/budget-en.html" 'carbon budget of 5,000 t exceeded on 2024-03-05: 8,400 t emitted (market-based)'

# A park without PV dispatched by MPC (its PV forecast is 0 kW, not an
# error): with no storage and no flexible load every method imports the
# load, 16,800 MWh, 8,400 t, as the rule does; stored and accounted again.
expect 0 "$zp" simulate "$tmp/budget.json" --dispatch mpc --horizon-h 6 --db "$tmp/runs.db"
contains "$tmp/out" 'total, market-based                     8,400.0'
expect 0 "$zp" account "$tmp/budget.json" --run 2 --db "$tmp/runs.db" --json
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert abs(d["emissions_t"]["total_market"] - 8400) < 1e-6, d["emissions_t"]' "$tmp/out" && ok || bad "account --run of an MPC run without PV: 8,400 t"
expect 0 "$zp" report "$tmp/budget.json" --html "$tmp/mpc.html" --dispatch mpc --json
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["cost"]; assert d["dispatch"] == "mpc" and c["peak_import_kw"] == 100000 and c["import_cost_cny"] == 0, d' "$tmp/out" && ok || bad "report --dispatch mpc without PV: peak 100,000 kW, no cost at price 0"
expect 0 "$zp" optimize "$tmp/budget.json" --at 2024-03-02T12:00 --horizon-h 2

# ---------------------------------------------------------------------------
# 3. `account --run` simulates the stored run whole: --from, --to and
#    --fill-gaps cannot apply to it, and are refused, not ignored.
expect 2 "$zp" account "$tmp/budget.json" --run 1 --db "$tmp/runs.db" --from 2024-03-02 --to 2024-03-03
contains "$tmp/err" '--from'
expect 2 "$zp" account "$tmp/budget.json" --run 1 --db "$tmp/runs.db" --fill-gaps
contains "$tmp/err" '--fill-gaps'

# ---------------------------------------------------------------------------
# 4. The schedule's table as people write numbers: 1,200 batch jobs of
#    50 kW for 2 one-hour slots at one site (PUE 1, 0.5 kg/kWh, 0.6
#    CNY/kWh): IT energy 1,200 x 100 kWh = 120 MWh, emissions 60 t, cost
#    72,000 CNY, for every method.
cat >"$tmp/sites.json" <<'EOF'
{"start": "2024-06-01T00:00:00+08:00", "slots": 24,
 "sites": [{"name": "A", "capacity_kw": 100000, "intensity_kg_per_kwh": 0.5, "price_cny_per_kwh": 0.6}]}
EOF
{
    echo "id,class,home,duration,power_kw"
    for i in $(seq 1 1200); do echo "j$i,batch,A,2,50"; done
} >"$tmp/jobs.csv"
expect 0 "$zp" schedule --sites "$tmp/sites.json" --jobs "$tmp/jobs.csv"
contains "$tmp/out" '1,200 jobs, 1 site, 24 slots of 1 h'
"$PY" - "$tmp/out" <<'PY' && ok || bad "schedule table rows (see above)"
import re, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"  (\S.*?)\s{2,}(\S+)\s+(\S+)\s+(\S+)$", line.rstrip("\n"))
    if m:
        rows[m.group(1)] = m.groups()[1:]
want = {"placed": "1,200", "grid cost (CNY)": "72,000", "IT energy (MWh)": "120",
        "emissions (t CO2)": "60.0"}
bad = [(k, rows.get(k), v) for k, v in want.items() if rows.get(k) != (v, v, v)]
if bad:
    print("schedule rows:", bad, file=sys.stderr)
    sys.exit(1)
PY
contains "$tmp/out" 'the same 1,200 of 1,200 jobs placed'
# A horizon that ends after 9999 would write 5-digit years no reader takes
# (--site-load): 3 one-hour slots from 9999-12-31T23:00 end in 10000.
printf '{"start": "9999-12-31T23:00:00+08:00", "slots": 3, "sites": [{"name": "A", "capacity_kw": 1000, "intensity_kg_per_kwh": 0.5}]}\n' >"$tmp/y10k.json"
printf 'id,class,home,duration,power_kw\nj,batch,A,2,10\n' >"$tmp/y10k.csv"
expect 2 "$zp" schedule --sites "$tmp/y10k.json" --jobs "$tmp/y10k.csv" --site-load "A=$tmp/y10k-load.csv"
contains "$tmp/err" 'y10k.json:1:11: start: the horizon (3 slots of 60 min from 9999-12-31T23:00:00+08:00) ends after the year 9999'
[ ! -e "$tmp/y10k-load.csv" ] && ok || bad "schedule: a --site-load file written for a refused sites file"
# A time limit beyond its range says the range (not "seconds > 0").
expect 2 "$zp" schedule --sites "$tmp/sites.json" --jobs "$tmp/jobs.csv" --method exact --time-limit 1e308
contains "$tmp/err" '0.001..1000000'

# ---------------------------------------------------------------------------
# 5. A park model that is a directory, or that does not load: the message
#    gives the sites file's line:col and JSON path (docs/schedule.md).
mkdir -p "$tmp/sub/campus"
cat >"$tmp/sub/dir.json" <<'EOF'
{"start": "2024-06-01T00:00:00+08:00", "slots": 4,
 "sites": [{"name": "A", "capacity_kw": 1000, "intensity_kg_per_kwh": 0.5,
            "park_model": "campus"}]}
EOF
printf 'id,class,home,duration,power_kw\nj,batch,A,2,10\n' >"$tmp/j1.csv"
expect 2 "$zp" schedule --sites "$tmp/sub/dir.json" --jobs "$tmp/j1.csv"
contains "$tmp/err" 'dir.json:3:27: sites[0].park_model:'
contains "$tmp/err" 'is a directory'
printf '{"name": "x", "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2024-01-02T00:00:00+08:00"},\n "pv": 3}\n' >"$tmp/sub/bad.json"
cat >"$tmp/sub/badmodel.json" <<'EOF'
{"start": "2024-06-01T00:00:00+08:00", "slots": 4,
 "sites": [{"name": "A", "capacity_kw": 1000, "intensity_kg_per_kwh": 0.5,
            "park_model": "bad.json"}]}
EOF
expect 2 "$zp" schedule --sites "$tmp/sub/badmodel.json" --jobs "$tmp/j1.csv"
contains "$tmp/err" 'badmodel.json:3:27: sites[0].park_model:'
contains "$tmp/err" 'bad.json:2:8: pv: expected an array, got a number'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
