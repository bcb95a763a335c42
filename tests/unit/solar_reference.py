#!/usr/bin/python3
"""solar_reference.py - independent reference positions of the Sun for
tests/unit/test_solar.c, computed with PyEphem (libastro, VSOP87 theory;
Debian package python3-ephem).

For 30 instants spread over latitudes -60..+60, longitudes -180..180,
elevations 0..3000 m and the years 1950..2050, it prints the topocentric
apparent zenith and azimuth (eastward from north) of the Sun as CSV on
stdout. The output is committed as tests/unit/solar_reference.csv.

Settings, which the C test mirrors:
  * pressure 0, so PyEphem applies no refraction; the test sets
    pressure_hpa 0 on the SPA side, which makes its refraction term zero.
  * delta T is PyEphem's own (ephem.delta_t at the instant), written to
    the CSV so the test gives SPA exactly the same TT - UT.
  * UT1 = UTC (delta UT1 0 on both sides).

Regenerate:  /usr/bin/python3 tests/unit/solar_reference.py > tests/unit/solar_reference.csv
"""
import calendar
import math

import ephem

# Fixed list: (UTC time, latitude, longitude, elevation m). Chosen by hand to
# cover both hemispheres, morning/noon/afternoon, low and high sun, all
# seasons, and the whole 1950..2050 span; a few are below the horizon
# (zenith > 90), which the test still compares (no refraction on either side).
CASES = [
    ("1950-01-01T12:00:00Z", 0.0, 0.0, 0),
    ("1952-06-21T06:15:00Z", 51.4779, -0.0015, 45),
    ("1955-03-20T16:40:00Z", -33.8688, 151.2093, 58),
    ("1958-09-23T21:05:30Z", 40.7128, -74.0060, 10),
    ("1961-12-21T03:30:00Z", 22.5431, 114.0579, 20),
    ("1964-07-04T18:00:00Z", 39.742476, -105.1786, 1830),
    ("1967-11-11T11:11:11Z", -60.0, -45.0, 0),
    ("1970-01-01T00:00:00Z", 60.0, 25.0, 100),
    ("1973-05-15T09:45:00Z", -23.5, -46.6, 760),
    ("1976-08-30T14:20:00Z", 35.6762, 139.6503, 40),
    ("1979-02-28T05:00:00Z", 30.0444, 31.2357, 23),
    ("1982-10-10T23:59:59Z", -12.0464, -77.0428, 154),
    ("1985-04-01T07:30:00Z", 55.7558, 37.6173, 156),
    ("1988-12-31T15:00:00Z", -45.0, 170.0, 300),
    ("1991-06-15T02:10:00Z", 31.2304, 121.4737, 4),
    ("1994-03-03T19:25:00Z", 19.4326, -99.1332, 2240),
    ("1997-09-09T10:00:00Z", -1.2921, 36.8219, 1795),
    ("2000-01-01T12:00:00Z", 24.8138, 113.5973, 60),
    ("2003-10-17T19:30:30Z", 39.742476, -105.1786, 1830.14),
    ("2006-07-20T04:44:00Z", 45.0, 179.9, 0),
    ("2009-11-25T13:13:13Z", -35.0, -179.9, 0),
    ("2012-02-29T08:00:00Z", 10.0, 100.0, 3000),
    ("2015-05-05T17:17:00Z", -55.0, -68.0, 50),
    ("2018-08-08T22:22:22Z", 58.0, -150.0, 20),
    ("2021-03-21T00:00:00Z", 0.0, 180.0, 0),
    ("2024-06-20T12:00:00Z", 23.4, 0.0, 0),
    ("2027-12-01T06:06:06Z", -40.0, 120.0, 500),
    ("2033-04-14T15:30:00Z", 48.8566, 2.3522, 35),
    ("2040-09-30T09:09:09Z", -20.0, 57.5, 1000),
    ("2050-12-31T20:00:00Z", 30.6586, 104.0647, 500),
]


def main():
    print("utc,lat_deg,lon_deg,elevation_m,delta_t_s,zenith_deg,azimuth_deg")
    for utc, lat, lon, elev in CASES:
        tt = calendar.timegm((int(utc[0:4]), int(utc[5:7]), int(utc[8:10]), int(utc[11:13]),
                              int(utc[14:16]), int(utc[17:19]), 0, 0, 0))
        date = ephem.Date("%s/%s/%s %s" % (utc[0:4], utc[5:7], utc[8:10], utc[11:19]))
        assert abs((float(date) - ephem.Date("1970/1/1")) * 86400.0 - tt) < 1e-3
        obs = ephem.Observer()
        obs.lat = math.radians(lat)
        obs.lon = math.radians(lon)
        obs.elevation = elev
        obs.pressure = 0.0  # no refraction
        obs.date = date
        sun = ephem.Sun(obs)
        zen = 90.0 - math.degrees(float(sun.alt))
        az = math.degrees(float(sun.az))
        print("%s,%.6f,%.6f,%.2f,%.4f,%.7f,%.7f" % (utc, lat, lon, elev, ephem.delta_t(date),
                                                   zen, az))


if __name__ == "__main__":
    main()
