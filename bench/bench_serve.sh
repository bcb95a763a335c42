#!/usr/bin/env bash
# bench_serve.sh BUILD_DIR - benchmarks of `zeropark serve` on loopback
# (docs/results.md "#7 Live operation"), JSON lines on stdout:
#   serve_status_rps / serve_status_p99_ms   wrk -t2 -c64 -d10s on /api/v1/status
#   serve_http_ingest                        readings/s from POST to SQLite (serve_loadgen)
#   serve_mqtt_ingest / serve_mqtt_lost      messages/s through Mosquitto (mqtt_loadgen)
#   serve_200dev_cpu_pct / serve_200dev_rss_mb  200 simulated Modbus devices polled every second
# Needs wrk and mosquitto (scripts/deps.sh bench). SERVE_BENCH_SECONDS
# (default 10) sets the wrk and HTTP ingest durations.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
for tool in wrk mosquitto; do
    command -v "$tool" >/dev/null || { echo "bench_serve: $tool missing (scripts/deps.sh bench)" >&2; exit 1; }
done
for bin in zeropark serve_loadgen mqtt_loadgen; do
    [ -x "$build/$bin" ] || { echo "bench_serve: $build/$bin missing (build first)" >&2; exit 1; }
done
work=$build/bench-serve
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$build" "$src" "$work" "${SERVE_BENCH_SECONDS:-10}" <<'PY'
import json, os, re, signal, subprocess, sys, time
build, src, work, secs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

zp = os.path.join(build, "zeropark")
def emit(name, value, unit, **extra):
    print(json.dumps({"bench": name, "value": round(value, 3), "unit": unit, **extra}), flush=True)
def cpu_s(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
def log(*a):
    print("bench_serve:", *a, file=sys.stderr, flush=True)

token = "bench-token-0123456789abcdef"
port, bport = free_port(), free_port()
broker = Mosquitto(work, bport).start()
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, "park.db"), "token": token,
                     "replan_min": 60, "log_level": "warn", "http_threads": 2, "flush_ms": 1000,
                     "mqtt": {"host": "127.0.0.1", "port": bport, "qos": 0}})
model = os.path.join(src, "examples/shaoguan-campus/model.json")
d = Daemon(zp, model, conf, work).start(port)
try:
    # a status with every figure in it
    http(port, "POST", "/api/v1/readings", {"readings": [
        {"series": s, "value": v} for s, v in [("grid.net", 18000), ("pv.rooftops", 6000), ("wind.ridge", 2500),
                                             ("datacenter.it", 20000), ("load.campus-services", 1500)]]},
         {"Authorization": "Bearer " + token})
    time.sleep(2)

    # 1. wrk on /api/v1/status
    cmd = ["wrk", "-t2", "-c64", f"-d{secs}s", "--latency", f"http://127.0.0.1:{port}/api/v1/status"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    emit("serve_status_rps", rps, "req/s", target=20000, cmd=" ".join(cmd))
    emit("serve_status_p99_ms", p99_ms, "ms", target=10, non_2xx=int(non2xx.group(1)) if non2xx else 0)

    # 2. HTTP ingest: readings/s from the first POST until the last reading is in SQLite
    before = metric(port, "zeropark_readings_stored_total")
    lg = subprocess.Popen([os.path.join(build, "serve_loadgen"), str(port), token, "4", "5000", str(secs)],
                          stdout=subprocess.PIPE, text=True)
    lg.stdout.readline()  # "start": the requests are built, the clock starts
    t0, c0 = time.monotonic(), cpu_s(d.p.pid)
    out = lg.communicate(timeout=secs + 120)[0]
    m = re.search(r"requests (\d+) readings (\d+) seconds ([\d.]+) errors (\d+)", out)
    sent = int(m.group(2))
    wait_for("ingest stored", lambda: metric(port, "zeropark_readings_stored_total") - before >= sent, 300, 0.05)
    t1, c1 = time.monotonic(), cpu_s(d.p.pid)
    stored = metric(port, "zeropark_readings_stored_total") - before
    emit("serve_http_accept", sent / float(m.group(3)), "readings/s acknowledged (202)", readings=sent)
    emit("serve_http_ingest", sent / (t1 - t0), "readings/s", target=200000, readings=sent,
         stored=int(stored), http_errors=int(m.group(4)), seconds=round(t1 - t0, 2),
         cmd="serve_loadgen PORT TOKEN 4 5000 %d" % secs)
    # the daemon's CPU per reading (parse, queue, write), which the load of
    # other processes on the machine does not change
    emit("serve_http_ingest_cpu_us", 1e6 * (c1 - c0) / sent, "us CPU per reading", readings=sent)

    # 3. MQTT ingest through Mosquitto, every message counted
    n = 500000
    got0 = metric(port, "zeropark_mqtt_messages_total")
    t0, c0 = time.monotonic(), cpu_s(d.p.pid)
    subprocess.run([os.path.join(build, "mqtt_loadgen"), "127.0.0.1", str(bport), "zeropark/", str(n), "100", "0", "4"],
                   capture_output=True, text=True, timeout=300, check=True)
    last, last_t = -1, time.monotonic()
    while True:  # until all are in, or nothing arrives for 5 s
        got = metric(port, "zeropark_mqtt_messages_total") - got0
        if got >= n:
            break
        if got != last:
            last, last_t = got, time.monotonic()
        elif time.monotonic() - last_t > 5:
            break
        time.sleep(0.05)
    t1 = time.monotonic() if got >= n else last_t
    emit("serve_mqtt_ingest", got / (t1 - t0), "messages/s", target=50000, messages=n, received=int(got),
         malformed=int(metric(port, "zeropark_mqtt_malformed_total")), publish_qos=0, clients=4,
         cmd=f"mqtt_loadgen 127.0.0.1 PORT zeropark/ {n} 100 0 4")
    emit("serve_mqtt_lost", n - got, "messages", target=0)
    emit("serve_mqtt_cpu_us", 1e6 * (cpu_s(d.p.pid) - c0) / max(got, 1), "us CPU per message")
    emit("load_average", os.getloadavg()[0], "1-min load (2 cores: other work shares them)")
finally:
    d.stop()
    broker.stop()

# 4. 200 simulated Modbus devices polled every second
dport, port = free_port(), free_port()
def edit(m):
    for dev in m["devices"]:
        dev["port"] = dport
model = model_copy(os.path.join(src, "examples/live-campus/model-200.json"), os.path.join(work, "model-200.json"),
                   edit=edit)
simlog = open(os.path.join(work, "devices.log"), "ab")
sim = subprocess.Popen([zp, "devices", model, "--listen", f"127.0.0.1:{dport}"], stdout=simlog, stderr=simlog)
conf = write_config(os.path.join(work, "serve200.json"),
                    {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, "park200.db"), "token": token,
                     "replan_min": 15, "log_level": "warn"})
time.sleep(3)
d = Daemon(zp, model, conf, work, name="serve200").start(port)
try:
    ndev = len(get_json(port, "/api/v1/devices")["devices"])
    wait_for("devices ok", lambda: sum(x["state"] == "ok" for x in get_json(port, "/api/v1/devices")["devices"]) == ndev, 60)
    time.sleep(15)  # past start-up, the first plan and a few flushes
    hz = os.sysconf("SC_CLK_TCK")
    def cpu():
        f = open(f"/proc/{d.p.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / hz
    c0, t0 = cpu(), time.monotonic()
    time.sleep(30)
    c1, t1 = cpu(), time.monotonic()
    status = open(f"/proc/{d.p.pid}/status").read()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    polls = sum(x["polls"] for x in get_json(port, "/api/v1/devices")["devices"])
    emit("serve_200dev_cpu_pct", 100 * (c1 - c0) / (t1 - t0), "% of one core", target=5, devices=ndev,
         polls=polls, window_s=30)
    emit("serve_200dev_rss_mb", rss, "MB", target=50, peak_mb=round(hwm, 1))
finally:
    d.stop()
    sim.terminate()
    sim.wait(30)
PY
