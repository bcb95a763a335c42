#!/usr/bin/env bash
# run.sh ZEROPARK SOURCE_DIR - command-line tests of `zeropark credits`:
# the Ruyuan story end to end, messages and exit codes, idempotency keys,
# verify after tampering, the auditor's export checked with the procedures
# of docs/credits.md, and random operations against an independent model
# (model.py). Ends with "N passed, N failed".
set -u
zp=$1
src=$2
PY=${ZP_PYTHON:-/usr/bin/python3}
. "$src/tests/need.sh"
need python3 xxd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect() {
    local want=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (want $want): $*"; sed 's/^/  /' "$tmp/err" "$tmp/out" | head -20 >&2; fi
}
contains() {
    if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks: $2"; sed 's/^/  /' "$1" | head -20 >&2; fi
}
db=$tmp/bank.db
c() { "$zp" credits "$1" --db "$db" "${@:2}"; }

# --- help and usage -------------------------------------------------------------
expect 0 "$zp" credits --help
contains "$tmp/out" "usage: zeropark credits OP"
for op in account project issue transfer retire cancel order book balance history verify export; do
    expect 0 "$zp" credits "$op" --help
    contains "$tmp/out" "  $op "
done
expect 2 "$zp" credits
contains "$tmp/err" "missing OP"
expect 2 "$zp" credits transfr --db "$db"
contains "$tmp/err" "'transfr' is not an operation"
expect 2 "$zp" credits balance
contains "$tmp/err" "missing --db FILE"
expect 2 "$zp" credits account --db "$db" --qty 3 --id x
contains "$tmp/err" "credits account takes no --qty"
expect 2 "$zp" credits balance --db "$tmp/none.db"
contains "$tmp/err" "no such ledger"

# --- the Ruyuan ecological bank ---------------------------------------------------
expect 0 c account --id ruyuan-v1 --name "Ruyuan village 1" --kind village
contains "$tmp/out" "account ruyuan-v1 (Ruyuan village 1, village) created, journal entry 1"
expect 0 c account --id ruyuan-v2 --kind village
expect 0 c account --id sg-campus --name "Shaoguan campus" --kind park
expect 0 c account --id broker --kind company
expect 2 c account --id broker
contains "$tmp/err" "account 'broker' already exists"
expect 2 c account --id x --kind bank
contains "$tmp/err" "args.kind: 'bank' is not a kind"
expect 0 c project --id RY-SINK-1 --name "Ruyuan forest sink 1" --standard GDPHCER \
    --location "Ruyuan County, Shaoguan" --area-ha 1520.4 --methodology "forest carbon sink" --owner ruyuan-v1
expect 0 c project --id RY-SINK-2 --standard GDPHCER --location "Ruyuan County" --area-ha 830 \
    --methodology "forest carbon sink" --owner ruyuan-v2
expect 2 c project --id BAD --standard ccer --location x --area-ha 1 --methodology m --owner broker
contains "$tmp/err" "args.standard: 'ccer' is not a standard code"
expect 2 c issue --project RY-SINK-1 --vintage 2023
contains "$tmp/err" "args.qty: missing"
expect 0 c issue --project RY-SINK-1 --vintage 2023 --qty 20000 --verification "verified 2024-03"
contains "$tmp/out" "issued 20000 t to ruyuan-v1: GDPHCER-RY-SINK-1-2023-1-20000"
expect 0 c issue --project RY-SINK-2 --vintage 2023 --qty 12000
contains "$tmp/out" "GDPHCER-RY-SINK-2-2023-1-12000"
# Both villages offer on the market; the campus buys.
expect 0 c order --account ruyuan-v1 --side sell --product GDPHCER-2023 --qty 8000 --price 4500
contains "$tmp/out" "open, 0 fills, 8000 t resting"
expect 0 c order --account ruyuan-v2 --side sell --product GDPHCER-2023 --qty 5000 --price 4200
expect 2 c order --account ruyuan-v2 --side sell --product GDPHCER-2023 --qty 7001 --price 4200
contains "$tmp/err" "holds 12000 t of GDPHCER-2023, 5000 t of it already offered"
expect 0 c book --product GDPHCER-2023
contains "$tmp/out" "ask              4200         5000 1"
# 9000 t at up to 45.00 CNY: 5000 at 42.00 from village 2, 4000 at 45.00 from village 1.
expect 0 c order --account sg-campus --side buy --product GDPHCER-2023 --qty 9000 --price 4500 --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "order fills"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["state"] == "filled" and d["remaining"] == 0, d
f = [(x["seller"], x["qty"], x["price"]) for x in d["fills"]]
assert f == [("ruyuan-v2", 5000, 4200), ("ruyuan-v1", 4000, 4500)], f
assert d["fills"][0]["blocks"] == [["RY-SINK-2", 2023, 1, 5000]], d["fills"][0]["blocks"]
assert d["fills"][1]["blocks"] == [["RY-SINK-1", 2023, 1, 4000]], d["fills"][1]["blocks"]
# what the villages earned: 5000 t * 42.00 + 4000 t * 45.00 = 390,000 CNY
assert sum(x["qty"] * x["price"] for x in d["fills"]) == 39000000
PY
# Insufficient balance names the account, the product and the amounts.
expect 2 c transfer --from sg-campus --to broker --project RY-SINK-1 --vintage 2023 --qty 4001
contains "$tmp/err" "insufficient balance: account 'sg-campus' holds 4000 t of project 'RY-SINK-1' vintage 2023 (GDPHCER-2023); to transfer needs 4001 t"
# Credits offered by open orders cannot leave: village 1 holds 16000, offers 4000.
expect 2 c transfer --from ruyuan-v1 --to broker --project RY-SINK-1 --vintage 2023 --qty 12001
contains "$tmp/err" "4000 t are offered by its open sell orders"
# The campus retires 6000 t against its 2024 emissions.
expect 0 c retire --account sg-campus --project RY-SINK-2 --vintage 2023 --qty 5000 \
    --beneficiary "Shaoguan campus" --purpose "2024 residual emissions" --park "Shaoguan green data-center campus" --year 2024
contains "$tmp/out" "GDPHCER-RY-SINK-2-2023-1-5000"
expect 0 c retire --account sg-campus --serial GDPHCER-RY-SINK-1-2023-1-1000 \
    --beneficiary "Shaoguan campus" --purpose "2024 residual emissions" --park "Shaoguan green data-center campus" --year 2024
expect 2 c retire --account sg-campus --serial GDPHCER-RY-SINK-1-2023-500-600 \
    --beneficiary x --purpose y --park z --year 2024
contains "$tmp/err" "these serials are retired"
expect 0 c offsets --park "Shaoguan green data-center campus" --year 2024
contains "$tmp/out" "6000 t retired"
contains "$tmp/out" "GDPHCER-RY-SINK-1-2023-1-1000"
# Idempotency: the same key twice applies once.
expect 0 c transfer --from sg-campus --to broker --project RY-SINK-1 --vintage 2023 --qty 10 --key req-77 --json
seq1=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$tmp/out")
expect 0 c transfer --from sg-campus --to broker --project RY-SINK-1 --vintage 2023 --qty 10 --key req-77 --json
contains "$tmp/out" '"replayed": true'
seq2=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$tmp/out")
[ "$seq1" = "$seq2" ] && ok || bad "replayed seq $seq2 != $seq1"
expect 2 c transfer --from sg-campus --to broker --project RY-SINK-1 --vintage 2023 --qty 11 --key req-77
contains "$tmp/err" "idempotency key 'req-77' was used for a different request"
expect 0 c balance --account broker --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "broker balance after replay"
import json, sys
d = json.load(open(sys.argv[1]))
h = d["accounts"][0]["holdings"]
assert [(x["project"], x["qty"], x["serials"]) for x in h] == \
    [("RY-SINK-1", 10, ["GDPHCER-RY-SINK-1-2023-1001-1010"])], h
PY
# Cancel the rest of village 1's order; cancel credits.
expect 0 c cancel --order 1 --account ruyuan-v1
contains "$tmp/out" "order 1 cancelled with 4000 t left"
expect 2 c cancel --order 1
contains "$tmp/err" "order 1 is cancelled, not open"
expect 0 c cancel --account ruyuan-v1 --project RY-SINK-1 --vintage 2023 --qty 100 --reason "buffer pool: wildfire"
# Registry totals: 20000 + 12000 issued = held + 6000 retired + 100 cancelled.
expect 0 c balance --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "totals"
import json, sys
d = json.load(open(sys.argv[1]))
pv = {(x["project"], x["vintage"]): x for x in d["project_vintages"]}
a, b = pv[("RY-SINK-1", 2023)], pv[("RY-SINK-2", 2023)]
assert (a["issued"], a["held"], a["retired"], a["cancelled"]) == (20000, 18900, 1000, 100), a
assert (b["issued"], b["held"], b["retired"], b["cancelled"]) == (12000, 7000, 5000, 0), b
tot = {x["account"]: x["total_t"] for x in d["accounts"]}
assert tot == {"broker": 10, "ruyuan-v1": 15900, "ruyuan-v2": 7000, "sg-campus": 2990}, tot
PY
expect 0 c history --account broker
contains "$tmp/out" '"op":"account"'
# An unknown argument is refused, naming the nearest one (it used to be
# ignored: the issuance went to the owner).
expect 2 c issue --args '{"project": "RY-SINK-1", "vintage": 2023, "qty": 5, "too": "broker"}'
contains "$tmp/err" "args.too: issue takes no argument 'too' (did you mean 'to'?); its arguments are project, vintage, qty, to, verification"
expect 2 c balance --args '{"acount": "broker"}'
contains "$tmp/err" "args.acount: balance takes no argument 'acount' (did you mean 'account'?)"
# History comes in pages: 18 entries so far, 5 to a page.
expect 0 c history --limit 5 --after 10
contains "$tmp/out" "more entries: --after 15"
expect 0 c history --limit 5 --after 15 --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "history last page"
import json, sys
d = json.load(open(sys.argv[1]))
assert [e["seq"] for e in d["entries"]] == [16, 17, 18] and d["next"] is None, d
PY
grep -q "more entries" "$tmp/out" && bad "last page says there are more" || ok
# Village 1's history: its cancelled order (entry 17 names only order 1).
expect 0 c history --account ruyuan-v1 --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "history of ruyuan-v1"
import json, sys
d = json.load(open(sys.argv[1]))
seqs = [e["seq"] for e in d["entries"]]
# account (1), project (5), issue (7), its offer (9), the fill that sold 4000 t
# of it (13), the cancellation of that offer (17) and its cancelled credits (18)
assert seqs == [1, 5, 7, 9, 13, 17, 18], seqs
assert d["entries"][5]["entry"]["op"] == "order_cancel", d["entries"][5]
PY
expect 0 c verify
contains "$tmp/out" "ok: "
contains "$tmp/out" "chain and invariants hold"

# --- the auditor's export -------------------------------------------------------------
expect 0 c export --out "$tmp/journal.tsv"
contains "$tmp/out" "journal entries to $tmp/journal.tsv"
head=$(c verify --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["head"])')
# docs/credits.md, procedure 1 (Python).
"$PY" - "$tmp/journal.tsv" "$head" <<'PY' && ok || bad "python audit procedure"
import hashlib, sys
prev = bytes(32)
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    seq, h, entry = line.rstrip(b"\n").split(b"\t", 2)
    assert int(seq) == n, (seq, n)
    prev = hashlib.sha256(prev + entry).digest()
    assert prev.hex() == h.decode(), f"entry {n}: hash mismatch"
assert prev.hex() == sys.argv[2]
PY
# docs/credits.md, procedure 2 (sha256sum and xxd).
if command -v xxd >/dev/null; then
    audit() {
        local prev=0000000000000000000000000000000000000000000000000000000000000000
        while IFS=$'\t' read -r seq hash entry; do
            calc=$({ printf '%s' "$prev" | xxd -r -p; printf '%s' "$entry"; } | sha256sum | cut -d' ' -f1)
            [ "$calc" = "$hash" ] || { echo "entry $seq: bad hash"; return 1; }
            prev=$hash
        done < "$1"
        echo "head $prev"
    }
    audit "$tmp/journal.tsv" >"$tmp/audit" && ok || bad "shell audit procedure"
    contains "$tmp/audit" "head $head"
    sed 's/"qty":9000/"qty":9001/' "$tmp/journal.tsv" >"$tmp/j2.tsv"
    audit "$tmp/j2.tsv" >"$tmp/audit" && bad "shell audit accepted an edited export" || ok
    contains "$tmp/audit" "bad hash"
else
    echo "note: xxd not installed (scripts/deps.sh test installs it); the shell audit procedure is not run" >&2
fi

# --- tampering with the file ---------------------------------------------------------------
cp "$db" "$tmp/t.db"
"$PY" - "$tmp/t.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("UPDATE lg_journal SET entry = replace(entry, '\"qty\":5000', '\"qty\":5001') WHERE seq = 12")
con.commit()
PY
expect 1 "$zp" credits verify --db "$tmp/t.db"
contains "$tmp/out" "FAILED: first bad entry is 12"
cp "$db" "$tmp/t.db"
"$PY" - "$tmp/t.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("UPDATE lg_balance SET qty = qty + 500 WHERE account = 'broker'")
con.commit()
PY
expect 1 "$zp" credits verify --db "$tmp/t.db" --json
contains "$tmp/out" '"ok": false'
contains "$tmp/out" "lg_balance: account 'broker' project 'RY-SINK-1' vintage 2023: qty is 510 in the table but 10 by the journal"
# Un-retire serials by editing lg_block, then retire them again through the
# ledger: the tables allow it, the journal (entries 1-18 so far) now retires
# sg-campus's serials 1-1000 twice (retirement 2, entry 15, and entry 19).
cp "$db" "$tmp/t.db"
"$PY" - "$tmp/t.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
n = con.execute("UPDATE lg_block SET state = 0, retirement = NULL WHERE project = 'RY-SINK-1'"
                " AND first = 1 AND last = 1000 AND state = 1").rowcount
assert n == 1, n
con.commit()
PY
expect 0 "$zp" credits retire --db "$tmp/t.db" --account sg-campus --serial GDPHCER-RY-SINK-1-2023-1-1000 \
    --beneficiary "Shaoguan campus" --purpose again --park "Shaoguan green data-center campus" --year 2024
expect 1 "$zp" credits verify --db "$tmp/t.db"
contains "$tmp/out" "FAILED: first bad entry is 19"
contains "$tmp/out" "entry 19 retires serials 1-1000 of project 'RY-SINK-1' vintage 2023 from 'sg-campus', but by the journal serial 1 is retired (retirement 2)"
expect 2 "$zp" credits offsets --db "$tmp/t.db" --park "Shaoguan green data-center campus" --year 2024
contains "$tmp/err" "the ledger does not verify"
# Every table, edits that keep every total: each named by table, key and column.
tamper() { # SQL, then the text verify must print
    cp "$db" "$tmp/t.db"
    "$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$tmp/t.db" "$1"
    expect 1 "$zp" credits verify --db "$tmp/t.db"
    contains "$tmp/out" "$2"
}
# sg-campus bought 5000 t of RY-SINK-2 (1-5000) and retired them all (entry 14).
tamper "UPDATE lg_retirement SET qty = 4000 WHERE id = 1" \
    "lg_retirement: retirement 1: qty is 4000 in the table but 5000 by the journal (entry 14)"
tamper "UPDATE lg_block SET account = CASE account WHEN 'ruyuan-v2' THEN 'broker' ELSE 'ruyuan-v2' END WHERE state = 0 AND account IN ('ruyuan-v2', 'broker')" \
    "lg_block: project 'RY-SINK-1' vintage 2023 serials 1001-1010: account is 'ruyuan-v2' in the table but 'broker' by the journal"
tamper "UPDATE lg_block SET last = 9000 WHERE project = 'RY-SINK-2' AND first = 5001; INSERT INTO lg_block(project, vintage, first, last, account, state) VALUES('RY-SINK-2', 2023, 9001, 12000, 'ruyuan-v2', 0)" \
    "lg_block: project 'RY-SINK-2' vintage 2023 serials 5001-12000: last is 9000 in the table but 12000 by the journal"
# Order 1 (8000 t) sold 4000 t in entry 13, then was cancelled (entry 17) with 4000 t left.
tamper "UPDATE lg_order SET remaining = 8000 WHERE id = 1" \
    "lg_order: order 1: remaining is 8000 in the table but 4000 by the journal (entry 17)"
tamper "UPDATE lg_fill SET price = 4100 WHERE id = 2" \
    "lg_fill: fill 2: price is 4100 in the table but 4500 by the journal (entry 13)"
tamper "UPDATE lg_project SET area_cha = 152041 WHERE id = 'RY-SINK-1'" \
    "lg_project: project 'RY-SINK-1': area_cha is 152041 in the table but 152040 by the journal (entry 5)"
tamper "UPDATE lg_pv SET vintage = 2022 WHERE project = 'RY-SINK-2'" \
    "lg_pv: project 'RY-SINK-2' vintage 2022: is in the table but not in the journal"
tamper "UPDATE lg_account SET kind = 'government' WHERE id = 'broker'" \
    "lg_account: account 'broker': kind is 'government' in the table but 'company' by the journal (entry 4)"

# --- offsets in the park's report ---------------------------------------------------------
expect 0 c retire --account sg-campus --project RY-SINK-1 --vintage 2023 --qty 500 \
    --beneficiary "Shaoguan campus" --purpose "2024 residual Scope 2" --park "Shaoguan green computing campus" --year 2024
contains "$tmp/out" "GDPHCER-RY-SINK-1-2023-1011-1510"
expect 0 "$zp" report "$src/examples/shaoguan-campus/model.json" --html "$tmp/r.html" --credits-db "$db" --json
"$PY" - "$tmp/out" <<'PY' && ok || bad "report offsets"
import json, sys
d = json.load(open(sys.argv[1]))
o = d["offsets"]
assert o["park"] == "Shaoguan green computing campus" and o["year"] == 2024, o
assert o["retired_t"] == 500, o
assert o["gross_t"] == d["figures"]["total_market_t"], o
assert abs(o["net_t"] - (o["gross_t"] - 500)) < 1e-9, o
assert o["retirements"][0]["serials"] == ["GDPHCER-RY-SINK-1-2023-1011-1510"], o
PY
contains "$tmp/r.html" 'id="offsets-retired" data-v="500"'
contains "$tmp/r.html" "<code>GDPHCER-RY-SINK-1-2023-1011-1510</code>"
expect 0 "$zp" report "$src/examples/shaoguan-campus/model.json" --html "$tmp/r.html" --credits-db "$db" --credits-year 2023
contains "$tmp/out" "credits retired 0 t"
expect 2 "$zp" report "$src/examples/shaoguan-campus/model.json" --html "$tmp/r.html" --credits-year 2024
contains "$tmp/err" "need --credits-db FILE"
# A retirement's quantity and park edited in the table (retirement 2 retired
# serials 1-1000: 1000 t, for the data-center campus): the report would net
# 5000 + 500 t off the computing campus. It refuses the ledger instead and
# writes nothing.
cp "$db" "$tmp/t.db"
"$PY" - "$tmp/t.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("UPDATE lg_retirement SET qty = 5000, park = 'Shaoguan green computing campus' WHERE id = 2")
con.commit()
PY
rm -f "$tmp/r2.html"
expect 2 "$zp" report "$src/examples/shaoguan-campus/model.json" --html "$tmp/r2.html" --credits-db "$tmp/t.db" --json
contains "$tmp/err" "the ledger does not verify: lg_retirement: retirement 2: qty is 5000 in the table but 1000 by the journal (entry 15); park is 'Shaoguan green computing campus' in the table but 'Shaoguan green data-center campus' by the journal (entry 15)"
[ ! -e "$tmp/r2.html" ] && ok || bad "report wrote $tmp/r2.html from a ledger that does not verify"
expect 1 "$zp" credits verify --db "$tmp/t.db"
contains "$tmp/out" "FAILED: the stored state disagrees with the journal"

# --- an independent model against random operations -----------------------------------
# tests/ledger/model.py, written from docs/credits.md alone: random valid and
# refused operations through this command line, compared after every step
# (refusals, fills with their blocks, lg_block row by row in canonical form
# for every sender/receiver pair, self-trades refused).
"$PY" "$src/tests/ledger/model.py" "$zp" "$tmp" >"$tmp/model" 2>&1 && ok || { bad "model property test"; tail -5 "$tmp/model" | sed 's/^/  /' >&2; }
cat "$tmp/model"

echo "credits_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
