"""The naive all-pairs greedy site choice: every uncovered compound against every site with
`haversine_m`, and each step every site's gain counted afresh. The reference the bucketed
lazy greedy (`planner.plans.coverage_incidence` + `greedy_cover`) must equal; used by
tests/planner and benchmarks/bench_planner.py, not product code."""
from decimal import Decimal

from ledgers import formulas as F


def all_pairs_incidence(sites, points):
    return [[j for j, (lat, lng) in enumerate(points)
             if F.haversine_m(lat, lng, float(s.lat), float(s.lng)) <= s.radius] for s in sites]


def naive_greedy(incidence, weights, *, pinned=(), done=lambda gained: False):
    covered, chosen, taken, total = set(), [], set(), Decimal(0)

    def take(i):
        nonlocal total
        added = sum((weights[j] for j in incidence[i] if j not in covered), Decimal(0))
        covered.update(incidence[i])
        taken.add(i)
        total += added
        chosen.append((i, added))

    for i in pinned:
        if i not in taken:
            take(i)
    while not done(total):
        best = None
        for i, points in enumerate(incidence):
            if i in taken:
                continue
            gain = sum((weights[j] for j in points if j not in covered), Decimal(0))
            if gain > 0 and (best is None or gain > best[0]):
                best = (gain, i)
        if best is None:
            break
        take(best[1])
    return chosen
