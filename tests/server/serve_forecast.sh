#!/usr/bin/env bash
# serve_forecast.sh ZEROPARK SRCDIR WORKDIR - the control loop's forecast
# choice. Minutes after start (at 03:10 local, night, the daemon's clock
# shifted by the test-only ZEROPARK_TEST_CLOCK_OFFSET_S) the plan keeps the
# model's forecast, says so and why in /api/v1/plan, and plans PV at local
# noon (checked against a clear-sky estimate computed here independently:
# NOAA solar position, Haurwitz GHI). Fed a day of history, the next plan
# uses the live forecast: PV from the clear-sky index of the fed daylight
# readings, wind by persistence and the load as yesterday's profile, each
# checked by hand against what was fed.
set -euo pipefail
zp=$1 src=$2 work=$3
. "$src/tests/need.sh"
need python3
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

def clear_sky_kw(t):
    """Clear-sky AC power of the model's arrays at instant t, independently:
    NOAA solar position (declination and equation of time from the
    fractional year), Haurwitz GHI = 1098 cos z exp(-0.057 / cos z) W/m2,
    the plane of array taken as horizontal (the arrays tilt 10-18 deg south
    near the tropic), DC = kWp x GHI / 1000 x (1 - losses) x 0.92 (cells
    near 45 degC at -0.35 %/K), clipped at the inverter."""
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
    cz = math.sin(la) * math.sin(decl) + math.cos(la) * math.cos(decl) * math.cos(ha)
    if cz <= 0.01:
        return 0.0
    ghi = 1098 * cz * math.exp(-0.057 / cz)
    return sum(min(a["inverter_kw"], a["capacity_kwp"] * ghi / 1000 * (1 - a["losses_pct"] / 100) * 0.92)
               for a in M["pv"])

port = free_port()
db = os.path.join(work, "park.db")
token = "forecast-test-token-0123456789"
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": db, "token": token, "flush_ms": 200,
                     "replan_min": 60, "account_step_s": 300, "stale_s": 86400})
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

def daemon_at(when, name):
    os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"] = str(int(when.timestamp() - time.time()))
    d = Daemon(zp, model, conf, work, name=name).start(port)
    del os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"]
    return d

# Fed values: load and the data center constant within each local hour (a
# profile over the day), wind a staircase, PV half the clear-sky estimate.
def load(t):
    return 400.0 + 10 * t.hour
def facility(t):
    return 25000.0 + 200 * t.hour
def wind(t):
    return 3000.0 + 100 * (t.hour % 4)
def pv(t):
    return 0.5 * clear_sky_kw(t + dt.timedelta(minutes=2.5))

def feed(t0, t1, step_min=5):
    rs, t = [], t0
    while t < t1:
        iso = t.isoformat()
        p = pv(t)
        rs += [{"series": "pv.rooftops", "t": iso, "value": p},
               {"series": "wind.ridge", "t": iso, "value": wind(t)},
               {"series": "load.campus-services", "t": iso, "value": load(t)},
               {"series": "datacenter.facility", "t": iso, "value": facility(t)},
               {"series": "grid.net", "t": iso, "value": facility(t) + load(t) - p - wind(t)}]
        t += dt.timedelta(minutes=step_min)
    st, _, b = http(port, "POST", "/api/v1/readings", {"readings": rs}, auth)
    check(st == 202, f"fed {len(rs)} readings {t0.isoformat()} .. {t1.isoformat()}")
    last = (t1 - dt.timedelta(minutes=step_min)).isoformat().replace("+", "%2B")
    def stored():
        st, _, b = http(port, "GET", f"/api/v1/series/load.campus-services_kw?from={last}&step=300")
        return st == 200 and json.loads(b)["values"][0] is not None
    wait_for("meters stored", stored, 60)

def plan_after(t_wall, timeout=60):
    """The first plan made after wall time t_wall."""
    def fresh():
        p = get_json(port, "/api/v1/plan")
        return p if p["status"] != "none" and p["created"] and \
            dt.datetime.fromisoformat(p["created"]) >= t_wall else None
    return wait_for("a new plan", fresh, timeout)

def step_at(p, t):
    return next(s for s in p["steps"] if dt.datetime.fromisoformat(s["t"]) == t)

# 1. minutes after start, at night: the model's forecast
D = dt.datetime(2025, 6, 1, tzinfo=TZ)
start = D.replace(hour=3, minute=10)
d = daemon_at(start, "serve-night")
feed(D.replace(hour=2, minute=50), D.replace(hour=3, minute=10))
p = plan_after(start)
noon = D.replace(hour=12)
s = step_at(p, noon)
cs = clear_sky_kw(noon + dt.timedelta(minutes=30))
print(f"plan {p['created']}: forecast {p['forecast']} ({p.get('forecast_reason')}), PV at noon {s['pv_kw']:.0f} kW, "
      f"clear sky here {cs:.0f} kW")
check(p["status"] == "ok" and p["forecast"] == "model",
      f"20 minutes of readings: the plan keeps the model's forecast (got {p['forecast']})")
check(p.get("forecast_history_h", 99) < 1 and p.get("forecast_needed_h") == 22
      and "22 h" in (p.get("forecast_reason") or ""),
      f"the plan says why: {p.get('forecast_reason')} (history {p.get('forecast_history_h')} h)")
check(0.3 * cs <= s["pv_kw"] <= 1.2 * cs,
      f"PV planned at local noon {s['pv_kw']:.0f} kW is within 30..120 % of the clear-sky {cs:.0f} kW")
night = step_at(p, D.replace(hour=3))
check(night["pv_kw"] == 0, "no PV planned at 03:00")
check(d.stop() == 0, "first daemon stopped")

# 2. a day of history: the live forecast
D2 = D + dt.timedelta(days=1)
now = D2.replace(hour=15, minute=10)
d = daemon_at(now, "serve-day")
h0 = D2.replace(hour=15) - dt.timedelta(hours=24)
feed(h0, D2.replace(hour=15, minute=10))
t_hup = dt.datetime.fromisoformat(get_json(port, "/api/v1/status")["time"])
d.p.send_signal(signal.SIGHUP)  # re-plan 2 s after the reload
p = plan_after(t_hup)
print(f"plan {p['created']}: forecast {p['forecast']} ({p.get('forecast_reason')})")
check(p["status"] == "ok" and p["forecast"] == "live" and p["forecast_history_h"] >= 22,
      f"24 h of readings: the live forecast ({p['forecast_history_h']} h of history)")
# load: yesterday's profile, by hand from the fed values (constant per hour)
bad = []
for st in p["steps"]:
    t = dt.datetime.fromisoformat(st["t"])
    want = load(t) + facility(t)
    if abs(st["load_kw"] - want) > 1e-6 * want:
        bad.append(f"{st['t']}: {st['load_kw']} != {want}")
check(not bad and len(p["steps"]) >= 20, f"load forecast = the fed load of the same hour yesterday ({bad[:3]})")
wl = wind(D2.replace(hour=14))
check(all(abs(st["wind_kw"] - wl) < 1e-6 * wl for st in p["steps"]),
      f"wind forecast = the last hour's mean, {wl} kW, held (persistence)")
noon2 = D2.replace(hour=12) + dt.timedelta(days=1)
s = step_at(p, noon2)
want = 0.5 * clear_sky_kw(noon2 + dt.timedelta(minutes=30))
check(abs(s["pv_kw"] - want) <= 0.2 * want,
      f"PV at noon tomorrow {s['pv_kw']:.0f} kW = the fed clear-sky index 0.5 x clear sky {want / 0.5:.0f} kW within 20 %")
check(step_at(p, D2.replace(hour=22))["pv_kw"] == 0, "no PV at 22:00")
check(d.stop() == 0, "second daemon stopped")
print("serve_forecast: all passed")
PY
