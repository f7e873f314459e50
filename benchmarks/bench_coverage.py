"""Service-radius coverage at a megacity's size: the grid over parks against all pairs.

20 000 compounds × 4 700 parks (issue 13's 100× city; target ≤ 2 s for the formula), in a
40 km square (a megacity's built-up area) and in a 12 km one (the demo city's footprint, 100×
as dense: the grid's worst case here). All pairs is timed on the first 2 000 compounds only
(its full run would take minutes); each compound's verdict does not depend on the others, so
the figure ×10 is the full run's, and the verdicts are compared compound by compound there.
"""
from benchmarks import benchmark

COMPOUNDS, PARKS, SUBSET = 20_000, 4_700, 2_000


def _run(data):
    from ledgers import formulas as F

    return F.evaluate(F.FORMULAS["park_service_coverage"], data, {})[None]


def _verdicts(result):
    return {key: str(text) for key, text in result.details.items()}


def _compare(timer, km):
    from tests.ledgers.spatial import CITIES, all_pairs, random_city

    data = random_city(13, CITIES["nanjing"], parks=PARKS, compounds=COMPOUNDS, km=km, boundary_share=0.1)
    subset = {"parks": data["parks"], "compounds": data["compounds"][:SUBSET]}
    out = {}
    full_s = timer.measure(f"grid, {COMPOUNDS} × {PARKS}, {km} km square", lambda: out.update(full=_run(data)), repeat=3)
    timer.measure(f"grid, {SUBSET} × {PARKS}", lambda: out.update(grid=_run(subset)), repeat=3)
    with all_pairs():
        pairs_s = timer.measure(f"all pairs, {SUBSET} × {PARKS}", lambda: out.update(pairs=_run(subset)), repeat=1)
    full, grid, pairs = out["full"], out["grid"], out["pairs"]
    same = grid.as_json() == pairs.as_json() and grid.value == pairs.value
    full_verdicts, pair_verdicts = _verdicts(full), _verdicts(pairs)
    same = same and all(full_verdicts[key] == text for key, text in pair_verdicts.items())
    covered = sum(1 for text in pair_verdicts.values() if "不在" not in text)
    timer.note("verdicts identical to all pairs", f"{same} ({len(pair_verdicts)} residential compounds, {covered} covered)")
    timer.note("all pairs, full run (×10 of the subset)", f"≈ {pairs_s * COMPOUNDS / SUBSET:.1f} s")
    timer.note("grid, full run", f"{full_s:.2f} s (target ≤ 2 s): {'met' if full_s <= 2 else 'NOT met'}")
    timer.figure(f"coverage_{km}km", seconds=full_s, all_pairs_seconds=pairs_s * COMPOUNDS / SUBSET, identical=same)
    assert same, "the grid's coverage differs from all pairs"


@benchmark("coverage_grid", "service-radius coverage, 20 000 compounds × 4 700 parks: grid vs all pairs (40 km city)")
def coverage_grid(timer):
    _compare(timer, 40)


@benchmark("coverage_grid_dense", "the same in a 12 km square (the demo city's footprint, 100× as dense)")
def coverage_grid_dense(timer):
    _compare(timer, 12)
