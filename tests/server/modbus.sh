#!/usr/bin/env bash
# modbus.sh ZEROPARK SOURCE_DIR - the device simulator (`zeropark devices`)
# read by an independent Modbus client, Debian's mbpoll: every device of
# examples/live-campus/model.json serves what `zeropark simulate --csv`
# says for the same instant, several clients at once, writes beyond the
# limits are refused, SIGTERM stops it cleanly. Ends with "N passed, N failed".
set -u
zp=$1
src=$2
PY=${ZP_PYTHON:-/usr/bin/python3}
model=$src/examples/live-campus/model.json
tmp=$(mktemp -d)
sim_pid=
cleanup() {
    if [ -n "$sim_pid" ]; then kill -9 "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

. "$src/tests/need.sh"
need mbpoll python3

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# start_sim START SPEED: the simulator on a free port; waits (bounded) until it listens
start_sim() {
    port=$(free_port)
    "$zp" devices "$model" --listen "127.0.0.1:$port" --speed "$2" --start "$1" 2>"$tmp/sim.log" &
    sim_pid=$!
    for _ in $(seq 1 600); do
        grep -q 'msg=listening' "$tmp/sim.log" 2>/dev/null && return 0
        kill -0 "$sim_pid" 2>/dev/null || break
        sleep 0.2
    done
    bad "simulator did not start"; cat "$tmp/sim.log" >&2
    return 1
}

stop_sim() {
    kill -TERM "$sim_pid"
    local rc=0
    for _ in $(seq 1 100); do kill -0 "$sim_pid" 2>/dev/null || break; sleep 0.1; done
    wait "$sim_pid"; rc=$?
    sim_pid=
    if [ "$rc" -eq 0 ]; then ok; else bad "simulator exit $rc after SIGTERM"; fi
    if grep -q 'msg=stopped' "$tmp/sim.log"; then ok; else bad "no msg=stopped in the log"; fi
}

# reg UNIT ADDR [TYPE]: one value read by mbpoll (0-based address); a read
# that times out on a loaded machine is tried again (up to 3 times)
reg() {
    local t=${3:-4}
    local extra= v= try
    [ "$t" != 4 ] && extra=-B
    for try in 1 2 3; do
        v=$(timeout 10 mbpoll -m tcp -p "$port" -a "$1" -0 -1 -o 3 -r "$2" -t "$t" $extra 127.0.0.1 2>&1 |
            "$PY" -c 'import re,sys
t=sys.stdin.read(); m=re.search(r"\[\d+\]:\s+(-?\d+)(?:\s+\((-?\d+)\))?", t)
print(m.group(2) or m.group(1) if m else "ERR")')
        [ "$v" != ERR ] && break
    done
    echo "$v"
}

# check NAME GOT WANT TOL
check() {
    if "$PY" -c "import sys; g,w,t=map(float,sys.argv[1:]); sys.exit(0 if abs(g-w)<=t else 1)" "$2" "$3" "$4"; then
        ok
    else
        bad "$1: served $2, simulation says $3 (tolerance $4)"
    fi
}

# csvcol TIME COLUMN: the simulation's value
"$zp" simulate "$model" --csv "$tmp/sim.csv" >/dev/null 2>"$tmp/simulate.err" || { bad "simulate failed"; cat "$tmp/simulate.err" >&2; }
csvcol() {
    "$PY" -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["timestamp"].startswith(sys.argv[2]):
        print(r[sys.argv[3]]); break' "$tmp/sim.csv" "$1" "$2"
}

# sunspec UNIT VALUE_OFF SF_OFF SCALE: value * 10^sf * scale (model at 40070)
sunspec() {
    local v sf
    v=$(reg "$1" $((40070 + $2)))
    sf=$(reg "$1" $((40070 + $3)))
    "$PY" -c "import sys; print(float(sys.argv[1]) * 10 ** int(sys.argv[2]) * float(sys.argv[3]))" "$v" "$sf" "$4"
}

# tol UNIT SF_OFF SCALE: half a step of the served resolution
tol() {
    local sf
    sf=$(reg "$1" $((40070 + $2)))
    "$PY" -c "import sys; print(0.5 * 10 ** int(sys.argv[1]) * float(sys.argv[2]) + 1e-6)" "$sf" "$3"
}

for when in 2024-06-21T12:00 2024-01-15T03:00; do
    start_sim "$when+08:00" 0 || continue
    roof=$(csvcol "$when" pv.rooftops.ac_kw)
    car=$(csvcol "$when" pv.carports.ac_kw)
    wind=$(csvcol "$when" wind.ridge.ac_kw)
    imp=$(csvcol "$when" grid_import_kw)
    exp=$(csvcol "$when" grid_export_kw)
    it=$(csvcol "$when" datacenter.it_kw)
    svc=$(csvcol "$when" load.campus-services.demand_kw)
    soc=$(csvcol "$when" storage.bess-1.soc)
    ch=$(csvcol "$when" storage.bess-1.charge_kw)
    dis=$(csvcol "$when" storage.bess-1.discharge_kw)
    half_roof=$("$PY" -c "print($roof / 2)")
    net=$("$PY" -c "print($imp - $exp)")
    bat=$("$PY" -c "print(($dis - $ch) * 1000)")
    # units: 1-2 rooftop inverters (103), 3 carport inverter (103), 4 wind
    # meter (203), 5 grid meter (203), 6 data-center meter (203), 7 services
    # meter (201), 8 battery (124 + power/setpoint registers)
    check "$when inv-roof-1 W" "$(sunspec 1 14 15 0.001)" "$half_roof" "$(tol 1 15 0.001)"
    check "$when inv-roof-2 W" "$(sunspec 2 14 15 0.001)" "$half_roof" "$(tol 2 15 0.001)"
    check "$when inv-car-1 W" "$(sunspec 3 14 15 0.001)" "$car" "$(tol 3 15 0.001)"
    check "$when wind meter W" "$(sunspec 4 18 22 0.001)" "$wind" "$(tol 4 22 0.001)"
    check "$when grid meter W" "$(sunspec 5 18 22 0.001)" "$net" "$(tol 5 22 0.001)"
    check "$when dc meter W" "$(sunspec 6 18 22 0.001)" "$it" "$(tol 6 22 0.001)"
    check "$when services meter W" "$(sunspec 7 18 22 0.001)" "$svc" "$(tol 7 22 0.001)"
    check "$when battery ChaState" "$(sunspec 8 8 22 0.01)" "$soc" "$(tol 8 22 0.01)"
    check "$when battery power" "$(reg 8 41000 4:int)" "$bat" 1
    # the SunSpec marker and model ids
    [ "$(reg 1 40000)" = 21365 ] && [ "$(reg 1 40001)" = 28243 ] && ok || bad "no SunS marker"
    [ "$(reg 1 40070)" = 103 ] && [ "$(reg 5 40070)" = 203 ] && [ "$(reg 7 40070)" = 201 ] && [ "$(reg 8 40070)" = 124 ] && ok || bad "model ids"
    # inverter state: 4 MPPT by day, 2 SLEEPING at night
    st=$(reg 1 40108)
    want_st=$("$PY" -c "print(4 if $roof > 0.5 else 2)")
    [ "$st" = "$want_st" ] && ok || bad "$when inverter state $st, want $want_st"

    # eight clients at once
    for u in 1 2 3 4 5 6 7 8; do
        timeout 10 mbpoll -m tcp -p "$port" -a "$u" -0 -1 -o 2 -r 40070 -c 30 127.0.0.1 >"$tmp/c$u" 2>&1 &
    done
    wait_fail=0
    for j in $(jobs -p); do [ "$j" = "$sim_pid" ] && continue; wait "$j" || wait_fail=1; done
    for u in 1 2 3 4 5 6 7 8; do grep -q '^\[40099\]' "$tmp/c$u" || wait_fail=1; done
    [ $wait_fail = 0 ] && ok || bad "$when: concurrent clients"
    stop_sim
done

# writes: within the limits accepted and followed, beyond them refused
start_sim 2024-03-01T20:00+08:00 0
out=$(timeout 10 mbpoll -m tcp -p "$port" -a 8 -0 -1 -o 2 -r 41002 -t 4:int -B 127.0.0.1 -- 2500000 2>&1) && ok || bad "setpoint write refused: $out"
sleep 0.3
check "battery follows its setpoint" "$(reg 8 41000 4:int)" 2500000 0
out=$(timeout 10 mbpoll -m tcp -p "$port" -a 8 -0 -1 -o 2 -r 41002 -t 4:int -B 127.0.0.1 -- 12000000 2>&1) && bad "12 MW accepted" || ok
case $out in *"Illegal data value"*) ok ;; *) bad "12 MW: $out" ;; esac
check "setpoint unchanged after a refused write" "$(reg 8 41002 4:int)" 2500000 0
out=$(timeout 10 mbpoll -m tcp -p "$port" -a 1 -0 -1 -o 2 -r 40084 127.0.0.1 7 2>&1) && bad "write to a measurement accepted" || ok
grep -q 'msg=setpoint device=bess-1 unit=8 point=setpoint_kw value=2500' "$tmp/sim.log" && ok || bad "setpoint not logged"
grep -q 'msg="write refused"' "$tmp/sim.log" && ok || bad "refusal not logged"
stop_sim

# time runs: at 3600x an hour passes per second and the energy counter grows
start_sim 2024-06-21T10:00+08:00 3600
e1=$(reg 1 40094 4:int)
sleep 2
e2=$(reg 1 40094 4:int)
"$PY" -c "import sys; sys.exit(0 if int(sys.argv[2]) > int(sys.argv[1]) else 1)" "$e1" "$e2" && ok || bad "energy counter did not grow: $e1 -> $e2"
stop_sim

# bad usage
"$zp" devices "$src/examples/shaoguan-campus/model.json" --listen 127.0.0.1:0 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'no Modbus devices' "$tmp/err" && ok || { bad "model without devices"; cat "$tmp/err" >&2; }
"$zp" devices "$model" --listen nonsense >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- '--listen' "$tmp/err" && ok || bad "bad --listen"
"$zp" devices --help | grep -q 'usage: zeropark devices' && ok || bad "--help"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
