#!/usr/bin/env bash
# serve_e2e.sh ZEROPARK SRCDIR WORKDIR - end to end on loopback: the
# device simulator (`zeropark devices`) serves the live-campus model's
# Modbus devices; `zeropark serve` polls them, plans and writes the battery
# setpoint. The battery device is limited to +-500 kW while the model's
# battery is 10 MW and the grid factor makes the plan ask for full power:
# the setpoint written is clamped to the limit, as the simulator's register
# read by an independent client (mbpoll) shows. Then the simulator dies:
# the daemon keeps serving, reports the device down, and reconnects when it
# is back.
set -euo pipefail
zp=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
. "$src/tests/need.sh"
need python3 mbpoll
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import atexit, datetime as dt, json, os, re, signal, subprocess, sys, time
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

LIMIT = 500.0
dport, port = free_port(), free_port()
factor_csv = os.path.join(work, "factor.csv")

def write_factor(now_high):
    """Hourly grid factor for the model year: the hour that now maps to and
    the next are `now` (1.0 if now_high else 0.05), every other hour the
    opposite: the LP moves the battery at full power in the first step."""
    tz = dt.timezone(dt.timedelta(hours=8))
    now = dt.datetime.now(tz)
    day = 28 if (now.month, now.day) == (2, 29) else now.day
    at = dt.datetime(2024, now.month, day, now.hour, tzinfo=tz)
    hi, lo = (1.0, 0.05) if now_high else (0.05, 1.0)
    t = dt.datetime(2024, 1, 1, tzinfo=tz)
    with open(factor_csv, "w") as f:
        f.write("timestamp,factor\n")
        while t.year == 2024:
            v = hi if at <= t <= at + dt.timedelta(hours=1) else lo
            f.write(f"{t.isoformat()},{v}\n")
            t += dt.timedelta(hours=1)

def edit(m):
    for d in m["devices"]:
        d["port"] = dport
        if d.get("storage"):
            d["setpoint_min_kw"], d["setpoint_max_kw"] = -LIMIT, LIMIT
            for p in d.get("points", []):
                if p.get("writable"):
                    p["min"], p["max"] = -LIMIT, LIMIT
    m["grid"]["emission_factor_kg_per_kwh"] = {"csv": factor_csv, "column": "factor"}
    m["objective"] = {"minimise": "carbon"}

write_factor(True)
model = model_copy(os.path.join(src, "examples/live-campus/model.json"), os.path.join(work, "model.json"),
                   edit=edit)
simlog = open(os.path.join(work, "devices.log"), "ab")
def start_sim(m=None):
    p = subprocess.Popen([zp, "devices", m or model, "--listen", f"127.0.0.1:{dport}"], stdout=simlog, stderr=simlog)
    atexit.register(Daemon._reap, p)
    wait_for("simulator", lambda: socket_open(dport), 30)
    return p
def socket_open(p):
    import socket
    try:
        socket.create_connection(("127.0.0.1", p), timeout=1).close()
        return True
    except OSError:
        return False
sim = start_sim()
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, "park.db"),
                     "token": "e2e-test-token-0123456789", "flush_ms": 200, "replan_min": 60, "stale_s": 30})
d = Daemon(zp, model, conf, work).start(port)
try:
    def devs():
        return {x["name"]: x for x in get_json(port, "/api/v1/devices")["devices"]}
    wait_for("all devices ok", lambda: all(x["state"] == "ok" for x in devs().values()), 30)
    check(len(devs()) == 8, "8 Modbus devices polled")
    soc = wait_for("battery SOC", lambda: get_json(port, "/api/v1/status")["soc"], 30)
    # discharge now (high factor now, low later) when there is energy, else charge
    write_factor(soc > 0.5)
    d.p.send_signal(signal.SIGHUP)
    wait_for("reload", lambda: "event=reloaded" in d.log_text(), 30)
    def plan_after_reload():
        pl = get_json(port, "/api/v1/plan")
        log = d.log_text()
        replanned = "event=replan " in log[log.rfind("event=reloaded"):]
        return pl if replanned and pl["status"] != "none" and pl["setpoints"] else None
    pl = wait_for("plan after reload", plan_after_reload, 60)
    sp = pl["setpoints"][0]
    print("plan:", json.dumps(sp), "soc", soc, "mode", pl["mode"], pl.get("safe_reason"))
    check(pl["status"] == "ok" and pl["mode"] == "normal", f"plan ok in normal mode ({pl.get('safe_reason')})")
    check(abs(sp["requested_kw"]) > LIMIT, f"the plan asks for more than the device allows ({sp['requested_kw']:.0f} kW)")
    want = LIMIT if sp["requested_kw"] > 0 else -LIMIT
    check(sp["ok"] and sp["clamped"] and sp["applied_kw"] == want, f"setpoint written clamped to {want} kW")
    check(metric(port, "zeropark_setpoint_clamped_total") >= 1, "clamped setpoint counted")
    # the simulator's setpoint register, read by an independent Modbus client
    out = subprocess.run(["mbpoll", "-m", "tcp", "-p", str(dport), "-a", "8", "-0", "-r", "41002", "-t", "4:int", "-B",
                          "-c", "1", "-1", "127.0.0.1"], capture_output=True, text=True, timeout=30).stdout
    raw = int(re.search(r"\[41002\]:\s+(-?\d+)", out).group(1))
    check(raw == int(want * 1000), f"mbpoll reads the setpoint register: {raw} (x 0.001 kW)")
    # the battery follows, never beyond the limit
    def bess_power():
        pts = {p["series"]: p["value"] for p in devs()["bess-1"]["points"]}
        return pts.get("bess-1.power_kw")
    wait_for("battery follows", lambda: bess_power() is not None and abs(bess_power() - want) < 1, 30)
    check(abs(bess_power()) <= LIMIT + 1e-9, f"battery power {bess_power()} kW within +-{LIMIT}")

    # the device simulator dies: the daemon keeps serving
    sim.kill()
    sim.wait()
    wait_for("devices down", lambda: devs()["bess-1"]["state"] == "down", 30)
    check(http(port, "GET", "/healthz")[0] == 200 and get_json(port, "/api/v1/status")["time"],
          "serving with the devices down")
    wait_for("device alert", lambda: any("bess-1" in a["message"] and a["active"]
                                        for a in get_json(port, "/api/v1/alerts")["alerts"]))
    check(True, "an alert says the battery is down")
    # back, but the battery now refuses anything beyond +-200 kW (the
    # simulator reads a model with narrower limits than the daemon's)
    def narrow(m):
        edit(m)
        for dv in m["devices"]:
            if dv.get("storage"):
                dv["setpoint_min_kw"], dv["setpoint_max_kw"] = -200, 200
                for p in dv.get("points", []):
                    if p.get("writable"):
                        p["min"], p["max"] = -200, 200
    simmodel = model_copy(os.path.join(src, "examples/live-campus/model.json"),
                          os.path.join(work, "model-narrow.json"), edit=narrow)
    sim = start_sim(simmodel)
    wait_for("reconnected", lambda: devs()["bess-1"]["state"] == "ok", 90)
    check(devs()["bess-1"]["reconnects"] >= 1, "the poller reconnected")
    wait_for("all devices ok again", lambda: all(x["state"] == "ok" for x in devs().values()), 60)
    n_replans = d.log_text().count("event=replan ")
    d.p.send_signal(signal.SIGHUP)
    wait_for("replan", lambda: d.log_text().count("event=replan ") > n_replans, 60)
    pl = wait_for("the new plan", lambda: (lambda p: p if p["safe_reason"] else None)(get_json(port, "/api/v1/plan")))
    sp = pl["setpoints"][0]
    print("plan:", json.dumps(sp), pl["mode"], pl["safe_reason"])
    check(pl["mode"] == "safe" and "refused" in pl["safe_reason"], "a refused setpoint: safe mode")
    check(sp["ok"] and sp["applied_kw"] == 0, "the safe action (hold, 0 kW) was written")
    check(metric(port, "zeropark_setpoint_write_errors_total") >= 1, "the refused write is counted")
    out = subprocess.run(["mbpoll", "-m", "tcp", "-p", str(dport), "-a", "8", "-0", "-r", "41002", "-t", "4:int", "-B",
                          "-c", "1", "-1", "127.0.0.1"], capture_output=True, text=True, timeout=30).stdout
    check(int(re.search(r"\[41002\]:\s+(-?\d+)", out).group(1)) == 0, "mbpoll reads 0 in the setpoint register")
    check(http(port, "GET", "/healthz")[0] == 200, "still serving")
    rc = d.stop()
    check(rc == 0, f"SIGTERM: exit 0 (got {rc})")
finally:
    if d.p:
        d.p.kill()
    sim.kill()
print("serve_e2e: all passed")
PY
