"""Fixtures for ledger tests: a campaign whose measures carry the ledger formula keys, and
builders for workbooks the way departments make them."""
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from indicators.models import Campaign, Indicator, Tier
from ledgers.schemas import LEDGER_TYPES
from ledgers.services import ledger_upload_create, ledger_upload_parse
from ledgers.workbooks import ledger_workbook
from tests.factories import make_indicator, make_standard

# (code, name, measure key = formula key, unit, aggregation, garden threshold)
LEDGER_INDICATORS = [
    ("2.1", "建成区绿化覆盖率", "green_coverage_rate", "%", "city", 36),
    ("2.2", "建成区绿地率", "green_space_rate", "%", "city", 31),
    ("2.3", "城市人均公园绿地面积", "park_green_per_capita", "m²/人", "city", 8),
    ("2.4", "城市各城区绿地率最低值", "green_space_rate", "%", "district_min", 25),
    ("2.6", "公园绿地服务半径覆盖率", "park_service_coverage", "%", "city", 80),
    ("2.7", "万人拥有综合公园指数", "comprehensive_parks_per_10k", "个/万人", "city", 0.06),
    ("2.10", "园林式居住区（单位）达标率", "garden_compound_rate", "%", "city", 50),
    ("2.13", "林荫路推广率", "shaded_road_rate", "%", "city", 70),
    ("2.14", "乔灌木占比", "tree_shrub_ratio", "%", "city", 60),
    ("3.2", "万人拥有绿道长度", "greenway_km_per_10k", "km/万人", "city", 0.5),
    ("5.1", "城市污水处理率", "sewage_treatment_rate", "%", "city", 95),
]


@pytest.fixture
def standard(db):
    standard, node = make_standard(code="garden-test")
    for order, (code, name, key, unit, aggregation, value) in enumerate(LEDGER_INDICATORS):
        indicator = make_indicator(standard, node, code, name, measure_key=key, unit=unit, aggregation=aggregation,
                                   kind=Indicator.Kind.VETO if code in ("2.2", "5.1") else Indicator.Kind.BASIC,
                                   thresholds=[{"tier": "garden", "comparator": "gte", "value": value}], order=order)
        measure = indicator.measure
        if key != "sewage_treatment_rate" and measure.formula_key != key:
            measure.formula_key = key
            measure.save()
    return standard


@pytest.fixture
def campaign(city, districts, standard, office_unit):
    c = Campaign.objects.create(
        name="测试市国家园林城市复查", city=city, office=office_unit, kind="re_inspection", tier=Tier.GARDEN,
        built_up_area_km2=Decimal("10"), urban_population=Decimal("20"), is_active=True,
        evaluation_date=timezone.localdate(),
    )
    c.standards.add(standard)
    return c


def xlsx(rows, *, title="Sheet1", extra_sheets=(), before=(), merges=(), number_formats=None):
    """A workbook from plain lists: `before` rows (titles) go first, then `rows` (header + data)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in list(before) + list(rows):
        ws.append(list(r))
    for m in merges:
        ws.merge_cells(m)
    for coord, fmt in (number_formats or {}).items():
        ws[coord].number_format = fmt
    for name, sheet_rows in extra_sheets:
        other = wb.create_sheet(name)
        for r in sheet_rows:
            other.append(list(r))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_with(ledger_type, rows, districts=("城东区", "城西区", "城南区", "城北区")):
    """Our own template, filled in (the example row left in place, as users do)."""
    return ledger_workbook(LEDGER_TYPES[ledger_type], rows=rows, districts=districts, city_name="测试市")


def upload_and_parse(unit, ledger_type, content, user, name="台账.xlsx", campaign=None, sheet_name=""):
    upload = ledger_upload_create(unit=unit, ledger_type=ledger_type, file=content, user=user, campaign=campaign,
                                  file_name=name, sheet_name=sheet_name)
    return ledger_upload_parse(upload=upload)


PARK = {"name": "人民公园", "district": "城东区", "park_type": "comprehensive", "area_m2": "120000", "lat": "32.05",
        "lng": "118.78", "free_entry": True, "emergency_refuge": True, "historic": False, "note": ""}


def park(**changes):
    row = dict(PARK)
    row.update(changes)
    return row


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded ledgers go to a throwaway folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


