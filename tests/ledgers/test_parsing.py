"""Real-world spreadsheets: each quirk departments produce, and each file we refuse."""
import io
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from ledgers.schemas import LEDGER_TYPES
from ledgers.validation import Context, MeasureInfo, validate_workbook

from .conftest import template_with, xlsx

PARKS = LEDGER_TYPES["parks"]
VALUES = LEDGER_TYPES["values"]
DISTRICTS = ["城东区", "城西区", "城南区", "城北区"]
HEADER = ["公园名称", "所在城区", "公园类型", "面积（m²）", "纬度", "经度", "免费开放", "具备应急避险功能"]
ROW = ["人民公园", "城东区", "综合公园", 120000, 32.05, 118.78, "是", "否"]


def parse(content, ledger_type=PARKS, name="公园名录.xlsx", **ctx):
    context = Context(file_name=name, districts=DISTRICTS, city_name="测试市", **ctx)
    return validate_workbook(io.BytesIO(content), ledger_type, context)


def only_row(outcome):
    assert not outcome.fatal, outcome.errors
    assert outcome.errors == []
    assert len(outcome.rows) == 1
    return outcome.rows[0]["data"]


def with_cached_values(content, values):
    """Rewrite a workbook so that formula cells carry cached results, as Excel saves them."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for coord, value in values.items():
                    text = re.sub(rf'(<c r="{coord}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>', rf"\1<v>{value}</v>", text)
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


class HeaderTests:
    def test_it_finds_the_header_below_title_rows(self):
        content = xlsx([HEADER, ROW], before=[["测试市公园名录（2024年）"], ["填报单位：市园林绿化中心", None, "日期：2024年8月"]])
        outcome = parse(content)
        assert outcome.header_rows == [3]
        assert only_row(outcome)["name"] == "人民公园"
        assert outcome.rows[0]["row"] == 4

    def test_it_reads_headers_with_spaces_full_width_characters_and_line_breaks(self):
        header = ["公 园 名 称", "所在\n城区", "公园类型 ", "面积(ｍ²)", "纬 度", "经度", "*免费开放", "具备应急\n避险功能"]
        data = only_row(parse(xlsx([header, ROW])))
        assert data["area_m2"] == "120000" and data["free_entry"] is True

    def test_it_reads_a_header_merged_over_two_rows(self):
        top = ["公园名称", "所在城区", "公园类型", "面积（m²）", "位置", None, "免费开放", "具备应急避险功能"]
        sub = [None, None, None, None, "纬度", "经度", None, None]
        content = xlsx([top, sub, ROW], before=[["公园名录"]], merges=["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2"])
        outcome = parse(content)
        assert outcome.header_rows == [2, 3]
        data = only_row(outcome)
        assert (data["lat"], data["lng"]) == ("32.05", "118.78")

    def test_it_converts_an_area_given_in_hectares_and_says_so(self):
        header = HEADER[:3] + ["面积（公顷）"] + HEADER[4:]
        outcome = parse(xlsx([header, ROW[:3] + [12] + ROW[4:]]))
        assert only_row(outcome)["area_m2"] == "120000"
        assert any("公顷" in n and "m²" in n for n in outcome.notes)

    def test_it_ignores_extra_columns_with_a_note(self):
        outcome = parse(xlsx([["序号"] + HEADER + ["管理单位"], [1] + ROW + ["园林处"]]))
        only_row(outcome)
        assert any("已忽略" in n and "序号" in n and "管理单位" in n for n in outcome.notes)

    def test_it_refuses_a_sheet_missing_required_columns_and_names_them(self):
        outcome = parse(xlsx([HEADER[:4], ROW[:4]]))
        assert outcome.fatal
        message = outcome.errors[0]["message"]
        assert "公园名录.xlsx" in message and "缺少必需的列" in message and "纬度" in message and "经度" in message

    def test_it_refuses_a_sheet_without_any_known_header(self):
        outcome = parse(xlsx([["甲", "乙"], [1, 2]]))
        assert outcome.fatal and "找不到" in outcome.errors[0]["message"]

    def test_it_refuses_a_header_with_no_rows_under_it(self):
        outcome = parse(xlsx([HEADER]))
        assert outcome.fatal and "没有数据行" in outcome.errors[0]["message"]


class CellQuirkTests:
    def test_it_reads_numbers_as_text_full_width_digits_thousands_separators_and_trailing_spaces(self):
        rows = [HEADER,
                ["人民公园 ", "城东区 ", "综合公园", "120,000", "32.05", "118.78", "是 ", "否"],
                ["滨江公园", "城西区", "社区公园", "１２０００", " 32.06", "118.79 ", "是", "否"]]
        outcome = parse(xlsx(rows))
        assert outcome.errors == []
        assert [r["data"]["area_m2"] for r in outcome.rows] == ["120000", "12000"]
        assert outcome.rows[0]["data"]["name"] == "人民公园"

    def test_it_skips_blank_rows(self):
        outcome = parse(xlsx([HEADER, ROW, [None] * 8, ["   "], ["滨江公园"] + ROW[1:]]))
        assert [r["row"] for r in outcome.rows] == [2, 5]

    def test_it_reads_percent_strings_and_percent_formatted_cells_in_the_values_sheet(self):
        measures = {"城市污水处理率": MeasureInfo("sewage", "城市污水处理率", "%", False, "")}
        header = ["指标", "范围", "数值", "数据日期"]
        content = xlsx([header, ["城市污水处理率", "全市", "94.5%", "2024年8月31日"],
                        ["城市污水处理率", "城东区", 0.962, datetime(2024, 8, 31)]],
                       number_formats={"C3": "0.0%"})
        outcome = parse(content, VALUES, "填报表.xlsx", measures=measures)
        assert outcome.errors == []
        assert [(r["data"]["scope"], r["data"]["value"], r["data"]["as_of"]) for r in outcome.rows] == [
            ("全市", "94.5", "2024-08-31"), ("城东区", "96.2", "2024-08-31")]

    def test_it_reads_dates_as_excel_date_cells_or_chinese_text(self):
        measures = {"城市污水处理率": MeasureInfo("sewage", "城市污水处理率", "%", False, "")}
        header = ["指标", "范围", "数值", "数据日期"]
        content = xlsx([header, ["城市污水处理率", "全市", 94, datetime(2024, 6, 30)],
                        ["城市污水处理率", "城东区", 95, "２０２４年６月３０日"]])
        outcome = parse(content, VALUES, "填报表.xlsx", measures=measures)
        assert [r["data"]["as_of"] for r in outcome.rows] == ["2024-06-30", "2024-06-30"]

    def test_it_fills_merged_data_cells_from_their_top_cell(self):
        rows = [HEADER, ROW, ["滨江公园", None] + ROW[2:], ["江心公园", None] + ROW[2:]]
        outcome = parse(xlsx(rows, merges=["B2:B4"]))
        assert outcome.errors == []
        assert {r["data"]["district"] for r in outcome.rows} == {"城东区"}
        assert any("合并单元格" in n for n in outcome.notes)

    def test_it_reads_formula_cells_by_their_cached_values(self):
        rows = [HEADER, ["人民公园", "城东区", "综合公园", "=2*60000", 32.05, 118.78, "是", "否"]]
        content = with_cached_values(xlsx(rows), {"D2": "120000"})
        assert only_row(parse(content))["area_m2"] == "120000"

    def test_it_reports_a_formula_without_cached_value_rather_than_reading_zero(self):
        rows = [HEADER, ["人民公园", "城东区", "综合公园", "=2*60000", 32.05, 118.78, "是", "否"]]
        outcome = parse(xlsx(rows))  # written by openpyxl: no cached result
        assert outcome.rows == []
        error = outcome.errors[0]
        assert (error["row"], error["column"]) == (2, "D")
        assert "公式" in error["message"] and "没有保存计算结果" in error["message"]

    def test_it_skips_the_template_example_row_and_total_and_footer_rows(self):
        outcome = parse(template_with("parks", [dict(zip(
            ["name", "district", "park_type", "area_m2", "lat", "lng", "free_entry", "emergency_refuge"],
            ["人民公园", "城东区", "comprehensive", "120000", "32.05", "118.78", True, False]))]))
        assert [r["row"] for r in outcome.rows] == [5]
        assert [s["row"] for s in outcome.skipped] == [4]  # the template's own example row

    def test_it_keeps_a_row_starting_with_the_word_example_outside_the_template(self):
        rows = [HEADER, ["示例：人民公园"] + ROW[1:], ROW, ["合计", None, None, 120000], ["填表人：张三"]]
        outcome = parse(xlsx(rows))
        assert [r["row"] for r in outcome.rows] == [2, 3]
        assert [s["row"] for s in outcome.skipped] == [4, 5]


class SheetTests:
    def test_it_reads_the_first_sheet_with_a_matching_header_by_default(self):
        content = xlsx([["说明"], ["本表为…"]], title="填表说明", extra_sheets=[("公园", [HEADER, ROW])])
        outcome = parse(content)
        assert outcome.sheet == "公园" and len(outcome.rows) == 1
        assert any("2 个工作表" in n for n in outcome.notes)

    def test_it_reads_the_sheet_chosen_by_name(self):
        content = xlsx([HEADER, ROW], title="2023年", extra_sheets=[("2024年", [HEADER, ROW, ["滨江公园"] + ROW[1:]])])
        outcome = parse(content, sheet_name="2024年")
        assert outcome.sheet == "2024年" and len(outcome.rows) == 2

    def test_it_names_the_sheets_there_are_when_the_chosen_one_is_missing(self):
        outcome = parse(xlsx([HEADER, ROW], title="公园"), sheet_name="2025年")
        assert outcome.fatal
        assert "2025年" in outcome.errors[0]["message"] and "公园" in outcome.errors[0]["message"]

    def test_it_ignores_hidden_sheets(self):
        outcome = parse(template_with("parks", []) )
        assert outcome.sheets == ["公园名录"]  # the hidden 选项 sheet of our template is not offered


class CellErrorTests:
    def test_every_error_names_file_sheet_row_column_expected_and_found(self):
        rows = [HEADER, ["人民公园", "城中区", "城市花园", "约12万", 32.05, 118.78, "也许", "否"]]
        outcome = parse(xlsx(rows, title="公园"))
        by_column = {e["column"]: e for e in outcome.errors}
        assert set(by_column) == {"B", "C", "D", "G"}
        message = by_column["D"]["message"]
        for part in ("公园名录.xlsx", "工作表「公园」", "第 2 行", "D 列", "面积（m²）", "应为数值", "约12万"):
            assert part in message, (part, message)
        assert "城东区" in by_column["B"]["expected"] and by_column["B"]["found"] == "城中区"
        assert outcome.rows == [] and outcome.error_rows[0]["row"] == 2

    def test_it_reports_a_required_cell_left_empty(self):
        outcome = parse(xlsx([HEADER, ["人民公园", "城东区", "综合公园", None, 32.05, 118.78, "是", "否"]]))
        assert "必填" in outcome.errors[0]["message"]

    def test_it_reports_duplicate_rows_by_natural_key(self):
        outcome = parse(xlsx([HEADER, ROW, ROW]))
        assert len(outcome.rows) == 1
        assert "与第 2 行重复" in outcome.errors[0]["message"]

    def test_it_notices_swapped_coordinates(self):
        outcome = parse(xlsx([HEADER, ROW[:4] + [118.78, 32.05] + ROW[6:]]))
        assert "填反" in outcome.errors[0]["message"]

    def test_a_district_unit_may_leave_the_district_empty_but_not_report_another(self):
        rows = [HEADER, ["北湖公园", None] + ROW[2:], ["人民公园", "城东区"] + ROW[2:]]
        outcome = parse(xlsx(rows), own_district="城北区")
        assert [r["data"]["district"] for r in outcome.rows] == ["城北区"]
        assert "区级单位只能填报本区" in outcome.errors[0]["message"]


class FileRejectionTests:
    @pytest.mark.parametrize("name, content, words", [
        ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ["97-2003", ".xls", "另存为"]),
        ("台账.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ["加密"]),
        ("台账.csv", "公园名称,所在城区\n人民公园,城东区\n".encode(), ["CSV", ".xlsx"]),
        ("台账.pdf", b"%PDF-1.4 ...", ["不是 Excel 工作簿"]),
        ("台账.xlsx", b"PK\x03\x04broken", ["损坏"]),
    ])
    def test_it_refuses_files_that_are_not_xlsx_with_a_clear_message(self, name, content, words):
        outcome = parse(content, name=name)
        assert outcome.fatal
        message = outcome.errors[0]["message"]
        assert name in message
        for word in words:
            assert word in message

    def test_it_refuses_macro_workbooks_by_name_and_by_content(self):
        content = xlsx([HEADER, ROW])
        assert "宏" in parse(content, name="台账.xlsm").errors[0]["message"]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            for item in zipfile.ZipFile(io.BytesIO(content)).infolist():
                z.writestr(item, zipfile.ZipFile(io.BytesIO(content)).read(item.filename))
            z.writestr("xl/vbaProject.bin", b"\0" * 10)
        assert "宏" in parse(buffer.getvalue(), name="台账.xlsx").errors[0]["message"]

    def test_it_refuses_a_word_document_renamed_to_xlsx(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("word/document.xml", "<w:document/>")
        assert "Word" in parse(buffer.getvalue(), name="台账.xlsx").errors[0]["message"]

    def test_it_checks_the_expanded_size_before_opening(self, settings):
        settings.SPREADSHEET_MAX_TOTAL_BYTES = 20_000
        wb = Workbook()
        ws = wb.active
        ws.append(HEADER)
        for i in range(600):
            ws.append([f"公园{i}"] + ROW[1:])
        buffer = io.BytesIO()
        wb.save(buffer)
        outcome = parse(buffer.getvalue())
        assert outcome.fatal and "解压后" in outcome.errors[0]["message"]

    def test_it_caps_the_number_of_rows(self, settings):
        settings.LEDGER_MAX_ROWS = 50
        outcome = parse(xlsx([HEADER] + [[f"公园{i}"] + ROW[1:] for i in range(51)]))
        assert outcome.fatal and "50 行" in outcome.errors[0]["message"]
        settings.LEDGER_MAX_ROWS = 51
        assert not parse(xlsx([HEADER] + [[f"公园{i}"] + ROW[1:] for i in range(51)])).fatal


    def test_it_refuses_a_ledger_over_the_limit_before_openpyxl_reads_it(self, settings, monkeypatch):
        settings.LEDGER_MAX_ROWS = 50
        opened = []
        monkeypatch.setattr("ledgers.validation.Book", lambda *a, **k: opened.append(a))
        content = xlsx([HEADER] + [[f"公园{i}"] + ROW[1:] for i in range(60)])
        outcome = parse(content, name="城西公园.xlsx")
        assert outcome.fatal and opened == [] and outcome.rows == []
        # header on row 1 here, so the count from the template's layout is two short: "about"
        assert outcome.errors[0]["message"].startswith("「城西公园.xlsx」：「城西公园.xlsx」工作表「Sheet1」约有 58 行数据，"
                                                       "超过每份台账 50 行的上限")


class RowCountTests:
    def test_it_counts_rows_of_a_sheet_that_states_no_dimension(self):
        from spreadsheets.reader import Book

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("道路")
        for i in range(2500):
            ws.append([f"路{i}", i])
        buffer = io.BytesIO()
        wb.save(buffer)
        with Book(io.BytesIO(buffer.getvalue()), "道路.xlsx") as book:
            assert book.max_row("道路") == 2500 and book.value_rows("道路") == 2500
