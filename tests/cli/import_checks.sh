#!/usr/bin/env bash
# import_checks.sh ZEROPARK SOURCE_DIR - import refuses what account would
# refuse later: a negative reading of a cumulative register (a counter,
# docs/formats.md "Counters"); a CSV whose lines end in CR alone is named
# as such (docs/formats.md "Series CSV"), whatever the file's size; a
# control character in a header name is named by its code point, with no
# advice to re-save a file that is UTF-8 already. Ends with "N passed, N
# failed".
set -u
zp=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/checks.sh"

# --- a negative register reading ----------------------------------------------
# A kWh register cannot read below 0. Line 3 (-3) and line 5 (-10) are
# refused with their lines, as `account` refuses them ("negative reading");
# nothing is written, so the store does not exist afterwards.
cat >"$tmp/neg.csv" <<'EOF'
timestamp,grid_import_kwh_total
2024-03-01T00:00:00+08:00,5
2024-03-01T00:15:00+08:00,-3
2024-03-01T00:30:00+08:00,1
2024-03-01T00:45:00+08:00,-10
2024-03-01T01:00:00+08:00,12
EOF
expect 2 "$zp" import --db "$tmp/neg.db" "$tmp/neg.csv"
contains "$tmp/err" "neg.csv:3:"
contains "$tmp/err" "neg.csv:5:"
contains "$tmp/err" "-3"
contains "$tmp/err" "negative"
lacks "$tmp/err" "readings in"
if [ -e "$tmp/neg.db" ]; then bad "a store was written for a refused import"; else ok; fi
# the same readings through standard input
expect 2 "$zp" import --db "$tmp/neg.db" - <"$tmp/neg.csv"
contains "$tmp/err" "<stdin>:3:"
# a power column may be negative (a meter that exports): not a counter
cat >"$tmp/pow.csv" <<'EOF'
timestamp,grid_net_kw
2024-03-01T00:00:00+08:00,-5
2024-03-01T00:15:00+08:00,3
EOF
expect 0 "$zp" import --db "$tmp/pow.db" "$tmp/pow.csv"
# 0 is a reading (a new register)
printf 'timestamp,m_kwh_total\n2024-03-01T00:00:00+08:00,0\n2024-03-01T00:15:00+08:00,0\n2024-03-01T00:30:00+08:00,4\n' >"$tmp/zero.csv"
expect 0 "$zp" import --db "$tmp/zero.db" "$tmp/zero.csv"

# --- lines ending in CR alone -----------------------------------------------
# Three short lines ending in CR: one line for a reader of LF and CRLF; the
# message says that the line ends are CR, not "remove it from the header".
printf 'timestamp,a_kw\r2024-01-01T00:00:00+08:00,1\r2024-01-01T01:00:00+08:00,2\r' >"$tmp/cr.csv"
expect 2 "$zp" import --db "$tmp/cr.db" "$tmp/cr.csv"
contains "$tmp/err" "cr.csv:1:"
contains "$tmp/err" "CR alone"
lacks "$tmp/err" "remove it from the header"
# a header with a CR in the middle and LF line ends is a stray CR
printf 'timestamp,a\r_kw\n2024-01-01T00:00:00+08:00,1\n2024-01-01T01:00:00+08:00,2\n' >"$tmp/cr2.csv"
expect 2 "$zp" import --db "$tmp/cr2.db" "$tmp/cr2.csv"
contains "$tmp/err" "cr2.csv:1:12:"
contains "$tmp/err" "0x0D"

# --- a C1 control character (U+0085, UTF-8 C2 85) in a header name ------------
# The file is UTF-8: the message names the character, and does not tell
# the user to save the file as UTF-8.
printf 'timestamp,a\xc2\x85_kw\n2024-01-01T00:00:00+08:00,1\n2024-01-01T01:00:00+08:00,2\n' >"$tmp/c1.csv"
expect 2 "$zp" import --db "$tmp/c1.db" "$tmp/c1.csv"
contains "$tmp/err" "c1.csv:1:12:"
contains "$tmp/err" "U+0085"
lacks "$tmp/err" "save the file as UTF-8"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
