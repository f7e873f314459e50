import json
from decimal import Decimal as D
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from indicators.models import Indicator, Measure, Standard, StandardNode, Threshold
from indicators.standards import (
    StandardDataError,
    standard_apply,
    standard_data_load,
    standard_export_data,
)
from organizations.models import AuditEntry
from tests.indicators.conftest import db_counts, db_state

FIXTURES = settings.BASE_DIR / "fixtures" / "standards"

GARDEN_CODES = (
    [f"1.{i}" for i in range(1, 10)]
    + [f"2.{i}" for i in range(1, 15)]
    + [f"3.{i}" for i in range(1, 9)]
    + [f"4.{i}" for i in range(1, 5)]
    + [f"5.{i}" for i in range(1, 5)]
    + ["6.1", "6.2"]
)


def thresholds(standard, code):
    return list(Threshold.objects.filter(indicator__standard=standard, indicator__code=code).order_by("order"))


class StandardFixtureTests:
    def test_it_loads_eco_as_4_aspects_18_items_25_indicators(self, eco):
        assert eco.nodes.filter(level=1).count() == 4
        assert eco.nodes.filter(level=2).count() == 18
        assert eco.indicators.count() == 25
        assert list(eco.nodes.filter(level=1).order_by("order").values_list("name", flat=True)) == [
            "生态宜居", "健康舒适", "安全韧性", "风貌特色"
        ]
        # Every indicator hangs on an item, every item on an aspect.
        assert not eco.indicators.exclude(node__level=2).exists()
        assert not eco.nodes.filter(level=2, parent__isnull=True).exists()
        assert eco.indicators.get(code="9").node.name == "公园服务"
        assert eco.indicators.get(code="9").node.parent.name == "健康舒适"

    def test_it_loads_every_garden_row_with_its_code(self, garden):
        assert sorted(garden.indicators.values_list("code", flat=True)) == sorted(GARDEN_CODES)
        assert len(GARDEN_CODES) == 41
        assert list(garden.nodes.order_by("order").values_list("level", "name")) == [
            (1, "综合管理"), (1, "绿地建设"), (1, "建设管控"), (1, "生态环境"), (1, "市政设施"), (1, "节能减排")
        ]
        assert garden.indicators.get(code="2.14").node.name == "绿地建设"
        assert garden.indicators.get(code="6.1").name == "北方采暖地区住宅供热计量收费比例"
        assert set(garden.indicators.filter(kind="veto").values_list("code", flat=True)) == {
            "1.4", "2.2", "5.1", "5.2", "6.1"
        }

    def test_it_encodes_the_per_capita_park_band_as_conditional_thresholds(self, garden):
        rows = [
            (t.tier, t.comparator, t.value, t.condition_param, t.condition_min, t.condition_max, t.historic_adjustment)
            for t in thresholds(garden, "2.3")
        ]
        p = "per_capita_construction_land"
        assert rows == [
            ("garden", "gte", D("7.5"), p, None, D("80"), D("-0.5")),
            ("garden", "gte", D("8"), p, D("80"), D("100"), D("-0.5")),
            ("garden", "gte", D("9"), p, D("100"), None, D("-0.5")),
            ("eco", "gte", D("9.5"), p, None, D("80"), D("-0.5")),
            ("eco", "gte", D("10"), p, D("80"), D("100"), D("-0.5")),
            ("eco", "gte", D("11"), p, D("100"), None, D("-0.5")),
        ]
        indicator = garden.indicators.get(code="2.3")
        judged = indicator.evaluate(D("8.2"), {"per_capita_construction_land": D("90")}, tier="garden")
        assert judged.is_met and judged.target == D("8")
        judged = indicator.evaluate(D("8.2"), {"per_capita_construction_land": D("120")}, tier="garden")
        assert not judged.is_met and judged.gap == D("0.8")

    def test_it_limits_heat_metering_to_northern_heating_cities(self, garden):
        indicator = garden.indicators.get(code="6.1")
        (only,) = thresholds(garden, "6.1")
        assert indicator.kind == "veto"
        assert (only.tier, only.comparator, only.value) == ("garden", "gte", D("30"))
        assert (only.condition_param, only.condition_min, only.condition_max) == ("northern_heating", D("1"), None)
        assert indicator.evaluate(D("10"), {"northern_heating": D("0")}).status == Indicator.Status.NOT_APPLICABLE
        assert indicator.evaluate(D("10"), {"northern_heating": D("1")}).status == Indicator.Status.NOT_MET

    def test_it_lowers_green_space_rate_and_park_area_for_historic_cities(self, garden):
        green = thresholds(garden, "2.2")
        assert [(t.tier, t.value, t.historic_adjustment) for t in green] == [
            ("garden", D("31"), D("-2")), ("eco", D("35"), D("-2"))
        ]
        assert green[0].effective_value({"historic_district_share": D("60")}) == D("29")
        assert green[0].effective_value({"historic_district_share": D("50")}) == D("31")
        assert {t.historic_adjustment for t in thresholds(garden, "2.3")} == {D("-0.5")}
        assert thresholds(garden, "2.1")[0].historic_adjustment is None

    def test_it_stores_comparators_as_data(self, garden, eco):
        assert [(t.tier, t.comparator, t.value) for t in thresholds(garden, "4.4")] == [
            ("garden", "lte", D("3")), ("eco", "lte", D("2.5"))
        ]
        assert [(t.comparator, t.value) for t in thresholds(garden, "3.3")] == [("eq", D("100")), ("eq", D("100"))]
        assert [(t.tier, t.comparator, t.value) for t in thresholds(garden, "2.8")] == [
            ("garden", "gte", D("95")), ("eco", "eq", D("100"))
        ]
        assert [(t.tier, t.comparator, t.value) for t in thresholds(garden, "1.1")] == [("garden", "qualitative", None)]
        assert [(t.tier, t.comparator, t.value) for t in thresholds(eco, "20")] == [("eco", "lte", D("2.5"))]
        assert [(t.tier, t.comparator) for t in thresholds(eco, "25")] == [("eco", "qualitative")]
        qualitative = set(Indicator.objects.filter(measure__is_qualitative=True).values_list("standard__code", "code"))
        assert qualitative == {
            ("garden-city-2016", c) for c in ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "3.8", "4.2"]
        } | {("eco-garden-2022", c) for c in ["8", "21", "25"]}

    def test_it_keeps_verification_marks_and_sources(self, garden, eco):
        marks = dict(garden.indicators.values_list("code", "verification"))
        assert marks["1.9"] == marks["2.1"] == "verified"  # V
        assert marks["2.6"] == marks["6.1"] == "secondary"  # S
        assert marks["1.4"] == marks["2.2"] == "secondary"  # V wording, S veto: the weaker
        assert marks["2.3"] == "unverified"  # V first two bands, M third
        assert marks["2.14"] == marks["5.1"] == marks["3.1"] == "unverified"  # M/S, conflict, V formula + M
        assert garden.indicators.get(code="2.13").source.startswith("M / S")
        assert "90%" in garden.indicators.get(code="5.1").source
        eco_marks = dict(eco.indicators.values_list("code", "verification"))
        assert eco_marks["14"] == "verified" and eco_marks["1"] == "secondary" and eco_marks["3"] == "unverified"
        assert garden.indicators.filter(verification="unverified").count() == 28

    def test_it_maps_the_same_measure_across_standards(self, garden, eco):
        def measure(standard, code):
            return standard.indicators.get(code=code).measure.key

        pairs = {
            ("2.1", "1"): "green_coverage_rate",
            ("2.14", "2"): "tree_shrub_ratio",
            ("2.2", "3"): "green_space_rate",
            ("2.3", "4"): "park_green_per_capita",
            ("2.5", "5"): "park_green_per_capita",
            ("4.1", "6"): "native_woody_plant_index",
            ("4.3", "7"): "damaged_land_restoration_rate",
            ("4.2", "8"): "wetland_protection",
            ("3.2", "11"): "greenway_km_per_10k",
            ("2.7", "12"): "comprehensive_parks_per_10k",
            ("2.10", "13"): "garden_compound_rate",
            ("1.9", "14"): "public_satisfaction_rate",
            ("3.5", "17"): "park_emergency_shelter_rate",
            ("5.1", "18"): "sewage_treatment_rate",
            ("5.2", "19"): "waste_safe_disposal_rate",
            ("4.4", "20"): "heat_island_intensity",
            ("3.3", "22"): "ancient_tree_protection_rate",
            ("3.1", "23"): "greening_evaluation_score",
            ("5.3", "24"): "cityscape_evaluation_score",
        }
        for (garden_code, eco_code), key in pairs.items():
            assert measure(garden, garden_code) == measure(eco, eco_code) == key, (garden_code, eco_code)
        district = garden.indicators.get(code="2.4")
        assert (district.measure.key, district.aggregation) == ("green_space_rate", "district_min")
        assert garden.indicators.get(code="2.5").aggregation == eco.indicators.get(code="5").aggregation == "district_min"
        assert garden.indicators.get(code="2.2").aggregation == "city"
        assert "公园绿化活动场地服务半径覆盖率" in garden.indicators.get(code="2.6").source
        assert "林荫路推广率" in eco.indicators.get(code="10").source

    def test_it_keeps_measures_apart_where_the_two_definitions_differ(self, garden, eco):
        # standards.md §6: activity grounds against 居住用地 (eco) is not park green space
        # coverage (garden); 次干路 + 支路 coverage (eco) is not the promotion rate (garden).
        pairs = [
            (("2.6", "公园绿地服务半径覆盖率", "park_service_coverage"),
             ("9", "公园绿化活动场地服务半径覆盖率", "park_activity_service_coverage")),
            (("2.13", "林荫路推广率", "shaded_road_promotion_rate"),
             ("10", "城市林荫路覆盖率", "shaded_road_rate")),
        ]
        for (g_code, g_name, g_key), (e_code, e_name, e_key) in pairs:
            g, e = garden.indicators.get(code=g_code), eco.indicators.get(code=e_code)
            assert (g.name, g.measure.key) == (g_name, g_key)
            assert (e.name, e.measure.key) == (e_name, e_key)
            assert g.measure_id != e.measure_id
            assert "定义不同" in g.source and "定义不同" in e.source
        # Only the definition the road ledger really computes (次干路 + 支路) keeps the formula.
        assert Measure.objects.get(key="shaded_road_rate").formula_key == "shaded_road_rate"
        assert Measure.objects.get(key="shaded_road_promotion_rate").formula_key == ""
        assert Measure.objects.get(key="park_activity_service_coverage").formula_key == ""

    def test_it_ships_the_eco_thresholds_seen_in_the_secondary_page(self, eco):
        seen = {"1": "43", "2": "70", "4": "14.8", "5": "5.5", "9": "90", "10": "85"}
        for code, value in seen.items():
            ind = eco.indicators.get(code=code)
            (t,) = thresholds(eco, code)
            assert (t.tier, t.comparator, t.value) == ("eco", "gte", D(value)), code
            assert ind.verification == "secondary", code
            assert ind.source.startswith("S"), code
        others = eco.indicators.exclude(code__in=[*seen, "14"])
        assert set(others.values_list("verification", flat=True)) == {"unverified"}
        assert eco.indicators.get(code="14").verification == "verified"
        assert thresholds(eco, "9")[0].note == "按居住用地计"
        assert thresholds(eco, "10")[0].note == "次干路和支路"

    def test_it_names_every_row_in_english(self, standards):
        for model, field in ((Standard, "title_en"), (StandardNode, "name_en"), (Indicator, "name_en"),
                             (Measure, "name_en")):
            assert not model.objects.filter(**{field: ""}).exists(), model
        assert Indicator.objects.get(standard__code="garden-city-2016", code="2.6").name_en == (
            "Park service radius coverage"
        )
        assert StandardNode.objects.get(standard__code="eco-garden-2022", level=1, code="1").name_en == (
            "Ecological livability"
        )

    def test_it_gives_ledger_computed_measures_a_formula_key(self, standards):
        formulas = dict(Measure.objects.exclude(formula_key="").values_list("key", "formula_key"))
        assert formulas == {k: k for k in [
            "green_coverage_rate", "green_space_rate", "tree_shrub_ratio", "park_green_per_capita",
            "park_service_coverage", "shaded_road_rate", "garden_compound_rate", "comprehensive_parks_per_10k",
            "greenway_km_per_10k", "road_greening_rate", "park_free_access_rate", "park_emergency_shelter_rate",
        ]}
        assert Measure.objects.get(key="heat_island_intensity").unit == "℃"

    def test_it_loads_twice_without_duplicating(self, standards):
        before = db_state()
        measures = Measure.objects.count()
        out = StringIO()
        call_command("load_standards", stdout=out)
        assert db_state() == before
        assert Measure.objects.count() == measures == 45
        assert "已存在" in out.getvalue()
        out = StringIO()
        call_command("load_standards", "--update", stdout=out)
        assert db_state() == before
        assert "指标 新增 0，修改 0，未变 41" in out.getvalue()
        assert "指标 新增 0，修改 0，未变 25" in out.getvalue()

    def test_it_keeps_office_corrections_unless_asked_to_update(self, garden):
        Threshold.objects.filter(indicator__standard=garden, indicator__code="2.2", tier="garden").update(value=D("32"))
        call_command("load_standards", stdout=StringIO())
        assert thresholds(garden, "2.2")[0].value == D("32")
        call_command("load_standards", "--update", stdout=StringIO())
        assert thresholds(garden, "2.2")[0].value == D("31")
        entry = AuditEntry.objects.filter(object_id=str(garden.indicators.get(code="2.2").pk)).first()
        assert entry.action == "update" and entry.changes["thresholds"][1][0]["value"] == "31"

    @pytest.mark.parametrize("name", ["garden-city-2016", "eco-garden-2022"])
    def test_it_exports_exactly_the_fixture_it_loaded(self, standards, name):
        fixture = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        assert standard_export_data(Standard.objects.get(code=name)) == fixture


class StandardApplyTests:
    def test_it_reports_each_changed_field_with_old_and_new_and_audits_it(self, garden, admin_user):
        data = standard_export_data(garden)
        row = next(i for i in data["indicators"] if i["code"] == "2.6")
        row["name"] = "公园绿地服务半径覆盖率（修订）"
        row["thresholds"][0]["value"] = "85"
        changeset = standard_apply(data=data, user=admin_user)
        assert [c.code for c in changeset.changed] == ["2.6"]
        assert len(changeset.unchanged) == 40 and not changeset.new
        changes = changeset.changed[0].changes
        assert changes["name"] == ["公园绿地服务半径覆盖率", "公园绿地服务半径覆盖率（修订）"]
        assert [t["value"] for t in changes["thresholds"][0]] == ["80", "90"]
        assert [t["value"] for t in changes["thresholds"][1]] == ["85", "90"]
        indicator = garden.indicators.get(code="2.6")
        assert indicator.name.endswith("（修订）")
        assert [t.value for t in thresholds(garden, "2.6")] == [D("85"), D("90")]
        entry = AuditEntry.objects.filter(object_id=str(indicator.pk), action="update").get()
        assert entry.user == admin_user and set(entry.changes) == {"name", "thresholds"}

    def test_it_keeps_threshold_ids_when_a_list_is_unchanged_or_edited_in_place(self, garden):
        ids = [t.pk for t in thresholds(garden, "2.3")]
        data = standard_export_data(garden)
        standard_apply(data=data)
        assert [t.pk for t in thresholds(garden, "2.3")] == ids
        row = next(i for i in data["indicators"] if i["code"] == "2.3")
        row["thresholds"][1]["value"] = "8.5"
        row["thresholds"].pop()
        standard_apply(data=data)
        after = thresholds(garden, "2.3")
        assert [t.pk for t in after] == ids[:5]
        assert after[1].value == D("8.5")

    def test_it_writes_nothing_on_a_dry_run(self, garden):
        data = standard_export_data(garden)
        data["indicators"][0]["name"] = "改过的名称"
        data["indicators"].append({**data["indicators"][1], "code": "9.9", "name": "新指标"})
        before = db_state()
        changeset = standard_apply(data=data, dry_run=True)
        assert [c.code for c in changeset.new] == ["9.9"] and [c.code for c in changeset.changed] == ["1.1"]
        assert db_state() == before

    def test_it_rejects_an_unknown_measure_and_writes_nothing(self, garden):
        data = standard_export_data(garden)
        data["indicators"][0]["measure"] = "no_such_measure"
        before = db_state()
        with pytest.raises(StandardDataError) as exc:
            standard_apply(data=data)
        assert "度量键「no_such_measure」不存在" in str(exc.value)
        assert db_state() == before

    def test_it_keeps_indicators_that_the_data_leaves_out(self, garden):
        data = standard_export_data(garden)
        data["indicators"] = [i for i in data["indicators"] if i["code"] != "6.2"]
        changeset = standard_apply(data=data)
        assert changeset.missing == [("6.2", "林荫停车场推广率")]
        assert garden.indicators.filter(code="6.2").exists()

    def test_it_creates_a_new_standard_from_a_file(self, db):
        from indicators.standards import measures_apply

        measures_apply(data=standard_data_load(FIXTURES / "measures.json"))
        changeset = standard_apply(data=standard_data_load(FIXTURES / "eco-garden-2022.json"))
        assert changeset.standard.status == "new" and len(changeset.new) == 25
        assert StandardNode.objects.count() == 22
        assert AuditEntry.objects.filter(action="create").count() == 45 + 1 + 22 + 25
        assert db_counts()["thresholds"] == 25
