#!/usr/bin/env bash
# serve_static.sh ZEROPARK SRCDIR WORKDIR - the dashboard's static files of
# `zeropark serve`, attacked over raw sockets on loopback: request targets
# that try to leave the web directory (no leading '/', '..' in every
# spelling, percent-encoded '/' and NUL, absolute-form, empty segments,
# very long paths, symbolic links inside web/ pointing out, the sibling
# directories 'web-secret.txt' and 'web.bak/' whose names start with the
# web directory's own name) must get 400 or 404 and never a secret's bytes;
# ordinary files still come back byte for byte.
set -euo pipefail
zp=$1 src=$2 work=$3
. "$src/tests/need.sh"
need python3
rm -rf "$work" && mkdir -p "$work"
exec /usr/bin/python3 - "$zp" "$src" "$work" <<'PY'
import json, os, socket, sys
zp, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests/server"))
from serve_common import *

# /srv/w/web beside /srv/w/web-secret.txt and /srv/w/web.bak/config.txt:
# web + "-secret.txt" and web + ".bak/config.txt" are real files.
srv = os.path.join(work, "srv", "w")
web = os.path.join(srv, "web")
os.makedirs(os.path.join(web, "assets"))
os.makedirs(os.path.join(srv, "web.bak"))
os.makedirs(os.path.join(srv, "private"))
INDEX = b"<!doctype html><title>dash</title>INDEX-PAGE\n"
APP = b"console.log('app');\n"
CSS = b"body{color:#123}\n"
files = {os.path.join(web, "index.html"): INDEX, os.path.join(web, "app.js"): APP,
         os.path.join(web, "assets", "a1.css"): CSS,
         os.path.join(srv, "web-secret.txt"): b"SECRET-SIBLING-FILE\n",
         os.path.join(srv, "web.bak", "config.txt"): b"SECRET-SIBLING-DIR\n",
         os.path.join(srv, "private", "key.txt"): b"SECRET-PRIVATE-KEY\n",
         os.path.join(srv, "outside.txt"): b"SECRET-OUTSIDE\n"}
for p, b in files.items():
    with open(p, "wb") as f:
        f.write(b)
# symbolic links inside web/: to a file outside, to a directory outside, to
# a file inside (all refused: the daemon follows no link below the root)
os.symlink("../outside.txt", os.path.join(web, "out.txt"))
os.symlink("../private", os.path.join(web, "priv"))
os.symlink("/etc", os.path.join(web, "etc"))
os.symlink("index.html", os.path.join(web, "alias.html"))

model = os.path.join(src, "examples/shaoguan-campus/model.json")
port = free_port()
cfg = {"listen": f"127.0.0.1:{port}", "db": os.path.join(work, "park.db"), "flush_ms": 100,
       "replan_min": 60}
conf = write_config(os.path.join(work, "serve.json"), cfg)
d = Daemon(zp, model, conf, work, extra=["--web", web]).start(port)


def raw(target, method="GET"):
    """Send one request line as given (no client normalises it); returns
    (status, headers dict, body bytes, the whole reply)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"{method} ".encode() + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
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
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        hdrs[k.strip().lower().decode()] = v.strip().decode()
    return status, hdrs, body, buf


fails = []
def expect(cond, msg):
    print(("ok - " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if not cond:
        fails.append(msg)

# ordinary files: the bytes written above, the right type
st, h, b, _ = raw(b"/")
expect(st == 200 and b == INDEX and h["content-type"].startswith("text/html"), f"/ -> index.html ({st})")
st, h, b, _ = raw(b"/app.js")
expect(st == 200 and b == APP and h["content-type"].startswith("text/javascript"), f"/app.js byte for byte ({st})")
st, h, b, _ = raw(b"/assets/a1.css")
expect(st == 200 and b == CSS and "immutable" in h.get("cache-control", ""), f"/assets/a1.css, immutable ({st})")
st, h, b, _ = raw(b"/carbon/2024")
expect(st == 200 and b == INDEX, f"a path that is no file -> index.html (single-page app) ({st})")
st, h, b, _ = raw(b"/api/v1/nothing")
expect(st == 404 and json.loads(b)["error"]["code"] == "not_found", f"/api/v1/nothing -> 404 JSON ({st})")

secrets = [v for k, v in files.items() if b"SECRET" in v]
attacks = [
    # no leading '/': appended to the web directory's name they reach its siblings
    b"-secret.txt", b".bak/config.txt", b"-secret.txt?x=1", b".bak/", b"..", b"../web-secret.txt",
    b"%2e%2e/", b"%2e%2e/web-secret.txt", b"%2D%73ecret.txt", b"*", b"x",
    # '..' in every spelling
    b"/..", b"/../", b"/../web-secret.txt", b"/../web.bak/config.txt", b"/%2e%2e/web-secret.txt",
    b"/%2E%2E/outside.txt", b"/.%2e/outside.txt", b"/..%2fweb-secret.txt", b"/..%2Fweb-secret.txt",
    b"/%2F..", b"/%2f../web-secret.txt", b"/assets/../../outside.txt", b"/./index.html", b"/.",
    b"/..\\web-secret.txt", b"/%5c..%5cweb-secret.txt",
    # empty segments and absolute paths
    b"//etc/passwd", b"//" + srv.encode() + b"/outside.txt", b"/%2F" + srv.encode()[1:] + b"/outside.txt",
    # percent-encoded NUL: cut strings must not shorten the path
    b"/%00", b"/index.html%00", b"/..%00/web-secret.txt", b"/out.txt%00.html", b"/%00../outside.txt",
    # absolute-form
    b"http://x/..", b"http://x/../web-secret.txt", b"http://127.0.0.1/../outside.txt",
    b"http:/../outside.txt",
    # very long paths
    b"/" + b"a" * 5000, b"/" + b"a/" * 2000 + b"x", b"/" + b"../" * 1000 + b"outside.txt",
    b"/" + b"a" * 300 + b"/../../outside.txt",
    # symbolic links below the root
    b"/out.txt", b"/priv/key.txt", b"/priv/", b"/etc/passwd", b"/etc/hostname", b"/alias.html",
]
for t in attacks:
    for method in ("GET", "HEAD"):
        st, h, b, whole = raw(t, method)
        leaked = [s for s in secrets if s.strip() in whole]
        shown = t if len(t) < 60 else t[:40] + b"...(%d bytes)" % len(t)
        expect(st in (400, 404) and not leaked,
               f"{method} {shown.decode(errors='replace')} -> {st}" + (f" LEAKED {leaked}" if leaked else ""))
        if method == "GET" and st in (400, 404) and b:
            j = json.loads(b)
            expect(j["error"]["code"] == ("bad_request" if st == 400 else "not_found"),
                   f"   JSON error {j['error']['code']}: {j['error']['message'][:90]}")
check(http(port, "GET", "/healthz")[0] == 200, "still serving after the attacks")
d.stop()
# the log names the refusals (status 400/404, event=http_error)
log = d.log_text()
expect("event=http_error status=400" in log and "event=http_error status=404" in log,
       "refusals are logged")
if fails:
    print(f"serve_static: {len(fails)} FAILED", file=sys.stderr)
    sys.exit(1)
print("serve_static: all passed")
PY
