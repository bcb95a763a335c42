#!/usr/bin/python3
"""lp_peer.py - the peer for bench/bench_lp.c: the same dispatch LP through
SciPy's HiGHS (scipy.optimize.linprog(method="highs")), the way a Python
planning tool would run it.

  lp_peer.py mps FILE.mps RUNS
      Reads the MPS once (tests/unit/lp_reference.py's parser, untimed),
      then RUNS times: build the sparse arrays from the parsed triplets and
      solve. Prints JSON: median_ms, objective.

  lp_peer.py year INPUTS.csv PARAMS.json
      End to end, timed from here: read the per-step CSV, build the LP of
      docs/methodology.md "Optimal dispatch (LP)" with numpy/scipy.sparse
      (vectorised, the same rows, columns, bounds and costs as zeropark's
      dispatch_lp.c), solve. Prints JSON: seconds (read + build + solve),
      cpu_s (the process's CPU time over the same), read_s, build_s,
      solve_s, objective, rows, cols, nnz.
      With "demand_charge_cny_per_kw_month" > 0 in PARAMS (and a "month"
      column in the CSV, "month_fraction" per month, optional
      "peak_so_far_kw") one peak column per month, at least its peak so
      far, costing the charge x the month's fraction per kW, and a row
      imp_t - peak_month(t) <= 0 per step; a storage's
      "degradation_cny_per_kwh" costs that per kWh discharged.

Run with /usr/bin/python3 (SciPy from Debian).
"""
import json
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "unit"))
import lp_reference  # noqa: E402


def mps_mode(path, runs):
    row_types, er, ec, ev, cost, rhs, lower, upper = lp_reference.read_free_mps(path)
    m, n = len(row_types), len(cost)
    times, obj = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        A = sp.csr_matrix((np.asarray(ev), (np.asarray(er), np.asarray(ec))), shape=(m, n))
        types = np.asarray(row_types)
        b = np.zeros(m)
        b[np.fromiter(rhs.keys(), dtype=np.int64, count=len(rhs))] = \
            np.fromiter(rhs.values(), dtype=float, count=len(rhs))
        eq = np.flatnonzero(types == "E")
        ge = np.flatnonzero(types == "G")
        kw = {}
        if len(ge):
            kw = {"A_ub": -A[ge], "b_ub": -b[ge]}
        res = linprog(np.asarray(cost), A_eq=A[eq], b_eq=b[eq],
                      bounds=np.column_stack([lower, upper]), method="highs", **kw)
        times.append(time.perf_counter() - t0)
        if res.status != 0:
            raise SystemExit("lp_peer: HiGHS status %d: %s" % (res.status, res.message))
        obj = res.fun
    times.sort()
    print(json.dumps({"median_ms": times[len(times) // 2] * 1e3, "objective": obj,
                      "rows": m, "cols": n, "nnz": len(ev)}))


def year_mode(csv_path, params_path):
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    with open(params_path) as f:
        p = json.load(f)
    data = np.genfromtxt(csv_path, delimiter=",", names=True)
    t1 = time.perf_counter()

    n, dt = len(data), p["step_h"]
    st, fl = p["storage"], p["flex"]
    K, J = len(st), len(fl)
    cps, rps = 5 + 3 * K + 2 * J, 1 + K + J
    ncols, nrows = n * cps, n * rps
    t = np.arange(n)
    c0, r0 = t * cps, t * rps
    last = n - 1
    eps, P = p["epsilon"], p["unserved_penalty"]

    rows, cols, vals = [], [], []

    def put(r, c, v):
        rows.append(r)
        cols.append(c)
        vals.append(np.broadcast_to(np.asarray(v, dtype=float), r.shape))

    one = np.ones(n)
    put(r0, c0 + 0, one)
    put(r0, c0 + 1, one)
    put(r0, c0 + 2, one)
    put(r0, c0 + 3, -one)
    put(r0, c0 + 4, one)
    lb = np.zeros(ncols)
    ub = np.full(ncols, np.inf)
    cost = np.zeros(ncols)
    rhs = np.zeros(nrows)

    firm = data["firm_kw"]
    late = np.zeros(n)
    arrs = []
    for j, f in enumerate(fl):
        a = np.array(data["flex_kw_%d" % j], dtype=float)
        due_now = t + f["delay_steps"] > last
        late += np.where(due_now, a, 0.0)
        a[due_now] = 0.0
        arrs.append(a)

    ub[c0 + 0] = data["pv_kw"]
    ub[c0 + 1] = data["wind_kw"]
    ub[c0 + 2] = np.where(np.isinf(data["import_limit_kw"]), np.inf, data["import_limit_kw"])
    ub[c0 + 3] = p["export_limit_kw"]
    cost[c0 + 2] = data["import_cost"] * dt
    cost[c0 + 3] = -data["export_value"] * dt
    cost[c0 + 4] = P * dt
    rhs[r0] = firm + late
    uns_ub = firm + late

    for k, s in enumerate(st):
        cs, rd = c0 + 5 + 3 * k, r0 + 1 + k
        put(r0, cs, -one)
        put(rd, cs, -s["charge_efficiency"] * dt)
        put(r0, cs + 1, one)
        put(rd, cs + 1, dt / s["discharge_efficiency"])
        put(rd, cs + 2, one)
        put(rd[1:], cs[:-1] + 2, -one[:-1])
        ub[cs] = ub[cs + 1] = s["power_kw"]
        cost[cs] = cost[cs + 1] = eps * dt
        e0 = s["soc_initial"] * s["energy_kwh"]
        lb[cs + 2] = s["soc_min"] * s["energy_kwh"]
        ub[cs + 2] = s["soc_max"] * s["energy_kwh"]
        lb[cs[-1] + 2] = max(lb[cs[-1] + 2], e0)
        rhs[rd[0]] = e0

    for j, f in enumerate(fl):
        D, a = f["delay_steps"], arrs[j]
        cf, rq = c0 + 5 + 3 * K + 2 * j, r0 + 1 + K + j
        put(r0, cf, -one)
        put(rq, cf, one)
        put(rq, cf + 1, one)
        put(rq[1:], cf[:-1] + 1, -one[:-1])
        cs_ = np.concatenate([[0.0], np.cumsum(a)])  # cs_[i] = a[0..i-1]
        hi = t + 1
        win = cs_[hi] - cs_[np.maximum(t - D, 0)]
        qmax = cs_[hi] - cs_[np.maximum(t - D + 1, 0)] if D > 0 else np.zeros(n)
        ub[cf] = np.maximum(win, 0.0)
        ub[cf + 1] = np.maximum(qmax, 0.0)
        cost[cf + 1] = eps * dt
        rhs[rq] = a
        uns_ub = uns_ub + np.maximum(win, 0.0)
    ub[c0 + 4] = uns_ub

    for k, s in enumerate(st):
        cost[c0 + 5 + 3 * k + 1] += s.get("degradation_cny_per_kwh", 0.0) * dt
    kw = {}
    charge = p.get("demand_charge_cny_per_kw_month", 0.0)
    if charge > 0:
        frac = np.asarray(p["month_fraction"], dtype=float)
        M = len(frac)
        month = np.asarray(data["month"], dtype=np.int64)
        lb = np.concatenate([lb, np.asarray(p.get("peak_so_far_kw", np.zeros(M)), dtype=float)])
        ub = np.concatenate([ub, np.full(M, np.inf)])
        cost = np.concatenate([cost, charge * frac])
        ncols += M
        A_ub = sp.csr_matrix((np.concatenate([one, -one]),
                              (np.concatenate([t, t]), np.concatenate([c0 + 2, n * cps + month]))),
                             shape=(n, ncols))
        kw = {"A_ub": A_ub, "b_ub": np.zeros(n)}
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(nrows, ncols))
    t2 = time.perf_counter()
    res = linprog(cost, A_eq=A, b_eq=rhs, bounds=np.column_stack([lb, ub]), method="highs", **kw)
    t3 = time.perf_counter()
    cpu = time.process_time() - cpu0
    if res.status != 0:
        raise SystemExit("lp_peer: HiGHS status %d: %s" % (res.status, res.message))
    print(json.dumps({"seconds": t3 - t0, "cpu_s": cpu, "read_s": t1 - t0, "build_s": t2 - t1,
                      "solve_s": t3 - t2, "objective": res.fun,
                      "rows": nrows + (n if kw else 0), "cols": ncols,
                      "nnz": A.nnz + (kw["A_ub"].nnz if kw else 0)}))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "mps":
        mps_mode(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "year":
        year_mode(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
