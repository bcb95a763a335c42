#!/usr/bin/python3
"""plan_peer.py - the peer of bench/bench_plan.c: the same planning LP built
and solved from Python with SciPy's HiGHS, end to end, the way a PyPSA or
REopt user runs one.

  plan_peer.py INPUTS.csv PARAMS.json

Reads the inputs bench_plan wrote (src/lib/plan/inputs.c), builds the LP of
docs/planning.md with numpy/scipy.sparse (tests/unit/plan_reference.py, the
independent formulation of the unit test) and solves it with
scipy.optimize.linprog(method="highs"). Prints JSON: seconds (read + build +
solve, timed here), cpu_s, read_s, build_s, solve_s, objective, rows, cols,
nnz. Run with /usr/bin/python3.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "unit"))
import plan_reference  # noqa: E402

if len(sys.argv) != 3:
    raise SystemExit(__doc__)
out = plan_reference.build_and_solve(sys.argv[1], sys.argv[2])
del out["sizes"]
print(json.dumps(out))
