#!/usr/bin/python3
"""make_edwc_data.py - inputs of examples/east-data-west-compute (stdlib only, seeded).

Writes, into the example directory (or --out-dir):
  sites.json   4 sites (Shaoguan, Guangzhou, Shenzhen, Gui'an), 2 user regions,
               one week (168 h) of hourly grid intensity, price and on-site green supply
  sites-coupled.json  the same, with Shaoguan coupled to the park model
               ../shaoguan-campus/model.json (surplus PV/wind and PUE from its
               simulation; the campus's green share with and without scheduling)
  jobs-10k.csv (default) or the file given with --jobs-file, N jobs

Intensity: the hourly SHAPE of one week of Electricity Maps data (2022-06-01
00:00 UTC onwards, LCA column), divided by that week's mean and multiplied
by the MEE 2022 factor of the site's grid (docs: reference/carbon-accounting.md):
  Guangdong province 0.4403 kg/kWh for Shaoguan, Guangzhou, Shenzhen, with the
  shape of Spain (ES); Gui'an (Guizhou, South grid) 0.3869 kg/kWh with the shape
  of Brazil (BR, hydro-rich). Electricity Maps data: ODbL 1.0 / DbCL 1.0,
  attribution in the README. The shapes stand in for Chinese hourly data,
  which is not public; the levels are the Chinese factors.

Jobs: resampled from workload/gaia_pai_1k.csv (GAIA, MIT; Alibaba PAI trace):
each job copies a random trace row, release = its arrival hour (the trace
spans one week) jittered by +-30 min, duration = ceil(length / 1 h) capped at
48 h, power = cpus x K kW with K chosen so that the week's IT energy is
--load-factor (default 0.35) of the sites' IT capacity. Class by duration:
1-2 h: interactive with probability 0.5 (a user region, home in that city,
latency bound 2 ms, no slack); >= 8 h: training with probability 0.6
(preemptible, min_chunk 2-4 h, slack 24-72 h); else batch (slack 0-24 h,
preemptible with probability 0.5). Homes of batch/training jobs: Shaoguan 50%,
Guangzhou 25%, Shenzhen 25%.

Usage: make_edwc_data.py [--jobs N] [--seed S] [--jobs-file PATH] [--out-dir DIR]
"""
import argparse
import csv
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("ZP_SHARED_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))
T = 168
START_ROW = 151 * 24  # 2022-06-01 00:00 UTC in the 2022 hourly files

SITES = [
    # name, IT capacity kW, PUE, grid factor, shape, price kind, green peak kW
    ("Shaoguan", 60000, 1.25, 0.4403, "ES", "gd", 20000),
    ("Guangzhou", 30000, 1.40, 0.4403, "ES", "gd", 0),
    ("Shenzhen", 30000, 1.40, 0.4403, "ES", "gd", 0),
    ("Guian", 80000, 1.20, 0.3869, "BR", "gz", 0),
]
REGIONS = ["Guangzhou", "Shenzhen"]
# one-way ms; Shaoguan's from the seeds, the rest assumptions (docs)
LATENCY = {
    "Shaoguan": {"Guangzhou": 1.3, "Shenzhen": 1.66},
    "Guangzhou": {"Guangzhou": 0.5, "Shenzhen": 1.0},
    "Shenzhen": {"Guangzhou": 1.0, "Shenzhen": 0.5},
    "Guian": {"Guangzhou": 10.0, "Shenzhen": 11.0},
}


def shape(zone):
    path = os.path.join(SHARED, "carbon_intensity", "electricitymaps_%s_2022_hourly.csv" % zone)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    v = [float(r[5]) for r in rows[START_ROW:START_ROW + T]]
    m = sum(v) / len(v)
    return [x / m for x in v]


def price(kind, hour):
    """Time-of-use CNY/kWh (assumed; Guangdong peak/flat/valley, Guizhou flatter)."""
    if kind == "gd":
        if 10 <= hour < 12 or 14 <= hour < 19:
            return 1.10
        if 0 <= hour < 8:
            return 0.30
        return 0.65
    return 0.55 if 8 <= hour < 22 else 0.35


def green(peak, hour):
    """Synthetic on-site PV surplus (kW): a half sine from 06:00 to 18:00 local."""
    if peak <= 0 or not 6 <= hour < 18:
        return 0.0
    return round(peak * math.sin(math.pi * (hour - 6 + 0.5) / 12), 1)


def sites_json():
    shapes = {z: shape(z) for z in ("ES", "BR")}
    out = {
        "description": "East Data, West Compute: examples/tools/make_edwc_data.py writes this file",
        "start": "2026-06-01T00:00:00+08:00",
        "slot_min": 60,
        "slots": T,
        "carbon_price_cny_per_t": 100,
        "regions": REGIONS,
        "sites": [],
    }
    for name, cap, pue, factor, zone, pk, gpk in SITES:
        out["sites"].append({
            "name": name,
            "capacity_kw": cap,
            "pue": pue,
            "intensity_kg_per_kwh": [round(factor * s, 4) for s in shapes[zone]],
            "price_cny_per_kwh": [price(pk, t % 24) for t in range(T)],
            "green_kw": [green(gpk, t % 24) for t in range(T)],
            "latency_ms": LATENCY[name],
        })
    return out


def jobs(n, seed):
    rng = random.Random(seed)
    with open(os.path.join(SHARED, "workload", "gaia_pai_1k.csv"), newline="") as f:
        trace = [(float(r["arrival_time"]), float(r["length"]), int(r["cpus"])) for r in csv.DictReader(f)]
    raw = []
    for i in range(n):
        arr, length, cpus = rng.choice(trace)
        dur = min(48, max(1, math.ceil(length / 3600.0)))
        rel = int((arr + rng.uniform(-1800, 1800)) // 3600)
        rel = max(0, min(T - dur, rel))
        u = rng.random()
        if dur <= 2 and u < 0.5:
            region = rng.choice(REGIONS)
            raw.append(["i%d" % i, "interactive", region, region, "2", rel, rel + dur, dur, cpus, "0", ""])
            continue
        home = rng.choices(["Shaoguan", "Guangzhou", "Shenzhen"], [0.5, 0.25, 0.25])[0]
        if dur >= 8 and u < 0.6:
            slack = rng.randint(24, 72)
            raw.append(["t%d" % i, "training", home, "", "", rel, min(T, rel + dur + slack), dur, cpus,
                        "1", str(rng.randint(2, 4))])
        else:
            slack = rng.randint(0, 24)
            raw.append(["b%d" % i, "batch", home, "", "", rel, min(T, rel + dur + slack), dur, cpus,
                        "1" if rng.random() < 0.5 else "0", ""])
    return raw


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20260601)
    ap.add_argument("--load-factor", type=float, default=0.35)
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "examples", "east-data-west-compute"))
    ap.add_argument("--jobs-file", default=None)
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    with open(os.path.join(a.out_dir, "sites.json"), "w") as f:
        json.dump(sites_json(), f, indent=1)
        f.write("\n")
    coupled = sites_json()
    coupled["sites"][0]["park_model"] = "../shaoguan-campus/model.json"
    with open(os.path.join(a.out_dir, "sites-coupled.json"), "w") as f:
        json.dump(coupled, f, indent=1)
        f.write("\n")
    raw = jobs(a.jobs, a.seed)
    cap_kwh = sum(s[1] for s in SITES) * T
    cpu_h = sum(r[7] * r[8] for r in raw)
    k = a.load_factor * cap_kwh / cpu_h  # kW per trace cpu
    path = a.jobs_file or os.path.join(a.out_dir, "jobs-10k.csv" if a.jobs == 10000 else "jobs.csv")
    with open(path, "w", newline="") as f:
        f.write("id,class,home,region,latency_ms,release,deadline,duration,power_kw,preemptible,min_chunk\n")
        for r in raw:
            r[8] = "%.1f" % (r[8] * k)
            f.write(",".join(str(x) for x in r) + "\n")
    print("wrote %s (%d jobs, %.1f kW per trace cpu) and sites.json" % (path, len(raw), k))


if __name__ == "__main__":
    main()
