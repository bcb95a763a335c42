#!/usr/bin/env bash
# import_csv.sh ZEROPARK SOURCE_DIR - import/export/series of counters, CSV
# encodings, the line limit while reading, and the wording of every error a
# user of import/export/series can see. Ends with "N passed, N failed".
set -u
zp=$1
src=$2
. "$src/tests/need.sh"
need python3 sqlite3 py:pandas
PY=${ZP_PYTHON:-/usr/bin/python3}
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
    cat "$tmp/err" >>"$tmp/all_err"
}
# expect_fail CMD... : run, any failing exit code (a store that cannot be
# opened is reported with the library's status)
expect_fail() {
    "$@" >"$tmp/out" 2>"$tmp/err"
    if [ $? -ne 0 ] && [ -s "$tmp/err" ]; then ok; else bad "did not fail with a message: $*"; fi
    cat "$tmp/err" >>"$tmp/all_err"
}
contains() {
    if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks: $2"; sed 's/^/  /' "$1" | head -20 >&2; fi
}

# --- a counter with a reset, by hand ------------------------------------------
# A kWh register read every 15 min, reset at 01:30 (160 -> 2; 160 is not in
# the top tenth of its range 1000, so it is no roll-over). Hourly energy:
#   [00:00, 01:00) 150 - 100 = 50
#   [01:00, 02:00) (160 - 150) + 2 (counted from 0) + (12 - 2) + (30 - 12) = 40
#   [02:00, 03:00) 60 - 30 = 30
cat >"$tmp/reg.csv" <<'EOF'
time,grid_import_kwh_total
2024-01-01T00:00:00+08:00,100
2024-01-01T00:15:00+08:00,110.5
2024-01-01T00:30:00+08:00,125
2024-01-01T00:45:00+08:00,130
2024-01-01T01:00:00+08:00,150
2024-01-01T01:15:00+08:00,160
2024-01-01T01:30:00+08:00,2
2024-01-01T01:45:00+08:00,12
2024-01-01T02:00:00+08:00,30
2024-01-01T02:15:00+08:00,40
2024-01-01T02:30:00+08:00,45
2024-01-01T02:45:00+08:00,50
2024-01-01T03:00:00+08:00,60
EOF
expect 0 "$zp" import --db "$tmp/reg.db" "$tmp/reg.csv"
# the reset is reported with its CSV line (the 01:30 row is line 8)
contains "$tmp/err" "warning: $tmp/reg.csv:8: counter 'grid_import_kwh_total' went down from 160 to 2: a reset"
expect 0 "$zp" series --db "$tmp/reg.db" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "series: the _total register is a counter in kWh"
import json, sys
s = json.load(open(sys.argv[1]))["series"][0]
assert (s["name"], s["kind"], s["unit"], s["count"]) == ("grid_import_kwh_total", "counter", "kWh", 13), s
PY
expect 0 "$zp" export --db "$tmp/reg.db" --series grid_import_kwh_total --step-min 60
contains "$tmp/err" "counter 'grid_import_kwh_total' went down from 160 to 2 at 2024-01-01T01:30:00+08:00: a reset, counted from 0"
printf 'timestamp,grid_import_kwh\n2024-01-01T00:00:00+08:00,50\n2024-01-01T01:00:00+08:00,40\n2024-01-01T02:00:00+08:00,30\n' >"$tmp/want.csv"
if cmp -s "$tmp/out" "$tmp/want.csv"; then ok; else bad "hourly export of the counter"; diff "$tmp/want.csv" "$tmp/out" >&2; fi
# without --step-min the readings come back as they were
expect 0 "$zp" export --db "$tmp/reg.db" --series grid_import_kwh_total
if [ "$(tail -n +2 "$tmp/out" | cut -d, -f2 | tr '\n' ' ')" = "100 110.5 125 130 150 160 2 12 30 40 45 50 60 " ]; then ok; else bad "counter readings round-trip"; cat "$tmp/out" >&2; fi
# --to inside the data: [01:00, 02:00) is the one hour
expect 0 "$zp" export --db "$tmp/reg.db" --series grid_import_kwh_total --step-min 60 --from 2024-01-01T01:00 --to 2024-01-01T02:00
if [ "$(tail -n +2 "$tmp/out")" = "2024-01-01T01:00:00+08:00,40" ]; then ok; else bad "counter window"; cat "$tmp/out" >&2; fi
# account reads the same register the same way: 40 kWh in that hour, the
# reset listed as a correction with no range added
expect 0 "$zp" account "$src/examples/shaoguan-campus/model.json" --db "$tmp/reg.db" --from 2024-01-01T01:00 --to 2024-01-01T02:00 --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "account of the counter's hour"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["energy_kwh"]["grid_import"] == 40, d["energy_kwh"]
c = d["corrections"]
assert len(c) == 1 and (c[0]["before"], c[0]["after"], c[0]["wrap"]) == (160, 2, 0), c
PY
# import --json lists the drop
expect 0 "$zp" import --db "$tmp/reg2.db" "$tmp/reg.csv" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "import --json reports the counter's drop"
import json, sys
s = json.load(open(sys.argv[1]))["series"][0]
assert s["kind"] == "counter" and s["drops"] == 1 and s["resets"] == 1, s
d = s["first_drops"][0]
assert (d["line"], d["before"], d["after"], d["type"], d["increment"]) == (8, 160, 2, "reset", 2), d
PY
# the kind follows the name: _total and counter go together
expect 2 "$zp" import --db "$tmp/k.db" "$tmp/reg.csv" --kind intensity
contains "$tmp/err" "--kind intensity: series 'grid_import_kwh_total' ends in _total"
expect 2 "$zp" import --db "$tmp/k.db" "$tmp/reg.csv" --series meter=grid_import_kwh_total --kind counter
contains "$tmp/err" "name it with --series meter_total=grid_import_kwh_total"
expect 0 "$zp" import --db "$tmp/k.db" "$tmp/reg.csv" --series site_kwh_total=grid_import_kwh_total --kind counter
expect 2 "$zp" import --db "$tmp/k.db" "$tmp/reg.csv" --kind bogus
contains "$tmp/err" "use power, energy, intensity or counter"

# --- a long random counter against pandas and against the generator ----------
# 14 days of 15-min readings of a 5-digit kWh register that rolls over at
# 100000 and is replaced twice by a meter starting from 0; exported hourly,
# accounted, and checked against (a) pandas applying the documented rule to
# the readings and (b) the energy the generator put in.
"$PY" - "$tmp" <<'PY' || bad "generating the random counter"
import random, sys
random.seed(20240101)
n = 14 * 96 + 1
inc = [round(random.uniform(0, 50), 3) for _ in range(n - 1)]
E = [0.0]
for x in inc:
    E.append(round(E[-1] + x, 3))
base, reg, swaps = 98000.0, [], {300, 900}
offset = 0.0                  # energy already counted when the current meter started
for i in range(n):
    if i in swaps:
        offset = E[i - 1]     # new meter, from 0, at the previous reading's time
    r = base + E[i] - offset if offset == 0.0 else E[i] - offset
    reg.append(round(r % 100000.0, 3))
with open(sys.argv[1] + "/rand.csv", "w") as f:
    f.write("time,grid_import_kwh_total\n")
    for i, r in enumerate(reg):
        m = i * 15
        f.write("2024-03-%02dT%02d:%02d:00+08:00,%.3f\n" % (1 + m // 1440, m // 60 % 24, m % 60, r))
with open(sys.argv[1] + "/truth.txt", "w") as f:
    f.write("\n".join("%.3f" % sum(inc[h * 4:h * 4 + 4]) for h in range((n - 1) // 4)))
PY
expect 0 "$zp" import --db "$tmp/rand.db" "$tmp/rand.csv"
grep -c "went down" "$tmp/err" >"$tmp/ndrops"
expect 0 "$zp" export --db "$tmp/rand.db" --series grid_import_kwh_total --step-min 60 --output "$tmp/rand_h.csv"
expect 0 "$zp" account "$src/examples/shaoguan-campus/model.json" --db "$tmp/rand.db" --json
cp "$tmp/out" "$tmp/acct.json"
"$PY" - "$tmp" <<'PY' && ok || bad "counter: export and account agree with pandas and with the generator"
import json, math, sys
import pandas as pd
d = sys.argv[1]
r = pd.read_csv(d + "/rand.csv", parse_dates=["time"]).set_index("time")["grid_import_kwh_total"]
a, b = r.shift(1), r
def step(a, b):
    if b >= a:
        return b - a
    W = 10 ** (math.floor(math.log10(a)) + 1) if a >= 1 else 1
    return b + W - a if (a >= 0.9 * W and b < 0.1 * W) else b
inc = pd.Series([step(x, y) for x, y in zip(a.iloc[1:], b.iloc[1:])], index=r.index[:-1])
hourly = inc.resample("60min", label="left", closed="left").sum()
got = pd.read_csv(d + "/rand_h.csv", parse_dates=["timestamp"]).set_index("timestamp")["grid_import_kwh"]
assert len(got) == len(hourly) == 336, (len(got), len(hourly))
assert (got.index == hourly.index).all()
assert ((got - hourly).abs() <= 1e-9 * hourly.abs().clip(lower=1)).all(), (got - hourly).abs().max()
truth = [float(x) for x in open(d + "/truth.txt").read().split()]
assert max(abs(g - t) for g, t in zip(got, truth)) < 1e-6, max(abs(g - t) for g, t in zip(got, truth))
drops = int((r.diff() < 0).sum())
assert drops == 3, drops   # one roll-over, two meter changes
acct = json.load(open(d + "/acct.json"))
tot = acct["energy_kwh"]["grid_import"]
assert abs(tot - inc.sum()) <= 1e-9 * inc.sum(), (tot, inc.sum())
kinds = sorted(c["wrap"] for c in acct["corrections"])
assert kinds == [0, 0, 100000], kinds
PY
if [ "$(cat "$tmp/ndrops")" = 3 ]; then ok; else bad "import warned $(cat "$tmp/ndrops") drops, not 3"; fi

# --- header encodings ------------------------------------------------------------
# Latin-1 "café_kw": 0xE9 is byte 9 of "time,caf\xE9_kw"
printf 'time,caf\xe9_kw\n2024-01-01T00:00:00+08:00,1\n2024-01-01T00:15:00+08:00,2\n' >"$tmp/latin1.csv"
expect 2 "$zp" import --db "$tmp/enc.db" "$tmp/latin1.csv"
contains "$tmp/err" "$tmp/latin1.csv:1:9: column 2's name 'caf?_kw' has a byte that is not UTF-8 (0xE9"
contains "$tmp/err" "save the file as UTF-8"
# GBK "负荷_kw" (B8BA BAC9), the encoding of many Chinese Excel exports
printf 'time,\xb8\xba\xba\xc9_kw\n2024-01-01T00:00:00+08:00,1\n2024-01-01T00:15:00+08:00,2\n' >"$tmp/gbk.csv"
expect 2 "$zp" import --db "$tmp/enc.db" "$tmp/gbk.csv"
contains "$tmp/err" "$tmp/gbk.csv:1:6:"
# the same names in UTF-8 import, list and export
printf 'time,caf\xc3\xa9_kw,\xe8\xb4\x9f\xe8\x8d\xb7_kw\n2024-01-01T00:00:00+08:00,1,3\n2024-01-01T00:15:00+08:00,2,4\n' >"$tmp/utf8.csv"
expect 0 "$zp" import --db "$tmp/enc.db" "$tmp/utf8.csv"
expect 0 "$zp" series --db "$tmp/enc.db" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "series lists UTF-8 names"
import json, sys
names = sorted(s["name"] for s in json.load(open(sys.argv[1]))["series"])
assert names == ["café_kw", "负荷_kw"], names
PY
# a series name from the command line is checked too
expect 2 "$zp" import --db "$tmp/enc.db" "$tmp/utf8.csv" --series "$(printf 'x\xe9')=café_kw"
contains "$tmp/err" "series name 'x?' has a byte that is not UTF-8 (0xE9 at byte 2)"
# a store written before names were checked still lists (the name shown with \xE9)
expect 0 "$zp" import --db "$tmp/old.db" "$tmp/utf8.csv"
"$PY" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE series SET name=CAST(X'6361661E9E5F6B77' AS TEXT) WHERE name='café_kw'\"); c.commit()" "$tmp/old.db" 2>/dev/null
"$PY" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE series SET name=CAST(X'636166E95F6B77' AS TEXT) WHERE name LIKE 'caf%'\"); c.commit()" "$tmp/old.db"
expect 0 "$zp" series --db "$tmp/old.db" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "series --json lists a stored name that is not UTF-8"
import json, sys
names = sorted(s["name"] for s in json.load(open(sys.argv[1]))["series"])
assert names == ["caf\\xE9_kw", "负荷_kw"], names
PY
expect 0 "$zp" series --db "$tmp/old.db"
contains "$tmp/out" 'caf\xE9_kw'

# --- the line limit is kept while reading ---------------------------------------
# 300 MB on one line through a pipe, with a limit of 1000 bytes: the error
# names line 3 at column 1001 and comes once about the limit has been read,
# so the writer is cut off (EPIPE) long before 300 MB and the peak memory
# is that of a small import.
cat >"$tmp/pipe.py" <<'PY'
import os, resource, subprocess, sys, time
zp, db, limit = sys.argv[1], sys.argv[2], sys.argv[3]
def run(payload_mb):
    t0 = time.time()
    p = subprocess.Popen([zp, "import", "--db", db, "--max-line-bytes", limit, "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    head = b"time,pv_kw\n2024-01-01T00:00:00+08:00,1\n"
    sent = 0
    try:
        p.stdin.write(head)
        block = b"7" * (1 << 20)
        for _ in range(payload_mb):
            p.stdin.write(block)
            sent += len(block)
        p.stdin.write(b"\n")
        p.stdin.close()
    except BrokenPipeError:
        pass
    err = p.stderr.read().decode()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, err, sent, ru.ru_maxrss, time.time() - t0
rc0, _, _, base_kb, _ = run(0)          # a two-line file: the baseline footprint
rc, err, sent, kb, secs = run(300)
print("rc=%d sent=%d MB maxrss=%d KiB (baseline %d KiB) %.2f s" % (rc, sent >> 20, kb, base_kb, secs))
print(err)
assert rc == 2, rc
assert "<stdin>:3:1001: line is longer than 1000 bytes, the line limit" in err, err
assert "raise the limit with --max-line-bytes" in err, err
assert sent < 64 << 20, sent                 # cut off long before 300 MB
assert kb < base_kb + 32 * 1024, (kb, base_kb)
PY
if "$PY" "$tmp/pipe.py" "$zp" "$tmp/pipe.db" 1000 >"$tmp/pipe.out" 2>&1; then ok; else bad "line limit through a pipe"; cat "$tmp/pipe.out" >&2; fi
head -1 "$tmp/pipe.out"

# --- wording: no API fields, enums or function names reach the user ---------------
: >"$tmp/all_err"
printf 'time,pv_kw\n2024-01-01T00:00:00+08:00,1\n2024-01-01T00:15:00+08:00,%0300d\n' 7 >"$tmp/long.csv"
printf 'time,pv_kw\n2024-01-01T00:00:00+08:00,1\n2024-01-01T00:15:00+08:00,x\n2024-01-01T01:00:00+08:00,\n' >"$tmp/badval.csv"
printf 'time,pv_kw\n2024-01-01T00:00:00+08:00,1\n' >"$tmp/onerow.csv"
printf 'time,pv_kw\n2024-01-01T00:00:00+08:00,1\n2024-01-01T00:15:00+08:00,2\0\n' >"$tmp/nul.csv"
: >"$tmp/empty.csv"
printf 'not a store\n' >"$tmp/text.db"
mkdir -p "$tmp/dir.db"
{ printf 'time,pv_kw\n'; for i in $(seq 0 150); do printf '2024-01-01T%02d:%02d:00+08:00,x\n' $((i / 60)) $((i % 60)); done; } >"$tmp/many.csv"
expect 0 "$zp" import --db "$tmp/w.db" "$tmp/reg.csv"
expect 0 "$zp" import --db "$tmp/w.db" "$tmp/utf8.csv"
cp "$tmp/w.db" "$tmp/future.db"
"$PY" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 99'); c.commit()" "$tmp/future.db"
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/missing.csv"
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/long.csv" --max-line-bytes 100
contains "$tmp/err" "(raise the limit with --max-line-bytes)"
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/long.csv" --max-line-bytes 0
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/badval.csv"
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/onerow.csv"
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/nul.csv"
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/empty.csv"
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/many.csv"
contains "$tmp/err" "reading stopped after the first 100"
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/latin1.csv"
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/reg.csv" --series nosuch
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/reg.csv" --series a=grid_import_kwh_total --series a=grid_import_kwh_total
expect 2 "$zp" import --db "$tmp/w.db" "$tmp/reg.csv" --series grid_import_kwh_total=time
expect_fail "$zp" import --db "$tmp/text.db" "$tmp/reg.csv"
expect_fail "$zp" import --db "$tmp/dir.db" "$tmp/reg.csv"
expect_fail "$zp" import --db "$tmp/no/such/dir.db" "$tmp/reg.csv"
expect 2 "$zp" import --db "$tmp/future.db" "$tmp/reg.csv"
expect 2 "$zp" export --db "$tmp/none.db" --series x
contains "$tmp/err" "no such store; check the path"
expect 2 "$zp" export --db "$tmp/w.db" --series nosuch
expect 2 "$zp" export --db "$tmp/w.db" --series grid_import_kwh_total --step-min 7
expect 2 "$zp" export --db "$tmp/w.db" --series grid_import_kwh_total --step-min 60 --from 2024-01-01T00:15
expect 2 "$zp" export --db "$tmp/w.db" --series café_kw --step-min 60
# [03:00, 04:00) has no reading at its end: an empty field, as any missing value
expect 0 "$zp" export --db "$tmp/w.db" --series grid_import_kwh_total --step-min 60 --from 2024-01-01T02:00 --to 2024-01-01T04:00
if [ "$(tail -n +2 "$tmp/out" | tr '\n' ' ')" = "2024-01-01T02:00:00+08:00,30 2024-01-01T03:00:00+08:00, " ]; then ok; else bad "counter interval without its closing reading"; cat "$tmp/out" >&2; fi
expect 2 "$zp" export --db "$tmp/w.db" --series grid_import_kwh_total,café_kw
expect 2 "$zp" export --db "$tmp/w.db" --series grid_import_kwh_total --from 2030-01-01
expect 2 "$zp" export --db "$tmp/w.db" --series grid_import_kwh_total --output "$tmp/no/such/out.csv"
expect_fail "$zp" export --db "$tmp/text.db" --series x
expect 2 "$zp" export --db "$tmp/future.db" --series x
expect 2 "$zp" series --db "$tmp/none.db"
expect_fail "$zp" series --db "$tmp/text.db"
expect 2 "$zp" series --db "$tmp/future.db"
expect_fail "$zp" series --db "$tmp/dir.db"
if grep -nE 'opts\.|ZP_[A-Z_]+|\bzp_[a-z0-9_]+|sqlite3_' "$tmp/all_err" >"$tmp/leaks"; then
    bad "an error names an API field, enum or function:"; cat "$tmp/leaks" >&2
else ok; fi
# every one of them said where or what
if [ "$(grep -c . "$tmp/all_err")" -ge 30 ]; then ok; else bad "too few messages collected"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
