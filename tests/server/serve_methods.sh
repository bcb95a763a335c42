#!/usr/bin/env bash
# serve_methods.sh ZEROPARK SRCDIR WORKDIR - every endpoint of `zeropark
# serve` x every method x with and without a body, over raw sockets on
# loopback: each request gets a complete reply with the status docs/api.md
# gives (405 with an Allow header for a method the path does not take, 404
# for a path that is no endpoint, 400 for a body sent to an endpoint that
# takes none, 413 for a body over max_body_bytes) and the documented JSON
# error; no request ends in a closed connection or an "internal error" log
# line; and /metrics counts exactly the responses the test received.
set -euo pipefail
zp=$1 src=$2 work=$3
. "$src/tests/need.sh"
need python3 curl
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import collections, json, os, re, socket, subprocess, sys
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

web = os.path.join(work, "web")
os.makedirs(web)
with open(os.path.join(web, "index.html"), "wb") as f:
    f.write(b"<!doctype html>INDEX\n")
model = os.path.join(src, "examples/shaoguan-campus/model.json")
port = free_port()
token = "methods-token-0123456789"
MAXB = 4096
cfg = {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, "park.db"), "token": token,
       "flush_ms": 100, "replan_min": 60, "max_body_bytes": MAXB,
       "credits_db": os.path.join(work, "credits.db")}
conf = write_config(os.path.join(work, "serve.json"), cfg)
d = Daemon(zp, model, conf, work, extra=["--web", web]).start(port)
AUTH = "Authorization: Bearer " + token + "\r\n"

got = collections.Counter()  # status codes of every reply this test received
noreply = []                 # requests that got no reply at all


def raw(method, path, body=None, extra="", chunked=False):
    """One request on its own connection; (status, headers, body)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}"
    if body is not None and chunked:
        head += "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        data = head.encode() + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    elif body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        data = head.encode() + body
    else:
        data = (head + "\r\n").encode()
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may answer and close before reading a body it refuses
    buf = b""
    while True:
        try:
            k = s.recv(65536)
        except ConnectionResetError:
            break
        if not k:
            break
        buf += k
    s.close()
    hd, _, rest = buf.partition(b"\r\n\r\n")
    lines = hd.split(b"\r\n")
    if not buf or len(lines[0].split()) < 2:
        noreply.append(f"{method} {path}")
        return 0, {}, b""
    st = int(lines[0].split()[1])
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        hdrs[k.strip().lower().decode()] = v.strip().decode()
    got[st] += 1
    return st, hdrs, rest


def metrics():
    st, h, b = raw("GET", "/metrics")
    assert st == 200, st
    out = collections.Counter()
    for m in re.finditer(rb'^zeropark_http_requests_total\{code="(\d+)"\} (\d+)$', b, re.M):
        out[int(m.group(1))] = int(m.group(2))
    return out


fails = []
def expect(cond, msg):
    print(("ok - " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if not cond:
        fails.append(msg)


# What docs/api.md says each path takes (written from the docs, not from
# the program): the methods, and whether a body goes with them.
GET = ("GET", "HEAD")
paths = {
    "/healthz": GET, "/metrics": GET, "/api/v1/status": GET, "/api/v1/info": GET,
    "/api/v1/plan": GET, "/api/v1/alerts": GET, "/api/v1/devices": GET, "/api/v1/series": GET,
    "/api/v1/series/grid.net": GET, "/api/v1/carbon": GET, "/api/v1/events": GET,
    "/api/v1/readings": ("POST",), "/api/v1/credits/balance": GET,
    "/api/v1/credits/transfer": ("POST",), "/": GET, "/index.html": GET, "/some/page": GET,
    # no such endpoint: 404 whatever the method
    "/api/v1/readings/": None, "/api/v1/nothing": None, "/api/v1/credits/nope": None,
    "/api/v1/status/": None,
}
methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
BODY = b'{"readings": []}'

before = metrics()
got.clear()
for path, allowed in paths.items():
    for m in methods:
        for body in (None, BODY):
            if path == "/api/v1/events" and m in GET and body is None:
                continue  # a stream that never ends (tested in serve_api.sh)
            extra = AUTH if m == "POST" else ""
            st, h, b = raw(m, path, body, extra)
            what = f"{m} {path}{' with a body' if body else ''}"
            if allowed is None:
                want, code = 404, "not_found"
            elif m not in allowed:
                want, code = 405, "method_not_allowed"
            elif body is not None and "POST" not in allowed:
                want, code = 400, "bad_request"
            else:
                # a method the path takes: any answer but a refusal of the
                # method, a server error or no reply at all
                expect(st not in (0, 405, 500) and (st < 500 or st == 503),
                       f"{what} -> {st} (served)")
                continue
            ok = st == want
            if ok and m != "HEAD":
                try:
                    j = json.loads(b)
                    ok = j["error"]["code"] == code and isinstance(j["error"]["message"], str) \
                        and h.get("content-type", "").startswith("application/json")
                except (ValueError, KeyError, TypeError):
                    ok = False
            if ok and want == 405:
                ok = sorted(x.strip() for x in h.get("allow", "").split(",")) == sorted(allowed)
            expect(ok, f"{what} -> {st} (want {want} {code}"
                       f"{', Allow: ' + ', '.join(allowed) if want == 405 else ''}; got Allow: {h.get('allow')})")

# bodies too large, chunked bodies, Expect: 100-continue
big = b"{" + b" " * (MAXB + 10) + b"}"
for m, path, body, chunked, want, code in [
        ("POST", "/api/v1/readings", big, False, 413, "too_large"),
        ("POST", "/api/v1/readings", big, True, 413, "too_large"),
        ("POST", "/api/v1/credits/transfer", big, False, 413, "too_large"),
        ("POST", "/api/v1/status", big, False, 405, "method_not_allowed"),
        ("GET", "/api/v1/status", big, False, 400, "bad_request"),
        ("GET", "/api/v1/status", BODY, True, 400, "bad_request"),
        ("PUT", "/api/v1/readings", BODY, True, 405, "method_not_allowed"),
        ("POST", "/api/v1/readings/", BODY, True, 404, "not_found"),
        ("GET", "/", BODY, False, 400, "bad_request"),
        ("POST", "/", BODY, False, 405, "method_not_allowed")]:
    st, h, b = raw(m, path, body, AUTH, chunked)
    try:
        ok = st == want and json.loads(b)["error"]["code"] == code
    except (ValueError, KeyError, TypeError):
        ok = False
    expect(ok, f"{m} {path} with {'a chunked' if chunked else 'a'} {len(body)}-byte body -> {st} (want {want})")
st, h, b = raw("POST", "/api/v1/status", BODY, "Expect: 100-continue\r\n")
expect(st == 405 and b"100 Continue" not in b, f"POST /api/v1/status with Expect: 100-continue -> {st}, no 100")

# curl, as an operator would type it
for args, path, want in [(["-d", "{}"], "/api/v1/status", 405),
                         (["-X", "PUT", "-d", "{}"], "/api/v1/readings", 405),
                         (["-d", "{}"], "/api/v1/readings/", 404)]:
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", *args,
                        f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=30)
    if r.stdout.isdigit() and r.stdout != "000":
        got[int(r.stdout)] += 1
    else:
        noreply.append("curl " + path)
    expect(r.stdout == str(want), f"curl {' '.join(args)} {path} -> {r.stdout} (want {want})")

want_counts = collections.Counter(got)
want_counts[200] += 1  # the first /metrics request, counted after its text was made
after = metrics()
delta = collections.Counter({k: after[k] - before[k] for k in set(after) | set(before)
                             if after[k] - before[k]})
expect(delta == want_counts, f"/metrics counted exactly the replies received: {sorted(delta.items())} "
                             f"vs {sorted(want_counts.items())}")
expect(not noreply, f"every request got a reply (none: {noreply[:10]})")
check(raw("GET", "/healthz")[0] == 200, "still serving")
d.stop()
log = d.log_text()
expect("internal error" not in log, "no 'internal error' in the log")
if fails:
    print(f"serve_methods: {len(fails)} FAILED", file=sys.stderr)
    sys.exit(1)
print("serve_methods: all passed")
PY
