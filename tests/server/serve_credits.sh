#!/usr/bin/env bash
# serve_credits.sh ZEROPARK SRCDIR WORKDIR - the credit ledger through
# `zeropark serve` (/api/v1/credits/<op>) on loopback: writes behind the
# bearer token, idempotency keys (a retried request applies once), two
# concurrent retirements of the same serials (exactly one succeeds), reads
# as GET, errors as 4xx JSON, and the ledger afterwards checked by the CLI
# (`zeropark credits verify`, `balance`) on the same file.
set -euo pipefail
zp=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
. "$src/tests/need.sh"
need python3
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import json, os, subprocess, sys, threading
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

model = os.path.join(src, "examples/shaoguan-campus/model.json")
port = free_port()
token = "credits-token-0123456789"
ledger = os.path.join(work, "credits.db")
cfg = {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, "park.db"), "token": token,
       "flush_ms": 100, "replan_min": 60, "credits_db": ledger, "http_threads": 4}
conf = write_config(os.path.join(work, "serve.json"), cfg)
d = Daemon(zp, model, conf, work).start(port)
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

def post(op, args, key=None, headers=auth):
    h = dict(headers)
    if key:
        h["Idempotency-Key"] = key
    st, ct, b = http(port, "POST", "/api/v1/credits/" + op, args, h)
    return st, json.loads(b)

# writes need the token
st, b = post("account", {"id": "x", "name": "X", "kind": "company"}, headers={})
check(st == 401 and b["error"]["code"] == "unauthorized", f"POST without token -> 401 ({st})")

# the Ruyuan story: villages sell a forest sink's credits to the campus
for a in [{"id": "ruyuan", "name": "Ruyuan village collective", "kind": "village"},
          {"id": "sg-campus", "name": "Shaoguan campus", "kind": "park"}]:
    st, b = post("account", a)
    check(st == 200, f"account {a['id']} -> 200 {b}")
st, b = post("project", {"id": "RY-SINK-1", "name": "Ruyuan forest sink", "standard": "GDPHCER",
                         "location": "Ruyuan, Shaoguan", "area_ha": 1200, "methodology": "forestry",
                         "owner": "ruyuan"})
check(st == 200, f"project -> 200 {b}")
st, b = post("issue", {"project": "RY-SINK-1", "vintage": 2023, "qty": 1000}, key="issue-1")
check(st == 200 and b["first"] == 1 and b["last"] == 1000, f"issue 1000 t -> serials 1..1000 {b}")

# a retried request with the same key applies once
st1, b1 = post("transfer", {"from": "ruyuan", "to": "sg-campus", "project": "RY-SINK-1",
                            "vintage": 2023, "qty": 300}, key="t-1")
st2, b2 = post("transfer", {"from": "ruyuan", "to": "sg-campus", "project": "RY-SINK-1",
                            "vintage": 2023, "qty": 300}, key="t-1")
check(st1 == 200 and st2 == 200 and b2.get("replayed") is True and not b1.get("replayed"),
      "same Idempotency-Key twice: second answer is the stored one (replayed)")
bal = get_json(port, "/api/v1/credits/balance?account=sg-campus")
held = bal["accounts"][0]["total_t"]
check(held == 300, f"campus holds 300 t after the retried transfer, not 600 ({held})")
# the key reused for another request is a conflict
st, b = post("transfer", {"from": "ruyuan", "to": "sg-campus", "project": "RY-SINK-1",
                          "vintage": 2023, "qty": 5}, key="t-1")
check(st == 409 and b["error"]["code"] == "conflict", f"key reused for another request -> 409 ({st})")

# insufficient balance: 409 naming the account and amounts
st, b = post("transfer", {"from": "sg-campus", "to": "ruyuan", "project": "RY-SINK-1",
                          "vintage": 2023, "qty": 301})
check(st == 409 and "sg-campus" in b["error"]["message"] and "301" in b["error"]["message"],
      f"insufficient balance -> 409 with the amounts: {b['error']['message']}")

# two concurrent retirements of the same serials: exactly one succeeds
serial = "GDPHCER-RY-SINK-1-2023-1-100"
res = []
def retire(i):
    res.append(post("retire", {"account": "sg-campus", "serial": serial, "beneficiary": "campus",
                               "purpose": "offset", "park": "Shaoguan campus", "year": 2024},
                    key=f"r-{i}"))
ts = [threading.Thread(target=retire, args=(i,)) for i in range(2)]
for t in ts: t.start()
for t in ts: t.join(30)
codes = sorted(st for st, _ in res)
check(codes == [200, 409], f"two concurrent retirements of {serial}: one 200, one 409 ({codes})")
off = get_json(port, "/api/v1/credits/offsets?park=Shaoguan%20campus&year=2024")
check(off["retired_t"] == 100, f"offsets for the park-year: 100 t ({off['retired_t']})")

# reads are GET; writes as GET and unknown ops are refused
st, _, b = http(port, "GET", "/api/v1/credits/transfer")
check(st == 405, f"GET of a write op -> 405 ({st})")
st, _, b = http(port, "GET", "/api/v1/credits/mint")
check(st == 404 and b"no credits operation" in b, f"unknown op -> 404 ({st})")
st, b = post("transfer", b"{not json")
check(st == 400 and b["error"]["code"] == "bad_request", f"malformed body -> 400 ({st})")
# unknown arguments are refused by the same library check, naming the nearest
st, b = post("issue", {"project": "RY-SINK-1", "vintage": 2023, "qty": 5, "too": "sg-campus"})
check(st == 400 and "args.too" in b["error"]["message"] and "did you mean 'to'" in b["error"]["message"],
      f"unknown argument 'too' -> 400 naming 'to' ({st} {b})")
st, _, b = http(port, "GET", "/api/v1/credits/balance?acount=sg-campus")
check(st == 400 and b"did you mean 'account'" in b, f"GET with an unknown argument -> 400 ({st})")
# history in pages: the first two entries, and where to go on
h2 = get_json(port, "/api/v1/credits/history?limit=2")
check([e["seq"] for e in h2["entries"]] == [1, 2] and h2["next"] == 2,
      f"history?limit=2: entries 1-2, next 2 ({h2.get('next')})")
v = get_json(port, "/api/v1/credits/verify")
check(v["ok"] is True and v["problems"] == [], "verify through the API: the chain and invariants hold")
check(d.p.poll() is None, "the daemon keeps serving")
d.stop()

# the same file read by the CLI: chain intact, balances as the API left them
r = subprocess.run([zp, "credits", "verify", "--db", ledger], capture_output=True, text=True, timeout=60)
check(r.returncode == 0, f"zeropark credits verify on the daemon's ledger: {r.stdout.strip()[:200]}")
r = subprocess.run([zp, "credits", "balance", "--db", ledger, "--json", "--args",
                    json.dumps({"account": "sg-campus"})], capture_output=True, text=True, timeout=60)
check(r.returncode == 0, f"credits balance: {r.stderr.strip()}")
b = json.loads(r.stdout)
check(b["accounts"][0]["total_t"] == 200, "CLI: campus holds 300 - 100 retired = 200 t")
print("serve_credits: all checks passed")
PY
