#!/usr/bin/env bash
# serve_parks.sh ZEROPARK SRCDIR WORKDIR - the daemon plans a park that has
# no PV and no wind (a battery and a load under a two-price tariff): the
# plan is `ok` in mode `normal` (never safe mode for the missing PV), with a
# zero PV and wind forecast, and its battery schedule is the optimum of the
# same small LP solved here independently with SciPy (linprog): the total
# import cost of the plan equals SciPy's optimum and the battery charges
# only in the cheap hours and discharges only in the dear ones.
set -euo pipefail
zp=$1 src=$2 work=$3
. "$src/tests/need.sh"
need python3 py:scipy.optimize
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import datetime as dt, json, os, sys
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *
from scipy.optimize import linprog

TZ = dt.timezone(dt.timedelta(hours=8))
CHEAP, DEAR = 0.4, 1.0
def price(t):  # local hours 00-08 cheap, the rest dear
    return CHEAP if t.astimezone(TZ).hour < 8 else DEAR

# The tariff for the model's year (2024, hourly, local time).
t, rows = dt.datetime(2024, 1, 1, tzinfo=TZ), ["time,price_cny_per_kwh"]
while t < dt.datetime(2025, 1, 1, tzinfo=TZ):
    rows.append(f"{t.isoformat()},{price(t)}")
    t += dt.timedelta(hours=1)
with open(os.path.join(work, "tariff.csv"), "w") as f:
    f.write("\n".join(rows) + "\n")
E, P, LOAD = 100.0, 50.0, 100.0
model = os.path.join(work, "model.json")
with open(model, "w") as f:
    json.dump({"name": "battery park", "utc_offset_h": 8, "site": {"lat_deg": 31.4, "lon_deg": 121.5},
               "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2025-01-01T00:00:00+08:00",
                          "step_min": 60},
               "grid": {"emission_factor_kg_per_kwh": 0.5,
                        "price_cny_per_kwh": {"csv": "tariff.csv", "column": "price_cny_per_kwh"}},
               "storage": [{"name": "b", "energy_kwh": E, "power_kw": P, "soc_min": 0, "soc_max": 1,
                            "soc_initial": 0.5, "charge_efficiency": 1, "discharge_efficiency": 1}],
               "loads": [{"name": "f", "power_kw": LOAD}],
               "objective": {"minimise": "cost"}}, f)

port = free_port()
token = "parks-test-token-0123456789"
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, "park.db"), "token": token,
                     "flush_ms": 200, "replan_min": 60, "stale_s": 86400})
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
# The daemon's clock at 2024-03-05 03:10 local (in the model's year).
start = dt.datetime(2024, 3, 5, 3, 10, tzinfo=TZ)
os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"] = str(int(start.timestamp() - time.time()))
d = Daemon(zp, model, conf, work, extra=("--dry-run",)).start(port)
del os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"]
rs = []
t = start - dt.timedelta(minutes=20)
while t <= start:
    rs += [{"series": "load.f", "t": t.isoformat(), "value": LOAD},
           {"series": "grid.net", "t": t.isoformat(), "value": LOAD},
           {"series": "storage.b.soc", "t": t.isoformat(), "value": 0.5}]
    t += dt.timedelta(minutes=5)
st, _, b = http(port, "POST", "/api/v1/readings", {"readings": rs}, auth)
check(st == 202, f"fed {len(rs)} readings ({st} {b[:200]!r})")
t_feed = dt.datetime.fromisoformat(get_json(port, "/api/v1/status")["time"])
d.p.send_signal(signal.SIGHUP)  # re-plan 2 s after the reload, with the readings
def fresh():
    p = get_json(port, "/api/v1/plan")
    return p if p["status"] != "none" and p["created"] and \
        dt.datetime.fromisoformat(p["created"]) >= t_feed else None
p = wait_for("a plan after the readings", fresh, 60)
print(f"plan: status {p['status']} mode {p['mode']} error {p['error']} safe_reason {p['safe_reason']}, "
      f"{len(p['steps'])} steps")
check(p["status"] == "ok" and p["mode"] == "dry-run" and not p["safe_reason"],
      f"a park without PV or wind plans normally (status {p['status']}, error {p['error']}, "
      f"safe_reason {p['safe_reason']})")
steps = p["steps"]
check(len(steps) >= 20 and all(s["pv_kw"] == 0 and s["wind_kw"] == 0 for s in steps),
      "the PV and wind forecasts are zero at every step")
check(all(abs(s["load_kw"] - LOAD) < 1e-6 for s in steps), f"the load forecast is the model's {LOAD} kW")
# The same LP by SciPy: variables c_t, d_t (kW, one-hour steps), SOC after
# step t = s0 + sum(c - d) within 0..E, the last >= s0; minimise
# sum(price_t (LOAD + c_t - d_t)).
n, s0 = len(steps), 0.5 * E
pr = [price(dt.datetime.fromisoformat(s["t"])) for s in steps]
cost = pr + [-x for x in pr]
A, bnd = [], []
for k in range(n):
    row = [1.0 if i <= k else 0.0 for i in range(n)]
    A.append(row + [-x for x in row]); bnd.append(E - s0)      # SOC <= E
    A.append([-x for x in row] + row); bnd.append(s0)          # SOC >= 0
A.append([-1.0] * n + [1.0] * n); bnd.append(0.0)              # last SOC >= s0
res = linprog(cost, A_ub=A, b_ub=bnd, bounds=[(0, P)] * n + [(0, LOAD)] * n, method="highs")
want = res.fun + LOAD * sum(pr)
got = sum(pr[i] * (s["grid_import_kw"] - s["grid_export_kw"]) for i, s in enumerate(steps))
print(f"plan import cost {got:.4f} CNY, SciPy optimum {want:.4f} CNY over {n} h")
check(abs(got - want) < 1e-6 * want, f"the plan's import cost {got:.4f} = SciPy's optimum {want:.4f} CNY")
check(all(s["battery_kw"] > -1e-9 or pr[i] == CHEAP for i, s in enumerate(steps)) and
      all(s["battery_kw"] < 1e-9 or pr[i] == DEAR for i, s in enumerate(steps)) and
      any(s["battery_kw"] > 1 for s in steps),
      "the battery charges only in cheap hours and discharges in dear ones")
check(d.stop() == 0, "daemon stopped")
print("serve_parks: all passed")
PY
