#!/usr/bin/env bash
# serve_mqtt.sh ZEROPARK SRCDIR WORKDIR - readings over MQTT through a real
# Mosquitto broker started here on a free loopback port (mosquitto_pub
# publishes): the prefix topics and an MQTT device of the model; malformed
# payloads counted and logged; the broker going away and coming back.
set -euo pipefail
zp=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
. "$src/tests/need.sh"
need python3 mosquitto mosquitto_pub
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import json, os, signal, sys, time
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

bport, port = free_port(), free_port()
broker = Mosquitto(work, bport).start()
devices = [{"name": "meter-a", "type": "mqtt", "broker": "127.0.0.1", "broker_port": bport,
            "topic": "site/meter/+",
            "points": [{"name": "power_kw", "field": "p", "unit": "kW", "feeds": "grid.net"},
                       {"name": "temp_c", "field": "temp", "unit": "degC"}]}]
model = model_copy(os.path.join(src, "examples/shaoguan-campus/model.json"),
                   os.path.join(work, "model.json"), devices)
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, "park.db"),
                     "token": "mqtt-test-token-0123456789", "flush_ms": 100, "replan_min": 60,
                     "mqtt": {"host": "127.0.0.1", "port": bport, "prefix": "zeropark/"}})
d = Daemon(zp, model, conf, work).start(port)
try:
    wait_for("MQTT connected", lambda: metric(port, "zeropark_mqtt_connected") == 1)
    wait_for("device subscribed", lambda: get_json(port, "/api/v1/devices")["devices"][0]["state"] != "down")
    broker.pub("zeropark/series/meter1.power_kw", "42.5")
    broker.pub("zeropark/readings", json.dumps({"readings": [
        {"series": "meter2.power_kw", "t": "2024-06-01T10:00:00+08:00", "value": 7},
        {"series": "meter2.power_kw", "t": "2024-06-01T10:00:01+08:00", "value": 8}]}))
    broker.pub("site/meter/a", json.dumps({"p": 1200.5, "temp": 31.5, "t": "2024-06-01T10:00:00+08:00"}))
    # malformed: not a number, broken JSON, a missing field, a bad series name
    broker.pub("zeropark/series/meter1.power_kw", "abc")
    broker.pub("zeropark/readings", "{")
    broker.pub("site/meter/a", json.dumps({"temp": 1}))
    broker.pub("zeropark/series/bad name", "1")
    wait_for("7 messages", lambda: metric(port, "zeropark_mqtt_messages_total") == 7)
    check(metric(port, "zeropark_mqtt_malformed_total") == 4, "4 malformed payloads counted")
    check(metric(port, 'zeropark_readings_total{source="mqtt"}') == 5, "5 readings from MQTT")
    def values(name, q):
        st, _, b = http(port, "GET", f"/api/v1/series/{name}?{q}")
        return json.loads(b)["values"] if st == 200 else None
    W = "from=2024-06-01T10:00:00%2B08:00&to=2024-06-01T10:00:02%2B08:00"
    v = wait_for("meter2 stored", lambda: values("meter2.power_kw", W))
    check(v == [7, 8], f"readings document over MQTT stored: {v}")
    v = wait_for("meter1 stored", lambda: values("meter1.power_kw", "step=1d"))
    check(42.5 in v, "plain-number payload stored at the time of arrival")
    dev = get_json(port, "/api/v1/devices")["devices"][0]
    pts = {p["series"]: p["value"] for p in dev["points"]}
    check(dev["kind"] == "mqtt" and dev["polls"] == 1 and dev["errors"] == 1
          and pts == {"meter-a.power_kw": 1200.5, "meter-a.temp_c": 31.5},
          f"MQTT device: fields mapped to points, one message, one error ({dev['last_error']})")
    wait_for("status shows the device", lambda: get_json(port, "/api/v1/status")["flows_kw"]["grid"] == 1200.5)
    check(True, "the device's point feeds grid.net (status flows)")
    check(get_json(port, "/api/v1/series/meter-a.power_kw?" + W)["values"][0] == 1200.5,
          "the device's point is stored")
    check("event=mqtt_malformed" in d.log_text(), "malformed payloads are logged")

    # the broker goes away: the daemon keeps serving, raises an alert, reconnects
    broker.stop()
    wait_for("disconnect seen", lambda: metric(port, "zeropark_mqtt_connected") == 0)
    check(http(port, "GET", "/healthz")[0] == 200, "serving without the broker")
    al = get_json(port, "/api/v1/alerts")["alerts"]
    check(any(a["source"] == "ingest" and a["active"] and "MQTT" in a["message"] for a in al),
          "an alert says the broker is lost")
    broker.start()
    wait_for("reconnect", lambda: metric(port, "zeropark_mqtt_connected") == 1, timeout=60)
    time.sleep(0.5)
    broker.pub("zeropark/series/meter3.power_kw", "3")
    wait_for("reading after reconnect", lambda: metric(port, 'zeropark_readings_total{source="mqtt"}') == 6)
    check(True, "readings flow again after the broker is back")
    rc = d.stop()
    check(rc == 0, f"SIGTERM: exit 0 (got {rc})")
finally:
    if d.p:
        d.p.kill()
    broker.stop()
print("serve_mqtt: all passed")
PY
