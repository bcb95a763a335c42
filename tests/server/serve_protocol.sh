#!/usr/bin/env bash
# serve_protocol.sh ZEROPARK SRCDIR WORKDIR - `zeropark serve` over raw
# sockets and its log (docs/api.md, docs/serve.md):
#  - Content-Length twice with different values is refused with 400 (RFC
#    9112 6.3), the same value twice is one length; each request refused for
#    its framing counts once in zeropark_http_protocol_errors_total (a bad
#    Content-Length is logged by libmicrohttpd in two lines, counted once);
#  - a readings body holding \u0000 is refused in the user's words;
#  - every log line splits into key=value pairs (logfmt, quoted values);
#    the reload_failed line after SIGHUP with a broken model carries the
#    model's first problem whole in detail=, the same text `zeropark
#    validate` prints for that model;
#  - a config file owned by another user than the daemon's is refused (run
#    as root: the file is given to nobody with chown).
set -euo pipefail
zp=$1 src=$2 work=$3
. "$src/tests/need.sh"
need python3
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import json, os, re, shutil, signal, socket, subprocess, sys, time
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

fails = []
def expect(cond, msg):
    print(("ok - " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if not cond:
        fails.append(msg)

model = model_copy(os.path.join(src, "examples/shaoguan-campus/model.json"), os.path.join(work, "model.json"), [])
good_model = open(model).read()
token = "protocol-token-0123456789"
port = free_port()
conf = write_config(os.path.join(work, "serve.json"),
                    {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, "park.db"), "token": token,
                     "flush_ms": 100, "replan_min": 1440})
d = Daemon(zp, model, conf, work, extra=("--dry-run",)).start(port)

def raw(data, timeout=5):
    """Send bytes, read until the server closes (or timeout): (status, body)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:  # the server may answer and close before it has read everything
        s.sendall(data)
    except OSError:
        pass
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:  # a timeout, or a reset after the answer
        pass
    s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(m.group(1)) if m else None), body

def post(series, headers):
    body = json.dumps({"readings": [{"series": series, "t": "2024-03-01T00:00:00+08:00", "value": 1}]}).encode()
    hs = "".join(h.format(n=len(body)) + "\r\n" for h in headers)
    return raw((f"POST /api/v1/readings HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\n{hs}Connection: close\r\n\r\n").encode() + body)

def stored(series):
    return http(port, "GET", f"/api/v1/series/{series}?from=2024-03-01T00:00:00%2B08:00"
                "&to=2024-03-01T00:00:02%2B08:00")[0] == 200

PE = "zeropark_http_protocol_errors_total"
# 1. Content-Length
pe0 = metric(port, PE)
st, body = post("a.power_kw", ["Content-Length: {n}", "Content-Length: 7"])
msg = json.loads(body)["error"]["message"] if st == 400 else body[:200]
expect(st == 400 and "Content-Length" in msg and "7" in msg and "different" in msg,
       f"two Content-Length values: 400 saying so ({st} {msg})")
st, _ = post("b.power_kw", ["Content-Length: {n}", "content-length: {n}"])
expect(st == 202, f"the same Content-Length twice is one length: 202 ({st})")
wait_for("b stored", lambda: stored("b.power_kw"))
expect(not stored("a.power_kw"), "nothing of the refused request is stored")
pe1 = metric(port, PE)
expect(pe1 - pe0 == 1, f"the conflicting Content-Length counts one protocol error ({pe1 - pe0})")
log0 = d.log_text().count("\n")
for k in range(3):
    st, _ = post("c.power_kw", ["Content-Length: abc"])
    expect(st == 400, f"Content-Length abc: 400 from the HTTP library ({st})")
time.sleep(0.3)
pe2 = metric(port, PE)
expect(pe2 - pe1 == 3, f"three malformed Content-Length requests count 3 protocol errors, once each ({pe2 - pe1})")
new_lines = d.log_text().splitlines()[log0:]
refused = [ln for ln in new_lines if "event=http_refused" in ln]
expect(len(refused) == 3 and all("status=400" in ln and "<" not in ln for ln in refused),
       f"one http_refused line per request, status 400, the page's text without HTML ({refused[:1]})")
st, _ = raw(b"GET /api/v1/info HTTP/1.1\r\nHost: t\r\nX-Big: " + b"x" * 70000 + b"\r\nConnection: close\r\n\r\n")
time.sleep(0.3)
pe3 = metric(port, PE)
expect(st in (None, 413, 414, 431) and pe3 - pe2 == 1,
       f"a header over 64 KiB: refused ({st}), one protocol error ({pe3 - pe2})")

# 2. a readings body holding \u0000: the user's words, not the library's flag
st, _, b = http(port, "POST", "/api/v1/readings",
                b'{"readings": [{"series": "d\\u0000.power_kw", "value": 1}]}',
                {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
msg = json.loads(b)["error"]["message"] if st == 400 else b.decode()[:200]
expect(st == 400 and "\\u0000 (the NUL character)" in msg and "JSON_ALLOW_NUL" not in msg,
       f"readings with \\u0000: 400 in the user's words ({msg})")

# 3. SIGHUP with a broken model: reload_failed with the first problem whole
broken = json.loads(good_model)
broken["storage"][0]["power_kw"] = -5
with open(model, "w") as f:
    json.dump(broken, f, indent=1)
v = subprocess.run([zp, "validate", model], capture_output=True, text=True)
first = v.stderr.strip().splitlines()[0]
expect(v.returncode == 1 and " " in first, f"validate names the first problem: {first}")
d.p.send_signal(signal.SIGHUP)
wait_for("reload_failed logged", lambda: "event=reload_failed" in d.log_text(), 30)
with open(model, "w") as f:
    f.write(good_model)

PAIR = r'[A-Za-z_][A-Za-z0-9_.]*=(?:"(?:[^"\\]|\\.)*"|[^\s"=]*)'
def logfmt(line):
    """The pairs of one log line, or None when it does not split into them."""
    if not re.fullmatch(PAIR + r"(?: " + PAIR + r")*", line):
        return None
    out = {}
    for m in re.finditer(r'([A-Za-z_][A-Za-z0-9_.]*)=("(?:[^"\\]|\\.)*"|[^\s"=]*)', line):
        val = m.group(2)
        if val.startswith('"'):
            val = re.sub(r'\\(.)', r'\1', val[1:-1])
        out[m.group(1)] = val
    return out

rl = [ln for ln in d.log_text().splitlines() if "event=reload_failed" in ln][0]
kv = logfmt(rl)
expect(kv is not None, f"the reload_failed line splits into key=value pairs: {rl}")
expect(kv is not None and kv.get("detail") == first,
       f"detail= is the first problem whole: {kv.get('detail') if kv else None!r} == {first!r}")
check(d.stop() == 0, "the daemon stops cleanly")
bad = [ln for ln in d.log_text().splitlines() if ln and logfmt(ln) is None]
expect(not bad, f"every log line splits into key=value pairs ({bad[:2]})")

# 4. the config file's owner
def serve_briefly(cfg, wait=5):
    """(exit status or None when it was still running after wait s, stderr)."""
    pr = subprocess.Popen([zp, "serve", model, "--config", cfg], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    try:
        _, err = pr.communicate(timeout=wait)
        return pr.returncode, err
    except subprocess.TimeoutExpired:
        pr.send_signal(signal.SIGTERM)
        _, err = pr.communicate(timeout=30)
        return None, err

if os.geteuid() == 0:
    c2 = write_config(os.path.join(work, "nobody.json"),
                      {"listen": f"127.0.0.1:{free_port()}", "db": os.path.join(work, "nobody.db")})
    shutil.chown(c2, user="nobody")
    rc, err = serve_briefly(c2)
    expect(rc == 2 and "owned by user nobody" in err and "chown root" in err
           and not os.path.exists(os.path.join(work, "nobody.db")),
           f"a config owned by nobody is refused, exit 2, nothing created ({rc}: {err.strip()[:160]})")
    shutil.chown(c2, user="root")
    rc, err = serve_briefly(c2, 3)
    expect(rc is None, f"the same file owned by root (the daemon's user) is taken ({rc}: {err.strip()[:160]})")
else:
    print("skip - the config owner check needs root (chown to another user)")

if fails:
    print(f"{len(fails)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("serve_protocol: all checks passed")
PY
