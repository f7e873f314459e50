"""Greedy pocket-park site choice: 5 000 uncovered compounds × 2 000 candidate plots.

The planner's way (plots bucketed in the formula's `ParkGrid`, each compound asking only its
neighbours, then a lazy greedy whose stale gains are re-pushed) against the naive way (every
compound against every plot with `haversine_m`, every plot's gain recounted at each step), in
the same run on the same seeded city; the chosen sites must be identical. Both run to the end
(until no plot adds anything): the worst case for a plan.
"""
import random
from decimal import Decimal

from benchmarks import benchmark

COMPOUNDS, PLOTS, KM = 5_000, 2_000, 12


def _city(seed=16):
    from ledgers import formulas as F
    from planner.plans import Site
    from tests.ledgers.spatial import CITIES

    rng = random.Random(seed)
    lat0, lng0 = CITIES["nanjing"]
    half_lat = KM / 2 * 1000 / F.DEG_M
    half_lng = half_lat / 0.847  # cos 32°

    def point():
        return lat0 + rng.uniform(-half_lat, half_lat), lng0 + rng.uniform(-half_lng, half_lng)

    points = [point() for _i in range(COMPOUNDS)]
    weights = [Decimal(rng.randint(1000, 90000)) for _i in range(COMPOUNDS)]
    sites = [Site(f"plot:{i}", f"地块{i}", "", repr(lat), repr(lng), Decimal(rng.choice((2000, 3000, 6000, 12000))))
             for i, (lat, lng) in enumerate(point() for _i in range(PLOTS))]
    return sites, points, weights


@benchmark("planner_sites", "greedy pocket-park sites, 5 000 compounds × 2 000 plots: bucketed vs naive all pairs")
def planner_sites(timer):
    from planner.plans import coverage_incidence, greedy_cover
    from tests.planner.reference import all_pairs_incidence, naive_greedy

    sites, points, weights = _city()
    out = {}
    fast_s = timer.measure(f"bucketed + lazy greedy, {COMPOUNDS} × {PLOTS}",
                           lambda: out.update(fast=greedy_cover(coverage_incidence(sites, points), weights)), repeat=3)

    def naive():
        incidence = all_pairs_incidence(sites, points)
        out["naive"] = naive_greedy(incidence, weights)

    naive_s = timer.measure(f"naive all pairs + full rescans, {COMPOUNDS} × {PLOTS}", naive, repeat=1)
    same = out["fast"] == out["naive"]
    timer.note("sites chosen (to the end), identical", f"{len(out['fast'])} sites, {same}")
    timer.note("bucketed", f"{fast_s:.2f} s (target ≤ 1 s): {'met' if fast_s <= 1 else 'NOT met'}; "
                           f"naive {naive_s:.1f} s (×{naive_s / fast_s:.0f})")
    assert same, "the bucketed greedy chose other sites than the naive one"
