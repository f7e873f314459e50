"""Plans at formula level, with hand-computed figures: each plan, applied to the rows and run
through the same ledger formula and Indicator.evaluate, just meets the threshold, and one unit
less does not."""
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.models import Indicator, Threshold
from ledgers import formulas as F
from ledgers.formulas import Row
from planner import plans as P
from tests.ledgers.spatial import destination
from tests.planner.reference import all_pairs_incidence, naive_greedy

CENTER = (32.05, 118.78)


def goal(target, aggregation="city", margin=0):
    indicator = Indicator(code="x", name="x", aggregation=aggregation)
    threshold = Threshold(tier="garden", comparator="gte", value=Decimal(str(target)))
    return P.Goal(indicator, {}, "garden", [threshold], Decimal(margin))


def base(*districts):
    """(name, built-up km², population 万人)"""
    return [Row(9, i + 2, {"district": d, "built_up_area_km2": str(a), "population_10k": str(p)})
            for i, (d, a, p) in enumerate(districts)]


def green(n, district, area, cls="G1", cover=0, inside=True):
    return Row(8, n, {"name": f"绿地{n}", "district": district, "green_class": cls, "green_area_m2": str(area),
                      "cover_area_m2": str(cover), "tree_shrub_area_m2": "0", "in_construction_land": inside})


def value_with(formula_key, rows, params, added, scope=F.CITY):
    """The formula's value with one extra row per district of `added` m² (as the plan applies them)."""
    return P.run(formula_key, P._apply_areas(formula_key, rows, added), params)[scope]


class ParkPerCapitaPlanTests:
    def rows(self):
        return {"green_spaces": [green(2, "城东区", 40000), green(3, "城西区", 60000), green(4, "城西区", 9999, "G2")],
                "district_base": base(("城东区", 2, 1), ("城西区", 2, 1))}

    def test_it_adds_to_each_district_below_the_bar_exactly_what_it_lacks(self):
        rows, g = self.rows(), goal(5, "district_min")
        plan = P.make_plan("park_green_per_capita", rows, {}, g)
        # 城东区: 40 000 m² for 10 000 people = 4.00; 5.00 as displayed needs 4.995 → 49 950 m², so 9 950.
        assert [(i.district, i.quantity) for i in plan.items] == [("城东区", Decimal(9950))]
        assert plan.after["城东区"] == Decimal("5.00")
        value, evaluation = P.what_if(plan, {}, g)
        assert value == Decimal("5.00") and evaluation.is_met
        one_less = value_with("park_green_per_capita", rows, {}, {"城东区": 9949}, "城东区")
        assert one_less == Decimal("4.99") and not g.evaluate(one_less).is_met

    def test_the_city_shortfall_is_shared_by_population_and_closes_exactly(self):
        rows, g = self.rows(), goal(8)
        params = {"urban_population": Decimal(2)}
        plan = P.make_plan("park_green_per_capita", rows, params, g)
        # 100 000 m² for 20 000 people = 5.00; 8.00 needs 7.995 × 20 000 = 159 900 m²: 59 900 more, 1:1.
        assert plan.before[F.CITY] == Decimal("5.00")
        assert {i.district: i.quantity for i in plan.items} == {"城东区": Decimal(29950), "城西区": Decimal(29950)}
        assert P.what_if(plan, params, g)[1].is_met
        assert not g.evaluate(value_with("park_green_per_capita", rows, params, {"城东区": 29950, "城西区": 29949})).is_met

    def test_a_met_indicator_needs_nothing_unless_the_forecast_says_it_will_slip(self):
        rows = self.rows()
        params = {"urban_population": Decimal(2)}
        assert P.make_plan("park_green_per_capita", rows, params, goal(5)).items == []
        # At risk: the forecast expects 0.5 less by the evaluation day, so the plan aims at 5.5.
        plan = P.make_plan("park_green_per_capita", rows, params, goal(5, margin="0.5"))
        assert plan.total == Decimal(9900)  # 5.495 × 20 000 − 100 000
        assert plan.after[F.CITY] == Decimal("5.50")


class GreenRatePlanTests:
    def test_the_other_green_cap_rises_with_the_green_added_inside(self):
        # 城东区 1 km²: 200 000 m² inside + 100 000 outside, of which 20 % of 200 000 = 40 000 count: 24.00 %.
        rows = {"green_spaces": [green(2, "城东区", 200000, "XG"), green(3, "城东区", 100000, "EG", inside=False)],
                "district_base": base(("城东区", 1, 1))}
        g = goal(25, "district_min")
        plan = P.make_plan("green_space_rate", rows, {}, g)
        # 24.995 % of 1 km² = 249 950 m² = 1.2 × inside → inside 208 291.67 → 8 292 m² more (whole m²).
        assert [i.quantity for i in plan.items] == [Decimal(8292)]
        assert plan.after["城东区"] == Decimal("25.00") and g.evaluate(plan.after["城东区"]).is_met
        assert not g.evaluate(value_with("green_space_rate", rows, {}, {"城东区": 8291}, "城东区")).is_met

    def test_coverage_is_shared_by_built_up_area(self):
        rows = {"green_spaces": [green(2, "城东区", 0, cover=300000)],
                "district_base": base(("城东区", 1, 1), ("城西区", 3, 1))}
        g = goal(36)
        plan = P.make_plan("green_coverage_rate", rows, {"built_up_area_km2": Decimal(4)}, g)
        # 300 000 / 4 km² = 7.50 %; 35.995 % needs 1 439 800 m²: 1 139 800 more, 1:3.
        assert {i.district: i.quantity for i in plan.items} == {"城东区": Decimal(284950), "城西区": Decimal(854850)}
        assert plan.after[F.CITY] == Decimal("36.00")


def compound(n, name, lat, lng, area, rated=False, district="城东区"):
    return Row(4, n, {"name": name, "district": district, "kind": "residential", "garden_rated": rated,
                      "lat": repr(lat), "lng": repr(lng), "residential_area_m2": str(area)})


def plot(n, name, lat, lng, area="2000"):
    return Row(5, n, {"name": name, "district": "城东区", "area_m2": area, "lat": repr(lat), "lng": repr(lng),
                      "historic": False})


class CoveragePlanTests:
    """Plots A, B, C (2 000 m²: 300 m radius) and an existing park P (500 m):
    A reaches c1 (200 m) and c2 (250 m); B reaches c3; C reaches c1 only; c4 is out of every reach."""

    def rows(self):
        a = CENTER
        b = destination(*a, 3000, 90)
        c = destination(*a, 420, 0)
        p = destination(*a, 3000, 270)
        c1 = destination(*a, 200, 10)
        c2 = destination(*a, 250, 180)
        c3 = destination(*b, 280, 45)
        c4 = destination(*a, 3000, 180)
        c5 = destination(*p, 400, 0)
        return {
            "parks": [Row(3, 2, {"name": "人民公园", "area_m2": "80000", "historic": False, "lat": repr(p[0]),
                                 "lng": repr(p[1])})],
            "compounds": [compound(2, "c1", *c1, 40000), compound(3, "c2", *c2, 30000), compound(4, "c3", *c3, 50000),
                          compound(5, "c4", *c4, 20000), compound(6, "c5", *c5, 60000)],
            "pocket_plots": [plot(2, "A", *a), plot(3, "B", *b), plot(4, "C", *c), plot(5, "D", *c4, area="1500")],
        }

    def test_sites_are_chosen_for_the_largest_added_coverage_until_met(self):
        rows = self.rows()
        plan = P.make_plan("park_service_coverage", rows, {}, goal(80))
        # Before: 60 000 / 200 000 = 30 %. A adds c1 + c2 = 70 000 (65 %), then B adds c3 = 50 000 (90 %).
        assert plan.before[F.CITY] == Decimal("30.00")
        assert plan.uncovered_area == Decimal(140000)
        assert [(i.label, i.value_after) for i in plan.items] == [("A", Decimal("65.00")), ("B", Decimal("90.00"))]
        assert plan.after[F.CITY] == Decimal("90.00")
        # D (1 500 m²) serves no radius and is not offered.
        assert [s.name for s in plan.candidates] == ["A", "B", "C"]

    def test_the_coverage_after_each_site_is_what_the_formula_computes_with_those_parks(self):
        rows = self.rows()
        plan = P.make_plan("park_service_coverage", rows, {}, goal(95))
        sites = {s.name: s for s in plan.candidates}
        for n in range(1, len(plan.items) + 1):
            parks = [sites[i.label].as_park(k) for k, i in enumerate(plan.items[:n])]
            assert P.run("park_service_coverage", P.with_rows(rows, "parks", parks), {})[F.CITY] \
                == plan.items[n - 1].value_after
        assert not plan.reachable  # c4 is out of every reach: 90 % at most

    def test_pinned_sites_come_first_and_excluded_ones_never(self):
        rows = self.rows()
        pinned = P.make_plan("park_service_coverage", rows, {}, goal(80), pinned=["plot:B | 城东区"])
        assert [(i.label, i.pinned, i.value_after) for i in pinned.items] == [
            ("B", True, Decimal("55.00")), ("A", False, Decimal("90.00"))]
        excluded = P.make_plan("park_service_coverage", rows, {}, goal(70), excluded=["plot:A | 城东区"])
        # B (50 000) then C (40 000): 30 + 25 + 20 = 75 %.
        assert [i.label for i in excluded.items] == ["B", "C"]
        assert excluded.after[F.CITY] == Decimal("75.00") and excluded.reachable

    def test_without_plots_the_uncovered_compounds_own_points_are_the_sites(self):
        rows = self.rows()
        del rows["pocket_plots"]
        plan = P.make_plan("park_service_coverage", rows, {}, goal(60))
        # A 2 000 m² park on c3 covers c3 (50 000); on c1 only c1 (c2 lies 450 m away): c3 first.
        assert plan.items[0].key == "compound:c3 | 城东区"
        assert P.what_if(plan, {}, goal(60))[1].is_met


class ShadedRoadPlanTests:
    def rows(self):
        def road(n, name, grade, length, shaded):
            return Row(6, n, {"name": name, "district": "城东区", "grade": grade, "length_m": str(length),
                              "shaded_length_m": str(shaded), "planted": True})
        return {"roads": [road(2, "文昌路", "secondary", 1000, 0), road(3, "小巷", "branch", 600, 0),
                          road(4, "已荫路", "secondary", 400, 400), road(5, "快速路", "expressway", 5000, 0)]}

    def test_roads_are_shaded_longest_first_and_the_metres_close_the_gap_exactly(self):
        rows, g = self.rows(), goal(60)
        plan = P.make_plan("shaded_road_rate", rows, {}, g)
        # 400 / 2 000 = 20 %; 文昌路 in full gives 70 %. Strictly needed: 59.995 % of 2 000 − 400 → 800 m.
        assert [(i.label, i.quantity, i.value_after) for i in plan.items] == [("文昌路", Decimal(1000), Decimal("70.00"))]
        assert plan.minimum == Decimal(800)
        partial = P._shade(rows, [], (rows["roads"][0], 800))
        assert g.evaluate(P.run("shaded_road_rate", partial, {})[F.CITY]).is_met
        short = P.run("shaded_road_rate", P._shade(rows, [], (rows["roads"][0], 799)), {})[F.CITY]
        assert short == Decimal("59.95") and not g.evaluate(short).is_met

    def test_it_goes_on_to_the_next_road_until_met(self):
        plan = P.make_plan("shaded_road_rate", self.rows(), {}, goal(85))
        assert [i.label for i in plan.items] == ["文昌路", "小巷"]
        assert plan.after[F.CITY] == Decimal("100.00") and plan.minimum == Decimal(1300)


class GardenCompoundPlanTests:
    def test_the_count_missing_is_shared_by_unrated_compounds_per_district(self):
        compounds = ([compound(i, f"东{i}", 32, 118, 1, rated=i < 5) for i in range(2, 9)]
                     + [compound(i, f"西{i}", 32, 118, 1, district="城西区") for i in range(9, 12)])
        g = goal(50)
        plan = P.make_plan("garden_compound_rate", {"compounds": compounds}, {}, g)
        # 3 of 10 rated (30 %): 2 more make 50 %; 4 unrated in 城东区, 3 in 城西区 → 1 and 1.
        assert {i.district: i.quantity for i in plan.items} == {"城东区": Decimal(1), "城西区": Decimal(1)}
        assert plan.after[F.CITY] == Decimal("50.00") and P.what_if(plan, {}, g)[1].is_met
        one_less = P.run("garden_compound_rate", P._rate({"compounds": compounds}, compounds[3:4]), {})[F.CITY]
        assert not g.evaluate(one_less).is_met


class ApportionTests:
    @given(st.integers(0, 10 ** 7), st.lists(st.integers(1, 1000), min_size=1, max_size=8))
    def test_shares_add_up_to_the_total(self, total, weights):
        shares = P.apportion(total, dict(enumerate(weights)))
        assert sum(shares.values()) == total


points_strategy = st.lists(st.tuples(st.floats(-900, 900), st.floats(-900, 900), st.integers(1, 5)),
                           min_size=1, max_size=25)


class GreedyTests:
    @settings(max_examples=80, deadline=None)
    @given(points_strategy, st.lists(st.tuples(st.floats(-900, 900), st.floats(-900, 900),
                                               st.sampled_from(["2000", "5000", "1500"])), min_size=1, max_size=12),
           st.lists(st.integers(0, 11), max_size=3), st.integers(0, 60))
    def test_the_bucketed_greedy_equals_the_naive_all_pairs_greedy(self, compounds, plots, pins, stop_at):
        def at(dx, dy):
            lat, lng = destination(*CENTER, abs(dx), 90 if dx >= 0 else 270)
            return destination(lat, lng, abs(dy), 0 if dy >= 0 else 180)

        points = [at(dx, dy) for dx, dy, _w in compounds]
        weights = [Decimal(w) for _x, _y, w in compounds]
        sites = [P.Site(f"s{i}", f"s{i}", "", repr(lat), repr(lng), Decimal(a))
                 for i, (lat, lng, a) in enumerate([(*at(dx, dy), a) for dx, dy, a in plots])]
        sites = [s for s in sites if s.radius]
        pinned = [p for p in pins if p < len(sites)]
        incidence = P.coverage_incidence(sites, points)
        assert incidence == all_pairs_incidence(sites, points)

        def done(gained):
            return gained >= stop_at

        assert P.greedy_cover(incidence, weights, pinned=pinned, done=done) == \
            naive_greedy(incidence, weights, pinned=pinned, done=done)
