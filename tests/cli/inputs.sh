#!/usr/bin/env bash
# inputs.sh ZEROPARK SOURCE_DIR - inputs as a user gives them: metered data
# through a pipe (account --data /dev/stdin, <(...)), read once. Ends with
# "N passed, N failed".
set -u
shopt -s lastpipe # `cmd | expect ...` counts in this shell
zp=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# expect CODE CMD... : run, check the exit code; output in $tmp/out, $tmp/err
expect() {
    local want=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (want $want): $*"; sed 's/^/  /' "$tmp/err" | head -20 >&2; fi
}
contains() {
    if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks: $2"; sed 's/^/  /' "$1" | head -20 >&2; fi
}
lacks() {
    if grep -qF -- "$2" "$1"; then bad "$1 holds: $2"; sed 's/^/  /' "$1" | head -20 >&2; else ok; fi
}
model=$src/examples/shaoguan-campus/model.json

# --- account --data through a pipe ------------------------------------------
# 4 hours of grid import, 100 + 200 + 300 + 400 kWh = 1000 kWh by hand.
cat >"$tmp/m.csv" <<'EOF'
timestamp,grid_import_kwh
2024-03-01T00:00:00+08:00,100
2024-03-01T01:00:00+08:00,200
2024-03-01T02:00:00+08:00,300
2024-03-01T03:00:00+08:00,400
EOF
gi() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["energy_kwh"]["grid_import"])' "$1" 2>/dev/null; }
expect 0 "$zp" account "$model" --data "$tmp/m.csv" --json
[ "$(gi "$tmp/out")" = "1000.0" ] && ok || bad "account --data FILE: grid import $(gi "$tmp/out"), want 1000.0"
cat "$tmp/m.csv" | expect 0 "$zp" account "$model" --data /dev/stdin --json
lacks "$tmp/err" "empty file"
[ "$(gi "$tmp/out")" = "1000.0" ] && ok || bad "account --data /dev/stdin (a pipe): grid import $(gi "$tmp/out"), want 1000.0"
expect 0 "$zp" account "$model" --data <(cat "$tmp/m.csv") --json
[ "$(gi "$tmp/out")" = "1000.0" ] && ok || bad "account --data <(...): grid import $(gi "$tmp/out"), want 1000.0"
# a bad row through a pipe is located in the pipe's name
printf 'timestamp,grid_import_kwh\n2024-03-01T00:00:00+08:00,100\n2024-03-01T01:00:00+08:00,x\n' |
    expect 2 "$zp" account "$model" --data /dev/stdin
contains "$tmp/err" "/dev/stdin:3:"

echo "inputs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
