#!/usr/bin/env bash
# serve_year.sh ZEROPARK SRCDIR WORKDIR - the year's figures of
# /api/v1/status follow the store: readings that arrive after the last
# computation (the first minutes after a start, late readings of earlier
# steps) and a new year are in `year` within seconds, never a window that
# claims a `to` whose readings it has not counted (docs/api.md, "year").
# The daemon runs on the test clock (ZEROPARK_TEST_CLOCK_OFFSET_S): once
# in March, once seconds before a local New Year, after a restart gap.
# Figures are worked out by hand below (purchased heat 0.11 t CO2/GJ,
# docs/methodology.md; a residual factor given in the model).
set -euo pipefail
zp=$1 src=$2 work=$3
. "$src/tests/need.sh"
need python3
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import datetime as dt, json, os, sys, time, urllib.parse
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

# 8,784 GJ of purchased heat and 8,784 MWh of certificates over 2024
# (8,784 h): 1 GJ and 1 MWh per metered hour.
model = os.path.join(work, "model.json")
with open(model, "w") as f:
    json.dump({"name": "Year window park", "utc_offset_h": 8,
               "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2025-01-01T00:00:00+08:00",
                          "step_min": 15},
               "grid": {"emission_factor_kg_per_kwh": 0.5},
               "loads": [{"name": "works", "power_kw": 3000}],
               "fuels": [{"type": "purchased_heat", "amount": 8784, "unit": "GJ"}],
               "certificates": {"green_certificates_mwh": 8784},
               "targets": {"max_emissions_t": 1000},
               "accounting": {"residual": "value", "residual_factor_kg_per_kwh": 0.6},
               "devices": [{"name": "m", "type": "http", "points": [
                   {"name": "grid", "unit": "kW", "feeds": "grid.net"},
                   {"name": "load", "unit": "kW", "feeds": "load.works"}]}]}, f)
token = "year-test-token-0123456789"
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
port = free_port()
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, "park.db"), "token": token,
                     "flush_ms": 100, "replan_min": 60})
TZ = dt.timezone(dt.timedelta(hours=8))

def start(local_now):
    """The daemon with its clock at local_now (+08:00)."""
    off = int(round(dt.datetime.fromisoformat(local_now).timestamp() - time.time()))
    os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"] = str(off)
    return Daemon(zp, model, conf, work).start(port), off

def push(first, minutes, grid=2000.0, load=3000.0):
    t0 = dt.datetime.fromisoformat(first)
    rs = []
    for i in range(minutes):
        t = (t0 + dt.timedelta(minutes=i)).isoformat()
        rs += [{"series": "m.grid", "t": t, "value": grid}, {"series": "m.load", "t": t, "value": load}]
    st, _, b = http(port, "POST", "/api/v1/readings", {"readings": rs}, auth)
    check(st == 202, f"POST {len(rs)} readings from {first}")

def status():
    return get_json(port, "/api/v1/status")

def carbon(frm, to):
    q = urllib.parse.urlencode({"from": frm, "to": to, "by": "total"})
    return get_json(port, "/api/v1/carbon?" + q)

def close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(1.0, abs(b))

# Per 5 minutes of metering: import 2000 kW x 1/12 h = 166.667 kWh;
# Scope 1 = 1 GJ/h x 1/12 h x 0.11 t/GJ = 0.0091667 t; certificates
# 1 MWh/h x 1/12 h = 83.333 kWh, so 83.333 kWh at 0.6 kg/kWh = 0.05 t
# market-based; total market-based 0.0591667 t.
PER_STEP_T = 0.11 / 12 + (2000 / 12 - 1000 / 12) * 0.6 / 1000

# 1. Seven minutes after 14:00, with readings from 14:00 on: the year to
#    14:05 holds one metered step, as today does, within seconds (not
#    after the next five-minute recomputation).
d, off = start("2024-03-10T14:07:30+08:00")
push("2024-03-10T14:00:00+08:00", 8)
def year_has(h):
    def f():
        y = status()["year"]
        return y if close(y["metered_h"], h) else None
    return f
y = wait_for("the year to count the first step", year_has(5 / 60), timeout=20)
check(y["from"] == "2024-01-01T00:00:00+08:00" and y["to"] == "2024-03-10T14:05:00+08:00",
      f"year window 1 January to the last complete step: {y['from']} .. {y['to']}")
check(close(y["emissions_t"], PER_STEP_T),
      f"year emissions {y['emissions_t']} t = 0.0091667 + 0.05 = {PER_STEP_T:.7f} t by hand")
s = status()
today_t = (s["today"]["emissions_kg"]["scope1"] + s["today"]["emissions_kg"]["scope2_market"]) / 1000
check(s["today"]["to"] == s["year"]["to"] and close(today_t, s["year"]["emissions_t"]),
      f"today and the year over the same metered step agree: {today_t} t")
c = carbon(y["from"], y["to"])
check(close(c["emissions_t"]["total_market"], y["emissions_t"]),
      f"/api/v1/carbon over the year's window gives the year's {y['emissions_t']} t")

# 2. Late readings of an earlier step (13:50-13:55) are in the year within
#    seconds: 10 metered minutes.
push("2024-03-10T13:50:00+08:00", 5)
y = wait_for("the year to count late readings", year_has(10 / 60), timeout=20)
check(close(y["emissions_t"], 2 * PER_STEP_T), f"year after late readings {y['emissions_t']} t = 2 steps")
c = carbon(y["from"], y["to"])
check(close(c["emissions_t"]["total_market"], y["emissions_t"]) and
      close(c["budget"]["projected_year_end_t"], y["projected_t"]),
      "/api/v1/carbon agrees with the year (emissions and projection)")
# The control loop plans this park without PV on the model's forecast
# (its first plan 10 s after the start), not a failed plan in safe mode.
def planned():
    p = get_json(port, "/api/v1/plan")
    return p if p["status"] != "none" else None
p = wait_for("the first plan", planned, timeout=30)
check(p["status"] == "ok" and p["forecast"] == "model" and p["error"] is None and
      all(s_["pv_kw"] == 0 for s_ in p["steps"]),
      f"a park without PV is planned on the model's forecast: {p['status']} {p['forecast']} {p['error']}")
check(d.stop() == 0, "SIGTERM: exit 0")

# 3. A restart gap, then a local New Year: readings 23:50 to 23:59 count
#    at once; at 23:59:30 the year to 23:55 holds the three March steps
#    (13:50-13:55, 14:00-14:05, 14:05-14:10: readings to 14:07) and
#    23:50-23:55; after midnight the year is 2025, not 2024's figures
#    under 2024's window.
d, off = start("2024-12-31T23:59:30+08:00")
push("2024-12-31T23:50:00+08:00", 10)
y = wait_for("the year to count 23:50-23:55", year_has(20 / 60), timeout=20)
check(y["from"] == "2024-01-01T00:00:00+08:00" and close(y["emissions_t"], 4 * PER_STEP_T),
      f"2024 after the restart gap: {y['emissions_t']} t over {y['metered_h']} h = 4 steps")
def new_year():
    y = status()["year"]
    return y if y["from"] == "2025-01-01T00:00:00+08:00" else None
y = wait_for("the year to turn to 2025", new_year, timeout=45)
check(y["to"] == "2025-01-01T00:00:00+08:00" and y["emissions_t"] == 0 and y["metered_h"] == 0,
      f"2025 starts empty: {y}")
c = carbon("2024-01-01T00:00:00+08:00", "2025-01-01T00:00:00+08:00")
# March: 13:50-13:55, 14:00-14:05, 14:05-14:10 (readings to 14:07);
# December: 23:50-23:55, 23:55-00:00: 25 metered minutes
check(close(c["period"]["metered_h"], 25 / 60),
      f"2024 over /api/v1/carbon: 25 metered minutes ({c['period']['metered_h']} h)")
check(d.stop() == 0, "SIGTERM: exit 0")
print("serve_year: all checks passed")
PY
