"""Each ledger type's happy path: our template, filled in, uploaded, previewed, confirmed."""
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from indicators.models import IndicatorValue
from ledgers.models import LedgerUpload
from ledgers.schemas import LEDGER_TYPES
from ledgers.services import ledger_upload_confirm

from .conftest import park, template_with, upload_and_parse

COMPOUND = {"name": "锦绣花园", "district": "城东区", "kind": "residential", "garden_rated": True, "lat": "32.0536",
            "lng": "118.78", "residential_area_m2": "80000", "note": ""}
CASES = [
    ("parks", [park(), park(name="滨江公园", park_type="community", area_m2="30000")],
     "comprehensive_parks_per_10k", D("0.0500")),  # 1 综合公园 / 20 万人
    ("green_spaces", [{"name": "滨河绿带", "district": "城西区", "green_class": "G2", "green_area_m2": "2500000",
                       "cover_area_m2": "3000000", "tree_shrub_area_m2": "2100000", "in_construction_land": True}],
     "green_space_rate", D("25.0000")),  # 2.5 km² / 10 km²
    ("roads", [{"name": "文昌路", "segment": "人民路—滨江路", "district": "城南区", "grade": "secondary",
                "length_m": "2000", "shaded_length_m": "1500", "planted": True},
               {"name": "文昌路", "segment": "滨江路—江边", "district": "城南区", "grade": "branch",
                "length_m": "500", "shaded_length_m": "0", "planted": False}],
     "shaded_road_rate", D("60.0000")),  # 1500 / 2500
    ("compounds", [COMPOUND, dict(COMPOUND, name="阳光小区", garden_rated=False),
                   dict(COMPOUND, name="区政府", kind="unit", residential_area_m2=None)],
     "garden_compound_rate", D("66.6700")),
    ("greenways", [{"name": "环湖绿道", "district": "城北区", "length_km": "6.8"},
                   {"name": "滨江绿道", "district": "城北区", "length_km": "3.2"}],
     "greenway_km_per_10k", D("0.5000")),  # 10 km / 20 万人
    ("values", [{"measure": "城市污水处理率", "scope": "全市", "value": "96.5", "as_of": "2024-08-31",
                 "evidence": "报表.pdf"}],
     "sewage_treatment_rate", D("96.5000")),
]


class LedgerTypeTests:
    @pytest.mark.parametrize("ledger_type, rows, measure, expected", CASES, ids=[c[0] for c in CASES])
    def test_it_imports_a_filled_template_and_computes_its_value(self, campaign, city, unit_a, lead_staff,
                                                                 ledger_type, rows, measure, expected):
        upload = upload_and_parse(unit_a, ledger_type, template_with(ledger_type, rows), lead_staff,
                                  campaign=campaign)
        assert upload.status == LedgerUpload.Status.READY
        assert upload.error_count == 0, upload.result["errors"]
        assert upload.added == len(rows)
        assert any("示例行" in n for n in upload.result["notes"])  # the template's example row stays out
        version = ledger_upload_confirm(upload=upload, user=lead_staff).version
        assert version.rows.count() == len(rows)
        value = IndicatorValue.objects.get(measure__key=measure, scope=city)
        assert value.value == expected
        assert value.provenance["versions"][0]["id"] == version.pk

    def test_district_base_rows_are_kept_for_the_district_formulas(self, campaign, unit_a, lead_staff):
        rows = [{"district": d, "built_up_area_km2": "2.5", "population_10k": "5"} for d in ("城东区", "城西区")]
        upload = upload_and_parse(unit_a, "district_base", template_with("district_base", rows), lead_staff)
        version = ledger_upload_confirm(upload=upload, user=lead_staff).version
        assert sorted(version.rows.values_list("natural_key", flat=True)) == ["城东区", "城西区"]

    @pytest.mark.parametrize("ledger_type", list(LEDGER_TYPES))
    def test_every_template_has_chinese_headers_an_example_row_and_drop_down_lists(self, ledger_type):
        wb = load_workbook(io.BytesIO(template_with(ledger_type, [])))
        ws = wb[str(LEDGER_TYPES[ledger_type].label)]
        headers = [c.value for c in ws[3]]
        assert headers[0].startswith("*") and all(h for h in headers)
        assert str(ws["A4"].value).startswith("示例：")
        assert ws.data_validations.dataValidation  # lists for 是/否, types, districts, ranges for numbers
        assert wb["选项"].sheet_state == "hidden"
