#!/usr/bin/env bash
# serve_carbon.sh ZEROPARK SRCDIR WORKDIR - one accounting of the live data:
# /api/v1/status (today, year), /api/v1/carbon and `zeropark account --db
# --fill-gaps` give the same figures over the same window, after a restart
# gap and across a local midnight, and the figures are checked by hand from
# the readings fed. The daemon runs at a chosen date through the test-only
# clock shift ZEROPARK_TEST_CLOCK_OFFSET_S (docs/serve.md "Testing"): the
# first daemon at 2025-03-10 23:41 (+08:00) is fed 23:20..23:40 and
# stopped; the second starts at 2025-03-11 00:20:30 and is fed 00:05..00:20,
# so nothing is metered 23:40..00:05.
set -euo pipefail
zp=$1 src=$2 work=$3
. "$src/tests/need.sh"
need python3
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import datetime as dt, json, os, signal, subprocess, sys, time
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

TZ = dt.timezone(dt.timedelta(hours=8))
FACTOR = 0.5306          # the model's grid factor, kg/kWh
DIESEL_T = 40.0          # the model's diesel, t per model period
PERIOD_H = 366 * 24      # the model period: 2024, a leap year
# Scope-1 factor of diesel by hand from the Chinese guideline defaults
# (NCV 43.33 GJ/t, carbon content 20.20 tC/TJ, oxidation 98 %): t CO2 per t
DIESEL_F = 43.33 * 20.20e-3 * 0.98 * 44 / 12

def edit(m):
    m["devices"] = []
    m["grid"]["emission_factor_kg_per_kwh"] = FACTOR
model = model_copy(os.path.join(src, "examples/live-campus/model.json"), os.path.join(work, "model.json"),
                   edit=edit)
with open(model) as f:
    mj = json.load(f)
assert mj["fuels"] == [{"type": "diesel", "amount": DIESEL_T, "unit": "t"}], mj["fuels"]
CERT_MWH = mj["certificates"]["green_certificates_mwh"]
port = free_port()
db = os.path.join(work, "park.db")
token = "carbon-test-token-0123456789"
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": db, "token": token, "flush_ms": 200,
                     "replan_min": 60, "account_step_s": 300})
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

def daemon_at(when, name):
    """A daemon whose clock reads `when` now."""
    os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"] = str(int(when.timestamp() - time.time()))
    d = Daemon(zp, model, conf, work, name=name).start(port)
    del os.environ["ZEROPARK_TEST_CLOCK_OFFSET_S"]
    return d

# Readings every minute; per series a value that changes every minute.
def grid(t):  # kW import
    return 20000.0 + 37.0 * (t.minute % 7) + 11.0 * t.hour
def load(t):
    return 400.0 + 3.0 * (t.minute % 5)
def facility(t):
    return 25000.0 + 5.0 * (t.minute % 3)
def q(t):
    return t.replace("+", "%2B")

fed = {}   # step start -> (import kW, consumption kW) as the meters should be
def feed(t0, minutes):
    rs = []
    for k in range(minutes):
        t = t0 + dt.timedelta(minutes=k)
        iso = t.isoformat()
        rs += [{"series": "grid.net", "t": iso, "value": grid(t)},
               {"series": "pv.rooftops", "t": iso, "value": 0.0},
               {"series": "load.campus-services", "t": iso, "value": load(t)},
               {"series": "datacenter.facility", "t": iso, "value": facility(t)}]
    st, _, b = http(port, "POST", "/api/v1/readings", {"readings": rs}, auth)
    check(st == 202, f"fed {len(rs)} readings from {t0.isoformat()} ({st} {b[:80]!r})")
    # by hand: each 5-min meter is the mean of its five minute readings
    for s in range(0, minutes, 5):
        ts = [t0 + dt.timedelta(minutes=s + k) for k in range(5)]
        fed[ts[0]] = (sum(map(grid, ts)) / 5, sum(load(t) + facility(t) for t in ts) / 5)
    w = f"from={q(t0.isoformat())}&to={q((t0 + dt.timedelta(minutes=minutes)).isoformat())}"
    def stored():
        st, _, b = http(port, "GET", "/api/v1/series/grid_import_kw?" + w)
        return st == 200 and None not in json.loads(b)["values"]
    wait_for("meters stored", stored, 30)

def carbon(frm, to, by="total"):
    return get_json(port, f"/api/v1/carbon?from={q(frm)}&to={q(to)}&by={by}")

def cli(frm, to):
    r = subprocess.run([zp, "account", model, "--db", db, "--fill-gaps", "--from", frm, "--to", to, "--json"],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"zeropark account --db --fill-gaps --from {frm} --to {to}: exit {r.returncode} {r.stderr[:200]}")
    return json.loads(r.stdout)

def close(a, b, rel=1e-9, what=""):
    ok = abs(a - b) <= rel * max(1.0, abs(a), abs(b))
    if not ok:
        print(f"  {what}: {a!r} != {b!r}", file=sys.stderr)
    return ok

def hand(frm, to):
    """Import kWh, consumption kWh and metered hours fed in [frm, to)."""
    steps = [t for t in fed if frm <= t < to]
    return (sum(fed[t][0] for t in steps) * 5 / 60, sum(fed[t][1] for t in steps) * 5 / 60, len(steps) * 5 / 60)

D = dt.datetime(2025, 3, 10, tzinfo=TZ)
# 1. the evening before: 23:20..23:40 fed, then the daemon stops
d = daemon_at(D.replace(hour=23, minute=41), "serve-evening")
feed(D.replace(hour=23, minute=20), 20)
check(d.stop() == 0, "first daemon stopped (SIGTERM writes its queue)")

# 2. after midnight: a new daemon, 00:05..00:20 fed; SIGHUP recomputes the year
D1 = D + dt.timedelta(days=1)
d = daemon_at(D1.replace(minute=20, second=30), "serve-morning")
feed(D1.replace(minute=5), 15)
d.p.send_signal(signal.SIGHUP)
wait_for("reload", lambda: "event=reloaded" in d.log_text(), 30)
s = wait_for("the year accounted again", lambda: (lambda j: j if j["year"]["metered_h"] > 0.5 else None)(
    get_json(port, "/api/v1/status")), 30)
Y, T = s["year"], s["today"]
print("status year:", json.dumps(Y), "\ntoday:", json.dumps({k: T[k] for k in ("from", "to", "metered_h", "emissions_kg")}))
check(Y["from"] == "2025-01-01T00:00:00+08:00" and Y["to"] == "2025-03-11T00:20:00+08:00",
      f"the year's window is 1 January to the last complete step ({Y['from']} .. {Y['to']})")
check(T["from"] == "2025-03-11T00:00:00+08:00" and T["to"] == "2025-03-11T00:20:00+08:00",
      f"today's window is local midnight to the last complete step ({T['from']} .. {T['to']})")

# 3. the three agree over the year's window
cy = carbon(Y["from"], Y["to"])
ref = cli(Y["from"], Y["to"])
check(close(cy["emissions_t"]["total_market"], Y["emissions_t"], 1e-9, "year")
      and close(cy["budget"]["projected_year_end_t"], Y["projected_t"], 1e-9, "projection"),
      f"/status year = /carbon over its window: {Y['emissions_t']} t, projected {Y['projected_t']} t")
check(close(cy["indicator"]["t_co2_per_tce"], Y["t_co2_per_tce"], 1e-9, "t CO2 per tce")
      and close(cy["indicator"]["clean_energy_share_pct"], Y["clean_energy_share_pct"], 1e-9,
                "clean share"),
      f"/status year's indicator = /carbon's over its window: {Y['t_co2_per_tce']} t CO2/tce, "
      f"clean-energy share {Y['clean_energy_share_pct']} %")
missing = cy.pop("missing_meter_steps")
for k in ("from", "to", "by"):
    cy.pop(k)
check(ref.pop("missing_meter_steps", None) == missing,
      f"account --fill-gaps --json reports the API's missing_meter_steps ({missing})")
check(cy == ref, "/carbon over the year = `zeropark account --db --fill-gaps --json`")
# the text statement says the same count
r = subprocess.run([zp, "account", model, "--db", db, "--fill-gaps", "--from", Y["from"], "--to", Y["to"]],
                   capture_output=True, text=True, timeout=120)
check(r.returncode == 0 and f"missing meter-steps: {missing} (" in r.stdout,
      f"account --fill-gaps text: 'missing meter-steps: {missing}'")
imp, cons, mh = hand(D, D1 + dt.timedelta(days=1))
check(cy["period"]["start"] == "2025-03-10T23:20:00+08:00" and cy["period"]["end"] == "2025-03-11T00:20:00+08:00",
      f"the window is cut to the readings: {cy['period']['start']} .. {cy['period']['end']}")
check(close(cy["period"]["metered_h"], mh) and close(Y["metered_h"], mh),
      f"metered time = the fed steps, 4 + 3 of 5 min = {mh:.4f} h (gap 23:40..00:05 not metered)")
check(missing == 5 * 5, f"the restart gap: 5 steps x 5 meters missing ({missing})")
e = cy["emissions_t"]
check(close(cy["energy_kwh"]["grid_import"], imp, 1e-12) and close(e["scope2_location"], imp * FACTOR / 1000, 1e-12),
      f"Scope 2 location = fed import {imp:.3f} kWh x {FACTOR} = {imp * FACTOR / 1000:.6f} t")
s1 = DIESEL_T * mh / PERIOD_H * DIESEL_F
check(close(e["scope1"], s1, 1e-6),
      f"Scope 1 = 40 t diesel x {mh:.4f} metered h / {PERIOD_H} h x {DIESEL_F:.5f} = {s1:.6f} t (got {e['scope1']})")
cert = CERT_MWH * mh / PERIOD_H
check(close(cy["scope2_market"]["certificates_mwh"], cert, 1e-9),
      f"certificates pro-rated to the metered time: {CERT_MWH} MWh x {mh:.4f} / {PERIOD_H} = {cert:.4f} MWh")
gs = 100 * min(1.0, cert * 1000 / cons)
check(close(cy["green_share_pct"]["annual_volumetric"], gs, 1e-9),
      f"volumetric green share = certificates / consumption = {gs:.3f} % (no PV or wind)")
# the projection: the metered burn rate to the end of 2025
rem_d = (dt.datetime(2026, 1, 1, tzinfo=TZ) - D1.replace(minute=20)).total_seconds() / 86400
em = e["total_market"]
proj = em + em / (mh / 24) * rem_d
check(close(Y["projected_t"], proj, 1e-9), f"projection = emitted + emitted / metered days x {rem_d:.4f} days left = {proj:.3f} t")
# the days: Scope 1 by metered time, the days add up
days = {x["start"][:10]: x for x in carbon(Y["from"], Y["to"], "day")["days"]}
check(close(days["2025-03-10"]["emissions_t"]["scope1"], s1 * 20 / 35, 1e-9)
      and close(days["2025-03-11"]["emissions_t"]["scope1"], s1 * 15 / 35, 1e-9),
      "Scope 1 by day follows the metered minutes: 20 before midnight, 15 after")

# /carbon with its defaults (1 January to now) is the same year while no
# new step has completed
cdef = get_json(port, "/api/v1/carbon?by=total")
if get_json(port, "/api/v1/status")["today"]["to"] == Y["to"]:
    check(close(cdef["emissions_t"]["total_market"], Y["emissions_t"], 1e-9, "default"),
          f"/carbon without from/to = /status year ({cdef['emissions_t']['total_market']} t)")

# 4. today: the same three over today's window, by hand
ct = carbon(T["from"], T["to"])
tr = cli(T["from"], T["to"])
em = T["emissions_kg"]
check(all(close(em[k] / 1000, ct["emissions_t"][k], 1e-9, k) for k in ("scope1", "scope2_location", "scope2_market"))
      and close(T["energy_kwh"]["grid_import"], ct["energy_kwh"]["grid_import"], 1e-12)
      and close(T["green_share"]["volumetric"] * 100, ct["green_share_pct"]["annual_volumetric"], 1e-9),
      f"/status today = /carbon over today's window: {em}")
for k in ("from", "to", "by"):
    ct.pop(k)
check(ct.pop("missing_meter_steps") == tr.pop("missing_meter_steps", None),
      "account --fill-gaps --json today: the API's missing_meter_steps")
check(ct == tr, "/carbon today = `zeropark account --db --fill-gaps --json` today")
imp_t, cons_t, mh_t = hand(D1, D1 + dt.timedelta(days=1))
check(close(T["metered_h"], mh_t) and close(T["energy_kwh"]["grid_import"], imp_t, 1e-9)
      and close(em["scope2_location"], imp_t * FACTOR, 1e-9),
      f"today: 15 metered min, import {imp_t:.3f} kWh, Scope 2 location {imp_t * FACTOR:.3f} kg")
check(close(em["scope1"], DIESEL_T * mh_t / PERIOD_H * DIESEL_F * 1000, 1e-6),
      f"today's Scope 1 is 15 metered minutes' share: {DIESEL_T * mh_t / PERIOD_H * DIESEL_F * 1000:.4f} kg")
# across midnight: yesterday + today = the year, for the additive figures
cyd = carbon("2025-03-10T00:00:00+08:00", T["from"])
for k in ("scope1", "scope2_location"):
    check(close(cyd["emissions_t"][k] + em[k] / 1000, e[k], 1e-9),
          f"{k}: yesterday {cyd['emissions_t'][k]:.6f} t + today {em[k] / 1000:.6f} t = the year {e[k]:.6f} t")

# 5. a day with nothing metered: nothing, not a day's share of the fuels
st, _, b = http(port, "GET", "/api/v1/carbon?from=2025-03-09T00:00:00%2B08:00&to=2025-03-10T00:00:00%2B08:00")
check(st == 400 and b"no meter reading between 2025-03-09T00:00:00+08:00" in b,
      f"a day without readings: no accounting ({st} {json.loads(b)['error']['message']})")
check(d.stop() == 0, "second daemon stopped")
print("serve_carbon: all passed")
PY
