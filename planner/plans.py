"""Gap-closing plans: for an indicator computed from ledgers, the smallest change that meets it.

Pure functions, no queries. A plan never computes an indicator value itself: every figure it
shows comes from the ledger formula (`ledgers.formulas.evaluate`) run on the rows with the plan
applied in memory, judged by `Indicator.evaluate` — so the planner, the overview and the value
page never disagree. The search for "how much" is a search over that same pair of functions.

- 人均公园绿地面积, 绿地率, 绿化覆盖率: whole square metres per district. For a district-minimum
  indicator each district below the bar gets what it lacks; for a city indicator the city's
  shortfall is shared among the districts in proportion to population (per-capita) or built-up
  area (rates), so each district rises by the same amount of the indicator.
- 公园绿地服务半径覆盖率: candidate sites (the 可建口袋公园地块 ledger, else a pocket park of
  `site_area_m2` on each uncovered compound's own point) added greedily by the residential area
  they newly cover; pinned sites first, excluded ones never.
- 林荫路覆盖率: unshaded secondary and branch roads shaded in full, longest unshaded length first.
- 园林式居住区（单位）达标率: unrated compounds to bring up to standard, shared among districts in
  proportion to their unrated compounds.
"""
import heapq
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ledgers import formulas as F
from ledgers.schemas import LEDGER_TYPES

PLANNED_FORMULAS = ("park_green_per_capita", "park_service_coverage", "shaded_road_rate", "green_space_rate",
                    "green_coverage_rate", "garden_compound_rate")
PLOTS = "pocket_plots"
DEFAULT_SITE_AREA_M2 = Decimal(2000)  # the smallest pocket park that serves a radius (300 m)
PLANNED_VERSION = 0  # rows a plan adds carry version 0: no ledger version has that id
SEARCH_LIMIT = 10 ** 12  # m²: beyond this no plan is sensible


@dataclass
class Goal:
    """What meeting the indicator means for a plan: `Indicator.evaluate` under the campaign's
    parameters, on the value less `margin` (the decline the forecast expects by the evaluation
    day, for an indicator at risk; zero otherwise)."""
    indicator: object
    params: dict
    tier: str
    thresholds: list
    margin: Decimal = Decimal(0)

    def evaluate(self, value):
        return self.indicator.evaluate(value, self.params, tier=self.tier, thresholds=self.thresholds)

    def met(self, value):
        return value is not None and self.evaluate(Decimal(value) - self.margin).is_met

    @property
    def by_district(self):
        return self.indicator.aggregation == "district_min"


@dataclass
class Item:
    kind: str  # area / site / road / count
    label: str
    district: str
    quantity: Decimal
    unit: str
    value_after: Decimal | None = None  # the indicator's value (its scope's) once this item is done
    key: str = ""  # a site's key, a road's row, a district's name
    lat: str = ""
    lng: str = ""
    pinned: bool = False
    detail: str = ""


@dataclass
class Plan:
    formula: str
    indicator: object
    scope: str | None  # None: the city; district_min plans list every district in their items
    before: dict  # scope → value
    after: dict  # scope → value, from the formula re-run on the applied rows
    items: list = field(default_factory=list)
    reachable: bool = True
    notes: list = field(default_factory=list)
    candidates: list = field(default_factory=list)  # coverage: every site considered, for pin / exclude
    gains: dict = field(default_factory=dict)  # coverage: site key → residential m² it would add after the plan
    uncovered_area: Decimal | None = None
    minimum: Decimal | None = None  # roads: the whole metres strictly needed (the last road need not be whole)
    rows_after: dict | None = None

    @property
    def total(self):
        return sum((i.quantity for i in self.items), Decimal(0))

    @property
    def unit(self):
        return self.items[0].unit if self.items else ""


# --- shared helpers ------------------------------------------------------------------------


def run(formula_key, rows, params):
    """{scope: value} of one ledger formula, rounded as the recorded values are."""
    return {scope: r.value for scope, r in F.evaluate(F.FORMULAS[formula_key], rows, params).items()}


def with_rows(rows, ledger_type, added=(), replaced=None):
    """A copy of `rows` with rows added to one type and some replaced ({(version, row): data})."""
    out = dict(rows)
    current = list(rows.get(ledger_type, []))
    if replaced:
        current = [F.Row(r.version_id, r.row, replaced[(r.version_id, r.row)]) if (r.version_id, r.row) in replaced
                   else r for r in current]
    out[ledger_type] = current + list(added)
    return out


def smallest_whole(meets, limit=SEARCH_LIMIT):
    """The smallest whole x ≥ 0 with meets(x) for a monotone `meets`; None beyond `limit`."""
    if meets(0):
        return 0
    low, high = 0, 1
    while not meets(high):
        low, high = high, high * 2
        if high > limit:
            return None
    while high - low > 1:  # meets(high), not meets(low)
        mid = (low + high) // 2
        if meets(mid):
            high = mid
        else:
            low = mid
    return high


def apportion(total, weights, caps=None):
    """Split a whole `total` among keys by weight (largest remainder), never above a key's cap."""
    shares = {k: 0 for k in weights}
    left = total
    while left > 0:
        open_keys = [k for k in weights if weights[k] > 0 and (caps is None or shares[k] < caps[k])]
        if not open_keys:
            break
        weight = sum(Decimal(weights[k]) for k in open_keys)
        exact = {k: Decimal(weights[k]) * left / weight for k in open_keys}
        step = {k: int(exact[k]) for k in open_keys}
        if caps is not None:
            step = {k: min(v, caps[k] - shares[k]) for k, v in step.items()}
        rest = left - sum(step.values())
        for k in sorted(open_keys, key=lambda k: (-(exact[k] - int(exact[k])), list(weights).index(k))):
            if rest <= 0:
                break
            if caps is None or shares[k] + step[k] < caps[k]:
                step[k] += 1
                rest -= 1
        if not any(step.values()):
            break
        for k, v in step.items():
            shares[k] += v
        left = total - sum(shares.values())
    return shares


def _district_rows(rows, district):
    """Only a district's own rows (and every district's base data): its value is unchanged and cheap."""
    out = {t: [r for r in rs if r.district == district] for t, rs in rows.items() if t != "district_base"}
    out["district_base"] = rows.get("district_base", [])
    return out


# --- areas per district: 人均公园绿地面积, 绿地率, 绿化覆盖率 --------------------------------------------

AREA_ROWS = {
    # formula: (ledger field the added row carries, extra fields)
    "park_green_per_capita": ("green_area_m2", {"green_class": "G1", "in_construction_land": True}),
    "green_space_rate": ("green_area_m2", {"in_construction_land": True}),
    "green_coverage_rate": ("cover_area_m2", {"in_construction_land": True}),
}
AREA_LABELS = {
    "park_green_per_capita": _("新增公园绿地"),
    "green_space_rate": _("新增建设用地内绿地"),
    "green_coverage_rate": _("新增绿化覆盖面积"),
}


def _area_row(formula_key, district, m2, n=0):
    column, extra = AREA_ROWS[formula_key]
    data = {"name": str(_("规划新增（%(d)s）") % {"d": district or _("全市")}), "district": district, "green_class": "",
            "green_area_m2": "0", "cover_area_m2": "0", "tree_shrub_area_m2": "0", **extra, column: str(m2)}
    return F.Row(PLANNED_VERSION, n, data)


def _apply_areas(formula_key, rows, shares):
    added = [_area_row(formula_key, d, m2, i) for i, (d, m2) in enumerate(shares.items()) if m2]
    return with_rows(rows, "green_spaces", added)


def area_plan(formula_key, rows, params, goal):
    base = F.districts_base(rows)
    before = run(formula_key, rows, params)
    plan = Plan(formula_key, goal.indicator, None, before, {})
    unit = "m²"
    shares = {}
    if goal.by_district:
        for district in sorted(base):
            local = _district_rows(rows, district)
            if goal.met(before.get(district)):
                continue
            need = smallest_whole(lambda x: goal.met(run(formula_key, _apply_areas(
                formula_key, local, {district: x}), params).get(district)))
            if need is None:
                plan.reachable = False
                plan.notes.append(_("%(d)s缺少城区基础数据，无法计算。") % {"d": district})
                continue
            shares[district] = need
    else:
        if goal.met(before.get(F.CITY)):
            shares = {}
        else:
            # Every district rises by the same amount of the indicator: weights are its denominator.
            column = 1 if formula_key == "park_green_per_capita" else 0
            weights = {d: b[column] for d, b in sorted(base.items())} or {"": Decimal(1)}

            def split(x):
                return apportion(x, weights)

            need = smallest_whole(lambda x: goal.met(run(formula_key, _apply_areas(
                formula_key, rows, split(x)), params).get(F.CITY)))
            if need is None:
                plan.reachable = False
                plan.notes.append(_("缺少建成区面积或城区人口，无法计算。"))
            else:
                shares = split(need)
    after_rows = _apply_areas(formula_key, rows, shares)
    plan.after = run(formula_key, after_rows, params)
    plan.rows_after = after_rows
    for district, m2 in shares.items():
        if not m2:
            continue
        plan.items.append(Item("area", str(AREA_LABELS[formula_key]), district, Decimal(m2), unit,
                               value_after=plan.after.get(district if goal.by_district else F.CITY), key=district))
    return plan


# --- 公园绿地服务半径覆盖率 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    district: str
    lat: str  # as the ledger holds it: the formula reads float() of the same text
    lng: str
    area_m2: Decimal
    historic: bool = False

    @property
    def radius(self):
        return F.service_radius_m(self.area_m2, self.historic)

    def as_park(self, n=0):
        return F.Row(PLANNED_VERSION, n, {
            "name": self.name, "district": self.district, "park_type": "pocket", "area_m2": str(self.area_m2),
            "lat": self.lat, "lng": self.lng, "historic": self.historic, "free_entry": True,
            "emergency_refuge": False})


def sites_from_plots(rows):
    schema = LEDGER_TYPES[PLOTS]
    return [Site("plot:" + schema.key_of(r.data), r.data.get("name") or "", r.district, str(r.data["lat"]),
                 str(r.data["lng"]), r.dec("area_m2"), bool(r.data.get("historic")))
            for r in rows.get(PLOTS, []) if r.data.get("lat") not in (None, "") and r.data.get("lng") not in (None, "")]


def sites_from_compounds(compounds, area_m2):
    schema = LEDGER_TYPES["compounds"]
    return [Site("compound:" + schema.key_of(c.data), str(_("%(name)s旁口袋公园") % {"name": c.data.get("name")}),
                 c.district, str(c.data["lat"]), str(c.data["lng"]), Decimal(area_m2)) for c in compounds]


def coverage_incidence(sites, points):
    """For each site, the indices of the points within its radius: sites bucketed in a
    `ParkGrid` (the formula's own index and haversine), each point asking only its neighbours."""
    grid = F.ParkGrid([(float(s.lat), float(s.lng), s.radius) for s in sites])
    incidence = [[] for _s in sites]
    for j, (lat, lng) in enumerate(points):
        found, dlng = grid.candidates(lat, lng)
        for i, plat, plng, radius, dlat in found:
            if dlng is not None and (abs(plat - lat) > dlat or abs(plng - lng) > dlng[radius]):
                continue
            if F.haversine_m(lat, lng, plat, plng) <= radius:
                incidence[i].append(j)
    return incidence


def greedy_cover(incidence, weights, *, pinned=(), done=lambda gained: False):
    """Sites in the order chosen, with what each adds: pinned ones first (in the order given),
    then the site adding the most weight of points not yet covered (the first listed on a tie)
    until `done(total gained)` or nothing more can be gained. Lazy greedy: a site's gain only
    falls as points get covered, so a stale heap entry is re-pushed, never trusted."""
    covered = [False] * len(weights)
    by_point = [[] for _w in weights]
    for i, points in enumerate(incidence):
        for j in points:
            by_point[j].append(i)
    gain = [sum((weights[j] for j in points), Decimal(0)) for points in incidence]
    chosen, taken, total = [], set(), Decimal(0)

    def take(i):
        nonlocal total
        added = gain[i]
        for j in incidence[i]:
            if not covered[j]:
                covered[j] = True
                for k in by_point[j]:
                    gain[k] -= weights[j]
        taken.add(i)
        total += added
        chosen.append((i, added))

    for i in pinned:
        if i not in taken:
            take(i)
    heap = [(-gain[i], i) for i in range(len(incidence)) if i not in taken and gain[i] > 0]
    heapq.heapify(heap)
    while heap and not done(total):
        g, i = heapq.heappop(heap)
        if i in taken:
            continue
        if -g != gain[i]:
            if gain[i] > 0:
                heapq.heappush(heap, (-gain[i], i))
            continue
        take(i)
    return chosen


def _uncovered(rows, params):
    result = F.evaluate(F.FORMULAS["park_service_coverage"], rows, params)[F.CITY]
    excluded = {(v, r) for g in result.refs if g.ledger_type == "compounds" and g.role == "excluded" for v, r in g.rows}
    compounds = [c for c in rows.get("compounds", []) if (c.version_id, c.row) in excluded]
    covered_area = next(v for label, v, unit in result.inputs if unit == "m²")
    total_area = [v for label, v, unit in result.inputs if unit == "m²"][1]
    return result, compounds, covered_area, total_area


def coverage_plan(rows, params, goal, *, pinned=(), excluded=(), site_area_m2=DEFAULT_SITE_AREA_M2):
    result, uncovered, covered_area, total_area = _uncovered(rows, params)
    before = {F.CITY: result.value}
    plan = Plan("park_service_coverage", goal.indicator, None, before, {})
    plan.uncovered_area = total_area - covered_area
    plots = sites_from_plots(rows)
    if plots:
        sites = plots
    else:
        sites = sites_from_compounds(uncovered, site_area_m2)
        plan.notes.append(_("没有可建口袋公园地块台账：以各未覆盖居住区自身位置、按每处 %(a)s m² 口袋公园测算。")
                          % {"a": F._text(Decimal(site_area_m2))})
    excluded, pinned = set(excluded), list(pinned)
    serving = [s for s in sites if s.radius]
    if len(serving) < len(sites):
        plan.notes.append(_("%(n)s 处地块面积不足 2000 m²（历史文化街区 1000 m²），建成后不计服务半径，未列入。")
                          % {"n": len(sites) - len(serving)})
    plan.candidates = serving
    usable = [s for s in serving if s.key not in excluded]
    index = {s.key: i for i, s in enumerate(usable)}
    points = [(float(c.data["lat"]), float(c.data["lng"])) for c in uncovered]
    weights = [c.dec("residential_area_m2") for c in uncovered]
    places = F.FORMULAS["park_service_coverage"].places

    def value_of(area):  # the formula's own arithmetic and rounding
        return F._round((covered_area + area) / total_area * 100, places) if total_area else None

    if not total_area:
        plan.reachable = False
        plan.after = before
        return plan
    already = goal.met(before[F.CITY])
    incidence = coverage_incidence(usable, points)
    chosen = greedy_cover(incidence, weights, pinned=[index[k] for k in pinned if k in index],
                          done=lambda gained: already or goal.met(value_of(gained)))
    now_covered = {j for i, _a in chosen for j in incidence[i]}
    taken = {i for i, _a in chosen}
    # What each other site would still add once the plan is built: the office's next choices.
    plan.gains = {s.key: sum((weights[j] for j in incidence[i] if j not in now_covered), Decimal(0))
                  for i, s in enumerate(usable) if i not in taken}
    gained = Decimal(0)
    for i, added in chosen:
        site = usable[i]
        gained += added
        plan.items.append(Item("site", site.name, site.district, site.area_m2, "m²", value_after=value_of(gained),
                               key=site.key, lat=site.lat, lng=site.lng, pinned=site.key in pinned,
                               detail=str(_("服务半径 %(r)s m，新覆盖居住用地 %(a)s m²") % {
                                   "r": site.radius, "a": F._text(added)})))
    after_rows = with_rows(rows, "parks", [usable[i].as_park(n) for n, (i, _a) in enumerate(chosen)])
    plan.rows_after = after_rows
    plan.after = run("park_service_coverage", after_rows, params)
    plan.reachable = goal.met(plan.after[F.CITY])
    if not plan.reachable:
        plan.notes.append(_("全部候选地块建成后仍未达标：需要补充候选地块。"))
    return plan


# --- 林荫路覆盖率 -------------------------------------------------------------------------------


def _shade(rows, roads, partial=None):
    """Rows with `roads` shaded in full, and `partial` ((version, row), metres) shaded in part."""
    replaced = {(r.version_id, r.row): {**r.data, "shaded_length_m": r.data.get("length_m")} for r in roads}
    if partial:
        road, metres = partial
        replaced[(road.version_id, road.row)] = {**road.data,
                                                 "shaded_length_m": str(road.dec("shaded_length_m") + metres)}
    return with_rows(rows, "roads", replaced=replaced)


def shaded_road_plan(rows, params, goal):
    before = run("shaded_road_rate", rows, params)
    plan = Plan("shaded_road_rate", goal.indicator, None, before, {})
    candidates = [r for r in rows.get("roads", []) if r.data.get("grade") in ("secondary", "branch")
                  and r.dec("length_m") > r.dec("shaded_length_m")]
    # Longest unshaded length first; ledger order on a tie.
    candidates.sort(key=lambda r: -(r.dec("length_m") - r.dec("shaded_length_m")))
    chosen = []
    value = before.get(F.CITY)
    if not goal.met(value):
        for road in candidates:
            chosen.append(road)
            value = run("shaded_road_rate", _shade(rows, chosen), params)[F.CITY]
            plan.items.append(Item("road", road.data.get("name") or "", road.district,
                                   road.dec("length_m") - road.dec("shaded_length_m"), "m", value_after=value,
                                   key=f"{road.version_id}:{road.row}", detail=road.data.get("segment") or ""))
            if goal.met(value):
                break
    plan.rows_after = _shade(rows, chosen)
    plan.after = run("shaded_road_rate", plan.rows_after, params)
    plan.reachable = goal.met(plan.after.get(F.CITY))
    if chosen and plan.reachable:
        # What is strictly needed: the roads before the last in full, and whole metres of the last.
        last = chosen[-1]
        metres = smallest_whole(lambda x: goal.met(run("shaded_road_rate", _shade(rows, chosen[:-1], (last, x)),
                                                       params)[F.CITY]))
        plan.minimum = sum((r.dec("length_m") - r.dec("shaded_length_m") for r in chosen[:-1]), Decimal(0)) + metres
    if not plan.reachable:
        plan.notes.append(_("全部次干路、支路建成林荫路后仍未达标。"))
    return plan


# --- 园林式居住区（单位）达标率 -----------------------------------------------------------------------


def _rate(rows, chosen):
    return with_rows(rows, "compounds", replaced={(c.version_id, c.row): {**c.data, "garden_rated": True}
                                                  for c in chosen})


def garden_compound_plan(rows, params, goal):
    before = run("garden_compound_rate", rows, params)
    plan = Plan("garden_compound_rate", goal.indicator, None, before, {})
    unrated = [c for c in rows.get("compounds", []) if not c.data.get("garden_rated")]
    by_district = {}
    for c in unrated:
        by_district.setdefault(c.district, []).append(c)
    caps = {d: len(cs) for d, cs in by_district.items()}

    def pick(n):
        shares = apportion(n, caps, caps)
        return shares, [c for d, cs in by_district.items() for c in cs[:shares[d]]]

    need = smallest_whole(lambda n: goal.met(run("garden_compound_rate", _rate(rows, pick(n)[1]), params)[F.CITY])
                          if n <= len(unrated) else True, limit=len(unrated) + 1)
    reachable = need is not None and need <= len(unrated)
    shares, chosen = pick(min(need or 0, len(unrated)) if reachable else len(unrated))
    plan.rows_after = _rate(rows, chosen)
    plan.after = run("garden_compound_rate", plan.rows_after, params)
    plan.reachable = goal.met(plan.after.get(F.CITY))
    for d, n in shares.items():
        if n:
            names = "、".join(c.data.get("name") or "" for c in by_district[d][:n])
            plan.items.append(Item("count", str(_("创建园林式居住区（单位）")), d, Decimal(n), str(_("个")),
                                   value_after=plan.after.get(F.CITY), key=d, detail=names))
    if not plan.reachable:
        plan.notes.append(_("全部居住区（单位）达标后仍未达到阈值。"))
    return plan


# --- entry point -------------------------------------------------------------------------------


def make_plan(formula_key, rows, params, goal, **options):
    if formula_key == "park_service_coverage":
        return coverage_plan(rows, params, goal, **options)
    if formula_key == "shaded_road_rate":
        return shaded_road_plan(rows, params, goal)
    if formula_key == "garden_compound_rate":
        return garden_compound_plan(rows, params, goal)
    if formula_key in AREA_ROWS:
        return area_plan(formula_key, rows, params, goal)
    raise ValueError(formula_key)


def what_if(plan, params, goal):
    """The indicator's value and evaluation with the plan applied: the formula re-run on the
    applied rows, judged by `Indicator.evaluate` (the district minimum for a per-district indicator)."""
    if goal.by_district:
        values = [v for scope, v in plan.after.items() if scope is not F.CITY]
        value = min(values) if values and None not in values else None
    else:
        value = plan.after.get(F.CITY)
    return value, goal.evaluate(value)


def current_value(plan, goal):
    if goal.by_district:
        values = [v for scope, v in plan.before.items() if scope is not F.CITY]
        return min(values) if values and None not in values else None
    return plan.before.get(F.CITY)

