"""Helpers for the `zeropark serve` tests: free ports, a daemon under test,
HTTP calls, config files. Real processes on 127.0.0.1 only; every wait is
bounded."""
import atexit
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
        atexit.register(self._reap, self.p)  # a failed check never leaves a daemon behind
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

    @staticmethod
    def _reap(p):
        if p.poll() is None:
            p.kill()
            p.wait()

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


def model_copy(src_model, out, devices=None, edit=None):
    """Write a copy of a park model to out with every relative file path
    made absolute, "devices" replaced when given, and edit(model) applied."""
    base = os.path.dirname(os.path.abspath(src_model))
    with open(src_model) as f:
        m = json.load(f)

    def fix(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "csv" and isinstance(v, str) and not os.path.isabs(v):
                    o[k] = os.path.join(base, v)
                else:
                    fix(v)
        elif isinstance(o, list):
            for v in o:
                fix(v)
    fix(m)
    if devices is not None:
        m["devices"] = devices
    if edit:
        edit(m)
    with open(out, "w") as f:
        json.dump(m, f, indent=1)
    return out


def mqtt_connack(port, timeout=2):
    """Return code of the CONNACK a broker on 127.0.0.1:port answers to an
    MQTT 3.1.1 CONNECT (0 = accepted), or None when the connection is
    refused, closed or silent. Written from the MQTT 3.1.1 standard
    (3.1 CONNECT, 3.2 CONNACK): a clean session, keep-alive 60 s."""
    cid = b"zeropark-test-probe"
    var = b"\x00\x04MQTT\x04\x02\x00\x3c"
    body = var + len(cid).to_bytes(2, "big") + cid
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(bytes([0x10, len(body)]) + body)
            ack = b""
            while len(ack) < 4:
                chunk = s.recv(4 - len(ack))
                if not chunk:
                    return None
                ack += chunk
            s.sendall(b"\xe0\x00")  # DISCONNECT
    except OSError:
        return None
    return ack[3] if ack[:2] == b"\x20\x02" else None


class Mosquitto:
    """A real broker on 127.0.0.1:port (Debian's mosquitto).

    It runs as the user who runs the tests: started as root, mosquitto
    would otherwise switch to the system user "mosquitto", and Debian's
    build asks tcpd (libwrap) about every connection, reading
    /etc/hosts.allow and /etc/hosts.deny as that user. Where that user
    cannot read them (a root directory of mode 0700, as `mktemp -d` makes
    for a chroot) tcpd denies every client ("denied access by tcpd" in
    mosquitto.log) while the port still accepts TCP connections."""

    def __init__(self, workdir, port):
        self.port = port
        self.conf = os.path.join(workdir, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "max_queued_messages 1000000\n")
            if os.geteuid() == 0:
                f.write("user root\n")  # no effect for other users
        self.logpath = os.path.join(workdir, "mosquitto.log")
        self.log = open(self.logpath, "ab")
        self.p = None

    def start(self, timeout=15):
        self.p = subprocess.Popen(["mosquitto", "-c", self.conf], stdout=self.log, stderr=self.log)
        atexit.register(Daemon._reap, self.p)
        deadline = time.time() + timeout
        rc = None
        while time.time() < deadline:
            if self.p.poll() is not None:
                break
            # ready when it accepts an MQTT client, not only a TCP connection
            rc = mqtt_connack(self.port)
            if rc == 0:
                return self
            time.sleep(0.1)
        self.log.flush()
        with open(self.logpath, "rb") as f:
            tail = b"\n".join(f.read().splitlines()[-10:]).decode(errors="replace")
        raise AssertionError(f"mosquitto on 127.0.0.1:{self.port} did not accept an MQTT client "
                             f"(last CONNACK code: {rc}); {self.logpath}:\n{tail}")

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.p = None

    def pub(self, topic, payload, qos=1):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.port), "-q", str(qos),
                        "-t", topic, "-m", payload], check=True, timeout=15)
