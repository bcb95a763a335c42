#!/usr/bin/env bash
# serve_readings.sh ZEROPARK SRCDIR WORKDIR - counters pushed to the daemon
# (docs/formats.md "Counters"): a register that dips by a little (noise)
# counts 0 in GET /api/v1/series?step= and goes on from the higher reading,
# as `zeropark export` counts it; a negative reading of a counter is
# refused over HTTP (400 naming the reading, nothing stored) and over MQTT
# (counted as rejected in zeropark_mqtt_malformed_total, logged), as
# `zeropark import` refuses it. Expected values are worked out by hand.
set -euo pipefail
zp=$1 src=$2 work=$3
. "$src/tests/need.sh"
need python3 mosquitto mosquitto_pub
rm -rf "$work" && mkdir -p "$work"
if ! command -v mosquitto >/dev/null || ! command -v mosquitto_pub >/dev/null; then
    echo "serve_readings: mosquitto and mosquitto_pub are needed (scripts/deps.sh test installs them)" >&2
    exit 1
fi
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

bport, port = free_port(), free_port()
broker = Mosquitto(work, bport).start()
model = model_copy(os.path.join(src, "examples/shaoguan-campus/model.json"), os.path.join(work, "model.json"), [])
token = "readings-token-0123456789"
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
db = os.path.join(work, "park.db")
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": db, "token": token, "flush_ms": 100,
                     "replan_min": 1440, "mqtt": {"host": "127.0.0.1", "port": bport, "prefix": "zeropark/"}})
d = Daemon(zp, model, conf, work, extra=("--dry-run",)).start(port)
try:
    # 1. noise. Every 15 min from 2024-03-01T00:00+08:00, by hand:
    #    50123.4, 50123.3 (noise: 0), 50123.5 (+0.1 from 50123.4), 50124.0 (+0.5),
    #    50123.9 at 01:00 (noise: 0)                       hour 0 = 0.6 kWh
    #    50125.0 (+1.0 from 50124.0), 2 (reset: +2), 3.5 (+1.5), 4.0 (+0.5)
    #                                                      hour 1 = 5.0 kWh
    T0, Q = 1709222400000, 900000
    reg = [50123.4, 50123.3, 50123.5, 50124.0, 50123.9, 50125.0, 2, 3.5, 4.0]
    name = "m1.grid_import_kwh_total"
    st, _, b = http(port, "POST", "/api/v1/readings",
                    {"readings": [{"series": name, "t": T0 + k * Q, "value": v} for k, v in enumerate(reg)]}, auth)
    expect(st == 202, f"9 register readings accepted ({st} {b[:80]!r})")
    W = "from=2024-03-01T00:00:00%2B08:00&to=2024-03-01T02:00:00%2B08:00"
    wait_for("the register stored", lambda: http(port, "GET", f"/api/v1/series/{name}?{W}&step=1h")[0] == 200
             and None not in json.loads(http(port, "GET", f"/api/v1/series/{name}?{W}&step=1h")[2])["values"])
    s = get_json(port, f"/api/v1/series/{name}?{W}&step=1h")
    expect(len(s["values"]) == 2 and abs(s["values"][0] - 0.6) < 1e-9 and abs(s["values"][1] - 5.0) < 1e-9,
           f"step=1h: 0.6 and 5.0 kWh by hand ({s['values']})")
    expect(s.get("drops") == 1, f"only the reset is a drop ({s.get('drops')})")
    s = get_json(port, f"/api/v1/series/{name}?{W}&step=15m")
    want = [0, 0.1, 0.5, 0, 1.0, 2, 1.5, 0.5]
    expect(all(abs(a - b) < 1e-9 for a, b in zip(s["values"], want)) and len(s["values"]) == 8,
           f"step=15m: {want} by hand ({s['values']})")
    r = subprocess.run([zp, "export", "--db", db.replace(".db", "-raw.db"), "--series", name, "--step-min", "60",
                        "--from", "2024-03-01T00:00", "--to", "2024-03-01T02:00"], capture_output=True, text=True)
    ev = [float(x.split(",")[1]) for x in r.stdout.strip().splitlines()[1:]]
    expect(len(ev) == 2 and abs(ev[0] - 0.6) < 1e-9 and abs(ev[1] - 5.0) < 1e-9,
           f"zeropark export of the raw store gives the same hours ({ev})")

    # 2. a negative counter reading over HTTP: 400 naming it, nothing stored
    bad = {"readings": [{"series": "m2.grid_import_kwh_total", "t": T0, "value": 10},
                        {"series": "m2.power_kw", "t": T0, "value": -5},
                        {"series": "m2.grid_import_kwh_total", "t": T0 + Q, "value": -3}]}
    st, _, b = http(port, "POST", "/api/v1/readings", bad, auth)
    msg = json.loads(b)["error"]["message"] if st == 400 else b.decode()
    expect(st == 400 and "readings[2].value" in msg and "-3" in msg and "negative" in msg
           and "m2.grid_import_kwh_total" in msg, f"HTTP: 400 naming readings[2] ({st} {msg})")
    time.sleep(0.5)
    st, _, b = http(port, "GET", "/api/v1/series/m2.grid_import_kwh_total?from=2024-03-01T00:00:00%2B08:00"
                    "&to=2024-03-01T00:30:00%2B08:00")
    expect(st == 404, f"nothing of the refused request is stored ({st})")

    # 3. over MQTT: counted as rejected, logged, not stored; a power may be negative
    wait_for("MQTT connected", lambda: metric(port, "zeropark_mqtt_connected") == 1)
    before = metric(port, "zeropark_mqtt_malformed_total")
    broker.pub("zeropark/series/m3.grid_import_kwh_total", "-7")
    broker.pub("zeropark/readings", json.dumps({"readings": [
        {"series": "m4.grid_import_kwh_total", "t": T0, "value": -1}]}))
    broker.pub("zeropark/series/m3.power_kw", "-7")
    wait_for("3 messages", lambda: metric(port, "zeropark_mqtt_messages_total") == 3)
    expect(metric(port, "zeropark_mqtt_malformed_total") - before == 2,
           "MQTT: the two negative counter readings are counted as rejected")
    wait_for("the negative power stored", lambda: http(port, "GET", "/api/v1/series/m3.power_kw?step=1d")[0] == 200)
    for n in ("m3.grid_import_kwh_total", "m4.grid_import_kwh_total"):
        expect(http(port, "GET", f"/api/v1/series/{n}?step=1d")[0] == 404, f"MQTT: {n} not stored")
    log = d.log_text()
    expect("event=mqtt_malformed" in log and "negative reading -7 of counter 'm3.grid_import_kwh_total'" in log,
           "MQTT: the rejection is logged with the reading and series")
    check(d.stop() == 0, "the daemon stops cleanly")
finally:
    if d.p:
        d.p.kill()
    broker.stop()
if fails:
    print(f"{len(fails)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("serve_readings: all checks passed")
PY
