# checks.sh - the shell tests' counters and checks, sourced after $tmp is set:
#   ok / bad MSG                 count a pass / a failure (printed)
#   expect CODE CMD...           run CMD, check its exit code; output in $tmp/out, $tmp/err
#   contains FILE TEXT           FILE holds TEXT
#   lacks FILE TEXT              FILE does not hold TEXT
# A test ends with: echo "NAME: $pass passed, $fail failed"; [ "$fail" -eq 0 ]
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

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
