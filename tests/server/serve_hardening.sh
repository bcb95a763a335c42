#!/usr/bin/env bash
# serve_hardening.sh ZEROPARK SRCDIR WORKDIR - `zeropark serve` on loopback:
# the config file must be mode 0600 or 0400 (docs/serve.md), nothing else;
# every database the daemon or the CLI creates (park store, raw store,
# credit ledger, their -wal and -shm files) is mode 0600 whatever the
# umask; a 404 for an unknown series names the series, never a file path;
# a full ingest queue raises an alert (/api/v1/alerts, /status, the log,
# /metrics) that clears when readings are taken again.
set -euo pipefail
zp=$1 src=$2 work=$3
. "$src/tests/need.sh"
need python3
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import json, os, stat, subprocess, sys, time
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

fails = []
def expect(cond, msg):
    print(("ok - " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if not cond:
        fails.append(msg)

def soft_wait(what, fn, timeout):
    try:
        wait_for(what, fn, timeout)
        return True
    except AssertionError:
        return False

def mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)

model = os.path.join(src, "examples/shaoguan-campus/model.json")
token = "hardening-token-0123456789"
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

# 1. config modes: docs/serve.md allows 0600 and 0400, refuses any other
for m in (0o700, 0o640, 0o644, 0o660, 0o604, 0o606, 0o500, 0o200, 0o400 | 0o040, 0o610):
    port = free_port()
    p = write_config(os.path.join(work, f"c{m:o}.json"),
                     {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, f"c{m:o}.db")}, m)
    pr = subprocess.Popen([zp, "serve", model, "--config", p], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    try:
        _, err = pr.communicate(timeout=15)
    except subprocess.TimeoutExpired:  # it started: the mode was accepted
        pr.kill()
        _, err = pr.communicate()
    expect(pr.returncode == 2 and f"{m:04o}" in err and "chmod 600" in err
           and not os.path.exists(os.path.join(work, f"c{m:o}.db")),
           f"config mode {m:04o} refused, exit 2, nothing created (exit {pr.returncode}: {err.strip()[:110]})")

# 2. the daemon under umask 022 (a shell's default), config mode 0400
port = free_port()
db = os.path.join(work, "park.db")
ledger = os.path.join(work, "credits.db")
cfg = {"listen": f"127.0.0.1:{port}", "db": db, "token": token, "flush_ms": 2000, "queue_max": 1000,
       "replan_min": 60, "credits_db": ledger}
conf = write_config(os.path.join(work, "serve.json"), cfg, 0o400)
old = os.umask(0o022)
d = Daemon(zp, model, conf, work).start(port)
os.umask(old)
check(http(port, "GET", "/healthz")[0] == 200, "config mode 0400 accepted")
T0 = 1717207200000  # 2024-06-01T10:00:00+08:00
st, _, b = http(port, "POST", "/api/v1/readings",
                {"readings": [{"series": "grid.net", "t": T0, "value": 100}]}, auth)
check(st == 202, f"a reading stored ({st})")
st, _, b = http(port, "POST", "/api/v1/credits/account", {"id": "a1", "name": "A", "kind": "company"}, auth)
check(st == 200, f"the ledger created through the API ({st} {b[:100]!r})")
wait_for("raw store written", lambda: http(port, "GET", "/api/v1/series/grid.net?from=2024-06-01&to=2024-06-02")[0] == 200)
raw_db = db.replace(".db", "-raw.db")
for f in (db, raw_db, ledger):
    for suffix in ("", "-wal", "-shm"):
        p = f + suffix
        expect(os.path.exists(p) and mode(p) == 0o600,
               f"{os.path.basename(p)} created 0600 under umask 022 "
               f"({oct(mode(p)) if os.path.exists(p) else 'missing'})")

# 3. a 404 for an unknown series names it and the nearest, never a path
for name in ("grid.nett", "nothing.here"):
    st, ct, b = http(port, "GET", f"/api/v1/series/{name}")
    msg = json.loads(b)["error"]["message"] if st == 404 else ""
    expect(st == 404 and name in msg and work not in msg and ".db" not in msg and "/tmp" not in msg,
           f"404 for {name}: {msg!r}")
st, ct, b = http(port, "GET", "/api/v1/series/grid.nett")
expect("did you mean 'grid.net'" in json.loads(b)["error"]["message"], "the 404 names the nearest stored series")

# 4. a full queue: queue_max 1000; one request of 1001 readings can never
#    fit, and two of 600 overflow unless the writer takes the queue between
#    them (flush_ms 2000), so send pairs until one is refused
def readings(n, base):
    return {"readings": [{"series": "meter.q", "t": base + 1000 * i, "value": float(i)} for i in range(n)]}
dropped0 = metric(port, "zeropark_readings_dropped_total")
st, _, b = http(port, "POST", "/api/v1/readings", readings(1001, T0), auth)
expect(st == 503 and json.loads(b)["error"]["code"] == "unavailable", f"1001 readings, queue_max 1000 -> {st}")
def active():
    return [a for a in get_json(port, "/api/v1/alerts")["alerts"] if a["source"] == "ingest" and a["active"]]
al = active()
expect(len(al) == 1 and "queue" in al[0]["message"] and "1000" in al[0]["message"],
       f"an active ingest alert names the queue and queue_max: {al[0]['message'] if al else None}")
expect(metric(port, "zeropark_ingest_dropping") == 1, "zeropark_ingest_dropping 1")
expect(metric(port, "zeropark_readings_dropped_total") - dropped0 == 1001, "1001 readings counted as dropped")
def all_active():
    return len([a for a in get_json(port, "/api/v1/alerts")["alerts"] if a["active"]])
expect(active() and metric(port, "zeropark_alerts_active") == all_active(),
       "zeropark_alerts_active counts it with the other active alerts")
expect(soft_wait("status", lambda: active() and get_json(port, "/api/v1/status")["alerts_active"]
                 == all_active(), 10), "/api/v1/status counts it in alerts_active")
expect(any("event=alert " in ln and "source=ingest" in ln and "queue_max 1000" in ln
           for ln in d.log_text().splitlines()), "the alert is logged")
# recovery: no reading is refused for a flush interval: the alert clears
expect(soft_wait("alert cleared", lambda: not active(), 15), "the alert clears")
expect(metric(port, "zeropark_ingest_dropping") == 0, "zeropark_ingest_dropping back to 0")
expect("event=alert_cleared" in d.log_text() and "key=ingest.dropped" in d.log_text(), "the clearing is logged")
hist = [a for a in get_json(port, "/api/v1/alerts")["alerts"] if a["source"] == "ingest"]
expect(len(hist) == 1 and not hist[0]["active"], "the alert stays listed, inactive")
n503 = 0
for k in range(20):
    a = http(port, "POST", "/api/v1/readings", readings(600, T0 + k * 2000000), auth)[0]
    b2 = http(port, "POST", "/api/v1/readings", readings(600, T0 + k * 2000000 + 1000000), auth)[0]
    n503 += (a == 503) + (b2 == 503)
    if n503:
        break
expect(n503 >= 1 and len(active()) == 1, f"two pushes of 600 overflow the queue: alert again ({n503} refused)")
expect(soft_wait("alert cleared again", lambda: not active(), 15), "and clears again")
st, _, b = http(port, "POST", "/api/v1/readings", readings(10, T0 + 99000000), auth)
expect(st == 202, f"after recovery readings are taken ({st})")
check(d.stop() == 0, "the daemon stops cleanly")

# 5. the CLI creates stores and ledgers 0600 as well, under umask 022 and 0
csv = os.path.join(work, "m.csv")
with open(csv, "w") as f:
    f.write("time,meter_kw\n2024-06-01T00:00:00+08:00,1\n2024-06-01T01:00:00+08:00,2\n")
for um in (0o022, 0o000):
    s = os.path.join(work, f"cli{um:o}.db")
    l = os.path.join(work, f"bank{um:o}.db")
    r1 = subprocess.run([zp, "import", "--db", s, csv], capture_output=True, text=True, timeout=60,
                        preexec_fn=lambda: os.umask(um))
    r2 = subprocess.run([zp, "credits", "account", "--db", l, "--id", "x1", "--name", "X", "--kind",
                         "company"], capture_output=True, text=True, timeout=60,
                        preexec_fn=lambda: os.umask(um))
    expect(r1.returncode == 0 and r2.returncode == 0, f"import and credits ran ({r1.stderr.strip()} {r2.stderr.strip()})")
    for p in (s, l):
        expect(os.path.exists(p) and mode(p) == 0o600,
               f"CLI under umask {um:03o}: {os.path.basename(p)} is {oct(mode(p)) if os.path.exists(p) else 'missing'}")
if fails:
    print(f"serve_hardening: {len(fails)} FAILED", file=sys.stderr)
    sys.exit(1)
print("serve_hardening: all passed")
PY
