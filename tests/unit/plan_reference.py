#!/usr/bin/python3
"""plan_reference.py - the planning LP of docs/planning.md, built on its own
from that page and docs/methodology.md "Optimal dispatch (LP)" (not from
zeropark's code), and solved with SciPy's HiGHS.

  plan_reference.py INPUTS.csv PARAMS.json

INPUTS.csv and PARAMS.json are the problem's inputs as zeropark writes them
(src/lib/plan/inputs.c): per step the firm demand, the flexible arrivals,
the model's PV and wind, each candidate's profile per kWp or kW, the import
cost (price, plus carbon price x factor with cost_with_carbon_price), the
export value, the import limit, the calendar month, the reserve, the
unserved ceiling; and the batteries, flexible loads, penalties, candidates,
purchases, targets and accounting constants. Only inputs: every row,
column, bound and cost is made here.

Prints JSON: objective (the LP's, penalties and epsilon included), the
sizes, seconds (read + build + solve), cpu_s, build_s, solve_s, rows, cols,
nnz. Run with /usr/bin/python3 (Debian's SciPy).
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

INF = np.inf


class LP:
    """Columns and rows added by blocks; entries as (row, col, value) arrays."""

    def __init__(self):
        self.lb, self.ub, self.cost = [], [], []
        self.rlo, self.rhi = [], []
        self.r, self.c, self.v = [], [], []
        self.ncols = self.nrows = 0

    def cols(self, n, lb=0.0, ub=INF, cost=0.0):
        first = self.ncols
        self.lb.append(np.broadcast_to(np.asarray(lb, float), (n,)).copy())
        self.ub.append(np.broadcast_to(np.asarray(ub, float), (n,)).copy())
        self.cost.append(np.broadcast_to(np.asarray(cost, float), (n,)).copy())
        self.ncols += n
        return first + np.arange(n)

    def rows(self, n, lo, hi):
        first = self.nrows
        self.rlo.append(np.broadcast_to(np.asarray(lo, float), (n,)).copy())
        self.rhi.append(np.broadcast_to(np.asarray(hi, float), (n,)).copy())
        self.nrows += n
        return first + np.arange(n)

    def put(self, rows, cols, vals):
        rows, cols = np.asarray(rows), np.asarray(cols)
        self.r.append(np.broadcast_to(rows, np.broadcast_shapes(rows.shape, cols.shape)).ravel())
        self.c.append(np.broadcast_to(cols, np.broadcast_shapes(rows.shape, cols.shape)).ravel())
        self.v.append(np.broadcast_to(np.asarray(vals, float), self.r[-1].shape).ravel())

    def solve(self):
        lb, ub, cost = (np.concatenate(x) for x in (self.lb, self.ub, self.cost))
        lo, hi = np.concatenate(self.rlo), np.concatenate(self.rhi)
        A = sp.csr_matrix((np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
                          shape=(self.nrows, self.ncols))
        eq = np.flatnonzero(lo == hi)
        up = np.flatnonzero((lo != hi) & np.isfinite(hi))
        dn = np.flatnonzero((lo != hi) & np.isfinite(lo))
        A_ub = sp.vstack([A[up], -A[dn]]).tocsr()
        b_ub = np.concatenate([hi[up], -lo[dn]])
        res = linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A[eq], b_eq=lo[eq],
                      bounds=np.column_stack([lb, ub]), method="highs")
        return res, A.nnz


def crf(rate, years):
    return 1.0 / years if rate <= 0 else rate / (1.0 - (1.0 + rate) ** -years)


def build_and_solve(csv_path, params_path):
    t0, cpu0 = time.perf_counter(), time.process_time()
    p = json.load(open(params_path))
    d = np.genfromtxt(csv_path, delimiter=",", names=True)
    t1 = time.perf_counter()
    n, dt = len(d), p["step_h"]
    t = np.arange(n)
    last = n - 1
    st, fl = p["storage"], p["flex"]
    K, J = len(st), len(fl)
    eps, P, Q = p["epsilon"], p["unserved_penalty"], p["reserve_penalty"]
    frac = np.asarray(p["month_fraction"], float)
    f = frac.sum() / 12.0                               # the year share
    month = d["month"].astype(int)
    cands_pv, cands_wind, cands_st = p["pv"], p["wind"], p["storage_candidates"]
    cap = p["max_emissions_t"] is not None
    ind = p.get("max_t_co2_per_tce") is not None
    clean = p.get("min_clean_energy_share_pct") is not None
    green = p["min_green_share_pct"] is not None
    lp = LP()

    # ---- the dispatch LP (docs/methodology.md "Optimal dispatch (LP)") ----
    late = np.zeros(n)
    arr = []
    for j, x in enumerate(fl):
        a = d["flex_kw_%d" % j].astype(float).copy()
        due = t + x["delay_steps"] > last               # deadline past the horizon: firm
        late += np.where(due, a, 0.0)
        a[due] = 0.0
        arr.append(a)
    firm = d["firm_kw"] + late
    imp_cost = d["import_cost"]
    pwr = bool(np.any(imp_cost < 0)) and K > 0

    pv = lp.cols(n, 0, INF if cands_pv else d["pv_kw"])
    wind = lp.cols(n, 0, INF if cands_wind else d["wind_kw"])
    imp = lp.cols(n, 0, np.where(d["import_limit_kw"] >= 1e299, INF, d["import_limit_kw"]), imp_cost * dt)
    exp_ = lp.cols(n, 0, p["export_limit_kw"], -d["export_value"] * dt)
    uns_ub = firm.copy()
    fs, fb = [], []
    for j, x in enumerate(fl):
        D, a = x["delay_steps"], arr[j]
        cs = np.concatenate([[0.0], np.cumsum(a)])
        win = np.maximum(cs[t + 1] - cs[np.maximum(t - D, 0)], 0.0)     # arrivals t-D .. t
        qmax = np.maximum(cs[t + 1] - cs[np.maximum(t - D + 1, 0)], 0.0) if D > 0 else np.zeros(n)
        fs.append(lp.cols(n, 0, win))
        fb.append(lp.cols(n, 0, qmax, eps * dt))
        uns_ub += win
    uns = lp.cols(n, 0, np.minimum(uns_ub, d["uns_max_kw"]), P * dt)
    short = lp.cols(n, 0, INF, Q) if p["reserve"] else None
    candidate_of = {c["storage"]: i for i, c in enumerate(cands_st)}
    ch, dis, soc = [], [], []
    for k, s in enumerate(st):
        E0, P0 = s["energy_kwh"], s["power_kw"]
        sized = k in candidate_of
        e0 = s["soc_initial"] * E0
        soc_lb = np.full(n, s["soc_min"] * E0)
        soc_lb[-1] = max(soc_lb[-1], e0)
        ch.append(lp.cols(n, 0, INF if sized else P0, eps * dt))
        dis.append(lp.cols(n, 0, INF if sized else P0, (eps + s["degradation_cny_per_kwh"]) * dt))
        soc.append(lp.cols(n, 0 if sized else soc_lb, INF if sized else s["soc_max"] * E0))
    peak = lp.cols(len(frac), 0, INF, p["demand_charge_cny_per_kw_month"] * frac) \
        if p["demand_charge_cny_per_kw_month"] > 0 else None

    # the sizes and purchases (docs/planning.md "Added columns")
    rate = p["discount_rate"]
    x_pv = [lp.cols(1, 0, c["max"], f * (c["capex"] * crf(rate, c["lifetime"]) + c["om"]))[0]
            for c in cands_pv]
    y_wd = [lp.cols(1, 0, c["max"], f * (c["capex"] * crf(rate, c["lifetime"]) + c["om"]))[0]
            for c in cands_wind]
    e_st = [lp.cols(1, 0, c["max_kwh"], f * (c["capex_kwh"] * crf(rate, c["lifetime"]) + c["om_kwh"]))[0]
            for c in cands_st]
    q_st = [lp.cols(1, 0, c["max_kw"], f * (c["capex_kw"] * crf(rate, c["lifetime"]) + c["om_kw"]))[0]
            for c in cands_st]
    G = lp.cols(1, 0, p["green_power"]["max"], f * p["green_power"]["price"])[0] if p["green_power"] else None
    C = lp.cols(1, 0, p["certificates"]["max"], f * p["certificates"]["price"])[0] if p["certificates"] else None
    Kc = lp.cols(1, 0, p["credits"]["max"], f * p["credits"]["price"])[0] \
        if p["credits"] and (cap or ind) else None
    s2 = lp.cols(1)[0] if cap or ind else None
    h, a_ = (lp.cols(1)[0], lp.cols(1)[0]) if clean else (None, None)
    g = lp.cols(n) if green else None

    # bal_t: pv + wind + sum dis + imp + uns - exp - sum ch - sum fs = firm + late
    bal = lp.rows(n, firm, firm)
    for cols_, sign in ((pv, 1), (wind, 1), (imp, 1), (uns, 1), (exp_, -1)):
        lp.put(bal, cols_, sign)
    for k in range(K):
        lp.put(bal, dis[k], 1)
        lp.put(bal, ch[k], -1)
    for j in range(J):
        lp.put(bal, fs[j], -1)
    # dyn_k_t: soc_t - soc_{t-1} - eta_c dt ch + dt / eta_d dis = 0 (t = 0: initial energy)
    for k, s in enumerate(st):
        rhs = np.zeros(n)
        rhs[0] = s["soc_initial"] * s["energy_kwh"]
        dyn = lp.rows(n, rhs, rhs)
        lp.put(dyn, soc[k], 1)
        lp.put(dyn[1:], soc[k][:-1], -1)
        lp.put(dyn, ch[k], -s["charge_efficiency"] * dt)
        lp.put(dyn, dis[k], dt / s["discharge_efficiency"])
        if k in candidate_of:
            lp.put(dyn[:1], e_st[candidate_of[k]], -s["soc_initial"])
    # fq_j_t: fb_t - fb_{t-1} + fs_t = a'_t
    for j in range(J):
        fq = lp.rows(n, arr[j], arr[j])
        lp.put(fq, fb[j], 1)
        lp.put(fq[1:], fb[j][:-1], -1)
        lp.put(fq, fs[j], 1)
    # res_t: sum soc + short >= reserve + sum soc_min E (E0 for a battery being sized)
    if p["reserve"]:
        res = lp.rows(n, d["reserve_kwh"] + sum(s["soc_min"] * s["energy_kwh"] for s in st), INF)
        for k, s in enumerate(st):
            lp.put(res, soc[k], 1)
            if k in candidate_of:
                lp.put(res, e_st[candidate_of[k]], -s["soc_min"])
        lp.put(res, short, 1)
    # pwr_k_t: -ch - dis (+ q) >= -P0, only with some import cost below 0
    for k, s in enumerate(st) if pwr else ():
        r = lp.rows(n, -s["power_kw"], INF)
        lp.put(r, ch[k], -1)
        lp.put(r, dis[k], -1)
        if k in candidate_of:
            lp.put(r, q_st[candidate_of[k]], 1)
    # pk_t: peak_m(t) - imp_t >= 0
    if peak is not None:
        pk = lp.rows(n, 0, INF)
        lp.put(pk, peak[month], 1)
        lp.put(pk, imp, -1)

    # ---- the planning rows (docs/planning.md "Added rows and changed bounds") ----
    if cands_pv:                                        # pvcap_t
        r = lp.rows(n, -INF, d["pv_kw"])
        lp.put(r, pv, 1)
        for i in range(len(cands_pv)):
            lp.put(r, x_pv[i], -d["phi_%d" % i])
    if cands_wind:                                      # wdcap_t
        r = lp.rows(n, -INF, d["wind_kw"])
        lp.put(r, wind, 1)
        for i in range(len(cands_wind)):
            lp.put(r, y_wd[i], -d["psi_%d" % i])
    for i, c in enumerate(cands_st):                    # chcap, discap, sochi, soclo
        k = c["storage"]
        s = st[k]
        E0, P0 = s["energy_kwh"], s["power_kw"]
        for cols_ in (ch[k], dis[k]):
            r = lp.rows(n, -INF, P0)
            lp.put(r, cols_, 1)
            lp.put(r, q_st[i], -1)
        r = lp.rows(n, -INF, s["soc_max"] * E0)
        lp.put(r, soc[k], 1)
        lp.put(r, e_st[i], -s["soc_max"])
        sig = np.full(n, s["soc_min"])
        sig[-1] = max(s["soc_min"], s["soc_initial"])
        r = lp.rows(n, sig * E0, INF)
        lp.put(r, soc[k], 1)
        lp.put(r, e_st[i], -sig)
    if G is not None:                                   # gp_m
        for m in range(len(frac)):
            r = lp.rows(1, 0, INF)
            lp.put(r, imp[month == m], dt)
            lp.put(r, G, -1000.0 * frac[m] / 12.0)
    elec_cols = (imp, exp_, pv, wind)                   # electricity: imp - exp + pv + wind
    elec_sign = (1, -1, 1, 1)
    k_e = p.get("k_tce_per_kwh", 0.0)
    if cap or ind:                                      # s2m, emis, ind, cred
        rho = p["rho_kg_per_kwh"]
        r = lp.rows(1, -rho * p["instruments0_mwh"], INF)
        lp.put(r, imp, -rho * dt / 1000.0)
        for col in (G, C):
            if col is not None:
                lp.put(r, col, rho * f)
        lp.put(r, s2, 1)
        if cap:
            r = lp.rows(1, -INF, p["max_emissions_t"] - p["s1_t"])
            lp.put(r, s2, 1)
            if Kc is not None:
                lp.put(r, Kc, -f)
        if ind:                                         # S1 + s2 - fK - L (k E + fuels) <= 0
            L = p["max_t_co2_per_tce"]
            r = lp.rows(1, -INF, L * p["fuels_tce"] - p["s1_t"])
            lp.put(r, s2, 1)
            if Kc is not None:
                lp.put(r, Kc, -f)
            for cols_, sg in zip(elec_cols, elec_sign):
                lp.put(r, cols_, -L * k_e * sg * dt)
        if Kc is not None:
            sh = p["credits"]["share_pct"] / 100.0
            r = lp.rows(1, -INF, sh * p["s1_t"])
            lp.put(r, Kc, f)
            lp.put(r, s2, -sh)
    if clean:                                           # clean-energy share
        sc = p["min_clean_energy_share_pct"] / 100.0
        r = lp.rows(1, -INF, 0)                         # h <= pv + wind - exp + a
        lp.put(r, h, 1)
        lp.put(r, a_, -1)
        lp.put(r, pv, -dt)
        lp.put(r, wind, -dt)
        lp.put(r, exp_, dt)
        r = lp.rows(1, -INF, 1000.0 * p["instruments0_mwh"])   # a <= instruments
        lp.put(r, a_, 1)
        for col in (G, C):
            if col is not None:
                lp.put(r, col, -1000.0 * f)
        r = lp.rows(1, -INF, 0)                         # a <= import
        lp.put(r, a_, 1)
        lp.put(r, imp, -dt)
        r = lp.rows(1, -INF, 0)                         # h <= electricity
        lp.put(r, h, 1)
        for cols_, sg in zip(elec_cols, elec_sign):
            lp.put(r, cols_, -sg * dt)
        r = lp.rows(1, sc * p["fuels_tce"], INF)        # k h >= s (k E + fuels)
        lp.put(r, h, k_e)
        for cols_, sg in zip(elec_cols, elec_sign):
            lp.put(r, cols_, -sc * k_e * sg * dt)
    if green:                                           # gren_t, gcons_t, green
        sh = p["min_green_share_pct"] / 100.0
        r = lp.rows(n, -INF, 0)
        lp.put(r, g, 1)
        lp.put(r, pv, -1)
        lp.put(r, wind, -1)
        r = lp.rows(n, -INF, firm)
        lp.put(r, g, 1)
        lp.put(r, uns, 1)
        for j in range(J):
            lp.put(r, fs[j], -1)
        demand = (d["firm_kw"].sum() + sum(d["flex_kw_%d" % j].sum() for j in range(J))) * dt
        r = lp.rows(1, sh * demand - 1000.0 * (p["certificates0_mwh"] + p["green_power0_mwh"]), INF)
        lp.put(r, g, dt)
        lp.put(r, uns, sh * dt)
        for col in (G, C):
            if col is not None:
                lp.put(r, col, 1000.0 * f)
    t2 = time.perf_counter()
    res, nnz = lp.solve()
    t3 = time.perf_counter()
    if res.status != 0:
        raise SystemExit("plan_reference: HiGHS status %d: %s" % (res.status, res.message))
    sizes = {"pv": [res.x[c] for c in x_pv], "wind": [res.x[c] for c in y_wd],
             "storage_kwh": [res.x[c] for c in e_st], "storage_kw": [res.x[c] for c in q_st]}
    return {"objective": res.fun, "sizes": sizes, "seconds": t3 - t0,
            "cpu_s": time.process_time() - cpu0, "read_s": t1 - t0, "build_s": t2 - t1,
            "solve_s": t3 - t2, "rows": lp.nrows, "cols": lp.ncols, "nnz": nnz}


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    print(json.dumps(build_and_solve(sys.argv[1], sys.argv[2])))


if __name__ == "__main__":
    main()
