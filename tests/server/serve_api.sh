#!/usr/bin/env bash
# serve_api.sh ZEROPARK SRCDIR WORKDIR - `zeropark serve` HTTP API on
# loopback: config checks, readings in, series and accounting out (checked
# by hand below and against `zeropark account --json`), bad requests (4xx
# with JSON errors, counted, the daemon keeps serving), SIGHUP, SIGTERM.
set -euo pipefail
zp=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
. "$src/tests/need.sh"
need python3 sqlite3
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import json, os, signal, subprocess, sys, time
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

model = os.path.join(src, "examples/shaoguan-campus/model.json")
port = free_port()
token = "test-token-0123456789abcdef"
db = os.path.join(work, "park.db")
cfg = {"listen": f"127.0.0.1:{port}", "db": db, "token": token, "flush_ms": 100,
       "max_body_bytes": 65536, "replan_min": 60, "log_level": "info"}

# 1. a config others can read is refused, with the fix in the message
bad = write_config(os.path.join(work, "open.json"), cfg, 0o644)
r = subprocess.run([zp, "serve", model, "--config", bad], capture_output=True, text=True, timeout=30)
check(r.returncode == 2 and "chmod 600" in r.stderr and "0644" in r.stderr,
      f"config with mode 0644 refused: {r.stderr.strip()}")
# an unknown key names the nearest one
typo = write_config(os.path.join(work, "typo.json"), dict(cfg, replan_mins=5))
r = subprocess.run([zp, "serve", model, "--config", typo], capture_output=True, text=True, timeout=30)
check(r.returncode == 2 and "replan_mins: unknown key; did you mean 'replan_min'?" in r.stderr,
      f"unknown config key: {r.stderr.strip()}")

conf = write_config(os.path.join(work, "serve.json"), cfg)
d = Daemon(zp, model, conf, work).start(port)
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

info = get_json(port, "/api/v1/info")
check(info["park"] == "Shaoguan green computing campus" and info["utc_offset_h"] == 8
      and info["components"]["storage"][0]["name"] == "bess-1" and info["targets"]["max_pue"] == 1.25,
      "info names the park, its storage and targets")

# 2. readings: grid.net every minute 10:00..10:04 and pv.rooftops twice
T = "2024-06-01T10:%02d:%02d+08:00"
grid = [100, 200, 300, -100, 500]
readings = [{"series": "grid.net", "t": T % (i, 0), "value": v} for i, v in enumerate(grid)]
readings += [{"series": "pv.rooftops", "t": T % (0, 30), "value": 50},
             {"series": "pv.rooftops", "t": T % (2, 30), "value": 150},
             {"series": "meter7.temp_c", "t": 1717207200000, "value": 21.5}]
st, ct, b = http(port, "POST", "/api/v1/readings", {"readings": readings}, auth)
check(st == 202 and json.loads(b) == {"accepted": 8} and ct.startswith("application/json"),
      f"POST 8 readings -> 202 {b!r}")

W = "from=2024-06-01T10:00:00%2B08:00&to=2024-06-01T10:05:00%2B08:00"
def series(name, extra=""):
    return get_json(port, f"/api/v1/series/{name}?{W}{extra}")
def stored():
    st, _, b = http(port, "GET", f"/api/v1/series/grid.net?{W}&step=1m")
    return json.loads(b) if st == 200 else None
s = wait_for("grid.net stored", stored)
check(s["values"] == grid and s["step_s"] == 60 and s["from"] == "2024-06-01T10:00:00+08:00",
      f"grid.net per minute comes back as written: {s['values']}")
check(series("grid.net", "&step=5m")["values"] == [200.0], "5-min mean of the readings (100+200+300-100+500)/5 = 200")
check(series("meter7.temp_c", "&step=300")["values"] == [21.5], "Unix ms 1717207200000 = 10:00+08:00: a raw series")
# accounting meters: mean of max(v,0) = (100+200+300+0+500)/5 = 220 kW import,
# mean of max(-v,0) = 100/5 = 20 kW export, PV (50+150)/2 = 100 kW
check(series("grid_import_kw")["values"] == [220.0], "grid_import_kw meter = 220 kW")
check(series("grid_export_kw")["values"] == [20.0], "grid_export_kw meter = 20 kW")
check(series("pv.rooftops_kw")["values"] == [100.0], "pv.rooftops_kw meter = 100 kW")
names = [x["name"] for x in get_json(port, "/api/v1/series")["series"]]
check({"grid.net", "pv.rooftops", "grid_import_kw", "pv.rooftops_kw", "meter7.temp_c"} <= set(names),
      "series list holds the raw series and the meters")

# 3. carbon: by hand, import 220 kW x 5/60 h = 18.333 kWh, x 0.5306 kg/kWh
#    (the model's factor) = 9.7277 kg = 0.0097277 t location-based
c = get_json(port, "/api/v1/carbon?" + W + "&by=total")
e = c["emissions_t"]
check(abs(e["scope2_location"] - 220 * 5 / 60 * 0.5306 / 1000) < 1e-9,
      f"scope 2 location-based = 0.0097277 t (got {e['scope2_location']})")
check(c["from"] == "2024-06-01T10:00:00+08:00" and c["by"] == "total", "carbon echoes from/to/by")
cli = subprocess.run([zp, "account", model, "--db", db, "--fill-gaps", "--from", "2024-06-01T10:00:00+08:00",
                      "--to", "2024-06-01T10:05:00+08:00", "--json"], capture_output=True, text=True,
                     timeout=60)
ref = json.loads(cli.stdout)
check(c["missing_meter_steps"] == 0, "no gaps in the 5 minutes")
check(ref.pop("missing_meter_steps", None) == c.pop("missing_meter_steps"),
      "account --fill-gaps --json: the API's missing_meter_steps")
for k in ("from", "to", "by"):
    c.pop(k)
check(cli.returncode == 0 and c == ref, "/api/v1/carbon equals `zeropark account --db --json`")

# 4. bad requests: 4xx with a JSON error, counted, the daemon keeps serving
def err(st_want, code, method, path, body=None, headers=None, part=""):
    st, ct, b = http(port, method, path, body, headers)
    j = json.loads(b)
    check(st == st_want and j["error"]["code"] == code and part in j["error"]["message"]
          and ct.startswith("application/json"),
          f"{method} {path} -> {st} {code}: {j['error']['message']}")
err(401, "unauthorized", "POST", "/api/v1/readings", {"readings": []}, {"Content-Type": "application/json"})
err(401, "unauthorized", "POST", "/api/v1/readings", {"readings": []}, {"Authorization": "Bearer wrong-token-0123456789abcd"})
err(400, "bad_request", "POST", "/api/v1/readings", b'{"readings": [', auth, "body:1:")
err(400, "bad_request", "POST", "/api/v1/readings",
    {"readings": [{"series": "a", "t": T % (0, 0), "value": 1}, {"series": "a", "t": T % (0, 1), "value": "x"}]},
    auth, "readings[1].value")
err(400, "bad_request", "POST", "/api/v1/readings",
    {"readings": [{"series": "a", "t": "yesterday", "value": 1}]}, auth, "readings[0].t")
err(400, "bad_request", "POST", "/api/v1/readings",
    {"readings": [{"series": "bad name", "value": 1}]}, auth, "readings[0].series")
err(413, "too_large", "POST", "/api/v1/readings", b"{" + b" " * 70000 + b"}", auth, "at most 65536")
err(405, "method_not_allowed", "GET", "/api/v1/readings")
err(404, "not_found", "GET", "/api/v1/nothing")
err(404, "not_found", "GET", "/api/v1/series/grid.nett", part="grid.net")
err(400, "bad_request", "GET", "/api/v1/series/grid.net?step=7x")
err(400, "bad_request", "GET", "/api/v1/carbon?by=week")
err(413, "too_large", "GET", "/api/v1/series/grid.net?from=2000-01-01&to=2024-01-01")
# a rejected request stored nothing: series 'a' does not exist
check(http(port, "GET", "/api/v1/series/a")[0] == 404, "nothing of a rejected request is stored")
# a request line far over the limit
st, _, _ = http(port, "GET", "/api/v1/status?x=" + "y" * 100000)
check(400 <= st < 500, f"oversized request line -> {st}")
wait_for("protocol error counted", lambda: metric(port, "zeropark_http_protocol_errors_total") >= 1)
check("event=http_refused status=4" in d.log_text(), "the oversized request is counted and logged")
check(http(port, "GET", "/healthz")[0] == 200, "still serving after the bad requests")
check(metric(port, 'zeropark_http_requests_total{code="401"}') == 2, "two 401s counted")
check(metric(port, 'zeropark_http_requests_total{code="400"}') >= 6, "400s counted")
check(metric(port, 'zeropark_readings_total{source="http"}') == 8, "8 readings counted")
check("event=http_error status=401" in d.log_text(), "errors are logged as key=value lines")

# 5. status, plan, alerts, devices, events
s = wait_for("status rebuilt", lambda: (lambda j: j if j["flows_kw"]["grid"] is not None else None)(
    get_json(port, "/api/v1/status")))
check(s["flows_kw"]["grid"] == 500 and s["flows_kw"]["pv"] == 150 and s["mode"] in ("normal", "safe"),
      f"status flows are the latest readings: grid {s['flows_kw']['grid']} pv {s['flows_kw']['pv']}")
check(isinstance(get_json(port, "/api/v1/alerts")["alerts"], list), "alerts list")
check(get_json(port, "/api/v1/devices") == {"devices": []}, "a model without devices")
import urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/events", timeout=10) as r:
    check(r.headers["Content-Type"] == "text/event-stream", "events stream")
    first = r.readline().decode()
    check(first == "event: status\n", f"first event is a status ({first!r})")
    data = r.readline().decode()
    check(data.startswith("data: {") and json.loads(data[6:])["flows_kw"]["grid"] == 500, "event data is the status")

# 6. the control loop (first run 10 s after start): the readings are of 2024,
#    so the data are stale: safe mode (hold), a critical alert, the plan is
#    still made and shown
pl = wait_for("first plan", lambda: (lambda p: p if p["status"] != "none" else None)(get_json(port, "/api/v1/plan")), 40)
check(pl["mode"] == "safe" and "stale" in (pl["safe_reason"] or ""), f"stale data: safe mode ({pl['safe_reason']})")
check(pl["status"] == "ok" and len(pl["steps"]) > 0 and pl["forecast"] == "model",
      f"the plan is made on the model's data ({len(pl['steps'])} steps)")
sp = pl["setpoints"][0]
check(sp["storage"] == "bess-1" and sp["requested_kw"] == 0 and not sp["ok"] and "no device" in sp["error"],
      "safe action hold = 0 kW; no device controls bess-1 in this model")
wait_for("safe in status", lambda: get_json(port, "/api/v1/status")["mode"] == "safe")
check(metric(port, "zeropark_safe_mode") == 1 and metric(port, "zeropark_replans_total") == 1, "safe mode in the metrics")
al = [a for a in get_json(port, "/api/v1/alerts")["alerts"] if a["source"] == "control"]
check(al and al[0]["level"] == "critical" and al[0]["active"] and "stale" in al[0]["message"],
      "a critical control alert names the reason")

# 7. SIGHUP reloads; SIGTERM stops cleanly and the stores pass integrity_check
d.p.send_signal(signal.SIGHUP)
wait_for("reload", lambda: "event=reloaded" in d.log_text(), 30)
check(http(port, "GET", "/healthz")[0] == 200, "serving after SIGHUP")
rc = d.stop(signal.SIGTERM)
check(rc == 0, f"SIGTERM: exit 0 (got {rc})")
check("event=stopped" in d.log_text(), "stop logged")
for f in (db, db.replace(".db", "-raw.db")):
    out = subprocess.run(["sqlite3", f, "PRAGMA integrity_check"], capture_output=True, text=True).stdout.strip()
    check(out == "ok", f"{os.path.basename(f)}: integrity_check ok")
# 8. --dry-run is reported as the mode
port2 = free_port()
conf2 = write_config(os.path.join(work, "dry.json"), dict(cfg, listen=f"127.0.0.1:{port2}",
                                                         db=os.path.join(work, "dry.db")))
copy = model_copy(model, os.path.join(work, "model.json"))
d = Daemon(zp, copy, conf2, work, extra=["--dry-run"], name="dry").start(port2)
check(get_json(port2, "/api/v1/info")["mode"] == "dry-run", "--dry-run: mode dry-run")
# 9. a broken model on SIGHUP is refused with an alert; the old one stays
with open(copy, "w") as f:
    f.write('{"name": "broken", "pv": [{"name": "x", "capacity_kwp": -1}]')
d.p.send_signal(signal.SIGHUP)
wait_for("reload refused", lambda: "event=reload_failed" in d.log_text(), 30)
al = [a for a in get_json(port2, "/api/v1/alerts")["alerts"] if a["active"] and "kept the old model" in a["message"]]
check(len(al) == 1, f"a bad model on SIGHUP: alert ({al[0]['message'][:80] if al else None})")
check(get_json(port2, "/api/v1/info")["park"] == "Shaoguan green computing campus", "the old model is kept")
check(d.stop() == 0, "dry run stops cleanly")
print("serve_api: all passed")
PY
