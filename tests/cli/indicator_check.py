"""tests/cli/indicator_check.sh's cases: the engine against indicator_ref.py."""
import csv
import json
import math
import os
import re
import subprocess
import sys

zp, src, tmp = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests", "cli"))
import indicator_ref as ref  # noqa: E402

F = ref.Factors(src)
fails, passed = [], [0]


def expect(cond, msg):
    print(("ok - " if cond else "FAIL: ") + msg, file=sys.stdout if cond else sys.stderr)
    if cond:
        passed[0] += 1
    else:
        fails.append(msg)


def run(*args, code=0):
    p = subprocess.run([zp, *args], capture_output=True, text=True, cwd=tmp)
    expect(p.returncode == code,
           f"zeropark {' '.join(args)}: exit {p.returncode} (want {code}) {p.stderr.strip()[:300]}")
    return p


def write(name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    return path


def same(label, mine, engine):
    d = ref.differences(mine, engine)
    expect(not d, f"{label}: the engine's indicator equals the reference" +
           ("" if not d else ": " + "; ".join(d)))


def path(name):
    return os.path.join(tmp, name)


# ---- 1. gas + raw coal + diesel + grid, certificates: simulate and account --
m1 = {"name": "gas coal diesel", "period": {"start": "2023-01-01T00:00:00+08:00",
                                            "end": "2024-01-01T00:00:00+08:00"},
      "grid": {"emission_factor_kg_per_kwh": 0.5306},
      "loads": [{"name": "f", "power_kw": 1000}],
      "fuels": [{"type": "natural_gas", "amount": 100000, "unit": "m3"},
                {"type": "raw_coal", "amount": 1000, "unit": "t"},
                {"type": "diesel", "amount": 50, "unit": "t"}],
      "certificates": {"green_certificates_mwh": 2000}}
ref.write_meters(path("m1.csv"), "2023-01-01T00:00:00+08:00", 8760, 60,
                 lambda t: {"grid_import_kwh": 1000, "load.f_kwh": 1000})
mine1 = ref.indicator(F, m1, *ref.meters(path("m1.csv")))
s1 = json.loads(run("simulate", write("m1.json", m1), "--json").stdout)
a1 = json.loads(run("account", path("m1.json"), "--data", path("m1.csv"), "--json").stdout)
same("gas, coal, diesel, grid: simulate", mine1, s1["indicator"])
same("gas, coal, diesel, grid: account --data", mine1, a1["indicator"])
# targets at the boundary: the reference's value is met (1e-9), 1e-6 beyond is missed
for scale, met in ((1.0, True), (1 - 1e-6, False)):
    m = dict(m1, targets={"max_t_co2_per_tce": mine1["t_co2_per_tce"] * scale,
                          "min_clean_energy_share_pct": mine1["clean_energy_share_pct"] / scale})
    s = json.loads(run("simulate", write("mt.json", m), "--json").stdout)
    a = json.loads(run("account", path("mt.json"), "--data", path("m1.csv"), "--json").stdout)
    expect([t["met"] for t in s["targets"]] == [met, met], f"simulate: targets at x{scale}: met {met}")
    expect([t["met"] for t in a["targets"]] == [met, met], f"account: targets at x{scale}: met {met}")

# Scope 1 as the accounting counts it: refrigerants, the IPCC 2006 fuel set;
# simulate's emissions_t is its indicator's emissions (one figure).
for extra, s1_hand in (({"refrigerants": [{"gas": "R-410A", "leak_kg": 100}]},
                        mine1["emissions_market"] - 6760 * 0.6096 + 100 * 2255.5 / 1000),
                       ({"fuel_set": "ipcc2006"}, None)):
    mx = dict(m1, accounting=extra)
    if "fuel_set" in extra:
        mx["fuels"] = [{"type": "diesel", "amount": 50, "unit": "t"}]
        s1_hand = 50 * 43.0 * 0.0202 * 1.0 * 44 / 12   # IPCC 2006: NCV 43.0, CC 20.2, OF 1
    sx = json.loads(run("simulate", write("mx.json", mx), "--json").stdout)
    expect(abs(sx["emissions_t"]["scope1"] - s1_hand) < 1e-6 * s1_hand and
           abs(sx["emissions_t"]["total_market"] - sx["indicator"]["emissions_t"]["market"]) < 1e-6 and
           abs(sx["emissions_t"]["total_location"] - sx["indicator"]["emissions_t"]["location"]) < 1e-6,
           f"simulate with {extra}: scope 1 {sx['emissions_t']['scope1']} = {s1_hand} by hand, "
           "the indicator's emissions")

# The docs' worked example (docs/methodology.md), a 2023 park: 1000 kW bought
# all year, 100 000 m3 of gas, 2000 MWh of certificates; 2023 takes 2022's
# 300.7 gce/kWh and the 2023 residual mix 0.6096.
ex = dict(m1, fuels=[m1["fuels"][0]])
gj = 100000 * 389.31 / 10000
gas_t, gas_tce = gj * 15.30 / 1000 * 0.99 * 44 / 12, gj / 29.3076
hand = (gas_t + 6760 * 0.6096) / (8760000 * 300.7e-6 + gas_tce)
s = json.loads(run("simulate", write("ex.json", ex), "--json").stdout)["indicator"]
expect(abs(s["t_co2_per_tce"] - hand) < 1e-9 * hand and round(hand, 4) == 1.5675,
       f"the docs' worked example: {hand:.4f} t CO2/tce")
expect(round(100 * 2000000 * 300.7e-6 / (8760000 * 300.7e-6 + gas_tce), 2) == 21.73 and
       abs(s["clean_energy_share_pct"] - 100 * 2000000 * 300.7e-6 /
           (8760000 * 300.7e-6 + gas_tce)) < 1e-9, "the docs' worked example: 21.73 % clean")

# ---- 2. a net exporter: PV, certificates beyond the import ------------------
def exporter(t):
    if 8 <= t.hour < 17:
        return {"grid_import_kwh": 0, "grid_export_kwh": 2000, "pv.roof_kwh": 3000, "load.f_kwh": 1000}
    return {"grid_import_kwh": 800, "grid_export_kwh": 0, "pv.roof_kwh": 0, "load.f_kwh": 800}


ref.write_meters(path("ex.csv"), "2023-01-01T00:00:00+08:00", 8760, 60, exporter)
mA = {"name": "net exporter", "period": m1["period"], "grid": {"export_limit_kw": 5000},
      "fuels": [{"type": "natural_gas", "amount": 50000, "unit": "m3"},
                {"type": "diesel", "amount": 10, "unit": "t"}],
      "certificates": {"green_certificates_mwh": 5000}}
p = run("account", write("A.json", mA), "--data", path("ex.csv"), "--json")
aA = json.loads(p.stdout)
mineA = ref.indicator(F, mA, *ref.meters(path("ex.csv")))
same("net exporter: account --data", mineA, aA["indicator"])
expect(aA["energy_tce"]["electricity_net_kwh"] < 0 < aA["indicator"]["electricity_kwh"],
       "net exporter: import - export < 0, electricity consumed > 0")
p = run("account", path("A.json"), "--data", path("ex.csv"))
m = re.search(r"indicator's energy, tce \(equal value\)\s+([\d,.]+)", p.stdout)
expect(m is not None and abs(float(m.group(1).replace(",", "")) - mineA["energy_equal_value"]) < 0.06,
       "account text: the energy the indicator divides is shown")

# ---- 3. a leap year at 15 minutes, a monthly green-power contract -----------
def leapday(t):
    pv = max(0.0, 400 * math.sin(math.pi * (t.hour + t.minute / 60 - 6) / 12)) / 4 \
        if 6 <= t.hour < 18 else 0.0
    load = (300 if t.month == 2 else 1200) / 4
    return {"grid_import_kwh": max(0.0, load - pv), "grid_export_kwh": max(0.0, pv - load),
            "pv.roof_kwh": pv, "load.f_kwh": load}


ref.write_meters(path("leap.csv"), "2024-01-01T00:00:00+08:00", 8784, 15, leapday)
mB = {"name": "leap contract", "period": {"start": "2024-01-01T00:00:00+08:00",
                                          "end": "2025-01-01T00:00:00+08:00", "step_min": 15},
      "grid": {"export_limit_kw": 5000, "green_power": {"mwh_per_month": 300}},
      "fuels": [{"type": "natural_gas", "amount": 80000, "unit": "m3"},
                {"type": "raw_coal", "amount": 100, "unit": "t"}],
      "certificates": {"green_certificates_mwh": 1000}}
write("B.json", mB)
times, step_h, imp, exp, gen = ref.meters(path("leap.csv"))
aB = json.loads(run("account", path("B.json"), "--data", path("leap.csv"), "--json").stdout)
mineB = ref.indicator(F, mB, times, step_h, imp, exp, gen)
same("leap year, monthly contract: account --data", mineB, aB["indicator"])
expect(aB["indicator"]["full_year"] and
       abs(aB["indicator"]["annual_energy_tce"] - aB["indicator"]["energy_tce"]["equal_value"]) < 1e-6,
       "a whole leap year: annual_energy_tce is the year's energy, not scaled to 8760 h")
F0, T0 = "2024-02-10T00:00:00+08:00", "2024-04-20T00:00:00+08:00"
keep = [i for i, t in enumerate(times) if t.isoformat() >= F0 and t.isoformat() < T0]
cut = lambda v: [v[i] for i in keep]
mineB2 = ref.indicator(F, mB, cut(times), step_h, cut(imp), cut(exp), cut(gen))
aB2 = json.loads(run("account", path("B.json"), "--data", path("leap.csv"), "--from", F0,
                     "--to", T0, "--json").stdout)
same("leap year, part window across February: account --from --to", mineB2, aB2["indicator"])

# ---- 4. the notice's tier at exactly 1 Mtce a year --------------------------
for year in (2023, 2024):
    for gj_heat, tier in ((29307600, 0.3), (29307599.99, 0.2)):
        mt = {"name": "tier", "period": {"start": f"{year}-01-01T00:00:00+08:00",
                                         "end": f"{year + 1}-01-01T00:00:00+08:00"},
              "fuels": [{"type": "purchased_heat", "amount": gj_heat, "unit": "GJ"}]}
        x = json.loads(run("simulate", write("tier.json", mt), "--json").stdout)["indicator"]
        expect(x["notice_limit_t_co2_per_tce"] == tier and x["full_year"],
               f"{year}, {gj_heat / 29.3076:.6f} tce: the {tier} tier "
               f"(annual {x['annual_energy_tce']!r})")

# ---- 5. a park without energy -----------------------------------------------
mZ = {"name": "empty", "period": m1["period"],
      "targets": {"max_t_co2_per_tce": 0.2, "min_clean_energy_share_pct": 90}}
ref.write_meters(path("zero.csv"), "2023-01-01T00:00:00+08:00", 8760, 60,
                 lambda t: {"grid_import_kwh": 0, "load.f_kwh": 0})
p = run("simulate", write("Z.json", mZ), "--json")
z = json.loads(p.stdout)
expect(z["indicator"]["t_co2_per_tce"] is None and z["targets"] == [],
       "no energy: no indicator, its targets not judged")
for cmd in (["simulate", path("Z.json")], ["account", path("Z.json"), "--data", path("zero.csv")]):
    out = run(*cmd).stdout
    expect("n/a%" not in out and re.search(r"clean-energy share.*\bn/a\s*$", out, re.M),
           f"{cmd[0]} text: a clean-energy share without energy reads 'n/a'")

# ---- 6. PV and a battery: account on simulate's flows gives simulate's figures
data = os.path.join(src, "examples", "baoshan-park", "data")
mC = {"name": "pv battery contract", "site": {"lat_deg": 31.40, "lon_deg": 121.49},
      "period": {"start": "2024-01-01T00:00:00+08:00", "end": "2024-02-01T00:00:00+08:00"},
      "weather": {"csv": os.path.join(data, "weather.csv")},
      "grid": {"export_limit_kw": 1000, "green_power": {"mwh_per_month": 900}},
      "pv": [{"name": "roofs", "capacity_kwp": 20000, "tilt_deg": 22, "azimuth_deg": 180}],
      "storage": [{"name": "bess", "energy_kwh": 4000, "power_kw": 2000}],
      "loads": [{"name": "factory", "power_kw": {"csv": os.path.join(data, "load.csv"),
                                                 "column": "factory_kw"}}],
      "fuels": [{"type": "natural_gas", "amount": 50000, "unit": "m3"}],
      "certificates": {"green_certificates_mwh": 500},
      "accounting": {"grid_region": "east"}}
sC = json.loads(run("simulate", write("C.json", mC), "--json", "--csv", path("C-flows.csv")).stdout)
rows = list(csv.DictReader(open(path("C-flows.csv"))))
expect(sum(float(r["storage.bess.discharge_kw"]) for r in rows) > 1000 and
       sum(float(r["curtailed_kw"]) for r in rows) > 0 and
       sum(float(r["grid_export_kw"]) for r in rows) > 0,
       "PV and battery: the month has discharge, curtailment and export")
with open(path("C-meters.csv"), "w") as f:
    f.write("time,grid_import_kw,grid_export_kw,pv.roofs_kw,load.factory_kw,"
            "storage_charge.bess_kw,storage_discharge.bess_kw\n")
    for r in rows:
        v = lambda c: float(r[c])
        f.write(",".join([r["timestamp"]] + [repr(x) for x in (
            v("grid_import_kw"), v("grid_export_kw"), v("pv_available_kw") - v("curtailed_kw"),
            v("consumption_kw"), v("storage.bess.charge_kw"), v("storage.bess.discharge_kw"))]) + "\n")
aC = json.loads(run("account", path("C.json"), "--data", path("C-meters.csv"), "--json").stdout)
mineC = ref.indicator(F, mC, *ref.meters(path("C-meters.csv")))
same("PV, battery, contract: simulate", mineC, sC["indicator"])
same("PV, battery, contract: account on simulate's flows", mineC, aC["indicator"])
for k in ("annual_volumetric", "hourly_matched"):
    a, b = sC["green_share_pct"][k], aC["green_share_pct"][k]
    expect(abs(a - b) <= 1e-9 * max(1, a),
           f"PV, battery: account's {k} green share {b} equals simulate's {a} (green stored, discharged)")

# ---- 7. the report (en, zh) shows what the indicator divides ---------------
for lang in ("en", "zh"):
    run("report", path("C.json"), "--html", path(f"C-{lang}.html"), "--lang", lang)
    page = open(path(f"C-{lang}.html"), encoding="utf-8").read()
    cell = lambda i: (lambda m: float(m.group(1)) if m else None)(
        re.search(r'id="%s"[^>]*data-v="([^"]*)"' % i, page))
    e, ind = cell("energy-indicator-tce"), cell("energy-indicator")
    expect(e is not None and abs(e - mineC["energy_equal_value"]) < 1e-6 * e,
           f"report ({lang}): energy-indicator-tce {e} equals the reference "
           f"{mineC['energy_equal_value']:.6f}")
    expect(e is not None and ind is not None and
           abs(mineC["emissions_market"] / e - ind) < 1e-9 * ind,
           f"report ({lang}): market emissions / energy-indicator-tce = energy-indicator")

# ---- 8. bad targets and a fuel the chosen fuel set lacks: located errors ----
p = run("validate", write("badfuel.json", dict(m1, accounting={"fuel_set": "ipcc2006"})), code=1)
expect(re.search(r"badfuel\.json:\d+:\d+: fuels\[1\]\.type: fuel 'raw_coal' has no factor in "
                 r"the 'ipcc2006' set", p.stdout + p.stderr) is not None,
       "accounting.fuel_set ipcc2006 with raw coal: located at fuels[1].type")
for key, val, words in (("max_t_co2_per_tce", -0.1, "must be at least 0"),
                        ("max_t_co2_per_tce", "0.2", "expected a number"),
                        ("min_clean_energy_share_pct", 101, "out of range 0..100"),
                        ("min_clean_energy_share_pct", -1, "out of range 0..100")):
    p = run("simulate", write("bad.json", dict(m1, targets={key: val})), code=2)
    expect(re.search(r"bad\.json:\d+:\d+: targets\.%s: .*%s" % (key, words), p.stderr) is not None,
           f"{key} {val!r}: located error ({p.stderr.strip()[:120]})")

print(f"{passed[0]} passed, {len(fails)} failed")
sys.exit(1 if fails else 0)
