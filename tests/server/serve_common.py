"""Helpers for the `zeropark serve` tests: free ports, a daemon under test,
HTTP calls, config files. Real processes on 127.0.0.1 only; every wait is
bounded."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def write_config(path, cfg, mode=0o600):
    with open(path, "w") as f:
        json.dump(cfg, f)
    os.chmod(path, mode)
    return path


def http(port, method, path, body=None, headers=None, timeout=10):
    """(status, content-type, body bytes)."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def get_json(port, path):
    st, ct, b = http(port, "GET", path)
    if st != 200:
        raise AssertionError(f"GET {path}: {st} {b[:300]!r}")
    return json.loads(b)


def metric(port, name):
    """Value of one sample line 'name value' (name may hold labels)."""
    st, _, b = http(port, "GET", "/metrics")
    assert st == 200
    for line in b.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


class Daemon:
    def __init__(self, zeropark, model, config, workdir, extra=(), name="serve"):
        self.cmd = [zeropark, "serve", model, "--config", config, *extra]
        self.log = os.path.join(workdir, name + ".log")
        self.p = None

    def start(self, port, timeout=30):
        self.logf = open(self.log, "ab")
        self.p = subprocess.Popen(self.cmd, stdout=self.logf, stderr=self.logf)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.p.poll() is not None:
                raise AssertionError(f"serve exited with {self.p.returncode}:\n{self.tail()}")
            try:
                if http(port, "GET", "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("serve did not answer /healthz in time:\n" + self.tail())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.p:
            return None
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
            raise AssertionError("serve did not stop in time:\n" + self.tail())
        self.logf.close()
        self.p = None
        return rc

    def tail(self, n=40):
        try:
            with open(self.log, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")


def wait_for(what, fn, timeout=20, every=0.1):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def check(cond, msg):
    if not cond:
        print("FAIL:", msg, file=sys.stderr)
        raise AssertionError(msg)
    print("ok -", msg)
