#!/usr/bin/env bash
# serve_plan.sh ZEROPARK SRCDIR WORKDIR - the control loop's plan across the
# end of the year and for a park whose inverters stop reporting at night.
# The daemon runs at 2025-12-31 22:50 (+08:00) through the test-only clock
# shift ZEROPARK_TEST_CLOCK_OFFSET_S (docs/serve.md "Testing"); the model
# (examples/live-campus) covers 2024 at hourly steps.
#  1. Minutes after start (the model's forecast) the plan still spans the
#     whole horizon, 24 hourly steps from 22:00 to 21:00 on 1 January: the
#     model's year wraps (docs/serve.md "Control loop"), so 1 January 2026
#     is planned with the model's 1 January, PV at noon checked against a
#     clear-sky estimate computed here independently (NOAA solar position,
#     Haurwitz GHI), none at 03:00.
#  2. Fed a day of history in which PV reports only while the sun is up
#     (sunrise and sunset from the same independent NOAA position), the
#     night counts as known 0 kW, so the plan switches to the live forecast
#     (>= 22 h of history) and still spans 24 steps into 2026.
set -euo pipefail
zp=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import datetime as dt, json, math, os, signal, sys, time
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

TZ = dt.timezone(dt.timedelta(hours=8))
def edit(m):
    m["devices"] = []
model = model_copy(os.path.join(src, "examples/live-campus/model.json"), os.path.join(work, "model.json"),
                   edit=edit)
with open(model) as f:
    M = json.load(f)
LAT, LON = M["site"]["lat_deg"], M["site"]["lon_deg"]
assert M["period"]["step_min"] == 60 and M["period"]["end"].startswith("2025-01-01"), M["period"]

def cos_zenith(t):
    """cos of the solar zenith at instant t: NOAA (declination and equation
    of time from the fractional year)."""
    u = t.astimezone(dt.timezone.utc)
    doy = u.timetuple().tm_yday
    g = 2 * math.pi / 365 * (doy - 1 + (u.hour - 12) / 24)
    decl = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
            + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))
    eqt = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g) - 0.014615 * math.cos(2 * g)
                    - 0.040849 * math.sin(2 * g))
    tst = u.hour * 60 + u.minute + u.second / 60 + eqt + 4 * LON
    ha = math.radians(tst / 4 - 180)
    la = math.radians(LAT)
    return math.sin(la) * math.sin(decl) + math.cos(la) * math.cos(decl) * math.cos(ha)

def clear_sky_kw(t):
    """Clear-sky AC power of the model's arrays: Haurwitz GHI = 1098 cos z
    exp(-0.057 / cos z) W/m2 on the horizontal, DC = kWp x GHI / 1000 x
    (1 - losses) x 0.92 (warm cells), clipped at the inverter."""
    cz = cos_zenith(t)
    if cz <= 0.01:
        return 0.0
    ghi = 1098 * cz * math.exp(-0.057 / cz)
    return sum(min(a["inverter_kw"], a["capacity_kwp"] * ghi / 1000 * (1 - a["losses_pct"] / 100) * 0.92)
               for a in M["pv"])

port = free_port()
db = os.path.join(work, "park.db")
token = "plan-test-token-0123456789"
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": db, "token": token, "flush_ms": 200,
                     "replan_min": 60, "account_step_s": 300, "stale_s": 86400, "horizon_h": 24})
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

def daemon_at(when, name):
    os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"] = str(int(when.timestamp() - time.time()))
    d = Daemon(zp, model, conf, work, name=name).start(port)
    del os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"]
    return d

def load(t):
    return 400.0 + 10 * t.hour
def facility(t):
    return 25000.0 + 200 * t.hour
def wind(t):
    return 3000.0 + 100 * (t.hour % 4)

def feed(t0, t1, step_min=5):
    """Every quantity every step_min; PV only while the sun is up (its
    centre above the horizon at the middle of the 5 minutes), at half the
    clear-sky estimate."""
    rs, t, pv_n = [], t0, 0
    while t < t1:
        iso = t.isoformat()
        mid = t + dt.timedelta(minutes=step_min / 2)
        p = 0.0
        if cos_zenith(mid) > 0:
            p = 0.5 * clear_sky_kw(mid)
            rs.append({"series": "pv.rooftops", "t": iso, "value": p})
            pv_n += 1
        rs += [{"series": "wind.ridge", "t": iso, "value": wind(t)},
               {"series": "load.campus-services", "t": iso, "value": load(t)},
               {"series": "datacenter.facility", "t": iso, "value": facility(t)},
               {"series": "grid.net", "t": iso, "value": facility(t) + load(t) - p - wind(t)}]
        t += dt.timedelta(minutes=step_min)
    for k in range(0, len(rs), 2000):
        st, _, b = http(port, "POST", "/api/v1/readings", {"readings": rs[k:k + 2000]}, auth)
        check(st == 202, f"fed {len(rs[k:k + 2000])} readings from {t0.isoformat()}")
    last = (t1 - dt.timedelta(minutes=step_min)).isoformat().replace("+", "%2B")
    def stored():
        st, _, b = http(port, "GET", f"/api/v1/series/load.campus-services_kw?from={last}&step=300")
        return st == 200 and json.loads(b)["values"][0] is not None
    wait_for("meters stored", stored, 60)
    return pv_n * step_min / 60

def plan_after(t_wall, timeout=60):
    def fresh():
        p = get_json(port, "/api/v1/plan")
        return p if p["status"] != "none" and p["created"] and \
            dt.datetime.fromisoformat(p["created"]) >= t_wall else None
    return wait_for("a new plan", fresh, timeout)

def step_at(p, t):
    return next(s for s in p["steps"] if dt.datetime.fromisoformat(s["t"]) == t)

def check_span(p, what):
    ts = [dt.datetime.fromisoformat(s["t"]) for s in p["steps"]]
    want = [dt.datetime(2025, 12, 31, 22, tzinfo=TZ) + dt.timedelta(hours=i) for i in range(24)]
    check(ts == want, f"{what}: 24 hourly steps from 2025-12-31T22:00 to 2026-01-01T21:00, the horizon "
                      f"rolls over the year (got {len(ts)}: {p['steps'][0]['t']} .. {p['steps'][-1]['t']})")

NOW = dt.datetime(2025, 12, 31, 22, 50, tzinfo=TZ)
JAN1 = dt.datetime(2026, 1, 1, tzinfo=TZ)

# 1. the model's forecast, minutes after start
d = daemon_at(NOW, "serve-model")
feed(NOW - dt.timedelta(minutes=20), NOW)
p = plan_after(NOW)
print(f"plan {p['created']}: forecast {p['forecast']}, {len(p['steps'])} steps")
check(p["status"] == "ok" and p["forecast"] == "model", f"20 minutes of readings: the model's forecast ({p['forecast']})")
check_span(p, "model forecast")
noon = JAN1.replace(hour=12)
cs = clear_sky_kw(noon + dt.timedelta(minutes=30))
s = step_at(p, noon)
check(0.3 * cs <= s["pv_kw"] <= 1.2 * cs,
      f"PV planned at noon on 1 January {s['pv_kw']:.0f} kW is within 30..120 % of the clear-sky {cs:.0f} kW")
check(step_at(p, JAN1.replace(hour=3))["pv_kw"] == 0, "no PV planned at 03:00 on 1 January")
check(d.stop() == 0, "first daemon stopped")

# 2. a day in which PV reported only in daylight: the live forecast
d = daemon_at(NOW, "serve-live")
# the plan made at start (from no readings) first, so that a slow start
# cannot stamp it after the SIGHUP below and pass for the re-plan
p0 = dt.datetime.fromisoformat(plan_after(NOW)["created"])
pv_h = feed(NOW - dt.timedelta(hours=24), NOW)
wait_for("the daemon's clock past the first plan's second",
         lambda: dt.datetime.fromisoformat(get_json(port, "/api/v1/status")["time"]) > p0, 10)
check(pv_h < 12, f"PV read in {pv_h:.1f} h of the 24 (daylight only, short of the 22 h needed without the night)")
t_hup = dt.datetime.fromisoformat(get_json(port, "/api/v1/status")["time"])
d.p.send_signal(signal.SIGHUP)
p = plan_after(t_hup)
print(f"plan {p['created']}: forecast {p['forecast']} ({p.get('forecast_reason')}), {len(p['steps'])} steps")
check(p["status"] == "ok" and p["forecast"] == "live" and p["forecast_history_h"] >= 22,
      f"PV silent at night counts as 0 kW: the live forecast ({p.get('forecast_reason')})")
check_span(p, "live forecast")
s = step_at(p, noon)
want = 0.5 * clear_sky_kw(noon + dt.timedelta(minutes=30))
check(abs(s["pv_kw"] - want) <= 0.2 * want,
      f"PV at noon on 1 January {s['pv_kw']:.0f} kW = the fed clear-sky index 0.5 x clear sky "
      f"{want / 0.5:.0f} kW within 20 %")
check(step_at(p, JAN1.replace(hour=3))["pv_kw"] == 0, "no PV at 03:00 on 1 January")
bad = [st["t"] for st in p["steps"]
       if abs(st["load_kw"] - (load(dt.datetime.fromisoformat(st["t"])) + facility(dt.datetime.fromisoformat(st["t"]))))
       > 1e-6 * 25000]
check(not bad, f"load forecast = the fed load of the same hour yesterday, into 2026 too ({bad[:3]})")
check(d.stop() == 0, "second daemon stopped")
print("serve_plan: all passed")
PY
