#!/usr/bin/python3
"""lp_reference.py - an independent optimum for a free-format MPS file.

Reads the MPS with its own small parser (sections ROWS, COLUMNS, RHS,
BOUNDS; no RANGES, no integer markers), builds scipy.sparse matrices and
solves with scipy.optimize.linprog(method="highs"). Prints one line:

    objective <value> status <linprog status> rows <n> cols <n>

With --xform INPUT.json instead of an MPS file it builds the dispatch LP
itself from the inputs, in the textbook delay-variable form of issue 5:
x[j][t][d] = energy of flexible load j arriving at t served at t + d,
d = 0..D_j (only d = 0 when t + D_j is past the last step), sum_d x =
arrival, unserved_t <= demand served at t as a row -- a formulation
independent of zeropark's queue form, so equal optima check the
formulation, not just the solver.

Exit status 0 on an optimal solve, 1 otherwise, 2 when SciPy is missing
(the C test checks for it first, through tests/need.sh). Used by tests/unit/test_lp.c.
"""
import sys


def read_free_mps(path):
    rows = {}          # name -> (index, type)
    row_types = []
    obj_row = None
    cols = {}          # name -> index
    entries_r, entries_c, entries_v = [], [], []
    cost = []
    rhs = {}
    lower, upper = [], []
    section = None
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("*"):
                continue
            if not line[0].isspace():
                head = line.split()
                section = head[0]
                if section == "ENDATA":
                    break
                if section not in ("NAME", "ROWS", "COLUMNS", "RHS", "BOUNDS"):
                    raise SystemExit("lp_reference: unsupported MPS section " + section)
                continue
            f_ = line.split()
            if section == "ROWS":
                typ, name = f_[0], f_[1]
                if typ == "N":
                    if obj_row is None:
                        obj_row = name
                    continue
                rows[name] = len(row_types)
                row_types.append(typ)
            elif section == "COLUMNS":
                if "'MARKER'" in f_:
                    raise SystemExit("lp_reference: integer markers are not supported")
                name = f_[0]
                j = cols.get(name)
                if j is None:
                    j = cols[name] = len(cost)
                    cost.append(0.0)
                    lower.append(0.0)
                    upper.append(float("inf"))
                for k in range(1, len(f_), 2):
                    r, v = f_[k], float(f_[k + 1])
                    if r == obj_row:
                        cost[j] += v
                    else:
                        entries_r.append(rows[r])
                        entries_c.append(j)
                        entries_v.append(v)
            elif section == "RHS":
                for k in range(1, len(f_), 2):
                    r, v = f_[k], float(f_[k + 1])
                    if r == obj_row:
                        raise SystemExit("lp_reference: objective constants are not supported")
                    rhs[rows[r]] = v
            elif section == "BOUNDS":
                typ, name = f_[0], f_[2]
                v = float(f_[3]) if len(f_) > 3 else 0.0
                j = cols[name]
                if typ == "UP":
                    upper[j] = v
                    if v < 0 and lower[j] == 0.0:
                        lower[j] = float("-inf")
                elif typ == "LO":
                    lower[j] = v
                elif typ == "FX":
                    lower[j] = upper[j] = v
                elif typ == "FR":
                    lower[j], upper[j] = float("-inf"), float("inf")
                elif typ == "MI":
                    lower[j] = float("-inf")
                elif typ == "PL":
                    upper[j] = float("inf")
                else:
                    raise SystemExit("lp_reference: unsupported bound type " + typ)
    return row_types, entries_r, entries_c, entries_v, cost, rhs, lower, upper


def solve(path):
    import numpy as np
    import scipy.sparse as sp
    from scipy.optimize import linprog

    row_types, er, ec, ev, cost, rhs, lower, upper = read_free_mps(path)
    m, n = len(row_types), len(cost)
    A = sp.csr_matrix((ev, (er, ec)), shape=(m, n))
    types = np.array(row_types)
    b = np.zeros(m)
    for i, v in rhs.items():
        b[i] = v
    eq = np.flatnonzero(types == "E")
    ge = np.flatnonzero(types == "G")
    le = np.flatnonzero(types == "L")
    A_ub = sp.vstack([-A[ge], A[le]]).tocsr() if len(ge) + len(le) else None
    b_ub = np.concatenate([-b[ge], b[le]]) if A_ub is not None else None
    res = linprog(np.array(cost), A_ub=A_ub, b_ub=b_ub, A_eq=A[eq], b_eq=b[eq],
                  bounds=np.column_stack([lower, upper]), method="highs")
    return res, m, n


def solve_xform(path):
    """The delay-variable LP from a JSON description (see test_lp.c)."""
    import json
    import numpy as np
    import scipy.sparse as sp
    from scipy.optimize import linprog

    with open(path) as f:
        p = json.load(f)
    n, dt = p["steps"], p["step_h"]
    last = n - 1
    P, Q, eps = p["unserved_penalty"], p["reserve_penalty"], p["epsilon"]
    cols_cost, cols_lb, cols_ub = [], [], []
    A_eq, b_eq, A_ub, b_ub = [], [], [], []  # rows as dicts col -> coef

    def var(cost, lb=0.0, ub=float("inf")):
        cols_cost.append(cost)
        cols_lb.append(lb)
        cols_ub.append(ub)
        return len(cols_cost) - 1

    lim = p["import_limit_kw"]
    pv = [var(0.0, 0, p["pv_kw"][t]) for t in range(n)]
    wind = [var(0.0, 0, p["wind_kw"][t]) for t in range(n)]
    imp = [var(p["import_cost"][t] * dt, 0, lim[t] if lim[t] is not None else float("inf"))
           for t in range(n)]
    exp = [var(-p["export_value"][t] * dt, 0, p["export_limit_kw"]) for t in range(n)]
    uns = [var(P * dt) for t in range(n)]
    bal = [dict() for _ in range(n)]
    for t in range(n):
        bal[t][pv[t]] = 1.0
        bal[t][wind[t]] = 1.0
        bal[t][imp[t]] = 1.0
        bal[t][exp[t]] = -1.0
        bal[t][uns[t]] = 1.0
    served_at = [dict() for _ in range(n)]
    for j, fl in enumerate(p["flex"]):
        D, a = fl["delay_steps"], fl["kw"]
        for t in range(n):
            dmax = D if t + D <= last else 0
            row = {}
            for d in range(dmax + 1):
                x = var(eps * d * dt)
                row[x] = 1.0
                bal[t + d][x] = -1.0
                served_at[t + d][x] = 1.0
            A_eq.append(row)
            b_eq.append(a[t])
    energy = []
    for k, s in enumerate(p["storage"]):
        E = s["energy_kwh"]
        e0 = s["soc_initial"] * E
        es = []
        for t in range(n):
            ch = var(eps * dt, 0, s["power_kw"])
            dis = var(eps * dt, 0, s["power_kw"])
            lo = s["soc_min"] * E
            if t == last:
                lo = max(lo, e0)
            e = var(0.0, lo, s["soc_max"] * E)
            bal[t][ch] = -1.0
            bal[t][dis] = 1.0
            row = {e: 1.0, ch: -s["charge_efficiency"] * dt, dis: dt / s["discharge_efficiency"]}
            if t > 0:
                row[es[-1]] = -1.0
            A_eq.append(row)
            b_eq.append(e0 if t == 0 else 0.0)
            es.append(e)
        energy.append((es, s["soc_min"] * E))
    for t in range(n):
        A_eq.append(bal[t])
        b_eq.append(p["firm_kw"][t])
        # unserved <= firm + flexible served at t
        row = {uns[t]: 1.0}
        for x in served_at[t]:
            row[x] = -1.0
        A_ub.append(row)
        b_ub.append(p["firm_kw"][t])
    if p.get("reserve_kwh") is not None:
        for t in range(n):
            short = var(Q)
            row = {short: -1.0}
            base = 0.0
            for es, emin in energy:
                row[es[t]] = -1.0
                base += emin
            A_ub.append(row)
            b_ub.append(-(p["reserve_kwh"][t] + base))
    m = len(cols_cost)

    def mat(rows):
        r, c, v = [], [], []
        for i, row in enumerate(rows):
            for j, x in row.items():
                r.append(i)
                c.append(j)
                v.append(x)
        return sp.csr_matrix((v, (r, c)), shape=(len(rows), m))

    res = linprog(np.array(cols_cost), A_ub=mat(A_ub), b_ub=np.array(b_ub), A_eq=mat(A_eq),
                  b_eq=np.array(b_eq), bounds=np.column_stack([cols_lb, cols_ub]),
                  method="highs")
    return res, len(A_eq) + len(A_ub), m


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--xform":
        try:
            import scipy  # noqa: F401
        except ImportError:
            print("scipy missing")
            sys.exit(2)
        res, m, n = solve_xform(sys.argv[2])
        print("objective %.17g status %d rows %d cols %d" % (
            res.fun if res.status == 0 else float("nan"), res.status, m, n))
        sys.exit(0 if res.status == 0 else 1)
    if len(sys.argv) != 2:
        raise SystemExit("usage: lp_reference.py FILE.mps | --xform INPUT.json")
    try:
        import scipy  # noqa: F401
    except ImportError:
        print("scipy missing")
        sys.exit(2)
    res, m, n = solve(sys.argv[1])
    print("objective %.17g status %d rows %d cols %d" % (res.fun if res.status == 0 else float("nan"),
                                                         res.status, m, n))
    sys.exit(0 if res.status == 0 else 1)


if __name__ == "__main__":
    main()
