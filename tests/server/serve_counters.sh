#!/usr/bin/env bash
# serve_counters.sh ZEROPARK SRCDIR WORKDIR - a cumulative register pushed to
# `zeropark serve` (a series named ..._total, docs/formats.md "Counters") is
# a counter in the raw store: GET /api/v1/series/<name>?step= gives the
# energy of each interval (reading at its end minus reading at its start,
# roll-overs and resets counted), never the mean of the readings, with the
# unit of its name; the numbers equal `zeropark export --step-min` of the
# same store. Expected values are worked out by hand below.
set -euo pipefail
zp=$1 src=$2 work=$3
. "$src/tests/need.sh"
need python3
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import json, os, subprocess, sys
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

fails = []
def expect(cond, msg):
    print(("ok - " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if not cond:
        fails.append(msg)

model = os.path.join(src, "examples/shaoguan-campus/model.json")
token = "counters-token-0123456789"
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
port = free_port()
db = os.path.join(work, "park.db")
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": db, "token": token, "flush_ms": 200,
                     "replan_min": 1440})
d = Daemon(zp, model, conf, work, extra=("--dry-run",)).start(port)

# A kWh register read every 15 min from 2024-03-01T00:00+08:00. The 01:30
# reading is missing (nothing is lost: 01:15 -> 01:45 is +60); 01:00 is a
# roll-over of a 100 000 register; 02:15 a reset (a new meter).
T0 = 1709222400000  # 2024-03-01T00:00:00+08:00
Q = 900000          # 15 min in ms
reg = [(0, 99900), (1, 99930), (2, 99960), (3, 99990),  # +30 +30 +30
       (4, 20),                                        # 99990 -> 20: 20 + 100000 - 99990 = 30
       (5, 50), (7, 110), (8, 140),                    # +30, +60 (01:30 missing), +30
       (9, 5),                                         # 140 -> 5: a reset, counted from 0: 5
       (10, 35), (11, 65), (12, 95)]                   # +30 +30 +30
name = "m1.grid_import_kwh_total"
st, _, b = http(port, "POST", "/api/v1/readings",
                {"readings": [{"series": name, "t": T0 + k * Q, "value": v} for k, v in reg]}, auth)
check(st == 202, f"12 register readings accepted ({st} {b[:80]!r})")
wait_for("the raw store holds the register",
         lambda: http(port, "GET", f"/api/v1/series/{name}?from=2024-03-01&to=2024-03-01T00:00:02")[0] == 200)

# hand-computed energy per hour:
#   [00,01): 30 + 30 + 30 + 30 (roll-over)          = 120
#   [01,02): 30 + 60 + 30                           = 120
#   [02,03): 5 (reset) + 30 + 30 + 30               = 95
#   [03,04): no reading at 04:00                    = null
hourly = [120.0, 120.0, 95.0, None]
s = get_json(port, f"/api/v1/series/{name}?from=2024-03-01T00:00:00%2B08:00&to=2024-03-01T04:00:00%2B08:00&step=1h")
expect(s["values"] == hourly, f"step=1h gives each hour's energy {hourly}, not the mean reading: {s['values']}")
expect(s.get("unit") == "kWh", f"unit kWh from the name's _kwh_total ({s.get('unit')!r})")
expect(s.get("drops") == 2, f"the roll-over and the reset are reported (drops {s.get('drops')!r})")
# two hours: [00,02) = 240; [02,04) needs the 04:00 reading
s = get_json(port, f"/api/v1/series/{name}?from=2024-03-01T00:00:00%2B08:00&to=2024-03-01T04:00:00%2B08:00&step=2h")
expect(s["values"] == [240.0, None], f"step=2h: [240, null] ({s['values']})")
# 15 minutes: each increment alone; 01:15-01:30 and 01:30-01:45 lack a reading
s = get_json(port, f"/api/v1/series/{name}?from=2024-03-01T00:00:00%2B08:00&to=2024-03-01T03:00:00%2B08:00&step=15m")
q15 = [30.0, 30.0, 30.0, 30.0, 30.0, None, None, 30.0, 5.0, 30.0, 30.0, 30.0]
expect(s["values"] == q15, f"step=15m: {q15} ({s['values']})")
# without step: the readings themselves, at the stored step (as export without --step-min)
s = get_json(port, f"/api/v1/series/{name}?from=2024-03-01T00:00:00%2B08:00&to=2024-03-01T00:00:02%2B08:00")
expect(s["values"] == [99900.0, None], f"no step: the readings ({s['values']})")

# one truth: export of the daemon's raw store gives the same hours
raw = db.replace(".db", "-raw.db")
r = subprocess.run([zp, "export", "--db", raw, "--series", name, "--step-min", "60",
                    "--from", "2024-03-01T00:00", "--to", "2024-03-01T03:00"],
                   capture_output=True, text=True, timeout=60)
rows = [ln.split(",") for ln in r.stdout.strip().splitlines()[1:]]
expect(r.returncode == 0 and [float(x[1]) for x in rows] == hourly[:3],
       f"zeropark export --step-min 60 of the raw store: {[x[1] for x in rows]} ({r.stderr.strip()[:200]})")
check(d.stop() == 0, "the daemon stops cleanly")
if fails:
    print(f"{len(fails)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("serve_counters: all checks passed")
PY
