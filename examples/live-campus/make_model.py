#!/usr/bin/env python3
"""Writes the live-campus models: the Shaoguan campus (examples/shaoguan-campus)
with a "devices" section pointing at the device simulator on 127.0.0.1:5020.

    model.json      9 devices: PV inverters (SunSpec 103), a wind meter, the
                    grid meter and the data-center and services meters (SunSpec
                    203), the battery (SunSpec 124 plus power and setpoint
                    registers)
    model-200.json  the same park with 200 devices (180 inverters, 10 wind
                    meters, ...) for the 200-device polling benchmark

Usage: make_model.py [--port N] [--poll-ms N] [--out-dir DIR]
"""
import argparse
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def base_model():
    with open(os.path.join(HERE, "..", "shaoguan-campus", "model.json")) as f:
        m = json.load(f)
    m["name"] = "Shaoguan green computing campus (live)"
    # data files stay in the campus example; its prices are its tariff's,
    # by name (grid.tariff), so the live campus pays the same bill
    m["weather"]["csv"] = "../shaoguan-campus/" + m["weather"]["csv"]
    for l in m["loads"]:
        l["power_kw"]["csv"] = "../shaoguan-campus/" + l["power_kw"]["csv"]
    m["datacenter"]["it_power_kw"]["csv"] = "../shaoguan-campus/" + m["datacenter"]["it_power_kw"]["csv"]
    return m


def modbus(name, unit, port, poll_ms, **kw):
    d = {"name": name, "type": "modbus", "host": "127.0.0.1", "port": port, "unit_id": unit}
    if poll_ms != 1000:
        d["poll_ms"] = poll_ms
    d.update(kw)
    return d


def battery(unit, port, poll_ms):
    return modbus("bess-1", unit, port, poll_ms, sunspec="124", storage="bess-1",
                  setpoint_min_kw=-10000, setpoint_max_kw=10000,
                  points=[
                      {"name": "power_kw", "address": 41000, "type": "int32", "scale": 0.001,
                       "unit": "kW", "feeds": "storage.bess-1.power"},
                      {"name": "setpoint_kw", "address": 41002, "type": "int32", "scale": 0.001,
                       "unit": "kW", "writable": True, "min": -10000, "max": 10000},
                  ])


def devices(n_inv_roof, n_inv_car, n_wind, n_dc, n_load, port, poll_ms):
    out, unit = [], 1

    def nxt():
        nonlocal unit
        u = unit
        unit += 1
        return u
    for i in range(n_inv_roof):
        out.append(modbus("inv-roof-%d" % (i + 1), nxt(), port, poll_ms, sunspec="103",
                          feeds="pv.rooftops"))
    for i in range(n_inv_car):
        out.append(modbus("inv-car-%d" % (i + 1), nxt(), port, poll_ms, sunspec="103",
                          feeds="pv.carports"))
    for i in range(n_wind):
        out.append(modbus("wind-meter-%d" % (i + 1), nxt(), port, poll_ms, sunspec="203",
                          feeds="wind.ridge"))
    out.append(modbus("grid-meter", nxt(), port, poll_ms, sunspec="203", feeds="grid.net"))
    for i in range(n_dc):
        out.append(modbus("dc-meter-%d" % (i + 1), nxt(), port, poll_ms, sunspec="203",
                          feeds="datacenter.it"))
    for i in range(n_load):
        out.append(modbus("services-meter-%d" % (i + 1), nxt(), port, poll_ms, sunspec="201",
                          feeds="load.campus-services"))
    out.append(battery(nxt(), port, poll_ms))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=5020)
    ap.add_argument("--poll-ms", type=int, default=1000)
    ap.add_argument("--out-dir", default=HERE)
    a = ap.parse_args()
    m = base_model()
    small = copy.deepcopy(m)
    small["devices"] = devices(2, 1, 1, 1, 1, a.port, a.poll_ms)
    big = copy.deepcopy(m)
    big["name"] += ", 200 devices"
    big["devices"] = devices(90, 90, 10, 4, 4, a.port, a.poll_ms)
    assert len(big["devices"]) == 200
    for name, doc in (("model.json", small), ("model-200.json", big)):
        with open(os.path.join(a.out_dir, name), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
