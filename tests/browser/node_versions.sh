#!/usr/bin/env bash
# node_versions.sh SOURCE_DIR - the Node.js versions that the dashboard's
# build (web/package-lock.json) and the browser tests
# (tests/browser/package-lock.json) accept, by the locked packages' own
# engines ranges (scripts/node-engines.js, which scripts/web.sh and
# tests/browser/run.sh check before installing anything):
#   - every nodejs that Debian 12 has shipped (18.13.0 at the release,
#     18.19.0 and 18.20.4 in its updates) and newer LTS lines (20, 22, 24);
#   - not Node.js 16;
#   - the range rules themselves, on a made-up lock file, against the
#     results worked out by hand from the semver rules that npm documents.
# Ends with "N passed, N failed".
set -u
src=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$src/tests/need.sh"
need node
check=$src/scripts/node-engines.js
locks=("$src/web/package-lock.json" "$here/package-lock.json")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

for v in 18.13.0 18.19.0 18.20.4 20.19.0 20.20.2 22.12.0 24.0.0; do
    if out=$(node "$check" --node "$v" "${locks[@]}"); then ok; else bad "node $v refused: $out"; fi
done
if out=$(node "$check" --node 16.20.2 "${locks[@]}"); then
    bad "node 16.20.2 accepted (Vite, esbuild, Rollup and playwright-core need 18 or later)"
else
    case $out in *"vite "*"needs Node.js"*) ok ;; *) bad "node 16.20.2 refused without naming vite: $out" ;; esac
fi

# Ranges against node 18.19.0, and the answer by the semver rules: ^ allows
# changes that do not modify the left-most non-zero part, ~ patch-level
# changes (minor-level when only the major is given), x/missing parts match
# anything, "A - B" is inclusive (a partial B covers its whole range),
# "||" joins alternatives, a space joins comparators that all must hold.
cases=(
    '^18.0.0|yes' '^18.20.0|no' '^20.19.0 || >=22.12.0|no' '^18.0.0 || ^20.0.0 || >=22.0.0|yes'
    '>=18|yes' '>=18.19.1|no' '>18|no' '>18.18|yes' '<=18|yes' '<18.19|no' '<18.19.1|yes'
    '~18.19|yes' '~18.20.0|no' '~18|yes' '18.x|yes' '18.19.x|yes' '18.20.x|no' '18|yes' '*|yes'
    '=18.19.0|yes' '18.19.1|no' '>=14 <18|no' '>=14 <19|yes' '16 - 18.19|yes' '16 - 18.18|no'
    '^10 || ^12 || ^13.7 || ^14 || >=15.0.1|yes' '^0.2.3|no' '<=17.9.9 || 18.19.0|yes'
)
{
    echo '{"lockfileVersion": 3, "packages": {"": {"name": "t"},'
    i=0
    for c in "${cases[@]}"; do
        printf '"node_modules/p%d": {"version": "1.0.0", "engines": {"node": "%s"}},\n' "$i" "${c%|*}"
        i=$((i + 1))
    done
    # an optional package (another platform's native build) does not count
    echo '"node_modules/opt": {"version": "1.0.0", "optional": true, "engines": {"node": ">=99"}}}}'
} >"$tmp/lock.json"
out=$(node "$check" --node 18.19.0 "$tmp/lock.json")
i=0
for c in "${cases[@]}"; do
    range=${c%|*} want=${c##*|}
    if grep -qxF "  p$i 1.0.0 needs Node.js $range" <<<"$out"; then got=no; else got=yes; fi
    if [ "$got" = "$want" ]; then ok; else bad "node 18.19.0 against '$range': satisfied=$got, expected $want"; fi
    i=$((i + 1))
done
if grep -q 'opt ' <<<"$out"; then bad "an optional package's engines counted"; else ok; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
