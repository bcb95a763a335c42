#!/usr/bin/env bash
# truth.sh ZEROPARK SOURCE_DIR - one truth for every number: options that
# do not apply are refused rather than ignored, prices below zero are
# dispatched (not refused with an internal field name), outputs are all
# written or none, numbers are printed as people write them and read as
# decimals only. Figures are worked out by hand in the comments. Ends with
# "N passed, N failed".
set -u
zp=$1
src=$2
PY=${ZP_PYTHON:-/usr/bin/python3}
. "$src/tests/need.sh"
need python3
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
    if grep -qF -- "$2" "$1"; then ok; else bad "$(basename "$1") lacks: $2"; sed 's/^/  /' "$1" | head -30 >&2; fi
}
lacks() {
    if grep -qF -- "$2" "$1"; then bad "$(basename "$1") has: $2"; grep -F -- "$2" "$1" | head -5 | sed 's/^/  /' >&2; else ok; fi
}

bs=$src/examples/baoshan-park/model.json

# ---------------------------------------------------------------------------
# MPC options apply to --dispatch mpc only: with rule (the default) or
# optimal they are refused, naming the option, not silently ignored.
for opt in "--horizon-h 6" "--replan-h 2" "--pv-forecast noisy" "--load-forecast persistence" \
    "--wind-forecast perfect" "--noise-pct 50" "--seed 7"; do
    name=${opt%% *}
    for d in rule optimal; do
        # shellcheck disable=SC2086
        expect 2 "$zp" simulate "$bs" --dispatch $d $opt --from 2024-07-01 --to 2024-07-02
        contains "$tmp/err" "$name applies to --dispatch mpc only (this run is --dispatch $d)"
    done
    # shellcheck disable=SC2086
    expect 2 "$zp" simulate "$bs" $opt --from 2024-07-01 --to 2024-07-02
    contains "$tmp/err" "$name applies to --dispatch mpc only (this run is --dispatch rule)"
    # shellcheck disable=SC2086
    expect 2 "$zp" report "$bs" $opt --dispatch optimal --html "$tmp/r.html"
    contains "$tmp/err" "$name applies to --dispatch mpc only"
    [ ! -e "$tmp/r.html" ] && ok || bad "report wrote its HTML despite $name"
done
# The option given before --dispatch mpc is accepted.
expect 0 "$zp" simulate "$bs" --horizon-h 6 --replan-h 6 --dispatch mpc --from 2024-07-01 --to 2024-07-02 --json

# ---------------------------------------------------------------------------
# The jobs CSV reads numbers as decimals only: power_kw '0x10' (hex, 16 to
# strtod) is not a number, '1e-320' (a subnormal, "above 0") is below the
# documented 0.001 kW; either is a located error and no output is written.
ed=$src/examples/east-data-west-compute
for v in 0x10 1e-320 inf; do
    printf 'id,class,home,duration,power_kw\na,batch,Shaoguan,2,%s\n' "$v" >"$tmp/jobs-$v.csv"
    rm -f "$tmp/jobs-out.csv"
    expect 2 "$zp" schedule --sites "$ed/sites.json" --jobs "$tmp/jobs-$v.csv" --csv "$tmp/jobs-out.csv"
    case $v in
        1e-320) contains "$tmp/err" "$tmp/jobs-$v.csv:2: column power_kw: '$v' is out of range: use 0.001..1000000 kW" ;;
        *) contains "$tmp/err" "$tmp/jobs-$v.csv:2: column power_kw: '$v' is not a number: use 0.001..1000000 kW" ;;
    esac
    [ ! -e "$tmp/jobs-out.csv" ] && ok || bad "schedule wrote --csv for power_kw $v"
done
printf 'id,class,home,region,latency_ms,duration,power_kw\na,batch,Shaoguan,Guangzhou,0x10,2,1\n' >"$tmp/jobs-lat.csv"
expect 2 "$zp" schedule --sites "$ed/sites.json" --jobs "$tmp/jobs-lat.csv"
contains "$tmp/err" "$tmp/jobs-lat.csv:2: column latency_ms: '0x10' is not a number"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
