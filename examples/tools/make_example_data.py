#!/usr/bin/env python3
"""Generate the synthetic series of the example parks (deterministic).

Run from the repository root:  python3 examples/tools/make_example_data.py
Writes examples/shaoguan-campus/data/load.csv and
examples/baoshan-park/data/load.csv (prices come from the tariffs in
data/tariffs, by name).
The examples' weather files are made by `zeropark weather` (see their READMEs).
Every shape below is a documented assumption, not a measurement; each
example's README says so. Standard library only; fixed seeds.
"""
import datetime as dt
import math
import random

def hours(year, offset_h):
    tz = dt.timezone(dt.timedelta(hours=offset_h))
    t = dt.datetime(year, 1, 1, tzinfo=tz)
    end = dt.datetime(year + 1, 1, 1, tzinfo=tz)
    while t < end:
        yield t
        t += dt.timedelta(hours=1)

def stamp(t):
    return t.isoformat()

def shaoguan_load(path):
    """Data-center IT power and campus services (offices, lighting, security).
    IT: 24,000 kW base (80 % of a 30 MW IT design), +/-1,500 kW daily swing
    peaking at 21:00 (evening internet traffic), 3 % lower on weekends,
    Gaussian noise sigma 300 kW. Services: 400 kW at night, 900 kW on
    weekdays 08:00-18:00, noise sigma 30 kW. Seed 2024."""
    rng = random.Random(2024)
    with open(path, "w") as f:
        f.write("timestamp,it_kw,services_kw\n")
        for t in hours(2024, 8):
            weekend = t.weekday() >= 5
            it = 24000 + 1500 * math.cos(2 * math.pi * (t.hour - 21) / 24.0)
            if weekend:
                it *= 0.97
            it += rng.gauss(0, 300)
            svc = 900 if (not weekend and 8 <= t.hour < 18) else 400
            svc += rng.gauss(0, 30)
            f.write("%s,%.1f,%.1f\n" % (stamp(t), it, svc))

def baoshan_load(path):
    """Factory load of a two-shift steel-processing plant: 12,000 kW on
    weekdays 08:00-24:00, 4,000 kW at night, 5,000 kW all day on weekends,
    2,500 kW during the Spring Festival shutdown (2024-02-09..02-17),
    Gaussian noise sigma 250 kW. Seed 2025."""
    rng = random.Random(2025)
    holiday = (dt.date(2024, 2, 9), dt.date(2024, 2, 17))
    with open(path, "w") as f:
        f.write("timestamp,factory_kw\n")
        for t in hours(2024, 8):
            if holiday[0] <= t.date() <= holiday[1]:
                p = 2500
            elif t.weekday() >= 5:
                p = 5000
            else:
                p = 12000 if t.hour >= 8 else 4000
            p = max(0.0, p + rng.gauss(0, 250))
            f.write("%s,%.1f\n" % (stamp(t), p))

if __name__ == "__main__":
    shaoguan_load("examples/shaoguan-campus/data/load.csv")
    baoshan_load("examples/baoshan-park/data/load.csv")
    # Prices are not data here: the campus and the park (and the live campus)
    # are priced by their provinces' tariffs, by name (grid.tariff,
    # data/tariffs).
