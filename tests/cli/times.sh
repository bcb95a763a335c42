#!/usr/bin/env bash
# times.sh ZEROPARK SOURCE_DIR - one convention for the times commands print
# (docs/cli.md "Times"): import --json, export and series print at the
# park's local offset (--offset, default +08:00); and export --step-min
# counts its steps from local midnight, so --step-min 1440 gives local days,
# checked against days summed here by hand from the rows written.
set -euo pipefail
zp=$1 src=$2
. "$src/tests/need.sh"
need python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec /usr/bin/python3 - "$zp" "$src" "$tmp" <<'PY'
import datetime as dt, json, os, subprocess, sys
zp, src, tmp = sys.argv[1:4]
fails = []
def expect(cond, msg):
    print(("ok - " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if not cond:
        fails.append(msg)
def run(*args):
    p = subprocess.run([zp, *args], capture_output=True, text=True, cwd=tmp)
    if p.returncode:
        print(f"  zeropark {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()[:300]}", file=sys.stderr)
    return p

# 72 hourly rows from 2024-03-01T00:00+08:00: a load of 100 + h kW and a
# register that counts the same energy (reading at the row's start).
CST = dt.timezone(dt.timedelta(hours=8))
t0 = dt.datetime(2024, 3, 1, tzinfo=CST)
rows, reg = [], 0.0
for h in range(72):
    rows.append((t0 + dt.timedelta(hours=h), 100.0 + h, reg))
    reg += 100.0 + h
rows.append((t0 + dt.timedelta(hours=72), None, reg))  # the register's closing reading
with open(os.path.join(tmp, "h.csv"), "w") as f:
    f.write("timestamp,load_kw\n" + "".join(f"{t.isoformat()},{v}\n" for t, v, _ in rows[:72]))
with open(os.path.join(tmp, "r.csv"), "w") as f:
    f.write("timestamp,grid_import_kwh_total\n" + "".join(f"{t.isoformat()},{r}\n" for t, _, r in rows))

# 1. import --json, export and series print the same instants the same way
p = run("import", "--db", "s.db", "r.csv", "--json")
j = json.loads(p.stdout) if p.returncode == 0 else {"series": [{}]}
s0 = j["series"][0]
expect(s0.get("start") == "2024-03-01T00:00:00+08:00" and s0.get("end") == "2024-03-04T01:00:00+08:00",
       f"import --json: start and end at +08:00 ({s0.get('start')}, {s0.get('end')})")
p = run("export", "--db", "s.db", "--series", "grid_import_kwh_total")
first = p.stdout.splitlines()[1].split(",")[0] if p.returncode == 0 else None
expect(first == s0.get("start"), f"export's first timestamp {first} is import's start")
p = run("series", "--db", "s.db", "--json")
sj = json.loads(p.stdout)["series"][0] if p.returncode == 0 else {}
expect(sj.get("first") == s0.get("start") and sj.get("end") == s0.get("end"),
       f"series --json: first and end as import printed them ({sj.get('first')}, {sj.get('end')})")
p = run("import", "--db", "u.db", "r.csv", "--json", "--offset", "-05:00")
j = json.loads(p.stdout) if p.returncode == 0 else {"series": [{}]}
expect(j["series"][0].get("start") == "2024-02-29T11:00:00-05:00",
       f"import --json --offset -05:00: the same instant at -05:00 ({j['series'][0].get('start')})")

# 2. local days: by hand from the rows, grouped by their local date
run("import", "--db", "d.db", "h.csv")
days = {}
for t, v, _ in rows[:72]:
    days.setdefault(t.date(), []).append(v)
want_mean = [sum(v) / len(v) for v in days.values()]   # 111.5, 135.5, 159.5
want_sum = [sum(v) for v in days.values()]             # 2676, 3252, 3828
p = run("export", "--db", "d.db", "--series", "load_kw", "--step-min", "1440", "--from", "2024-03-01", "--to", "2024-03-04")
got = [(r.split(",")[0], float(r.split(",")[1])) for r in p.stdout.splitlines()[1:]] if p.returncode == 0 else []
expect([g[0] for g in got] == ["2024-03-01T00:00:00+08:00", "2024-03-02T00:00:00+08:00", "2024-03-03T00:00:00+08:00"]
       and all(abs(g[1] - w) < 1e-9 for g, w in zip(got, want_mean)),
       f"export --step-min 1440 of a power: local days, means {want_mean} by hand ({got})")
p = run("export", "--db", "s.db", "--series", "grid_import_kwh_total", "--step-min", "1440",
        "--from", "2024-03-01", "--to", "2024-03-04")
got = [float(r.split(",")[1]) for r in p.stdout.splitlines()[1:]] if p.returncode == 0 else []
expect(len(got) == 3 and all(abs(g - w) < 1e-9 for g, w in zip(got, want_sum)),
       f"export --step-min 1440 of a counter: local days, {want_sum} kWh by hand ({got})")
# the same days seen from another offset are other days: at +00:00 a day
# runs 08:00..08:00 local, so the first whole UTC day is 2024-03-01T00:00Z
p = run("export", "--db", "d.db", "--series", "load_kw", "--step-min", "1440", "--offset", "+00:00",
        "--from", "2024-03-01T00:00Z", "--to", "2024-03-03T00:00Z")
vals = [float(r.split(",")[1]) for r in p.stdout.splitlines()[1:]] if p.returncode == 0 else []
utc = [sum(100.0 + h for h in range(8 + 24 * d, 32 + 24 * d)) / 24 for d in range(2)]  # 119.5, 143.5
expect(len(vals) == 2 and all(abs(a - b) < 1e-9 for a, b in zip(vals, utc)),
       f"--offset +00:00: UTC days, means {utc} by hand ({vals})")
p = run("export", "--db", "d.db", "--series", "load_kw", "--step-min", "1440", "--from", "2024-03-01T03:00")
expect(p.returncode == 2 and "local midnight at +08:00" in p.stderr,
       f"a window off the local-day grid is refused naming it ({p.stderr.strip()[:200]})")

print(f"times: {'FAILED ' + str(len(fails)) if fails else 'all passed'}")
sys.exit(1 if fails else 0)
PY
