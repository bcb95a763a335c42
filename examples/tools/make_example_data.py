#!/usr/bin/env python3
"""Generate the synthetic series of the example parks (deterministic).

Run from the repository root:  python3 examples/tools/make_example_data.py
Writes examples/shaoguan-campus/data/*.csv and examples/baoshan-park/data/*.csv.
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

def placeholder_weather(path, year, offset_h, lat_deg, annual_ghi_kwh_m2, t_mean_c, t_amp_c,
                        wind_mean_m_s, seed):
    """PLACEHOLDER weather: a smooth day-length-aware sine for GHI scaled so
    the year sums to annual_ghi_kwh_m2, a seasonal + daily sine for air
    temperature, and a noisy constant wind speed. It keeps the files
    valid until the weather synthesiser (zeropark weather) replaces it."""
    rng = random.Random(seed)
    rows = []
    raw = []
    for t in hours(year, offset_h):
        doy = t.timetuple().tm_yday
        decl = 23.44 * math.sin(math.radians(360.0 * (284 + doy) / 365.0))
        # Day length from the sunrise equation; solar noon at 12:00 local.
        x = -math.tan(math.radians(lat_deg)) * math.tan(math.radians(decl))
        half_day_h = math.degrees(math.acos(max(-1.0, min(1.0, x)))) / 15.0
        h = t.hour + 0.5 - 12.0
        g = math.cos(math.pi * h / (2 * half_day_h)) if abs(h) < half_day_h else 0.0
        raw.append(g * (0.6 + 0.4 * math.cos(math.radians(lat_deg - decl))))
        temp = (t_mean_c - t_amp_c * math.cos(2 * math.pi * (doy - 20) / 365.0)
                + 3.0 * math.sin(2 * math.pi * (t.hour - 9) / 24.0))
        wind = max(0.0, rng.gauss(wind_mean_m_s, 1.2))
        rows.append([stamp(t), 0.0, round(temp, 2), round(wind, 2)])
    scale = annual_ghi_kwh_m2 * 1000.0 / sum(raw)  # W/m2 per unit so the hours sum to the annual total
    for r, g in zip(rows, raw):
        r[1] = round(g * scale, 1)
    with open(path, "w") as f:
        f.write("timestamp,ghi_w_m2,temp_air_c,wind_speed_m_s\n")
        for r in rows:
            f.write("%s,%.1f,%.2f,%.2f\n" % tuple(r))

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
    placeholder_weather("examples/shaoguan-campus/data/weather.csv", 2024, 8, 24.80,
                        1250.0, 20.5, 8.5, 3.5, seed=1)
    baoshan_load("examples/baoshan-park/data/load.csv")
    placeholder_weather("examples/baoshan-park/data/weather.csv", 2024, 8, 31.40,
                        1300.0, 17.0, 11.0, 3.8, seed=2)
