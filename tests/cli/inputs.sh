#!/usr/bin/env bash
# inputs.sh ZEROPARK SOURCE_DIR - inputs as a user gives them: metered data
# through a pipe (account --data /dev/stdin, <(...)), read once; a JSON file
# holding \u0000 (or other text the JSON reader refuses) said in the user's
# words with file:line:col and the JSON path; a --db path that is not a
# store or ledger, or in a missing directory, is bad input (exit 2) saying
# what the file is and what to do (docs/cli.md "Exit codes"). Ends with
# "N passed, N failed".
set -u
shopt -s lastpipe # `cmd | expect ...` counts in this shell
zp=$1
src=$2
. "$src/tests/need.sh"
need python3 sqlite3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/cli/checks.sh"
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

# --- \u0000 in a JSON file: said as the user sees it, located -----------------
# The name of pv[0] holds an escaped NUL; the string starts on line 3 at
# column 18 (counted by hand: 17 characters before its quote).
cat >"$tmp/nul.json" <<'EOF'
{"name": "nul park",
 "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2024-01-02T00:00:00+08:00"},
 "pv": [{"name": "r\u0000", "capacity_kwp": 1}]}
EOF
expect 2 "$zp" simulate "$tmp/nul.json"
contains "$tmp/err" "nul.json:3:18: pv[0].name: "
contains "$tmp/err" '\u0000 (the NUL character)'
lacks "$tmp/err" "JSON_ALLOW_NUL"
expect 1 "$zp" validate "$tmp/nul.json"
contains "$tmp/err" "nul.json:3:18: pv[0].name: "
# in a key: refused while reading, at the key
printf '{"name": "x", "p\\u0000v": []}\n' >"$tmp/nulkey.json"
expect 2 "$zp" simulate "$tmp/nulkey.json"
contains "$tmp/err" "nulkey.json:1:"
contains "$tmp/err" 'a key holds \u0000 (the NUL character)'
lacks "$tmp/err" "not supported"
# the daemon's config file
printf '{"token": "abc\\u0000defghijklmnopqrstuv"}' >"$tmp/conf.json"
chmod 600 "$tmp/conf.json"
expect 2 "$zp" serve "$model" --config "$tmp/conf.json"
contains "$tmp/err" "conf.json:1:"
contains "$tmp/err" '\u0000 (the NUL character)'
lacks "$tmp/err" "JSON_ALLOW_NUL"
# credits --args
expect 2 "$zp" credits balance --db "$tmp/l.db" --args '{"account": "a\u0000"}'
contains "$tmp/err" 'account: the string holds \u0000 (the NUL character)'
lacks "$tmp/err" "JSON_ALLOW_NUL"
# text after the value: not jansson's "end of file expected"
printf '{"name": "x"} }\n' >"$tmp/after.json"
expect 2 "$zp" simulate "$tmp/after.json"
contains "$tmp/err" "after.json:1:"
contains "$tmp/err" "text after the end of the JSON value"

# --- a --db path that is not a store, or in a missing directory: exit 2 -------
printf 'hello\n' >"$tmp/notes.txt"
mkdir -p "$tmp/adir"
for db in "$tmp/notes.txt" "$tmp/m.csv" "$tmp/adir"; do
    for cmd in "import --db $db $tmp/m.csv" "export --db $db --series grid_import_kwh" "series --db $db" \
               "account $model --db $db" "simulate $model --db $db --from 2024-01-01 --to 2024-01-02" \
               "report $model --run 1 --db $db --html $tmp/r.html" "credits balance --db $db --account a" \
               "credits account --db $db --id a"; do
        # shellcheck disable=SC2086
        expect 2 "$zp" $cmd
        lacks "$tmp/err" "sqlite"
        lacks "$tmp/err" "file is not a database"
    done
done
expect 2 "$zp" series --db "$tmp/notes.txt"
contains "$tmp/err" "notes.txt is not a zeropark store: it is a text file, not an SQLite database; give the path of a store"
expect 2 "$zp" account "$model" --db "$tmp/m.csv"
contains "$tmp/err" "m.csv is not a zeropark store: it is a CSV text file"
expect 2 "$zp" credits balance --db "$tmp/notes.txt" --account a
contains "$tmp/err" "notes.txt is not a credit ledger: it is a text file"
expect 2 "$zp" series --db "$tmp/adir"
contains "$tmp/err" "adir is a directory"
# another application's SQLite database: bad input too, left untouched
/usr/bin/python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE t(x)"); c.commit()' "$tmp/other.db"
for cmd in "import --db $tmp/other.db $tmp/m.csv" "series --db $tmp/other.db" "account $model --db $tmp/other.db"; do
    # shellcheck disable=SC2086
    expect 2 "$zp" $cmd
    contains "$tmp/err" "not a zeropark store"
done
# a new file in a directory that does not exist
for cmd in "import --db $tmp/no/such/s.db $tmp/m.csv" \
           "simulate $model --db $tmp/no/such/s.db --from 2024-01-01 --to 2024-01-02" \
           "credits account --db $tmp/no/such/l.db --id a"; do
    # shellcheck disable=SC2086
    expect 2 "$zp" $cmd
    contains "$tmp/err" "the directory $tmp/no/such does not exist; create it (mkdir -p $tmp/no/such)"
done
for cmd in "export --db $tmp/no/such/s.db --series x" "series --db $tmp/no/such/s.db" \
           "account $model --db $tmp/no/such/s.db" "credits balance --db $tmp/no/such/l.db --account a"; do
    # shellcheck disable=SC2086
    expect 2 "$zp" $cmd
    contains "$tmp/err" "no such"
    lacks "$tmp/err" "unable to open database file"
done
if [ -e "$tmp/no" ]; then bad "a directory was created"; else ok; fi

echo "inputs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
