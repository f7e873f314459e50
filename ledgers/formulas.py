"""Indicator values computed from ledger rows (standards.md §4). Pure functions: no queries.

Each formula takes the current rows of the ledger types it reads (`Row`: version id, sheet
row number, normalized data) and the campaign parameters, and returns one `Result` per
scope — the city (scope None) and, where the standard asks for each district's value, every
district — with the value, the named inputs and the rows that made it, so a value page can
show "how this number was made" down to the sheet row.

Choices where the standards are silent, all visible in the result's notes and inputs:
- 绿地率: green spaces outside urban construction land (其他绿地) count up to 20 % of the
  green area inside it; 绿化覆盖率 counts every listed green space's vegetation cover.
- 人均公园绿地面积: G1 公园绿地 area from 绿地台账 (the land-use class), not 公园名录.
- 公园绿地服务半径覆盖率: a park of ≥ 5000 m² serves 500 m, 2000–5000 m² serves 300 m (in a
  历史文化街区 ≥ 1000 m² serves 300 m); smaller parks serve none. A residential compound
  counts as covered, with all its residential land, when its point (the centroid its
  ledger gives) lies within some park's radius of that park's point; no partial coverage,
  because the ledgers carry points, not outlines. Distance is great-circle (haversine).
- counts (园林式达标率, 免费开放率 …) count rows, not areas.
"""
import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

EARTH_RADIUS_M = 6371008.8
OTHER_GREEN_CAP = Decimal("0.2")
DETAILS_LIMIT = 5000
CITY = None


@dataclass(frozen=True)
class Row:
    version_id: int
    row: int
    data: dict

    def dec(self, key):
        value = self.data.get(key)
        return Decimal(value) if value not in (None, "") else Decimal(0)

    @property
    def district(self):
        return self.data.get("district") or ""


@dataclass
class RefGroup:
    label: str
    ledger_type: str
    rows: list  # [(version_id, row_number)]
    role: str = "counted"  # counted / excluded

    def as_json(self):
        by_version = defaultdict(list)
        for version_id, row in self.rows:
            by_version[version_id].append(row)
        return {"label": str(self.label), "ledger_type": self.ledger_type, "role": self.role, "count": len(self.rows),
                "versions": [{"version": v, "rows": row_ranges(rows)} for v, rows in sorted(by_version.items())]}


@dataclass
class Result:
    formula: str
    scope: str | None
    value: Decimal | None
    inputs: list = field(default_factory=list)  # (label, value, unit)
    refs: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    details: dict = field(default_factory=dict)  # (version_id, row) → text, e.g. which park covers a compound

    def as_json(self):
        return {
            "inputs": [{"label": str(label), "value": _text(value), "unit": str(unit)}
                       for label, value, unit in self.inputs],
            "refs": [r.as_json() for r in self.refs],
            "notes": [str(n) for n in self.notes],
            # Per-row explanations (which park covers a compound) for the value page; capped so a
            # huge ledger does not make every value's provenance megabytes long.
            "details": {f"{v}:{r}": str(text) for (v, r), text in sorted(self.details.items())[:DETAILS_LIMIT]},
        }


@dataclass(frozen=True)
class Formula:
    key: str
    label: str
    expression: str
    reads: tuple  # ledger types
    unit: str
    places: int
    compute: object
    by_district: bool = False


def _text(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != 0 else "0"
    return value if value is None or isinstance(value, (int, str)) else str(value)


def row_ranges(rows):
    """[4, 5, 6, 9] → '4-6,9': row references stay small for a 20 000-row ledger."""
    rows = sorted(set(rows))
    parts, start, prev = [], None, None
    for r in rows:
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            parts.append(f"{start}-{prev}" if prev != start else str(start))
            start = prev = r
    if start is not None:
        parts.append(f"{start}-{prev}" if prev != start else str(start))
    return ",".join(parts)


def parse_ranges(text):
    rows = []
    for part in (text or "").split(","):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-")
            rows.extend(range(int(a), int(b) + 1))
        else:
            rows.append(int(part))
    return rows


def _round(value, places):
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _refs(rows):
    return [(r.version_id, r.row) for r in rows]


def _dec(value):
    return None if value in (None, "") else Decimal(str(value))


def districts_base(rows):
    """District name → (built-up km², population 万人, Row) from 城区基础数据."""
    return {r.data["district"]: (r.dec("built_up_area_km2"), r.dec("population_10k"), r)
            for r in rows.get("district_base", [])}


def city_built_up(params, rows, notes):
    area = _dec(params.get("built_up_area_km2"))
    if area:
        return area, "campaign"
    base = districts_base(rows)
    if base:
        notes.append(_("创建活动未设置建成区面积，按城区基础数据各城区之和计。"))
        return sum(b[0] for b in base.values()), "districts"
    return None, None


def city_population(params, rows, notes):
    population = _dec(params.get("urban_population"))
    if population:
        return population, "campaign"
    base = districts_base(rows)
    if base:
        notes.append(_("创建活动未设置城区人口，按城区基础数据各城区之和计。"))
        return sum(b[1] for b in base.values()), "districts"
    return None, None


def _per_scope(compute_one, rows, params, denominator):
    """City value with the campaign's denominator; each district's with 城区基础数据."""
    results = {}
    notes = []
    city_denominator, _source = denominator(params, rows, notes)
    results[CITY] = compute_one(CITY, rows, city_denominator, None)
    results[CITY].notes = notes + results[CITY].notes
    for name, (area, population, base_row) in sorted(districts_base(rows).items()):
        value = area if denominator is city_built_up else population
        results[name] = compute_one(name, rows, value, base_row)
    return results


# --- 绿地率 / 绿化覆盖率 / 乔灌木占比 -------------------------------------------------------


def _greens(rows, scope):
    greens = rows.get("green_spaces", [])
    return greens if scope is CITY else [g for g in greens if g.district == scope]


def _green_space_one(scope, rows, area_km2, base_row):
    greens = _greens(rows, scope)
    inside = [g for g in greens if g.data.get("in_construction_land")]
    outside = [g for g in greens if not g.data.get("in_construction_land")]
    a_in = sum((g.dec("green_area_m2") for g in inside), Decimal(0))
    a_out = sum((g.dec("green_area_m2") for g in outside), Decimal(0))
    counted_out = min(a_out, a_in * OTHER_GREEN_CAP)
    result = Result("green_space_rate", scope, None)
    result.inputs = [
        (_("城市建设用地内绿地面积"), a_in, "m²"),
        (_("建设用地外其他绿地面积"), a_out, "m²"),
        (_("其他绿地计入面积（不超过建设用地内绿地的20%）"), counted_out, "m²"),
        (_("建成区面积"), area_km2, "km²"),
    ]
    result.refs = [RefGroup(_("城市建设用地内的绿地"), "green_spaces", _refs(inside))]
    if outside:
        result.refs.append(RefGroup(_("建设用地外的其他绿地"), "green_spaces", _refs(outside)))
    if base_row is not None:
        result.refs.append(RefGroup(_("城区建成区面积"), "district_base", _refs([base_row])))
    if counted_out < a_out:
        result.notes.append(_("其他绿地超过上限，只计入 %(n)s m²。") % {"n": _text(counted_out)})
    if not area_km2:
        result.notes.append(_("缺少建成区面积，无法计算。"))
    elif greens:
        result.value = (a_in + counted_out) / (area_km2 * 1_000_000) * 100
    return result


def green_space_rate(rows, params):
    return _per_scope(_green_space_one, rows, params, city_built_up)


def green_coverage_rate(rows, params):
    notes = []
    area, _source = city_built_up(params, rows, notes)
    greens = rows.get("green_spaces", [])
    cover = sum((g.dec("cover_area_m2") for g in greens), Decimal(0))
    result = Result("green_coverage_rate", CITY, None, notes=notes)
    result.inputs = [(_("绿化覆盖面积（植被垂直投影）"), cover, "m²"), (_("建成区面积"), area, "km²")]
    result.refs = [RefGroup(_("绿地台账各行的绿化覆盖面积"), "green_spaces", _refs(greens))]
    if area and greens:
        result.value = cover / (area * 1_000_000) * 100
    elif not area:
        result.notes.append(_("缺少建成区面积，无法计算。"))
    return {CITY: result}


def tree_shrub_ratio(rows, params):
    greens = rows.get("green_spaces", [])
    cover = sum((g.dec("cover_area_m2") for g in greens), Decimal(0))
    trees = sum((g.dec("tree_shrub_area_m2") for g in greens), Decimal(0))
    result = Result("tree_shrub_ratio", CITY, None)
    result.inputs = [(_("乔灌木覆盖面积"), trees, "m²"), (_("绿化覆盖面积"), cover, "m²")]
    result.refs = [RefGroup(_("绿地台账各行"), "green_spaces", _refs(greens))]
    if cover:
        result.value = trees / cover * 100
    return {CITY: result}


# --- 人均公园绿地面积 -----------------------------------------------------------------------


def _park_green_one(scope, rows, population, base_row):
    greens = [g for g in _greens(rows, scope) if g.data.get("green_class") == "G1"]
    area = sum((g.dec("green_area_m2") for g in greens), Decimal(0))
    result = Result("park_green_per_capita", scope, None)
    result.inputs = [(_("公园绿地（G1）面积"), area, "m²"), (_("城区人口"), population, _("万人"))]
    result.refs = [RefGroup(_("绿地台账中的公园绿地（G1）"), "green_spaces", _refs(greens))]
    if base_row is not None:
        result.refs.append(RefGroup(_("城区人口"), "district_base", _refs([base_row])))
    if not population:
        result.notes.append(_("缺少城区人口，无法计算。"))
    elif rows.get("green_spaces"):
        result.value = area / (population * 10_000)
    return result


def park_green_per_capita(rows, params):
    return _per_scope(_park_green_one, rows, params, city_population)


# --- 公园绿地服务半径覆盖率 -------------------------------------------------------------------


def service_radius_m(area_m2, historic=False):
    """500 m for parks ≥ 5000 m², 300 m for 2000–5000 m² (≥ 1000 m² in a 历史文化街区), else none."""
    if area_m2 >= 5000:
        return 500
    if area_m2 >= 2000 or (historic and area_m2 >= 1000):
        return 300
    return 0


def haversine_m(lat1, lng1, lat2, lng2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


DEG_M = EARTH_RADIUS_M * math.pi / 180  # metres in one degree of latitude (the haversine's own sphere)
GRID_SLACK = 1.001  # search a little wider than the bound: extra candidates cost nothing, a miss would


class ParkGrid:
    """Serving parks bucketed so that coverage looks only at the parks near a compound.

    The buckets are bands of latitude half as tall as the largest service radius (in degrees
    on the haversine's sphere), each sorted by longitude. A park of radius r can hold a point
    only within r/R radians of latitude of it, and within 2·asin(sin(r/2R) / √(cos φ·cos φ'))
    of longitude (φ the point's latitude, φ' the farthest latitude in reach): both follow from
    the haversine itself, whose term cos φ₁·cos φ₂·sin²(Δλ/2) alone must stay under sin²(r/2R).
    A query takes, from each band the largest radius reaches, the slice of longitudes it
    reaches (two bisections); skips the parks outside their own radius's box; and confirms the
    rest with `haversine_m` and their radius, exactly as an all-pairs scan does, ties keeping
    the park listed first. So the result equals the all-pairs result. Every bound is widened
    by GRID_SLACK. Near a pole or the antimeridian (never in a Chinese city) a query falls
    back to every park.
    """

    def __init__(self, parks):
        """`parks`: [(lat, lng, radius_m)] in ledger order; the index of each is what `nearest` returns."""
        self.radii = sorted({radius for _lat, _lng, radius in parks})
        self.dlat = {r: r / DEG_M * GRID_SLACK for r in self.radii}  # degrees of latitude in reach
        self.parks = [(i, lat, lng, radius, self.dlat[radius]) for i, (lat, lng, radius) in enumerate(parks)]
        self.rows = {}
        if not self.parks:
            return
        self.reach = self.dlat[self.radii[-1]]
        self.cell_lat = self.reach / 2
        # Coordinates off the map would wrap inside the haversine but not in the cells.
        self.everywhere = any(abs(p[1]) > 90 or abs(p[2]) > 180 for p in self.parks)
        by_row = defaultdict(list)
        for park in self.parks:
            by_row[math.floor(park[1] / self.cell_lat)].append(park)
        for y, row in by_row.items():
            row.sort(key=lambda park: park[2])
            self.rows[y] = ([park[2] for park in row], row)

    def _dlng(self, lat, radius):
        """Degrees of longitude a circle of `radius` around a point at `lat` reaches at most; None: all."""
        far = abs(lat) + self.dlat[radius]
        if far >= 90:
            return None
        ratio = math.sin(radius / (2 * EARTH_RADIUS_M)) * GRID_SLACK / math.sqrt(
            math.cos(math.radians(lat)) * math.cos(math.radians(far)))
        return None if ratio >= 1 else math.degrees(2 * math.asin(ratio)) * GRID_SLACK

    def candidates(self, lat, lng):
        """(parks to confirm, longitude reach by radius); every park, and no reach, where the cells cannot answer."""
        if not self.parks:
            return (), None
        dlng = {r: self._dlng(lat, r) for r in self.radii}
        widest = dlng[self.radii[-1]]
        if self.everywhere or abs(lng) > 180 or widest is None or lng - widest <= -180 or lng + widest >= 180:
            return self.parks, None
        west, east, found = lng - widest, lng + widest, []
        south, north = math.floor((lat - self.reach) / self.cell_lat), math.floor((lat + self.reach) / self.cell_lat)
        for y in range(south, north + 1):
            row = self.rows.get(y)
            if row:
                found.extend(row[1][bisect_left(row[0], west):bisect_right(row[0], east)])
        return found, dlng

    def nearest(self, lat, lng):
        """(index, distance m) of the nearest park whose radius holds the point (first listed on a tie), or None."""
        found, dlng = self.candidates(lat, lng)
        best = None
        for i, plat, plng, radius, dlat in found:
            if dlng is not None and (abs(plat - lat) > dlat or abs(plng - lng) > dlng[radius]):
                continue  # outside the box its radius can reach: farther than its radius
            d = haversine_m(lat, lng, plat, plng)
            if d <= radius and (best is None or (d, i) < best):
                best = (d, i)
        return None if best is None else (best[1], best[0])


def park_service_coverage(rows, params):
    parks = rows.get("parks", [])
    compounds = [c for c in rows.get("compounds", []) if c.data.get("kind") == "residential"]
    serving, too_small, points = [], [], []
    for p in parks:
        radius = service_radius_m(p.dec("area_m2"), bool(p.data.get("historic")))
        if not radius:
            too_small.append(p)
            continue
        serving.append((p, radius))
        points.append((float(p.data["lat"]), float(p.data["lng"]), radius))
    grid = ParkGrid(points)
    # `%` on a lazy text translates it there and then: once per run is the same text, 20 000× cheaper.
    within = str(_("在「%(park)s」%(r)s m 服务半径内（相距 %(d)s m）"))
    covered, uncovered, details = [], [], {}
    covered_area = total_area = Decimal(0)
    for c in compounds:
        area = c.dec("residential_area_m2")
        total_area += area
        best = grid.nearest(float(c.data["lat"]), float(c.data["lng"]))
        if best:
            park, radius = serving[best[0]]
            covered.append(c)
            covered_area += area
            details[(c.version_id, c.row)] = within % {
                "park": park.data.get("name"), "r": radius, "d": round(best[1])}
        else:
            uncovered.append(c)
            details[(c.version_id, c.row)] = _("不在任何公园的服务半径内")
    result = Result("park_service_coverage", CITY, None, details=details)
    result.inputs = [
        (_("服务半径内的居住用地面积"), covered_area, "m²"),
        (_("居住用地总面积"), total_area, "m²"),
        (_("提供服务半径的公园"), len(serving), _("个")),
        (_("被覆盖的居住区"), len(covered), _("个")),
        (_("未覆盖的居住区"), len(uncovered), _("个")),
    ]
    result.refs = [
        RefGroup(_("被覆盖的居住区"), "compounds", _refs(covered)),
        RefGroup(_("未被覆盖的居住区"), "compounds", _refs(uncovered), role="excluded"),
        RefGroup(_("提供服务半径的公园（≥5000 m² 按500 m，2000–5000 m² 按300 m）"), "parks",
                 _refs([p for p, _radius in serving])),
    ]
    if too_small:
        result.refs.append(RefGroup(_("面积不足 2000 m²、不计服务半径的公园"), "parks", _refs(too_small), role="excluded"))
    if total_area and parks:
        result.value = covered_area / total_area * 100
    elif not total_area:
        result.notes.append(_("没有填写居住用地面积的居住区，无法计算。"))
    return {CITY: result}


# --- roads, compounds, parks, greenways ------------------------------------------------------


SHADED, PARTLY_SHADED, NOT_SHADED = "shaded", "partly_shaded", "not_shaded"


def road_shade(row):
    """One road as shaded_road_rate counts it: its 林荫路长度 against its 道路长度."""
    length, shaded = row.dec("length_m"), row.dec("shaded_length_m")
    if length > 0 and shaded >= length:
        return SHADED
    return PARTLY_SHADED if shaded > 0 else NOT_SHADED


def shaded_road_rate(rows, params):
    roads = [r for r in rows.get("roads", []) if r.data.get("grade") in ("secondary", "branch")]
    others = [r for r in rows.get("roads", []) if r.data.get("grade") not in ("secondary", "branch")]
    length = sum((r.dec("length_m") for r in roads), Decimal(0))
    shaded = sum((r.dec("shaded_length_m") for r in roads), Decimal(0))
    result = Result("shaded_road_rate", CITY, None)
    result.inputs = [(_("次干路、支路林荫路长度"), shaded, "m"), (_("次干路、支路总长度"), length, "m")]
    result.refs = [RefGroup(_("次干路与支路"), "roads", _refs(roads))]
    if others:
        result.refs.append(RefGroup(_("快速路、主干路（不计入）"), "roads", _refs(others), role="excluded"))
    if length:
        result.value = shaded / length * 100
    return {CITY: result}


def road_greening_rate(rows, params):
    roads = rows.get("roads", [])
    planted = [r for r in roads if r.data.get("planted")]
    total = sum((r.dec("length_m") for r in roads), Decimal(0))
    green = sum((r.dec("length_m") for r in planted), Decimal(0))
    result = Result("road_greening_rate", CITY, None)
    result.inputs = [(_("有行道树绿化的道路长度"), green, "m"), (_("道路总长度"), total, "m")]
    result.refs = [RefGroup(_("有行道树绿化的道路"), "roads", _refs(planted)),
                   RefGroup(_("没有行道树绿化的道路"), "roads", _refs([r for r in roads if not r.data.get("planted")]),
                            role="excluded")]
    if total:
        result.value = green / total * 100
    return {CITY: result}


def garden_compound_rate(rows, params):
    compounds = rows.get("compounds", [])
    rated = [c for c in compounds if c.data.get("garden_rated")]
    result = Result("garden_compound_rate", CITY, None)
    result.inputs = [(_("达到园林式标准的居住区（单位）"), len(rated), _("个")),
                     (_("居住区（单位）总数"), len(compounds), _("个"))]
    result.refs = [RefGroup(_("园林式居住区（单位）"), "compounds", _refs(rated)),
                   RefGroup(_("未达园林式标准"), "compounds", _refs([c for c in compounds if not c.data.get("garden_rated")]),
                            role="excluded")]
    if compounds:
        result.value = Decimal(len(rated)) / len(compounds) * 100
    return {CITY: result}


def _count_share(key, flag, label_yes, label_no, label_in):
    def compute(rows, params):
        parks = rows.get("parks", [])
        yes = [p for p in parks if p.data.get(flag)]
        result = Result(key, CITY, None)
        result.inputs = [(label_in, len(yes), _("个")), (_("公园总数"), len(parks), _("个"))]
        result.refs = [RefGroup(label_yes, "parks", _refs(yes)),
                       RefGroup(label_no, "parks", _refs([p for p in parks if not p.data.get(flag)]), role="excluded")]
        if parks:
            result.value = Decimal(len(yes)) / len(parks) * 100
        return {CITY: result}

    return compute


def _per_10k(key, select, amount, amount_label, amount_unit, ref_label, ledger_type):
    def compute(rows, params):
        notes = []
        population, _source = city_population(params, rows, notes)
        chosen = select(rows)
        total = amount(chosen)
        result = Result(key, CITY, None, notes=notes)
        result.inputs = [(amount_label, total, amount_unit), (_("城区人口"), population, _("万人"))]
        result.refs = [RefGroup(ref_label, ledger_type, _refs(chosen))]
        if not population:
            result.notes.append(_("缺少城区人口，无法计算。"))
        elif rows.get(ledger_type):
            result.value = Decimal(total) / population
        return {CITY: result}

    return compute


comprehensive_parks_per_10k = _per_10k(
    "comprehensive_parks_per_10k",
    lambda rows: [p for p in rows.get("parks", []) if p.data.get("park_type") == "comprehensive"],
    len, _("综合公园数量"), _("个"), _("公园名录中的综合公园"), "parks",
)
greenway_km_per_10k = _per_10k(
    "greenway_km_per_10k", lambda rows: rows.get("greenways", []),
    lambda chosen: sum((g.dec("length_km") for g in chosen), Decimal(0)), _("绿道总长度"), "km", _("绿道台账各行"),
    "greenways",
)
park_free_access_rate = _count_share("park_free_access_rate", "free_entry", _("免费开放的公园"), _("收费公园"),
                                     _("免费开放的公园"))
park_emergency_shelter_rate = _count_share("park_emergency_shelter_rate", "emergency_refuge",
                                           _("具备应急避险功能的公园"), _("不具备应急避险功能的公园"),
                                           _("具备应急避险功能的公园"))

FORMULAS = {f.key: f for f in (
    Formula("green_space_rate", _("建成区绿地率"),
            _("（城市建设用地内绿地面积 + 计入的其他绿地面积）÷ 建成区面积 × 100%；其他绿地至多计入建设用地内绿地面积的20%"),
            ("green_spaces", "district_base"), "%", 2, green_space_rate, by_district=True),
    Formula("green_coverage_rate", _("建成区绿化覆盖率"), _("绿化覆盖面积（植被垂直投影，不重复计算）÷ 建成区面积 × 100%"),
            ("green_spaces", "district_base"), "%", 2, green_coverage_rate),
    Formula("tree_shrub_ratio", _("乔灌木占比"), _("乔灌木覆盖面积 ÷ 绿化覆盖面积 × 100%"), ("green_spaces",), "%", 2,
            tree_shrub_ratio),
    Formula("park_green_per_capita", _("人均公园绿地面积"), _("公园绿地（G1）面积 ÷ 城区人口（m²/人）"),
            ("green_spaces", "district_base"), "m²/人", 2, park_green_per_capita, by_district=True),
    Formula("park_service_coverage", _("公园绿地服务半径覆盖率"),
            _("公园服务半径内的居住用地面积 ÷ 居住用地总面积 × 100%；公园≥5000 m² 按500 m、2000–5000 m² 按300 m；"
              "以居住区中心点是否落在半径内判定"),
            ("parks", "compounds"), "%", 2, park_service_coverage),
    Formula("shaded_road_rate", _("林荫路覆盖率"), _("次干路、支路中林荫路长度 ÷ 次干路、支路总长度 × 100%"), ("roads",), "%", 2,
            shaded_road_rate),
    Formula("road_greening_rate", _("城市道路绿化普及率"), _("有行道树绿化的道路长度 ÷ 道路总长度 × 100%"), ("roads",), "%", 2,
            road_greening_rate),
    Formula("garden_compound_rate", _("园林式居住区（单位）达标率"), _("达到园林式标准的居住区（单位）数 ÷ 居住区（单位）总数 × 100%"),
            ("compounds",), "%", 2, garden_compound_rate),
    Formula("comprehensive_parks_per_10k", _("万人拥有综合公园指数"), _("综合公园数量 ÷ 城区人口（万人）"),
            ("parks", "district_base"), "个/万人", 4, comprehensive_parks_per_10k),
    Formula("greenway_km_per_10k", _("万人拥有绿道长度"), _("绿道总长度（km）÷ 城区人口（万人）"), ("greenways", "district_base"),
            "km/万人", 2, greenway_km_per_10k),
    Formula("park_free_access_rate", _("公园免费开放率"), _("免费开放的公园数 ÷ 公园总数 × 100%"), ("parks",), "%", 2,
            park_free_access_rate),
    Formula("park_emergency_shelter_rate", _("公园绿地应急避险场所实施率"), _("具备应急避险功能的公园数 ÷ 公园总数 × 100%"),
            ("parks",), "%", 2, park_emergency_shelter_rate),
)}


def evaluate(formula, rows, params):
    """Run one formula; values rounded half-up to the formula's places."""
    results = formula.compute(rows, params)
    for result in results.values():
        if result.value is not None:
            result.value = _round(result.value, formula.places)
    return results


def formulas_reading(ledger_type):
    return [f for f in FORMULAS.values() if ledger_type in f.reads]
