"""Port Halden, a fictional city for the demo and the tests: 8 districts, 40 tracts and a
year of crashes, made up deterministically (the same seed gives the same city). Its
coordinates sit in open ocean on purpose, so nobody mistakes it for a real place.

``demo_city_files()`` returns the GeoJSON and CSV texts that the ordinary importers read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from typing import Any

CITY = "Port Halden (fictional)"
# South Atlantic, far from any coast: a made-up city cannot be confused with a real one.
ORIGIN_LON, ORIGIN_LAT = -20.0, -30.0
TRACT_DEG = 0.01  # about a kilometre
DISTRICTS = [
    ("harbour", "Harbour"),
    ("old-town", "Old Town"),
    ("millbrook", "Millbrook"),
    ("eastgate", "Eastgate"),
    ("riverside", "Riverside"),
    ("hillcrest", "Hillcrest"),
    ("north-fields", "North Fields"),
    ("southmoor", "Southmoor"),
]
TRACTS_PER_DISTRICT = 5  # a district is a 5x1 column strip of tracts: 8 x 5 = 40 tracts


def _square(col: int, row: int, rng: random.Random) -> list[list[float]]:
    x0, y0 = ORIGIN_LON + col * TRACT_DEG, ORIGIN_LAT + row * TRACT_DEG
    d = TRACT_DEG
    return [[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]


def _feature(props: dict[str, Any], ring: list[list[float]]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def demo_city_files(seed: int = 2026, year: int = 2026) -> dict[str, str]:
    rng = random.Random(seed)
    district_features, tract_features = [], []
    for col, (code, name) in enumerate(DISTRICTS):
        wealth = 0.45 + 0.15 * col + rng.uniform(-0.1, 0.1)  # poorer in the west
        population = households = 0
        for row in range(TRACTS_PER_DISTRICT):
            people = rng.randrange(2500, 6500)
            homes = int(people / rng.uniform(2.1, 2.9))
            income = int(30000 * wealth + rng.randrange(-4000, 4000) + 12000)
            poverty = max(0.03, min(0.45, 0.42 - 0.3 * wealth + rng.uniform(-0.04, 0.04)))
            props = {
                "geoid": f"PH{col + 1:02d}{row + 1:02d}",
                "name": f"{name} {row + 1}",
                "district": code,
                "population": people,
                "households": homes,
                "median_household_income": income,
                "poverty_rate": round(poverty, 3),
                "vulnerability_index": round(min(1.0, poverty * 1.8 + rng.uniform(0, 0.1)), 3),
                "share_people_of_colour": round(
                    min(0.95, 0.9 - 0.4 * wealth + rng.uniform(0, 0.1)), 3
                ),
            }
            tract_features.append(_feature(props, _square(col, row, rng)))
            population += people
            households += homes
        x0 = ORIGIN_LON + col * TRACT_DEG
        y1 = ORIGIN_LAT + TRACTS_PER_DISTRICT * TRACT_DEG
        ring = [
            [x0, ORIGIN_LAT],
            [x0 + TRACT_DEG, ORIGIN_LAT],
            [x0 + TRACT_DEG, y1],
            [x0, y1],
            [x0, ORIGIN_LAT],
        ]
        district_features.append(
            _feature(
                {
                    "code": code,
                    "name": name,
                    "city": CITY,
                    "fictional": True,
                    "population": population,
                    "households": households,
                },
                ring,
            )
        )
    crashes = io.StringIO()
    writer = csv.writer(crashes, lineterminator="\n")
    writer.writerow(["record_id", "occurred_on", "latitude", "longitude", "severity", "road_user"])
    width = len(DISTRICTS) * TRACT_DEG
    height = TRACTS_PER_DISTRICT * TRACT_DEG
    for n in range(600):
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        # More crashes along the city's main east-west road (row 2) and in the west.
        lat = ORIGIN_LAT + (
            2.5 * TRACT_DEG + rng.gauss(0, 0.004) if n % 3 else rng.uniform(0, height)
        )
        lon = ORIGIN_LON + min(width - 1e-4, abs(rng.triangular(0, width, 0)))
        severity = rng.choices(["fatal", "serious", "other"], weights=[2, 18, 80])[0]
        user = rng.choices(["pedestrian", "cyclist", "driver"], weights=[25, 10, 65])[0]
        writer.writerow(
            [f"PH-{year}-{n + 1:04d}", day.isoformat(), f"{lat:.6f}", f"{lon:.6f}", severity, user]
        )
    collection = lambda fs: json.dumps({"type": "FeatureCollection", "features": fs}, indent=1)  # noqa: E731
    return {
        "districts.geojson": collection(district_features),
        "tracts.geojson": collection(tract_features),
        "crashes.csv": crashes.getvalue(),
    }
