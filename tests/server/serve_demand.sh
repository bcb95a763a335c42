#!/usr/bin/env bash
# serve_demand.sh ZEROPARK SRCDIR WORKDIR - the control loop plans with the
# month's peak import so far (docs/serve.md "Control loop"). The daemon runs
# at 2025-07-15 10:20 (+08:00) through the test-only clock shift
# ZEROPARK_TEST_CLOCK_OFFSET_S; the model (examples/live-campus) without its
# wind farm, with a demand charge of 40 CNY/kW-month and the cost objective.
#  Fed the grid's net power every 5 minutes from 28 June: 20 MW, except one
#  hour at 45 MW on 3 July and one at 52 MW on 30 June (the month before),
#  the plan's demand_charge says: month 2025-07, peak so far 45 MW (the
#  highest hourly mean since 1 July, park-local; June's is not this
#  month's), and, since the campus never needs 45 MW from the grid, that
#  peak as planned too (importing up to it again is free), its charge 40 x
#  45 000 CNY.
# Exits 77 (skipped) while the model reader does not know the demand charge.
set -euo pipefail
zp=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import datetime as dt, json, os, signal, subprocess, sys, time
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

TZ = dt.timezone(dt.timedelta(hours=8))
CHARGE = 40.0
def edit(m):
    m["devices"] = []
    m["wind"] = []  # so that the campus imports
    m["grid"]["demand_charge_cny_per_kw_month"] = CHARGE
    m["objective"]["minimise"] = "cost"
model = model_copy(os.path.join(src, "examples/live-campus/model.json"), os.path.join(work, "model.json"),
                   edit=edit)
v = subprocess.run([zp, "validate", model], capture_output=True, text=True)
if "unknown key 'demand_charge_cny_per_kw_month'" in v.stderr + v.stdout:
    print("serve_demand: skipped: the model reader has no grid.demand_charge_cny_per_kw_month")
    sys.exit(77)

port = free_port()
db = os.path.join(work, "park.db")
token = "demand-test-token-0123456789"
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": db, "token": token, "flush_ms": 200,
                     "replan_min": 60, "account_step_s": 300, "stale_s": 86400, "horizon_h": 24})
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

NOW = dt.datetime(2025, 7, 15, 10, 20, tzinfo=TZ)
PEAK_JULY = dt.datetime(2025, 7, 3, 14, tzinfo=TZ)
PEAK_JUNE = dt.datetime(2025, 6, 30, 14, tzinfo=TZ)

def grid(t):
    for at, kw in ((PEAK_JULY, 45000.0), (PEAK_JUNE, 52000.0)):
        if at <= t < at + dt.timedelta(hours=1):
            return kw
    return 20000.0

os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"] = str(int(NOW.timestamp() - time.time()))
d = Daemon(zp, model, conf, work, name="serve").start(port)
del os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"]

def plan_after(t_wall, timeout=60):
    def fresh():
        p = get_json(port, "/api/v1/plan")
        return p if p["status"] != "none" and p["created"] and \
            dt.datetime.fromisoformat(p["created"]) >= t_wall else None
    return wait_for("a new plan", fresh, timeout)

p0 = dt.datetime.fromisoformat(plan_after(NOW)["created"])
rs, t = [], dt.datetime(2025, 6, 28, tzinfo=TZ)
while t < NOW - dt.timedelta(minutes=5):
    rs.append({"series": "grid.net", "t": t.isoformat(), "value": grid(t)})
    t += dt.timedelta(minutes=5)
for k in range(0, len(rs), 2000):
    st, _, b = http(port, "POST", "/api/v1/readings", {"readings": rs[k:k + 2000]}, auth)
    check(st == 202, f"fed {len(rs[k:k + 2000])} grid readings from {rs[k]['t']}")
last = rs[-1]["t"].replace("+", "%2B")
def stored():
    st, _, b = http(port, "GET", f"/api/v1/series/grid_import_kw?from={last}&step=300")
    return st == 200 and json.loads(b)["values"][0] is not None
wait_for("grid readings stored", stored, 60)
wait_for("the daemon's clock past the first plan's second",
         lambda: dt.datetime.fromisoformat(get_json(port, "/api/v1/status")["time"]) > p0, 10)
t_hup = dt.datetime.fromisoformat(get_json(port, "/api/v1/status")["time"])
d.p.send_signal(signal.SIGHUP)
p = plan_after(t_hup)
dc = p.get("demand_charge")
print(f"plan {p['created']}: status {p['status']}, demand_charge {dc}")
check(p["status"] == "ok" and dc is not None, "the plan has its demand charge")
check(dc["cny_per_kw_month"] == CHARGE and dc["month"] == "2025-07", f"charge {CHARGE} CNY/kW-month, month 2025-07")
check(abs(dc["month_peak_so_far_kw"] - 45000) <= 1e-6 * 45000,
      f"peak so far {dc['month_peak_so_far_kw']} kW = July's highest hourly mean 45 000 kW (June's 52 000 is not this month's)")
imports = max(s["grid_import_kw"] for s in p["steps"])
check(10000 < imports <= 45000 * (1 + 1e-9) and abs(dc["month_planned_peak_kw"] - 45000) <= 1e-6 * 45000,
      f"the plan imports up to {imports:.0f} kW: the month's peak as planned stays the one paid, 45 000 kW")
check(abs(dc["month_charge_cny"] - CHARGE * dc["month_planned_peak_kw"]) <= 1e-6 * dc["month_charge_cny"],
      f"the month's charge {dc['month_charge_cny']:.0f} CNY = {CHARGE} x the planned peak")
check(d.stop() == 0, "daemon stopped")
print("serve_demand: all passed")
PY
