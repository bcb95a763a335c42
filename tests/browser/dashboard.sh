#!/usr/bin/env bash
# dashboard.sh ZEROPARK SOURCE_DIR BUILD_DIR [OUT_DIR] - the web dashboard
# end to end on loopback: build the bundle (scripts/web.sh BUILD_DIR), put a
# simulated year of the live campus's accounting meters into a park store
# (`zeropark simulate` + `zeropark import`), start the device simulator
# (`zeropark devices`, time frozen at a June noon) and `zeropark serve` on
# free ports, then run dashboard_test.js in Debian's headless Chromium
# (playwright-core from web/package-lock.json). The campus's
# services meter is left out of the devices so that the test can feed that
# load itself through POST /api/v1/readings and watch it arrive live; a
# spare meter on a port where nothing listens is a device that is down.
# Screenshots, the downloaded CSV and the daemon's log stay in OUT_DIR
# (default BUILD_DIR/dashboard).
# Fails naming the Debian package when chromium, node, npm or python3 is
# missing (tests/need.sh).
# With --bench after the arguments: prints the measurements as JSON lines.
set -u
zp=$1
src=$2
build=$3
out=${4:-$build/dashboard}
mode=${5:-test}
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

# ZP_CHROMIUM: another Chromium build to drive instead of Debian's.
CHROMIUM=${ZP_CHROMIUM:-/usr/bin/chromium}
. "$src/tests/need.sh"
need node npm python3 $([ -n "${ZP_CHROMIUM-}" ] || echo chromium)
if [ ! -x "$CHROMIUM" ]; then
    echo "FAIL: ZP_CHROMIUM=$CHROMIUM is not an executable" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

fail() {
    echo "FAIL: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}

"$src/scripts/web.sh" "$build" || fail "scripts/web.sh $build did not build the dashboard"
web=$build/web/dist

# playwright-core is a devDependency of web/ (locked there, installed by
# scripts/web.sh under its lock), so this test never runs an npm install of
# its own beside the report test's; dashboard_test.js loads it from there.
export ZP_WEB_NODE_MODULES=$src/web/node_modules
[ -f "$ZP_WEB_NODE_MODULES/playwright-core/package.json" ] \
    || fail "playwright-core missing from $ZP_WEB_NODE_MODULES (scripts/web.sh installs it)"

mkdir -p "$out"
tmp=$(mktemp -d)
serve_pid=
dev_pid=
cleanup() {
    for p in $serve_pid $dev_pid; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in $serve_pid $dev_pid; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
http_port=$(free_port)
dev_port=$(free_port)
[ "$http_port" != "$dev_port" ] || dev_port=$(free_port)
dead_port=$(free_port)

# The live campus with every Modbus device on our simulator's port, less
# the services meter (the test posts that load itself).
$PY - "$src/examples/live-campus/model.json" "$tmp/model.json" "$dev_port" "$dead_port" <<'EOF' || fail "could not write the test model"
import json, os, sys
src, dst, port, dead = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
here = os.path.dirname(os.path.abspath(src))
def absolute(v):
    """Files the model names relative to itself, made absolute for the copy."""
    if isinstance(v, dict):
        return {k: absolute(x) for k, x in v.items()}
    if isinstance(v, list):
        return [absolute(x) for x in v]
    if isinstance(v, str) and not os.path.isabs(v) and "/" in v and os.path.isfile(os.path.join(here, v)):
        return os.path.normpath(os.path.join(here, v))
    return v
m = absolute(json.load(open(src)))
m["devices"] = [d for d in m["devices"] if d.get("feeds") != "load.campus-services"]
for d in m["devices"]:
    if d.get("type") == "modbus":
        d["port"] = port
# A spare meter on a port where nothing listens: a device that is down.
m["devices"].append({"name": "spare-meter", "type": "modbus", "host": "127.0.0.1", "port": dead,
                     "unit_id": 99, "sunspec": "201"})
json.dump(m, open(dst, "w"), indent=1)
EOF

# A year of accounting meters (names as `zeropark account` reads them) at the
# daemon's accounting step (300 s), from the simulation's hourly flows; and
# the same values again from this year's 1 January through the current step,
# so that today, this year and the budget have stored data when the daemon
# starts (it replaces the current step and appends the next ones).
"$zp" simulate "$tmp/model.json" --csv "$tmp/flows.csv" >"$tmp/simulate.log" 2>&1 \
    || { cat "$tmp/simulate.log" >&2; fail "zeropark simulate"; }
$PY - "$tmp/flows.csv" "$tmp/meters-model-year.csv" "$tmp/meters-this-year.csv" 300 <<'EOF' || fail "could not write the meters CSV"
import csv, sys
from datetime import datetime, timedelta
src, dst_model, dst_now, step = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cols = {"pv.rooftops_kw": "pv.rooftops.ac_kw", "pv.carports_kw": "pv.carports.ac_kw",
        "wind.ridge_kw": "wind.ridge.ac_kw", "load.campus-services_kw": "load.campus-services.demand_kw",
        "dc_it_kw": "datacenter.it_kw", "dc_facility_kw": "datacenter.facility_kw",
        "storage_charge.bess-1_kw": "storage.bess-1.charge_kw",
        "storage_discharge.bess-1_kw": "storage.bess-1.discharge_kw",
        "grid_import_kw": "grid_import_kw", "grid_export_kw": "grid_export_kw"}
with open(src) as f:
    rows = list(csv.DictReader(f))
t0, t1 = (datetime.fromisoformat(rows[i]["timestamp"]) for i in (0, 1))
tz = t0.tzinfo
n = int((t1 - t0).total_seconds()) // step
now = datetime.now(tz)
shift = datetime(now.year, 1, 1, tzinfo=tz) - datetime(t0.year, 1, 1, tzinfo=tz)
stop = datetime.fromtimestamp((int(now.timestamp()) // step + 1) * step, tz)
# The wind meter was installed on 11 January this year (earlier in January:
# halfway to now; a file of its own, and nothing of it in the model's year):
# the accounting starts at the first reading of any meter, not of every
# meter, on the overview and the Carbon page alike.
late = "wind.ridge_kw"
jan1 = datetime(now.year, 1, 1, tzinfo=tz)
wind_from = jan1 + timedelta(seconds=int(min(timedelta(days=10), (now - jan1) / 2).total_seconds()) // step * step)
for dst, dt, end, only in ((dst_model, timedelta(0), None, False), (dst_now, shift, stop, False),
                           (dst_now.replace(".csv", "-wind.csv"), shift, stop, True)):
    names = [c for c in cols if only is None or (c == late) == only]
    with open(dst, "w", newline="") as g:
        w = csv.writer(g)
        w.writerow(["timestamp"] + names)
        for r in rows:
            t = datetime.fromisoformat(r["timestamp"]) + dt
            if end is not None and t >= end:
                break
            vals = [r[cols[c]] for c in names]
            for k in range(n):
                tk = t + timedelta(seconds=k * step)
                if end is not None and tk >= end:
                    break
                if only and tk < wind_from:
                    continue
                w.writerow([tk.isoformat()] + vals)
EOF
for f in meters-model-year meters-this-year meters-this-year-wind; do
    "$zp" import --db "$tmp/park.db" "$tmp/$f.csv" >"$tmp/import.log" 2>&1 \
        || { cat "$tmp/import.log" >&2; fail "zeropark import $f.csv"; }
done

token=$($PY -c 'import secrets; print(secrets.token_hex(24))')
cat >"$tmp/config.json" <<EOF
{"listen": "127.0.0.1:$http_port", "db": "$tmp/park.db", "raw_db": "$tmp/raw.db",
 "token": "$token", "replan_min": 15, "stale_s": 60, "account_step_s": 300}
EOF
chmod 600 "$tmp/config.json"

"$zp" devices "$tmp/model.json" --listen "127.0.0.1:$dev_port" --speed 0 \
    --start 2024-06-01T12:00:00+08:00 2>"$out/devices.log" &
dev_pid=$!
"$zp" serve "$tmp/model.json" --config "$tmp/config.json" --web "$web" 2>"$out/serve.log" &
serve_pid=$!

base=http://127.0.0.1:$http_port
get() {
    $PY -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' "$1"
}
up=0
for _ in $(seq 300); do
    if ! kill -0 "$dev_pid" 2>/dev/null; then
        cat "$out/devices.log" >&2
        fail "zeropark devices exited at start (log: $out/devices.log)"
    fi
    if ! kill -0 "$serve_pid" 2>/dev/null; then
        tail -20 "$out/serve.log" >&2
        fail "zeropark serve exited at start (log: $out/serve.log)"
    fi
    if get "$base/healthz" >/dev/null 2>&1; then up=1; break; fi
    sleep 0.1
done
[ $up = 1 ] || fail "zeropark serve did not answer $base/healthz within 30 s"
# The first poll of every device, so the devices page has readings.
for _ in $(seq 100); do
    if get "$base/api/v1/devices" 2>/dev/null | grep -q '"state": *"ok"'; then break; fi
    sleep 0.1
done

if [ "$mode" = --bench ]; then
    ZP_CHROMIUM=$CHROMIUM node "$here/dashboard_test.js" --base "$base" --out "$out" --bench
    exit $?
fi
# First load: the 1 s target is measured by bench/bench_web.sh against the
# Release build; here the daemon runs under the sanitizers, so the test only
# catches a stall.
ZP_CHROMIUM=$CHROMIUM node "$here/dashboard_test.js" --base "$base" --out "$out" --token "$token" \
    --live-series load.campus-services --live-flow load --max-first-load-ms "${ZP_WEB_MAX_LOAD_MS:-3000}"
rc=$?
if [ $rc -ne 0 ]; then
    echo "--- zeropark serve log (tail) ---" >&2
    tail -30 "$out/serve.log" >&2
fi
exit $rc
