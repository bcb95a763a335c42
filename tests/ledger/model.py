#!/usr/bin/python3
"""model.py ZEROPARK WORKDIR [SEEDS] [STEPS] - property test of `zeropark credits`
against an independent model of the ledger written from docs/credits.md
alone: serial numbers per project-vintage with their holder and state,
taking by quantity (the lowest serials; for a fill, projects in id order),
the order book (price-time priority, fill at the resting price, limit
orders rest, market orders drop the rest, sell orders reserve, no
self-trade), and the canonical block form (adjacent active ranges of one
holder are one block; each range a retirement or cancellation took is a
block of its own, a retired one carrying its retirement's number).

Random operations (valid ones and ones that must be refused) go through the
command line one by one; after every step the model and the ledger must
agree on whether it was refused, on every fill and the blocks it moved, and
on lg_block row by row. `credits verify` must pass every 25 steps and at
the end. Prints "model: N steps, N refused, N fills" and exits 1 on the
first disagreement.
"""
import json
import os
import random
import sqlite3
import subprocess
import sys

ZP, WORK = sys.argv[1], sys.argv[2]
SEEDS = int(sys.argv[3]) if len(sys.argv) > 3 else 2
STEPS = int(sys.argv[4]) if len(sys.argv) > 4 else 100

ACCOUNTS = ["a0", "a1", "a2", "a3"]
PROJECTS = {"P0": "CCER", "P1": "CCER", "G0": "GDPHCER"}  # id -> standard
VINTAGES = [2022, 2023]


class Refused(Exception):
    pass


class Model:
    def __init__(self):
        # (project, vintage) -> list indexed by serial-1 of [holder, state, group]
        # state: "active", "retired", "cancelled"; group: the retirement
        # number (retired) or a token of the range it was cancelled in.
        self.serials = {}
        self.orders = {}  # id -> dict
        self.tokens = 0

    # -- holdings --------------------------------------------------------------
    def held(self, acct, project, vintage):
        return [i + 1 for i, s in enumerate(self.serials.get((project, vintage), []))
                if s[0] == acct and s[1] == "active"]

    def held_product(self, acct, std, vintage):
        return sum(len(self.held(acct, p, vintage)) for p, s in PROJECTS.items() if s == std)

    def reserved(self, acct, std, vintage):
        return sum(o["remaining"] for o in self.orders.values()
                   if o["state"] == "open" and o["side"] == "sell" and o["account"] == acct
                   and o["std"] == std and o["vintage"] == vintage)

    # -- canonical blocks ------------------------------------------------------------
    def blocks(self):
        """(project, vintage, first, last, holder, state, retirement) rows in
        serial order: adjacent active serials of one holder are one block;
        each range a retirement or cancellation took is a block of its own."""
        code = {"active": 0, "retired": 1, "cancelled": 2}
        res = []
        for (p, v) in sorted(self.serials):
            for i, (h, st, g) in enumerate(self.serials[(p, v)]):
                s, key = i + 1, (h, st, g)
                last = res[-1] if res else None
                if last and last[:2] == [p, v] and last[3] == s - 1 and last[7] == key:
                    last[3] = s
                else:
                    res.append([p, v, s, s, h, code[st], g if st == "retired" else None, key])
        return [tuple(r[:7]) for r in res]

    # -- operations ---------------------------------------------------------------------
    def issue(self, project, vintage, qty, to):
        lst = self.serials.setdefault((project, vintage), [])
        first = len(lst) + 1
        lst.extend([[to, "active", None] for _ in range(qty)])
        return first, first + qty - 1

    def take(self, acct, project, vintage, qty=None, rng=None, verb="transfer"):
        """The serials a transfer, retirement or cancellation takes, or Refused."""
        if rng is not None:
            f, l = rng
            lst = self.serials.get((project, vintage), [])
            if l > len(lst) or any(lst[s - 1][0] != acct or lst[s - 1][1] != "active"
                                   for s in range(f, l + 1)):
                raise Refused("serials not held")
            taken = list(range(f, l + 1))
        else:
            h = self.held(acct, project, vintage)
            if len(h) < qty:
                raise Refused("insufficient balance")
            taken = h[:qty]
        std = PROJECTS[project]
        r = self.reserved(acct, std, vintage)
        if r > 0 and self.held_product(acct, std, vintage) - len(taken) < r:
            raise Refused("reserved by open sell orders")
        return taken

    @staticmethod
    def runs(serials):
        out = []
        for s in serials:
            if out and out[-1][1] == s - 1:
                out[-1][1] = s
            else:
                out.append([s, s])
        return out

    def move(self, project, vintage, taken, to, state, group=None):
        lst = self.serials[(project, vintage)]
        for r in self.runs(taken):
            g = group
            if state == "cancelled":
                self.tokens += 1
                g = "c%d" % self.tokens
            for s in range(r[0], r[1] + 1):
                lst[s - 1] = [to if state == "active" else lst[s - 1][0], state, g]

    def order(self, oid, acct, side, typ, std, vintage, qty, price):
        """Returns the predicted fills [(maker, seller, buyer, price, qty, blocks)], the
        remaining quantity and the state; raises Refused (and changes nothing)."""
        if side == "sell" and self.held_product(acct, std, vintage) - self.reserved(acct, std, vintage) < qty:
            raise Refused("insufficient balance for the offer")
        opp = "sell" if side == "buy" else "buy"
        book = sorted((o for o in self.orders.values()
                       if o["state"] == "open" and o["side"] == opp and o["std"] == std
                       and o["vintage"] == vintage),
                      key=lambda o: (o["price"] if opp == "sell" else -o["price"], o["id"]))
        plan, left = [], qty
        for o in book:
            if left == 0:
                break
            if typ == "limit" and (o["price"] > price if side == "buy" else o["price"] < price):
                break
            if o["account"] == acct:
                raise Refused("self-trade")
            q = min(left, o["remaining"])
            plan.append((o, q))
            left -= q
        # Apply: each fill moves the seller's lowest serials of the product,
        # projects in id order.
        fills = []
        for o, q in plan:
            seller = o["account"] if side == "buy" else acct
            buyer = acct if side == "buy" else o["account"]
            need, blocks = q, []
            for p in sorted(p for p, s in PROJECTS.items() if s == std):
                if need == 0:
                    break
                h = self.held(seller, p, vintage)[:need]
                if not h:
                    continue
                self.move(p, vintage, h, buyer, "active")
                blocks += [[p, vintage, r[0], r[1]] for r in self.runs(h)]
                need -= len(h)
            assert need == 0, "the model's seller ran short: reservation broken"
            o["remaining"] -= q
            if o["remaining"] == 0:
                o["state"] = "filled"
            fills.append((o["id"], seller, buyer, o["price"], q, blocks))
        state = "filled" if left == 0 else ("cancelled" if typ == "market" else "open")
        self.orders[oid] = {"id": oid, "account": acct, "side": side, "std": std,
                            "vintage": vintage, "price": price, "remaining": left, "state": state}
        return fills, left, state


def cli(db, op, args):
    r = subprocess.run([ZP, "credits", op, "--db", db, "--json", "--args", json.dumps(args)],
                       capture_output=True, text=True, timeout=120)
    if r.returncode not in (0, 2):
        raise SystemExit(f"credits {op} {args}: exit {r.returncode}: {r.stderr.strip()}")
    return r.returncode, (json.loads(r.stdout) if r.returncode == 0 else r.stderr.strip())


def table_blocks(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT project, vintage, first, last, account, state, retirement"
                       " FROM lg_block ORDER BY project, vintage, first").fetchall()
    con.close()
    return [tuple(r) for r in rows]


def run_seed(seed):
    rnd = random.Random(seed)
    db = os.path.join(WORK, f"model{seed}.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    m = Model()
    for a in ACCOUNTS:
        assert cli(db, "account", {"id": a})[0] == 0
    for p, s in PROJECTS.items():
        assert cli(db, "project", {"id": p, "standard": s, "location": "x", "area_ha": 10,
                                   "methodology": "m", "owner": "a0"})[0] == 0
    refused = nfills = 0
    for step in range(STEPS):
        a, b = rnd.choice(ACCOUNTS), rnd.choice(ACCOUNTS)
        # Mostly one vintage: the orders of a product then meet each other.
        p, v = rnd.choice(sorted(PROJECTS)), VINTAGES[1] if rnd.random() < 0.8 else VINTAGES[0]
        std = PROJECTS[p]
        u = rnd.random()
        n_issued = len(m.serials.get((p, v), []))

        def pick_spec(acct):
            """args for what to take: by qty (mostly within the holding) or a serial range."""
            h = m.held(acct, p, v)
            if rnd.random() < 0.5 or n_issued == 0:
                q = rnd.randint(1, max(1, len(h) + 2)) if rnd.random() < 0.85 else rnd.randint(1, 80)
                return {"project": p, "vintage": v, "qty": q}, dict(qty=q)
            if h and rnd.random() < 0.75:
                runs = Model.runs(h)
                f0, l0 = rnd.choice(runs)
                f = rnd.randint(f0, l0)
                l = rnd.randint(f, l0 if rnd.random() < 0.8 else min(n_issued, l0 + 3))
            else:
                f = rnd.randint(1, n_issued)
                l = rnd.randint(f, min(n_issued + 2, f + 20))
            return {"serial": f"{std}-{p}-{v}-{f}-{l}"}, dict(rng=(f, l))

        if u < 0.15 or (n_issued == 0 and u < 0.5):
            op, q = "issue", rnd.randint(1, 40)
            args = {"project": p, "vintage": v, "qty": q, "to": a}
        elif u < 0.4:
            op = "transfer"
            spec, kw = pick_spec(a)
            args = dict(spec, **{"from": a, "to": b})
        elif u < 0.5:
            op = "retire"
            spec, kw = pick_spec(a)
            args = dict(spec, account=a, beneficiary="b", purpose="p", park="k", year=2024)
        elif u < 0.56:
            op = "cancel"
            spec, kw = pick_spec(a)
            args = dict(spec, account=a, reason="r")
        elif u < 0.94:
            op = "order"
            side = rnd.choice(["buy", "sell"])
            holders = [x for x in ACCOUNTS if m.held_product(x, std, v) > m.reserved(x, std, v)]
            if side == "sell" and holders and rnd.random() < 0.8:
                a = rnd.choice(holders)  # mostly a seller that has something to offer
            typ = "market" if rnd.random() < 0.15 else "limit"
            held = m.held_product(a, std, v) - m.reserved(a, std, v)
            q = rnd.randint(1, max(1, held // 2 + 5) if side == "sell" else 30)
            price = rnd.randint(4997, 5003)
            args = {"account": a, "side": side, "type": typ, "product": f"{std}-{v}", "qty": q}
            if typ == "limit":
                args["price"] = price
        else:
            op = "cancel"
            open_ids = sorted(i for i, o in m.orders.items() if o["state"] == "open")
            oid = rnd.choice(open_ids) if open_ids and rnd.random() < 0.8 else rnd.randint(1, 50)
            args = {"order": oid}

        code, res = cli(db, op, args)
        # The model's answer.
        try:
            if op == "issue":
                f, l = m.issue(p, v, args["qty"], a)
                if code == 0 and (res["first"], res["last"]) != (f, l):
                    raise SystemExit(f"seed {seed} step {step}: issue gave {res['first']}-{res['last']}, model {f}-{l}")
            elif op in ("transfer", "retire") or (op == "cancel" and "order" not in args):
                if op == "transfer" and a == b:
                    raise Refused("transfer to oneself")
                taken = m.take(a, p, v, **kw)
                if code == 0:
                    if op == "transfer":
                        m.move(p, v, taken, b, "active")
                    elif op == "retire":
                        m.move(p, v, taken, a, "retired", res["retirement"])
                    else:
                        m.move(p, v, taken, a, "cancelled")
                    got = [s.rsplit("-", 2)[1:] for s in res["serials"]]
                    want = [[str(r[0]), str(r[1])] for r in Model.runs(taken)]
                    if got != want:
                        raise SystemExit(f"seed {seed} step {step}: {op} {args} took {res['serials']}, model {want}")
            elif op == "cancel":
                o = m.orders.get(args["order"])
                if not o or o["state"] != "open":
                    raise Refused("order not open")
                if code == 0:
                    o["state"] = "cancelled"
            else:
                if code == 0:
                    fills, left, state = m.order(res["order"], a, args["side"], args["type"], std, v,
                                                 args["qty"], args.get("price", 0))
                    got = [(f["sell_order"] if args["side"] == "buy" else f["buy_order"], f["seller"],
                            f["buyer"], f["price"], f["qty"], f["blocks"]) for f in res["fills"]]
                    if got != fills or (res["remaining"], res["state"]) != (left, state):
                        raise SystemExit(f"seed {seed} step {step}: order {args}:\n ledger {got} "
                                         f"{res['remaining']} {res['state']}\n model  {fills} {left} {state}")
                    nfills += len(fills)
                else:
                    # Refused: the model must refuse too (and then changes nothing).
                    m.order(-1, a, args["side"], args["type"], std, v, args["qty"], args.get("price", 0))
                    raise SystemExit(f"seed {seed} step {step}: order {args} refused ({res}); the model "
                                     f"fills it")
            if code != 0:
                raise SystemExit(f"seed {seed} step {step}: {op} {args} refused ({res}); the model takes it")
        except Refused as why:
            if code == 0:
                raise SystemExit(f"seed {seed} step {step}: {op} {args} done; the model refuses it ({why})")
            refused += 1
        tb, mb = table_blocks(db), m.blocks()
        if tb != mb:
            diff = [(x, y) for x, y in zip(tb, mb) if x != y][:3]
            raise SystemExit(f"seed {seed} step {step} after {op} {args}: lg_block differs from the "
                             f"model's canonical blocks; first: {diff or (tb[len(mb):] or mb[len(tb):])[:3]}")
        if step % 25 == 24 or step == STEPS - 1:
            r = subprocess.run([ZP, "credits", "verify", "--db", db], capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"seed {seed} step {step}: verify failed: {r.stdout}")
    return refused, nfills


total_ref = total_fills = 0
for seed in range(1, SEEDS + 1):
    r, f = run_seed(seed)
    total_ref += r
    total_fills += f
print(f"model: {SEEDS * STEPS} steps, {total_ref} refused, {total_fills} fills")
# A test that cannot fail is a defect: the mix must exercise both outcomes.
if total_ref < SEEDS * STEPS // 10 or total_fills < SEEDS * 5:
    raise SystemExit(f"model: too few refusals ({total_ref}) or fills ({total_fills}) to mean much")
