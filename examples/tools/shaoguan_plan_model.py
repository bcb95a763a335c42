#!/usr/bin/env python3
"""Write the Shaoguan campus with a planning section, for `zeropark plan`.

The campus (examples/shaoguan-campus/model.json) with the five candidates of
the planning benchmark and tests (tests/unit/models/campus-planning.json: a
new rooftop array, more of the carports' array, a new wind farm, more of
bess-1, a new battery), certificates at 8 CNY/MWh up to 400,000 MWh a year,
and the annual (volumetric) green share as its only target. The hourly
(24/7) matched share is not yet a planning target (docs/planning.md).

    python3 examples/tools/shaoguan_plan_model.py OUT.json
    zeropark plan OUT.json --curve min_green_share_pct 80 95 4
"""
import json
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
campus = os.path.join(root, "examples", "shaoguan-campus")
m = json.load(open(os.path.join(campus, "model.json")))
pl = json.load(open(os.path.join(root, "tests", "unit", "models", "campus-planning.json")))
pl["certificates"] = {"price_cny_per_mwh": 8, "max_mwh_per_year": 400000}
m["planning"] = pl
m["targets"] = {"min_green_share_pct": 80}
data = os.path.join(campus, "data")
m["weather"]["csv"] = os.path.join(data, "weather.csv")
for load in m["loads"]:
    load["power_kw"]["csv"] = os.path.join(data, "load.csv")
m["datacenter"]["it_power_kw"]["csv"] = os.path.join(data, "load.csv")
json.dump(m, open(sys.argv[1], "w"), indent=1)
