"""The all-pairs reference for service-radius coverage, and seeded random cities to compare on.

Used by tests/ledgers/test_formulas.py and benchmarks/bench_coverage.py; not product code.
`AllPairs` has `ParkGrid`'s interface and is the formula as it was before the grid: every
compound against every serving park, the nearest park whose radius holds it, the first listed
on a tie. `with all_pairs(): evaluate(...)` runs the real formula with it in the grid's place.
"""
import math
import random
from contextlib import contextmanager
from unittest import mock

from ledgers import formulas as F
from ledgers.formulas import Row

# (lat, lng): Shenzhen, Nanjing, Harbin (45.75°N), Mohe (52.97°N, China's northernmost city)
CITIES = {"shenzhen": (22.54, 114.06), "nanjing": (32.05, 118.78), "harbin": (45.75, 126.65),
          "mohe": (52.97, 122.54)}


class AllPairs:
    def __init__(self, parks):
        self.parks = list(parks)

    def nearest(self, lat, lng):
        best = None
        for i, (plat, plng, radius) in enumerate(self.parks):
            d = F.haversine_m(lat, lng, plat, plng)
            if d <= radius and (best is None or d < best[1]):
                best = (i, d)
        return best


@contextmanager
def all_pairs():
    with mock.patch.object(F, "ParkGrid", AllPairs):
        yield


def destination(lat, lng, metres, bearing_deg):
    """The point `metres` away along a great circle at `bearing_deg` (on the haversine's sphere)."""
    delta = metres / F.EARTH_RADIUS_M
    p1, l1, theta = math.radians(lat), math.radians(lng), math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(delta) + math.cos(p1) * math.sin(delta) * math.cos(theta))
    l2 = l1 + math.atan2(math.sin(theta) * math.sin(delta) * math.cos(p1), math.cos(delta) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


# Areas of both radius classes (500 m, 300 m), a historic small park (300 m) and ones with no radius.
PARK_SIZES = [("80000", False), ("5000", False), ("4999.99", False), ("2000", False), ("1500", True),
              ("1500", False), ("800", False)]


def random_city(seed, center, parks=300, compounds=1500, km=8.0, boundary_share=0.3, duplicate_parks=5):
    """{"parks": [Row], "compounds": [Row]} around `center` in a square of `km` side.

    A `boundary_share` of the compounds sit exactly on, or a millimetre either side of, some
    park's radius in a random direction; `duplicate_parks` parks share another park's point (a
    tie on distance). Coordinates are stored as repr(float), so the formula reads back exactly
    the floats generated here.
    """
    rng = random.Random(seed)
    lat0, lng0 = center
    half_lat = km / 2 * 1000 / F.DEG_M
    half_lng = half_lat / math.cos(math.radians(lat0))

    def point():
        return lat0 + rng.uniform(-half_lat, half_lat), lng0 + rng.uniform(-half_lng, half_lng)

    park_rows = []
    for i in range(parks):
        area, historic = rng.choice(PARK_SIZES)
        lat, lng = point()
        park_rows.append({"name": f"公园{i}", "area_m2": area, "historic": historic, "lat": repr(lat), "lng": repr(lng)})
    for i in range(duplicate_parks):
        twin = rng.choice(park_rows)
        park_rows.append({**twin, "name": f"{twin['name']}之二"})
    rng.shuffle(park_rows)
    serving = [p for p in park_rows if F.service_radius_m(F.Row(0, 0, p).dec("area_m2"), p["historic"])]
    compound_rows = []
    for i in range(compounds):
        if serving and rng.random() < boundary_share:
            p = rng.choice(serving)
            radius = F.service_radius_m(F.Row(0, 0, p).dec("area_m2"), p["historic"])
            lat, lng = destination(float(p["lat"]), float(p["lng"]), radius + rng.choice((-0.001, 0, 0, 0.001)),
                                   rng.uniform(0, 360))
        else:
            lat, lng = point()
        compound_rows.append({"name": f"小区{i}", "kind": "residential" if rng.random() < 0.9 else "unit",
                              "lat": repr(lat), "lng": repr(lng), "residential_area_m2": str(rng.randint(1000, 90000))})
    return {"parks": [Row(3, 2 + i, p) for i, p in enumerate(park_rows)],
            "compounds": [Row(4, 2 + i, c) for i, c in enumerate(compound_rows)]}
