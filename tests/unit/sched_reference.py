#!/usr/bin/python3
"""sched_reference.py - an independent optimum for the exact scheduler's MIP.

Reads a free-format MPS file (as written by zp_sched_write_mps) with its own
small parser -- sections NAME, ROWS (N, E, L, G), COLUMNS with
'MARKER' 'INTORG'/'INTEND' integer blocks, RHS, BOUNDS (UP, LO, FX, BV, MI,
PL); no RANGES -- builds scipy.sparse matrices and solves the MIP with
scipy.optimize.milp (HiGHS branch and bound), not with COIN-OR. Prints one
line:

    objective <value> status <milp status> rows <n> cols <n> ints <n>

Usage: sched_reference.py FILE.mps [--time-limit S]

Exit status 0 on an optimal solve, 1 otherwise, 2 when SciPy is missing
(the C test checks for it first, through tests/need.sh). Used by
tests/unit/test_sched_exact.c.
"""
import sys


def read_free_mps(path):
    rows = {}          # name -> index
    row_types = []
    obj_row = None
    cols = {}          # name -> index
    er, ec, ev = [], [], []
    cost, lower, upper, integer = [], [], [], []
    rhs = {}
    section = None
    in_int = False
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("*"):
                continue
            if not line[0].isspace():
                section = line.split()[0]
                if section == "ENDATA":
                    break
                if section not in ("NAME", "ROWS", "COLUMNS", "RHS", "BOUNDS"):
                    raise SystemExit("sched_reference: unsupported MPS section " + section)
                continue
            t = line.split()
            if section == "ROWS":
                typ, name = t[0], t[1]
                if typ == "N":
                    if obj_row is None:
                        obj_row = name
                    continue
                rows[name] = len(row_types)
                row_types.append(typ)
            elif section == "COLUMNS":
                if len(t) >= 3 and t[1] == "'MARKER'":
                    in_int = t[2] == "'INTORG'"
                    continue
                name = t[0]
                j = cols.get(name)
                if j is None:
                    j = cols[name] = len(cost)
                    cost.append(0.0)
                    lower.append(0.0)
                    # MPS: an integer column without bounds is binary.
                    upper.append(1.0 if in_int else float("inf"))
                    integer.append(1 if in_int else 0)
                for k in range(1, len(t), 2):
                    r, v = t[k], float(t[k + 1])
                    if r == obj_row:
                        cost[j] += v
                    else:
                        er.append(rows[r])
                        ec.append(j)
                        ev.append(v)
            elif section == "RHS":
                for k in range(1, len(t), 2):
                    r, v = t[k], float(t[k + 1])
                    if r == obj_row:
                        raise SystemExit("sched_reference: objective constants are not supported")
                    rhs[rows[r]] = v
            elif section == "BOUNDS":
                typ, name = t[0], t[2]
                j = cols[name]
                v = float(t[3]) if len(t) > 3 else 0.0
                if typ == "UP":
                    upper[j] = v
                elif typ == "LO":
                    lower[j] = v
                elif typ == "FX":
                    lower[j] = upper[j] = v
                elif typ == "BV":
                    lower[j], upper[j] = 0.0, 1.0
                    integer[j] = 1
                elif typ == "MI":
                    lower[j] = float("-inf")
                elif typ == "PL":
                    upper[j] = float("inf")
                else:
                    raise SystemExit("sched_reference: unsupported bound type " + typ)
    return row_types, (er, ec, ev), cost, rhs, lower, upper, integer


def main():
    try:
        import numpy as np
        from scipy.optimize import milp, LinearConstraint, Bounds
        from scipy.sparse import csr_matrix
    except ImportError as e:
        print("sched_reference: SciPy missing: %s" % e, file=sys.stderr)
        return 2
    args = sys.argv[1:]
    limit = None
    if "--time-limit" in args:
        i = args.index("--time-limit")
        limit = float(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    row_types, (er, ec, ev), cost, rhs, lower, upper, integer = read_free_mps(args[0])
    m, n = len(row_types), len(cost)
    lo = np.full(m, -np.inf)
    hi = np.full(m, np.inf)
    for i, typ in enumerate(row_types):
        b = rhs.get(i, 0.0)
        if typ in ("E", "G"):
            lo[i] = b
        if typ in ("E", "L"):
            hi[i] = b
    cons = []
    if m:
        a = csr_matrix((ev, (er, ec)), shape=(m, n))
        cons.append(LinearConstraint(a, lo, hi))
    opts = {"disp": False, "mip_rel_gap": 1e-9}
    if limit:
        opts["time_limit"] = limit
    res = milp(np.array(cost), constraints=cons, integrality=np.array(integer),
               bounds=Bounds(np.array(lower), np.array(upper)), options=opts)
    obj = res.fun if res.fun is not None else float("nan")
    print("objective %.17g status %d rows %d cols %d ints %d"
          % (obj, res.status, m, n, sum(integer)))
    return 0 if res.status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
