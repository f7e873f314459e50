"""Messy workbooks, built by code the way departments send them, each with its expected parse.

One entry per quirk of issue #12 (the number in `point`). `check(outcome)` asserts the parse;
`refused` entries must be refused as a whole and write nothing.
"""
import io
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import Workbook

from ledgers.schemas import LEDGER_TYPES

DISTRICTS = ["城东区", "城西区", "城南区", "城北区"]
PARK_HEADER = ["公园名称", "所在城区", "公园类型", "面积（m²）", "纬度", "经度", "免费开放", "具备应急避险功能"]
PARK_ROW = ["人民公园", "城东区", "综合公园", 120000, 32.05, 118.78, "是", "否"]
ROAD_HEADER = ["道路名称", "所在城区", "道路等级", "道路长度（m）", "林荫路长度（m）", "有行道树绿化"]
ROAD_ROW = ["文昌路", "城东区", "次干路", 1850, 1400, "是"]
COMPOUND_HEADER = ["名称", "所在城区", "类别", "园林式达标", "纬度", "经度", "居住用地面积（m²）"]
GREEN_HEADER = ["绿地名称", "所在城区", "绿地类别", "绿地面积（m²）", "绿化覆盖面积（m²）", "乔灌木覆盖面积（m²）",
                "位于城市建设用地内"]
GREEN_ROW = ["滨河绿地", "城东区", "G1 公园绿地", 48000, 52000, 33000, "是"]


def book(rows, *, title="Sheet1", before=(), merges=(), formats=None, extra=()):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in list(before) + list(rows):
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    for coord, fmt in (formats or {}).items():
        ws[coord].number_format = fmt
    for name, sheet_rows in extra:
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass
class Messy:
    key: str
    point: int
    ledger_type: str
    build: object
    check: object
    file_name: str = "台账.xlsx"
    refused: bool = False
    formulas: object = None  # formula keys of the active campaigns; None: schema's own requirements
    own_district: str | None = None
    tags: tuple = field(default_factory=tuple)


def data(outcome, column):
    return [r["data"][column] for r in outcome.rows]


def ok(outcome):
    assert not outcome.fatal, outcome.errors
    assert outcome.errors == [], outcome.errors


def notes(outcome):
    return "\n".join(outcome.notes)


# --- point 1: 示例 names are real data; only the template's own example row is skipped -----

def _template_with_shiliSHI():
    from ledgers.workbooks import ledger_workbook

    rows = [{"name": name, "district": "城东区", "kind": "unit", "garden_rated": True, "lat": "32.05",
             "lng": "118.78"} for name in ("示例市第一中学", "示例市人民医院")]
    return ledger_workbook(LEDGER_TYPES["compounds"], rows=rows, districts=DISTRICTS, city_name="示例市")


def _check_template_shili(outcome):
    ok(outcome)
    assert data(outcome, "name") == ["示例市第一中学", "示例市人民医院"]
    assert [s["row"] for s in outcome.skipped] == [4] and "模板" in outcome.skipped[0]["reason"]


def _check_plain_shili(outcome):
    ok(outcome)
    assert data(outcome, "name") == ["示例市第一中学", "示例市人民医院", "锦绣花园"]
    assert outcome.skipped == []


POINT_1 = [
    Messy("shili_names_in_a_plain_file", 1, "compounds", lambda: book([
        COMPOUND_HEADER, ["示例市第一中学", "城东区", "单位", "是", 32.05, 118.78, None],
        ["示例市人民医院", "城西区", "单位", "否", 32.06, 118.79, None],
        ["锦绣花园", "城南区", "居住区", "是", 32.07, 118.8, 86000]]), _check_plain_shili),
    Messy("shili_names_under_the_templates_example_row", 1, "compounds", _template_with_shiliSHI,
          _check_template_shili),
]


# --- point 2: conversions at full precision ------------------------------------------------

def _park_with_area(header_unit, areas):
    header = PARK_HEADER[:3] + [f"面积（{header_unit}）"] + PARK_HEADER[4:]
    return book([header] + [[f"公园{i}"] + PARK_ROW[1:3] + [a] + PARK_ROW[4:] for i, a in enumerate(areas)])


def _check_areas(expected):
    def check(outcome):
        ok(outcome)
        assert data(outcome, "area_m2") == expected
    return check


POINT_2 = [
    Messy("hectares_keep_their_precision", 2, "parks", lambda: _park_with_area("公顷", [0.496, 0.1996, 12]),
          _check_areas(["4960", "1996", "120000"])),
    Messy("mu_converted_exactly", 2, "parks", lambda: _park_with_area("亩", [3, 1.5, 1]),
          _check_areas(["2000", "1000", "666.6666666667"])),
    Messy("square_kilometres_of_a_big_park", 2, "parks", lambda: _park_with_area("平方公里", [0.0125]),
          _check_areas(["12500"])),
    Messy("greenway_in_metres_to_km", 2, "greenways", lambda: book([["绿道名称", "所在城区", "长度（米）"],
                                                                   ["环湖绿道", "城东区", 6850.5]]),
          lambda o: (ok(o), data(o, "length_km") == ["6.8505"] or _fail(o.rows))),
]


# --- point 3: units and sub-headers under a merged parent -------------------------------------

def _roads_km_merged():
    top = ["道路名称", "所在城区", "道路等级", "长度（公里）", None, "有行道树绿化"]
    sub = [None, None, None, "道路长度", "林荫路长度", None]
    return book([top, sub, ["文昌路", "城东区", "次干路", 2.4, 1.85, "是"]], before=[["测试市道路台账"]],
                merges=["A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:F3"])


def _check_roads_km(outcome):
    ok(outcome)
    assert outcome.header_rows == [2, 3]
    assert (data(outcome, "length_m"), data(outcome, "shaded_length_m")) == (["2400"], ["1850"])
    assert "公里" in notes(outcome) and "合并" in notes(outcome)


def _parks_ha_merged():
    top = ["公园名称", "所在城区", "公园类型", "面积（公顷）", None, "纬度", "经度", "免费开放", "具备应急避险功能"]
    sub = [None, None, None, "总面积", "其中水面面积", None, None, None, None]
    rows = [top, sub] + [[f"公园{i}", "城东区", "社区公园", 1.25 + i, 0.3, 32.05, 118.78, "是", "否"] for i in range(4)]
    return book(rows, merges=["A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2", "G1:G2", "H1:H2", "I1:I2"])


def _check_parks_ha(outcome):
    ok(outcome)
    assert outcome.header_rows == [1, 2]
    assert data(outcome, "area_m2") == ["12500", "22500", "32500", "42500"]
    assert any("其中水面面积" in n for n in outcome.notes)  # named as an ignored column, not read as data


def _three_row_header():
    r1 = ["道路名称", "所在城区", "道路等级", "道路情况", None, None]
    r2 = [None, None, None, "长度（千米）", None, "有行道树绿化"]
    r3 = [None, None, None, "道路长度", "林荫路长度", None]
    return book([r1, r2, r3, ["文昌路", "城东区", "支路", 1.2, 0.9, "否"]],
                merges=["A1:A3", "B1:B3", "C1:C3", "D1:F1", "D2:E2", "F2:F3"])


def _check_three_rows(outcome):
    ok(outcome)
    assert outcome.header_rows == [1, 2, 3]
    assert (data(outcome, "length_m"), data(outcome, "shaded_length_m"), data(outcome, "planted")) == (
        ["1200"], ["900"], [False])


POINT_3 = [
    Messy("km_in_a_merged_parent_over_two_lengths", 3, "roads", _roads_km_merged, _check_roads_km),
    Messy("hectares_over_total_and_water_area", 3, "parks", _parks_ha_merged, _check_parks_ha),
    Messy("three_row_header", 3, "roads", _three_row_header, _check_three_rows),
]


# --- point 4: spellings departments use ------------------------------------------------------

def _spelling(ledger_type, header, row, index, spelling):
    header = list(header)
    header[index] = spelling
    return lambda: book([header, row])


def _check_column(key, expected):
    def check(outcome):
        ok(outcome)
        assert data(outcome, key) == [expected], outcome.rows
    return check


POINT_4 = [
    Messy("spelling_shi_fou_yingji_bixian_changsuo", 4, "parks", _spelling("parks", PARK_HEADER, PARK_ROW, 7, "是否应急避险场所"),
          _check_column("emergency_refuge", False)),
    Messy("spelling_yingji_binan_changsuo", 4, "parks", _spelling("parks", PARK_HEADER, PARK_ROW, 7, "应急避难场所"),
          _check_column("emergency_refuge", False)),
    Messy("spelling_lvdi_leixing", 4, "green_spaces", _spelling("green_spaces", GREEN_HEADER, GREEN_ROW, 2, "绿地类型"),
          _check_column("green_class", "G1")),
    Messy("spelling_suoshu_quxian", 4, "parks", _spelling("parks", PARK_HEADER, PARK_ROW, 1, "所属区县"),
          _check_column("district", "城东区")),
    Messy("spelling_suozai_quyu", 4, "parks", _spelling("parks", PARK_HEADER, PARK_ROW, 1, "所在区域"),
          _check_column("district", "城东区")),
    Messy("spelling_shifou_you_xingdaoshu_lvhua", 4, "roads",
          _spelling("roads", ROAD_HEADER, ROAD_ROW, 5, "是否有行道树绿化"), _check_column("planted", True)),
    Messy("spelling_xingdaoshu", 4, "roads", _spelling("roads", ROAD_HEADER, ROAD_ROW, 5, "行道树"),
          _check_column("planted", True)),
    Messy("spelling_linyin_daolu_changdu", 4, "roads", _spelling("roads", ROAD_HEADER, ROAD_ROW, 4, "林荫道路长度"),
          _check_column("shaded_length_m", "1400")),
    Messy("spelling_daolu_quanchang_mi", 4, "roads", _spelling("roads", ROAD_HEADER, ROAD_ROW, 3, "道路全长（米）"),
          _check_column("length_m", "1850")),
    Messy("spelling_jianshe_yongdi_fanwei", 4, "green_spaces",
          _spelling("green_spaces", GREEN_HEADER, GREEN_ROW, 6, "是否位于城市建设用地范围内"),
          _check_column("in_construction_land", True)),
    Messy("spelling_shifou_shoufei_reads_the_opposite", 4, "parks",
          _spelling("parks", PARK_HEADER, PARK_ROW, 6, "是否收费"), _check_column("free_entry", False)),
    Messy("spelling_close_but_not_listed", 4, "roads", _spelling("roads", ROAD_HEADER, ROAD_ROW, 4, "林荫道路段长度"),
          lambda o: (_check_column("shaded_length_m", "1400")(o), "相近" in notes(o) or _fail(o.notes))),
    Messy("spelling_unknown_refused_listing_own_headers", 4, "parks",
          _spelling("parks", PARK_HEADER, PARK_ROW, 4, "北纬度数值"),
          lambda o: _refused_with(o, "纬度", "本表的表头为", "E「北纬度数值」", "A「公园名称」"), refused=True),
]


def _fail(message):
    raise AssertionError(message)


def _refused_with(outcome, *words):
    assert outcome.fatal and outcome.rows == []
    message = outcome.errors[0]["message"]
    for word in words:
        assert word in message, (word, message)


# --- point 5: a column no active formula reads is optional -------------------------------------

POINT_5 = [
    Messy("roads_without_planted_for_shaded_rate_only", 5, "roads",
          lambda: book([ROAD_HEADER[:5], ROAD_ROW[:5]]), lambda o: (ok(o), data(o, "planted") == [False]
                                                                     or _fail(o.rows), "可选" in notes(o) or _fail(o.notes)),
          formulas={"shaded_road_rate"}),
    Messy("roads_without_planted_when_road_greening_is_used", 5, "roads",
          lambda: book([ROAD_HEADER[:5], ROAD_ROW[:5]]), lambda o: _refused_with(o, "有行道树绿化", "本表的表头为"),
          refused=True, formulas={"shaded_road_rate", "road_greening_rate"}),
]


# --- point 6: totals and subtotals ----------------------------------------------------------

def _roads_with(rows):
    return lambda: book([ROAD_HEADER] + rows)


def _road(name, district="城东区", length=1000, shaded=600):
    return [name, district, "支路", length, shaded, "是"]


def _check_skipped(rows, names):
    def check(outcome):
        ok(outcome)
        assert [s["row"] for s in outcome.skipped] == rows, outcome.skipped
        assert data(outcome, "name") == names
        assert all(s["reason"] for s in outcome.skipped)
    return check


POINT_6 = [
    Messy("total_city_in_brackets", 6, "roads", _roads_with([_road("甲路"), _road("乙路"), ["合计（全市）", None, None, 2000, 1200]]),
          _check_skipped([4], ["甲路", "乙路"])),
    Messy("city_total_and_spaced_subtotals", 6, "roads", _roads_with([
        _road("甲路"), ["小 计", None, None, 1000, 600], _road("乙路", "城西区"), ["全市合计", None, None, 2000, 1200]]),
        _check_skipped([3, 5], ["甲路", "乙路"])),
    Messy("cumulative_and_grand_total", 6, "roads", _roads_with([
        _road("甲路"), _road("乙路"), ["累计", None, None, 2000, 1200], ["总　计", None, None, 2000, 1200]]),
        _check_skipped([4, 5], ["甲路", "乙路"])),
    Messy("district_subtotals", 6, "roads", _roads_with([
        _road("甲路"), _road("乙路"), [None, "城东区小计", None, 2000, 1200], _road("丙路", "城西区"),
        [None, "城西区 小计", None, 1000, 600]]), _check_skipped([4, 6], ["甲路", "乙路", "丙路"])),
    Messy("unlabelled_sum_row", 6, "roads", _roads_with([_road("甲路"), _road("乙路", length=500, shaded=300),
                                                         [None, None, None, 1500, 900]]),
          _check_skipped([4], ["甲路", "乙路"])),
    Messy("named_row_equal_to_the_sum_above_is_data", 6, "roads", _roads_with([
        _road("甲路"), _road("乙路", length=500, shaded=300), _road("丙路", length=1500, shaded=900)]),
        _check_skipped([], ["甲路", "乙路", "丙路"])),
]


# --- point 7: units written in the cell ----------------------------------------------------

def _check_cell_units(outcome):
    ok(outcome)
    assert data(outcome, "area_m2") == ["305000", "12000", "2000", "450"]
    text = notes(outcome)
    assert "公顷" in text and "万平方米" in text and "亩" in text


POINT_7 = [
    Messy("units_in_cells", 7, "parks", lambda: _park_with_area("公顷", ["30.5公顷", "1.2万平方米", "3亩", "450平方米"]),
          _check_cell_units),
    Messy("lengths_in_cells", 7, "roads", _roads_with([["文昌路", "城东区", "支路", "2.4公里", "450米", "是"]]),
          lambda o: (ok(o), (data(o, "length_m"), data(o, "shaded_length_m")) == (["2400"], ["450"]) or _fail(o.rows))),
    Messy("bad_number_names_the_columns_unit", 7, "parks", lambda: _park_with_area("公顷", ["约30公顷"]),
          lambda o: (o.rows == [] or _fail(o.rows), "应为数值（公顷）" in o.errors[0]["message"] or _fail(o.errors))),
]


# --- point 9: empty uploads name the file -------------------------------------------------------

POINT_9 = [
    Messy("zero_byte_upload", 9, "parks", lambda: b"", lambda o: _refused_with(o, "公园名录（空）.xlsx", "0 字节"),
          file_name="公园名录（空）.xlsx", refused=True),
]


# --- point 11: a formula saved without a result is one row's error ------------------------------

def _check_formula_row(outcome):
    assert not outcome.fatal
    assert data(outcome, "name") == ["甲路", "丙路"]
    error = outcome.errors[0]
    assert (error["row"], error["column"]) == (3, "D")
    for part in ("道路台账（WPS）.xlsx", "工作表「道路」", "第 3 行", "D 列", "=2*600", "没有保存计算结果"):
        assert part in error["message"], (part, error["message"])


POINT_11 = [
    Messy("formula_without_result", 11, "roads", lambda: book([ROAD_HEADER, _road("甲路"),
                                                               ["乙路", "城东区", "支路", "=2*600", 600, "是"],
                                                               _road("丙路")], title="道路"),
          _check_formula_row, file_name="道路台账（WPS）.xlsx"),
]


# --- other layouts departments send ----------------------------------------------------------

OTHER = [
    Messy("title_rows_and_footer", 0, "parks", lambda: book([PARK_HEADER, PARK_ROW, ["填表人：张三", None, "审核人：李四"]],
                                                             before=[["测试市公园名录"], ["填报单位：园林局"]]),
          lambda o: (ok(o), o.header_rows == [3] or _fail(o.header_rows), [s["row"] for s in o.skipped] == [5]
                     or _fail(o.skipped))),
    Messy("district_merged_down_a_block", 0, "parks", lambda: book(
        [PARK_HEADER, PARK_ROW, ["滨江公园", None] + PARK_ROW[2:], ["江心公园", None] + PARK_ROW[2:]], merges=["B2:B4"]),
        lambda o: (ok(o), set(data(o, "district")) == {"城东区"} or _fail(o.rows))),
    Messy("header_with_spaces_line_breaks_and_full_width", 0, "parks", lambda: book([
        ["公 园 名 称", "所在\n城区", "公园类型 ", "面积［ｍ２］", "纬 度", "经度", "*免费开放", "具备应急\n避险功能"], PARK_ROW]),
        lambda o: (ok(o), data(o, "area_m2") == ["120000"] or _fail(o.rows))),
    Messy("values_sheet_with_percent_cells", 0, "values", lambda: book(
        [["指标", "范围", "数值", "数据日期"], ["城市污水处理率", "全市", 0.962, datetime(2024, 8, 31)]], formats={"C2": "0.0%"}),
        lambda o: (ok(o), data(o, "value") == ["96.2"] or _fail(o.rows))),
]

CORPUS = POINT_1 + POINT_2 + POINT_3 + POINT_4 + POINT_5 + POINT_6 + POINT_7 + POINT_9 + POINT_11 + OTHER
