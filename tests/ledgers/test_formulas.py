"""The formulas of standards.md §4 against small cases computed by hand."""
import math
from decimal import Decimal as D

import pytest

from ledgers import formulas as F
from ledgers.formulas import Row
from tests.ledgers.spatial import CITIES, all_pairs, destination, random_city

M_PER_DEG_LAT = 6371008.8 * math.pi / 180  # 111 195.08 m


def north(lat, lng, metres):
    return lat + metres / M_PER_DEG_LAT, lng


def east(lat, lng, metres):
    return lat, lng + metres / (M_PER_DEG_LAT * math.cos(math.radians(lat)))


def rows(ledger_type, *items):
    return [Row(7, 10 + i, item) for i, item in enumerate(items)]


def value(key, data, params=None, scope=None):
    return F.evaluate(F.FORMULAS[key], data, params or {})[scope].value


def park(name, lat, lng, area, historic=False, **extra):
    return {"name": name, "district": "城东区", "park_type": extra.get("park_type", "community"),
            "area_m2": str(area), "lat": str(lat), "lng": str(lng), "free_entry": extra.get("free", True),
            "emergency_refuge": extra.get("refuge", False), "historic": historic}


def compound(name, lat, lng, area, kind="residential", rated=False):
    return {"name": name, "district": "城东区", "kind": kind, "garden_rated": rated, "lat": f"{lat:.7f}",
            "lng": f"{lng:.7f}", "residential_area_m2": str(area) if area is not None else None}


class ServiceRadiusTests:
    @pytest.mark.parametrize("area, historic, radius", [
        (D("5000"), False, 500), (D("4999.99"), False, 300), (D("2000"), False, 300), (D("1999.99"), False, 0),
        (D("1000"), True, 300), (D("999"), True, 0), (D("1500"), False, 0),
    ])
    def test_it_gives_parks_their_radius_by_size(self, area, historic, radius):
        assert F.service_radius_m(area, historic) == radius

    def test_haversine_matches_a_degree_of_latitude(self):
        assert F.haversine_m(32, 118, 33, 118) == pytest.approx(M_PER_DEG_LAT, rel=1e-9)

    def test_it_computes_coverage_for_a_hand_computed_small_case(self):
        p1, p2, p3, p4 = (32.0, 118.0), (32.01, 118.0), (32.02, 118.0), (32.03, 118.0)
        parks = rows("parks",
                     park("大公园", *p1, 6000),            # 500 m
                     park("中公园", *p2, 3000),            # 300 m
                     park("小游园", *p3, 1500),            # too small: no radius
                     park("老城游园", *p4, 1500, historic=True))  # 历史文化街区: 300 m
        compounds = rows("compounds",
                         compound("甲小区", *north(*p1, 400), 10000),   # 400 m from 大公园: covered
                         compound("乙小区", *north(*p1, 600), 20000),   # 600 m / 512 m from 中公园: not
                         compound("丙小区", *east(*p2, 250), 30000),    # 250 m from 中公园: covered
                         compound("丁小区", *east(*p3, 100), 15000),    # next to a park with no radius: not
                         compound("戊小区", *north(*p4, 200), 25000),   # 200 m from 老城游园: covered
                         compound("某单位", *p1, None, kind="unit"))    # units are not residential land
        result = F.evaluate(F.FORMULAS["park_service_coverage"], {"parks": parks, "compounds": compounds}, {})[None]
        # covered 10 000 + 30 000 + 25 000 of 100 000 m²
        assert result.value == D("65.00")
        inputs = {str(label): v for label, v, _unit in result.inputs}
        assert inputs["服务半径内的居住用地面积"] == D("65000") and inputs["居住用地总面积"] == D("100000")
        covered, uncovered = result.refs[0], result.refs[1]
        assert covered.rows == [(7, 10), (7, 12), (7, 14)] and uncovered.rows == [(7, 11), (7, 13)]
        assert "大公园" in str(result.details[(7, 10)]) and "400 m" in str(result.details[(7, 10)])
        assert any("不计服务半径" in str(g.label) for g in result.refs)

    def test_it_counts_a_compound_on_the_radius_edge_by_its_point(self):
        parks = rows("parks", park("大公园", 32.0, 118.0, 5000))
        inside = compound("内", *north(32.0, 118.0, 499), 100)
        outside = compound("外", *north(32.0, 118.0, 501), 300)
        data = {"parks": parks, "compounds": rows("compounds", inside, outside)}
        assert value("park_service_coverage", data) == D("25.00")

    def test_it_finds_parks_across_grid_cells_at_higher_latitude(self):
        lat, lng = 45.0, 126.6299  # near a 0.01° cell edge
        parks = rows("parks", park("公园", lat, lng, 8000))
        data = {"parks": parks, "compounds": rows("compounds", compound("小区", *east(lat, lng, 480), 100))}
        assert value("park_service_coverage", data) == D("100.00")


def coverage(data):
    return F.evaluate(F.FORMULAS["park_service_coverage"], data, {})[None]


def per_compound(result):
    """The formula's verdict on each compound: covered or not, which park, how far (as the value page shows)."""
    return {key: str(text) for key, text in result.details.items()}


class ParkGridTests:
    """The grid over parks gives exactly what comparing every compound with every park gives."""

    @pytest.mark.parametrize("city", sorted(CITIES))
    @pytest.mark.parametrize("seed", [1, 2])
    def test_it_equals_all_pairs_compound_by_compound(self, city, seed):
        data = random_city(seed, CITIES[city], parks=200, compounds=600, km=5)
        grid = coverage(data)
        with all_pairs():
            reference = coverage(data)
        assert per_compound(grid) == per_compound(reference)
        assert grid.as_json() == reference.as_json() and grid.value == reference.value
        covered = sum("服务半径内" in t and "不在" not in t for t in per_compound(grid).values())
        assert 0 < covered < len(grid.details)  # both verdicts are exercised

    def test_it_agrees_on_compounds_exactly_on_the_radius(self):
        # Due north the haversine returns the radius itself (or a hair off it): whichever it is,
        # both ways must say the same.
        data = random_city(3, CITIES["harbin"], parks=120, compounds=0)
        serving = [p for p in data["parks"] if F.service_radius_m(p.dec("area_m2"), p.data["historic"])]
        edge = []
        for p in serving:
            radius = F.service_radius_m(p.dec("area_m2"), p.data["historic"])
            for bearing in (0, 90, 180, 270, 45):
                lat, lng = destination(float(p.data["lat"]), float(p.data["lng"]), radius, bearing)
                edge.append({"name": "边", "kind": "residential", "lat": repr(lat), "lng": repr(lng),
                             "residential_area_m2": "100"})
        data["compounds"] = [Row(4, 2 + i, c) for i, c in enumerate(edge)]
        grid = coverage(data)
        with all_pairs():
            reference = coverage(data)
        assert per_compound(grid) == per_compound(reference)

    def test_it_names_the_first_listed_of_two_parks_at_one_point(self):
        parks = rows("parks", park("甲园", 32.0, 118.0, 6000), park("乙园", 32.0, 118.0, 6000))
        data = {"parks": parks, "compounds": rows("compounds", compound("小区", *north(32.0, 118.0, 100), 100))}
        assert "甲园" in str(coverage(data).details[(7, 10)])

    def test_it_sizes_its_cells_from_the_largest_radius(self, monkeypatch):
        # A 1 500 m radius (were the standard to grant one) reaches past any fixed 0.01° grid.
        monkeypatch.setattr(F, "service_radius_m", lambda area, historic=False: 1500 if area >= 5000 else 0)
        data = random_city(4, CITIES["mohe"], parks=60, compounds=400, km=10)
        grid = coverage(data)
        with all_pairs():
            reference = coverage(data)
        assert per_compound(grid) == per_compound(reference)

    def test_it_looks_at_the_parks_near_a_compound_only(self):
        data = random_city(5, CITIES["nanjing"], parks=2000, compounds=0, km=20)
        points = [(float(p.data["lat"]), float(p.data["lng"]), 500) for p in data["parks"]]
        grid = F.ParkGrid(points)
        lat, lng = CITIES["nanjing"]
        # a 500 m circle holds about 2 % of a 20 km square's parks; the cells searched, a few times that
        assert len(grid.candidates(lat, lng)[0]) < len(points) / 20

    def test_it_falls_back_to_every_park_near_a_pole(self):
        grid = F.ParkGrid([(89.999, 0.0, 500), (89.999, 180.0, 500)])
        assert len(grid.candidates(89.999, 90.0)[0]) == 2
        assert grid.nearest(89.999, 90.0)[0] == 0


def green(name, district, cls, area, cover, trees, inside=True):
    return {"name": name, "district": district, "green_class": cls, "green_area_m2": str(area),
            "cover_area_m2": str(cover), "tree_shrub_area_m2": str(trees), "in_construction_land": inside}


GREENS = rows("green_spaces",
              green("甲公园", "城东区", "G1", 200000, 210000, 150000),
              green("乙附属绿地", "城西区", "XG", 100000, 120000, 60000),
              green("丙郊野绿地", "城东区", "EG", 80000, 90000, 40000, inside=False))
BASE = rows("district_base",
            {"district": "城东区", "built_up_area_km2": "0.6", "population_10k": "1.5"},
            {"district": "城西区", "built_up_area_km2": "0.4", "population_10k": "0.5"})
PARAMS = {"built_up_area_km2": D("1"), "urban_population": D("2")}


class GreenSpaceTests:
    def test_green_space_rate_caps_other_green_at_a_fifth_of_the_green_inside(self):
        # inside 300 000 m²; outside 80 000 capped at 60 000; built-up 1 km²
        results = F.evaluate(F.FORMULAS["green_space_rate"], {"green_spaces": GREENS, "district_base": BASE}, PARAMS)
        assert results[None].value == D("36.00")
        assert results["城东区"].value == D("40.00")  # (200 000 + min(80 000, 40 000)) / 600 000
        assert results["城西区"].value == D("25.00")  # 100 000 / 400 000
        assert any("只计入" in str(n) for n in results[None].notes)
        assert results["城东区"].refs[-1].ledger_type == "district_base"

    def test_green_coverage_and_tree_shrub_share(self):
        data = {"green_spaces": GREENS}
        assert value("green_coverage_rate", data, PARAMS) == D("42.00")  # 420 000 / 1 000 000
        assert value("tree_shrub_ratio", data, PARAMS) == D("59.52")  # 250 000 / 420 000

    def test_park_green_per_capita_uses_g1_and_population_per_district(self):
        results = F.evaluate(F.FORMULAS["park_green_per_capita"], {"green_spaces": GREENS, "district_base": BASE},
                             PARAMS)
        assert results[None].value == D("10.00")  # 200 000 m² / 20 000 人
        assert results["城东区"].value == D("13.33")  # 200 000 / 15 000
        assert results["城西区"].value == D("0.00")

    def test_without_a_built_up_area_the_value_is_not_computed(self):
        result = F.evaluate(F.FORMULAS["green_space_rate"], {"green_spaces": GREENS}, {})[None]
        assert result.value is None and any("建成区面积" in str(n) for n in result.notes)

    def test_without_campaign_parameters_the_district_sums_are_used_and_said(self):
        result = F.evaluate(F.FORMULAS["green_space_rate"], {"green_spaces": GREENS, "district_base": BASE}, {})[None]
        assert result.value == D("36.00") and any("各城区之和" in str(n) for n in result.notes)


class CountAndLengthTests:
    def test_shaded_road_rate_counts_secondary_and_branch_roads_only(self):
        roads = rows("roads",
                     {"name": "大道", "grade": "arterial", "length_m": "2000", "shaded_length_m": "2000", "planted": True},
                     {"name": "次路", "grade": "secondary", "length_m": "1000", "shaded_length_m": "800", "planted": True},
                     {"name": "小街", "grade": "branch", "length_m": "500", "shaded_length_m": "100", "planted": False})
        assert value("shaded_road_rate", {"roads": roads}) == D("60.00")  # 900 / 1500
        assert value("road_greening_rate", {"roads": roads}) == D("85.71")  # 3000 / 3500

    def test_garden_compound_rate_counts_residential_compounds_and_units(self):
        data = {"compounds": rows("compounds", compound("甲", 32, 118, 1, rated=True),
                                  compound("乙", 32, 118, None, kind="unit", rated=True), compound("丙", 32, 118, 1))}
        assert value("garden_compound_rate", data) == D("66.67")

    def test_per_10k_indices_use_the_campaign_population(self):
        parks = rows("parks", park("甲", 32, 118, 9e4, park_type="comprehensive"),
                     park("乙", 32, 118, 9e4, park_type="comprehensive"), park("丙", 32, 118, 9e3))
        assert value("comprehensive_parks_per_10k", {"parks": parks}, {"urban_population": D("20")}) == D("0.1000")
        greenways = rows("greenways", {"name": "环湖", "length_km": "3.5"}, {"name": "滨江", "length_km": "1.5"})
        assert value("greenway_km_per_10k", {"greenways": greenways}, {"urban_population": D("20")}) == D("0.25")

    def test_park_shares_count_parks(self):
        parks = rows("parks", park("甲", 32, 118, 9e4, free=True, refuge=True), park("乙", 32, 118, 9e3, free=False),
                     park("丙", 32, 118, 9e3, free=True))
        assert value("park_free_access_rate", {"parks": parks}) == D("66.67")
        assert value("park_emergency_shelter_rate", {"parks": parks}) == D("33.33")


class RowRangeTests:
    def test_row_numbers_compress_to_ranges_and_back(self):
        assert F.row_ranges([9, 4, 5, 6, 12, 13]) == "4-6,9,12-13"
        assert F.parse_ranges("4-6,9,12-13") == [4, 5, 6, 9, 12, 13]
        assert F.row_ranges([]) == ""
