"""The map's covered / not covered compounds are the coverage formula's, compound by compound."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from inspections.models import Finding
from inspections.selectors import LEVEL_ORDER, filter_findings
from ledgers import formulas as F
from ledgers.demo import generate
from ledgers.models import LedgerRow
from ledgers.schemas import LEDGER_TYPES
from organizations.access import Access
from planner.map import FINDING_COLOURS, POINT_COLOURS, ROAD_COLOURS, alert_layers, map_layers, road_layer
from tests.ledgers.spatial import CITIES, all_pairs, random_city


class MapLayersTests:
    @pytest.mark.parametrize("seed,city", [(1, "nanjing"), (2, "harbin"), (3, "shenzhen")])
    def test_covered_compounds_are_the_formulas_compound_by_compound(self, seed, city):
        rows = random_city(seed, CITIES[city], parks=60, compounds=400, km=4)
        layers = map_layers(rows, {})
        residential = [c for c in rows["compounds"] if c.data["kind"] == "residential"]
        result = F.evaluate(F.FORMULAS["park_service_coverage"], rows, {})[F.CITY]
        with all_pairs():
            reference = F.evaluate(F.FORMULAS["park_service_coverage"], rows, {})[F.CITY]
        for drawn, row in zip(layers["compounds"], residential, strict=True):
            text = str(result.details[(row.version_id, row.row)])
            assert drawn["name"] == row.data["name"]
            reference_text = str(reference.details[(row.version_id, row.row)])
            assert drawn["covered"] == ("不在" not in text) == ("不在" not in reference_text)
        assert 0 < sum(c["covered"] for c in layers["compounds"]) < len(residential)
        assert layers["coverage"] == str(result.value)

    def test_parks_carry_the_formulas_radius(self):
        rows = random_city(4, CITIES["nanjing"], parks=30, compounds=10)
        for drawn, row in zip(map_layers(rows, {})["parks"], rows["parks"], strict=True):
            assert drawn["radius"] == F.service_radius_m(row.dec("area_m2"), row.data["historic"])


def road(name, grade, length, shaded, ends=None, row=1):
    data = {"name": name, "segment": "", "district": "城东区", "grade": grade, "length_m": str(length),
            "shaded_length_m": str(shaded), "planted": True, "note": ""}
    if ends:
        data.update(start_lat=ends[0], start_lng=ends[1], end_lat=ends[2], end_lng=ends[3])
    return F.Row(7, row, data)


LINE = ("32.050000", "118.780000", "32.060000", "118.780000")


class RoadLayerTests:
    def test_roads_are_drawn_shaded_or_not_as_the_formula_counts_them(self):
        rows = {"roads": [road("全荫路", "secondary", 1200, 1200, LINE, 1), road("半荫街", "branch", 800, 300, LINE, 2),
                          road("无荫街", "branch", 500, 0, LINE, 3), road("大道", "arterial", 3000, 3000, LINE, 4)]}
        drawn, missing = road_layer(rows, {})
        assert {r["name"]: r["shade"] for r in drawn} == {
            "全荫路": "shaded", "半荫街": "partly_shaded", "无荫街": "not_shaded", "大道": "not_counted"}
        assert {r["name"]: r["colour"] for r in drawn}["无荫街"] == ROAD_COLOURS["not_shaded"] != ROAD_COLOURS["shaded"]
        assert missing == 0
        # The drawn counted roads add up to the formula's value: (1200 + 300 + 0) / (1200 + 800 + 500).
        result = F.evaluate(F.FORMULAS["shaded_road_rate"], rows, {})[F.CITY]
        counted = [r for r in drawn if r["shade"] != "not_counted"]
        assert Decimal(sum(r["shaded_length"] for r in counted) / sum(r["length"] for r in counted) * 100).quantize(
            Decimal("0.01")) == result.value.quantize(Decimal("0.01")) == Decimal("60.00")
        assert {r["name"]: r["url"] for r in drawn}["半荫街"] == "/ledgers/versions/7/?row=2#r2"

    def test_a_road_without_both_ends_is_counted_not_drawn_and_still_in_the_figure(self):
        rows = {"roads": [road("有坐标路", "secondary", 1000, 1000, LINE, 1), road("无坐标街", "branch", 1000, 0, None, 2),
                          road("半坐标街", "branch", 1000, 0, ("32.05", "118.78", "", ""), 3)]}
        drawn, missing = road_layer(rows, {})
        assert [r["name"] for r in drawn] == ["有坐标路"]
        assert missing == 2
        assert F.evaluate(F.FORMULAS["shaded_road_rate"], rows, {})[F.CITY].value.quantize(Decimal("0.01")) == Decimal(
            "33.33")

    def test_the_road_coordinates_are_optional_and_read_by_no_formula(self):
        roads = LEDGER_TYPES["roads"]
        for key in ("start_lat", "start_lng", "end_lat", "end_lng"):
            column = roads.column(key)
            assert not column.required and not column.read_by
            assert not any(s.required for s in roads.specs() if s.key == key)

    def test_the_demo_gives_coordinates_to_two_roads_in_three_without_moving_the_figures(self):
        roads = generate()["roads"][2]
        located = [r for r in roads if r.get("start_lat")]
        assert len(located) == len(roads) - len(roads) // 3
        value = F.evaluate(F.FORMULAS["shaded_road_rate"], {"roads": [F.Row(1, i, r) for i, r in enumerate(roads)]},
                           {})[F.CITY].value
        assert value.quantize(Decimal("0.1")) == Decimal("71.4")


@pytest.fixture
def alert_city(campaign, inspector, unit_a, unit_b, districts, office_admin):
    """Open findings of every light, one at its point's place, one nowhere, one closed; two points."""
    from inspections import services as I
    from visits import routes as R

    today = timezone.localdate()

    def record(deadline, unit=unit_a, coords=(Decimal("32.050000"), Decimal("118.780000"))):
        return I.finding_create(campaign=campaign, user=inspector, unit=unit, description=f"问题{deadline}",
                                address="人民路", found_on=today - timedelta(days=30), deadline=deadline,
                                latitude=coords[0] if coords else None, longitude=coords[1] if coords else None)

    with time_machine.travel(timezone.now() - timedelta(days=5)):  # recorded before its deadline passed
        red = record(today - timedelta(days=1))
    found = {
        "red": red,
        "yellow": record(today + timedelta(days=1), unit=unit_b),
        "blue": record(today + timedelta(days=40)),
        "at_point": record(today + timedelta(days=40), coords=None),
        "nowhere": record(today + timedelta(days=40), coords=None),
        "closed": record(today + timedelta(days=40)),
    }
    Finding.objects.filter(pk=found["closed"].pk).update(status=Finding.Status.CLOSED, closed_at=timezone.now())
    busy = R.point_create(campaign=campaign, user=office_admin, name="人民公园", owner=unit_a,
                          latitude=Decimal("32.061000"), longitude=Decimal("118.790000"))
    quiet = R.point_create(campaign=campaign, user=office_admin, name="滨江公园", owner=unit_b,
                           latitude=Decimal("32.041000"), longitude=Decimal("118.770000"))
    R.point_create(campaign=campaign, user=office_admin, name="无坐标点", owner=unit_b)
    R.point_link_finding(point=busy, finding=found["at_point"], user=office_admin)
    return found, busy, quiet


class AlertLayerTests:
    def test_findings_take_the_light_the_finding_list_filters_by(self, campaign, alert_city, office_admin):
        found, busy, _quiet = alert_city
        today = timezone.localdate()
        layers = alert_layers(campaign, Access(office_admin), today)
        drawn = {f["pk"]: f for f in layers["findings"]}
        assert drawn[found["red"].pk]["level"] == "red" and drawn[found["red"].pk]["colour"] == "#d93b3b"
        policy = campaign.alert_policy()
        base = Finding.objects.filter(campaign=campaign)
        for level in LEVEL_ORDER:
            listed = set(filter_findings(base, {"level": level}, today, policy).values_list("pk", flat=True))
            # Every listed finding of the light is drawn in it, but the one with no place at all.
            assert {pk for pk, f in drawn.items() if f["level"] == level} == listed - {found["nowhere"].pk}
            assert all(f["colour"] == FINDING_COLOURS[level] for f in drawn.values() if f["level"] == level)
        assert len(set(FINDING_COLOURS.values())) == len(FINDING_COLOURS)  # one meaning per colour
        assert found["closed"].pk not in drawn
        assert (drawn[found["at_point"].pk]["lat"], drawn[found["at_point"].pk]["at"]) == (32.061, "point")
        assert found["nowhere"].pk not in drawn and layers["findings_missing"] == 1
        assert drawn[found["red"].pk]["url"] == f"/inspections/{found['red'].pk}/"

    def test_points_take_the_route_boards_readiness(self, campaign, alert_city, office_admin):
        from visits import routes as R

        _found, busy, quiet = alert_city
        today = timezone.localdate()
        layers = alert_layers(campaign, Access(office_admin), today)
        drawn = {p["pk"]: p for p in layers["points"]}
        board = R.readiness([busy, quiet], today)
        assert {pk: p["readiness"] for pk, p in drawn.items()} == {pk: str(r[0]) for pk, r in board.items()}
        assert drawn[busy.pk]["readiness"] == "red" and drawn[busy.pk]["colour"] == POINT_COLOURS["red"]
        assert drawn[quiet.pk]["readiness"] == "amber"
        assert drawn[busy.pk]["url"] == f"/visits/points/{busy.pk}/"
        assert layers["points_missing"] == 1

    def test_a_unit_sees_only_its_own_findings_and_points_and_not_the_page(self, campaign, alert_city, lead_staff,
                                                                          client_for):
        found, busy, _quiet = alert_city
        layers = alert_layers(campaign, Access(lead_staff), timezone.localdate())
        assert found["yellow"].pk not in {f["pk"] for f in layers["findings"]}  # unit B's alone
        assert {p["pk"] for p in layers["points"]} == {busy.pk}
        assert client_for(lead_staff).get("/planner/map/").status_code == 403


class MapPageLayersTests:
    def test_the_page_carries_every_layer_with_its_click_target(self, client_for, inspector, campaign, alert_city):
        from ledgers.services import ledger_upload_confirm
        from tests.ledgers.conftest import park, template_with, upload_and_parse

        rows = {"parks": [park(name="人民公园", area_m2="80000", lat="32.050000", lng="118.780000")],
                "roads": [{"name": "文昌路", "segment": "", "district": "城东区", "grade": "secondary",
                           "length_m": "1000", "shaded_length_m": "1000", "planted": True, "note": "",
                           "start_lat": "32.05", "start_lng": "118.78", "end_lat": "32.06", "end_lng": "118.78"},
                          {"name": "无坐标街", "segment": "", "district": "城东区", "grade": "branch",
                           "length_m": "1000", "shaded_length_m": "0", "planted": True, "note": ""}]}
        for ledger_type, data in rows.items():
            upload = upload_and_parse(campaign.office, ledger_type, template_with(ledger_type, data), inspector,
                                      campaign=campaign)
            assert upload.error_count == 0, upload.result
            ledger_upload_confirm(upload=upload, user=inspector)
        client = client_for(inspector)
        response = client.get("/planner/map/")
        assert response.status_code == 200
        layers = response.context["layers"]
        (drawn_road,) = layers["roads"]
        assert (drawn_road["shade"], layers["roads_missing"]) == ("shaded", 1)
        (drawn_park,) = layers["parks"]
        park_row = LedgerRow.objects.get(version__ledger__ledger_type="parks", version__is_current=True)
        n = park_row.row_number
        assert drawn_park["url"] == f"/ledgers/versions/{park_row.version_id}/?row={n}#r{n}"
        assert f'<tr id="r{n}" class="ledger-highlight">' in client.get(drawn_park["url"]).content.decode()
        body = response.content.decode()
        assert "1 条道路台账未填起点、终点坐标" in body and "1 个未销号问题没有坐标" in body
        assert "onclick" not in body and "<script>" not in body.replace('<script id="', "")


class RoadCoordinateCheckTests:
    def test_swapped_road_ends_are_named_like_any_coordinate(self, campaign, inspector):
        from tests.ledgers.conftest import template_with, upload_and_parse

        data = [{"name": "文昌路", "segment": "", "district": "城东区", "grade": "secondary", "length_m": "1000",
                 "shaded_length_m": "0", "planted": True, "note": "", "start_lat": "118.78", "start_lng": "32.05",
                 "end_lat": "32.06", "end_lng": "118.78"}]
        upload = upload_and_parse(campaign.office, "roads", template_with("roads", data), inspector, campaign=campaign)
        assert upload.error_count == 1
        assert "似乎填反" in str(upload.result)


class AlertLayerQueryTests:
    def test_the_layers_cost_the_same_queries_for_more_findings_and_points(self, campaign, alert_city, office_admin,
                                                                            inspector, unit_a, django_assert_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from inspections import services as I
        from visits import routes as R

        today = timezone.localdate()
        with CaptureQueriesContext(connection) as few:
            alert_layers(campaign, Access(office_admin), today)
        for i in range(6):
            found = I.finding_create(campaign=campaign, user=inspector, unit=unit_a, description=f"更多{i}",
                                     address="人民路", deadline=today + timedelta(days=3))
            point = R.point_create(campaign=campaign, user=office_admin, name=f"点位{i}", owner=unit_a,
                                   latitude=Decimal("32.05"), longitude=Decimal("118.78"))
            R.point_link_finding(point=point, finding=found, user=office_admin)
        with django_assert_num_queries(len(few.captured_queries)):
            layers = alert_layers(campaign, Access(office_admin), today)
        assert len(layers["findings"]) == 4 + 6


class ColourTableTests:
    """The map's colours are the lists' own: the finding list's lamps, the route board's lights."""

    @staticmethod
    def css_colour(css, selector):
        import re
        from pathlib import Path

        from django.conf import settings

        root = Path(settings.BASE_DIR) / "static" / "css"
        variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", (root / "app.css").read_text()))
        match = re.search(re.escape(selector) + r"\s*\{[^}]*?background:\s*([^;}\s]+)", (root / css).read_text())
        value = match.group(1)
        return variables[value[6:-1]] if value.startswith("var(") else value

    def test_finding_lamps_and_point_lights_match_the_stylesheets(self):
        for level in ("blue", "yellow", "red", "escalated"):
            assert FINDING_COLOURS[level].lower() == self.css_colour("inspections.css", f".lamp-chip.{level} i").lower()
        for readiness in ("green", "amber", "red"):
            assert POINT_COLOURS[readiness].lower() == self.css_colour("visits.css", f".ready-{readiness}").lower()
