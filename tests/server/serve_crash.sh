#!/usr/bin/env bash
# serve_crash.sh ZEROPARK SRCDIR WORKDIR - kill -9 of `zeropark serve` in
# the middle of HTTP ingest, then a restart: every reading acknowledged
# (202) before the batch in flight is in the store, the loss is counted and
# bounded by what one flush interval holds, both stores pass
# PRAGMA integrity_check, and the restarted daemon takes readings again.
set -euo pipefail
zp=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
. "$src/tests/need.sh"
need python3 sqlite3
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import json, os, signal, subprocess, sys, threading, time
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *
import http.client as hc

port = free_port()
token = "crash-test-token-0123456789"
db = os.path.join(work, "park.db")
raw = os.path.join(work, "park-raw.db")
flush_ms = 200
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": db, "token": token, "flush_ms": flush_ms,
                     "replan_min": 60})
model = os.path.join(src, "examples/shaoguan-campus/model.json")
d = Daemon(zp, model, conf, work).start(port)

BASE = 1717200000000  # 2024-06-01T00:00:00Z, ms
PER = 500             # readings per request
acks = []             # (time acknowledged, readings) per 202
lock = threading.Lock()
stop = threading.Event()

def client(k):
    n = 0
    c = hc.HTTPConnection("127.0.0.1", port, timeout=10)
    while not stop.is_set():
        # series crash.k, one reading per second of simulated time, never repeated
        rs = [{"series": f"crash.c{k}", "t": BASE + (n * PER + i) * 1000, "value": n * PER + i}
              for i in range(PER)]
        try:
            c.request("POST", "/api/v1/readings", json.dumps({"readings": rs}),
                      {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            r = c.getresponse()
            body = r.read()
        except OSError:
            return
        if r.status != 202:
            raise AssertionError(f"{r.status} {body!r}")
        with lock:
            acks.append((time.monotonic(), PER))
        n += 1

threads = [threading.Thread(target=client, args=(k,)) for k in range(2)]
for t in threads:
    t.start()
time.sleep(3)
killed_at = time.monotonic()
d.p.send_signal(signal.SIGKILL)
d.p.wait()
stop.set()
for t in threads:
    t.join(15)
accepted = sum(n for _, n in acks)
# what the daemon acknowledged more than two flush intervals (plus a margin
# for one batch write) before it died must have been written
safe = sum(n for t, n in acks if t < killed_at - 2 * flush_ms / 1000 - 0.5)
check(accepted > 4 * PER, f"{accepted} readings acknowledged before kill -9")

d = Daemon(zp, model, conf, work, name="serve2").start(port)
st, _, b = http(port, "POST", "/api/v1/readings",
                {"readings": [{"series": "after.crash", "t": BASE, "value": 1}]},
                {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
check(st == 202, "the restarted daemon takes readings")
rc = d.stop()
check(rc == 0, f"restarted daemon stops cleanly (exit {rc})")
for f in (db, raw):
    out = subprocess.run(["sqlite3", f, "PRAGMA integrity_check"], capture_output=True, text=True).stdout.strip()
    check(out == "ok", f"{os.path.basename(f)}: integrity_check ok after kill -9")
info = json.loads(subprocess.run([zp, "series", "--db", raw, "--json"], capture_output=True, text=True,
                                 check=True).stdout)
stored = sum(s["count"] for s in info["series"] if s["name"].startswith("crash."))
lost = accepted - stored
print(f"acknowledged {accepted}, stored {stored}, lost {lost} (the batch in flight), "
      f"acknowledged more than {2 * flush_ms + 500} ms before the kill {safe}")
check(stored >= safe, "every reading acknowledged before the batch in flight is stored")
check(0 <= lost <= accepted - safe, f"loss ({lost}) is at most the readings of the last flush window ({accepted - safe})")
# the values stored are the values sent (spot check of series crash.c0)
d = Daemon(zp, model, conf, work, name="serve3").start(port)
v = get_json(port, "/api/v1/series/crash.c0?from=1717200000000&to=1717200010000")["values"]
check(v == list(range(10)), f"stored values are the values sent: {v}")
check(d.stop() == 0, "stop")
print("serve_crash: all passed")
PY
