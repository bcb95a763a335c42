#!/usr/bin/env bash
# counters.sh ZEROPARK SOURCE_DIR - a cumulative register whose reading
# dips by a little (50123.4 -> 50123.3: noise, docs/formats.md "Counters")
# counts 0 for that interval in import, export --step-min and account (CSV
# and store), and the counter goes on from the higher reading; only the
# real reset is reported. Expected values are worked out by hand below.
set -euo pipefail
zp=$1 src=$2
. "$src/tests/need.sh"
need python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec /usr/bin/python3 - "$zp" "$src" "$tmp" <<'PY'
import json, os, subprocess, sys
zp, src, tmp = sys.argv[1:4]
fails = []
def expect(cond, msg):
    print(("ok - " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if not cond:
        fails.append(msg)
def run(*args):
    return subprocess.run([zp, *args], capture_output=True, text=True, cwd=tmp)

# Every 15 min from 00:00 local, by hand:
#   50123.4, 50123.3 (noise: 0), 50123.5 (+0.1 from 50123.4), 50124.0 (+0.5),
#   50123.9 at 01:00 (noise: 0)                          hour 0 = 0.6 kWh
#   50125.0 (+1.0 from 50124.0), 2 (a reset: +2), 3.5 (+1.5), 4.0 (+0.5)
#                                                        hour 1 = 5.0 kWh
# Total 5.6 kWh. Counting each dip as a reset would add 50123.3 + 50123.9.
with open(os.path.join(tmp, "m.csv"), "w") as f:
    f.write("timestamp,grid_import_kwh_total\n")
    for i, v in enumerate(["50123.4", "50123.3", "50123.5", "50124.0", "50123.9", "50125.0", "2", "3.5", "4.0"]):
        f.write(f"2024-03-01T{i // 4:02d}:{15 * (i % 4):02d}:00+08:00,{v}\n")
p = run("import", "--db", "m.db", "m.csv", "--json")
expect(p.returncode == 0, f"import: exit {p.returncode} {p.stderr.strip()[:200]}")
expect(p.stderr.count("went down") == 1 and "m.csv:8:" in p.stderr
       and "50123.3" not in p.stderr, f"import warns of the reset only (line 8), not of the noise: {p.stderr.strip()}")
p = run("export", "--db", "m.db", "--series", "grid_import_kwh_total", "--step-min", "60")
rows = [r.split(",") for r in p.stdout.strip().splitlines()[1:]]
vals = [float(r[1]) for r in rows]
expect(p.returncode == 0 and len(vals) == 2 and abs(vals[0] - 0.6) < 1e-9 and abs(vals[1] - 5.0) < 1e-9,
       f"export --step-min 60: hours 0.6 and 5.0 kWh by hand, got {vals}")
expect(p.stderr.count("went down") == 1, f"export warns of the reset only: {p.stderr.strip()}")
p = run("export", "--db", "m.db", "--series", "grid_import_kwh_total", "--step-min", "15")
vals = [float(r.split(",")[1]) for r in p.stdout.strip().splitlines()[1:]]
want = [0, 0.1, 0.5, 0, 1.0, 2, 1.5, 0.5]
expect(len(vals) == 8 and all(abs(a - b) < 1e-9 for a, b in zip(vals, want)),
       f"export --step-min 15: {want} by hand, got {vals}")
model = os.path.join(src, "examples/shaoguan-campus/model.json")
for how in (["--data", "m.csv"], ["--db", "m.db"]):
    p = run("account", model, *how, "--json")
    ok = p.returncode == 0
    d = json.loads(p.stdout) if ok else {}
    gi = d.get("energy_kwh", {}).get("grid_import")
    expect(ok and gi is not None and abs(gi - 5.6) < 1e-9,
           f"account {' '.join(how)}: grid import 5.6 kWh by hand, got {gi} {p.stderr.strip()[:200]}")
    cs = d.get("corrections", [])
    expect(len(cs) == 1 and cs[0].get("before") == 50125 and cs[0].get("after") == 2,
           f"account {' '.join(how)}: one correction, the reset 50125 -> 2 ({cs})")

print(f"counters: {'FAILED ' + str(len(fails)) if fails else 'all passed'}")
sys.exit(1 if fails else 0)
PY
