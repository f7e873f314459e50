import io
import zipfile
from decimal import Decimal as D

import openpyxl
import pytest

from indicators import standard_excel
from indicators.models import Threshold
from indicators.standard_excel import standard_workbook, standard_workbook_parse
from indicators.standards import standard_apply, standard_export_data
from tests.indicators.conftest import edit_workbook, find_row

INDICATOR_HEADERS = [
    "大类编号", "大类名称", "大项编号", "大项名称", "指标编号", "指标名称", "计量单位", "指标类型", "度量键",
    "取值范围", "核实状态", "来源", "佐证材料要求", "大类英文名称", "大项英文名称", "指标英文名称",
]
THRESHOLD_HEADERS = ["指标编号", "层级", "比较方式", "阈值", "条件参数", "条件下限", "条件上限", "历史街区调整值", "说明"]


def parse(content, standard, filename="bad.xlsx"):
    return standard_workbook_parse(content=content, filename=filename, standard=standard)


def messages(result):
    return [str(e) for e in result.errors]


class StandardWorkbookExportTests:
    def test_it_writes_indicator_threshold_and_readme_sheets_with_frozen_styled_headers(self, garden):
        wb = openpyxl.load_workbook(io.BytesIO(standard_workbook(garden)))
        assert wb.sheetnames[:3] == ["指标", "阈值", "说明"]
        indicators, limits = wb["指标"], wb["阈值"]
        assert [c.value for c in indicators[1]] == INDICATOR_HEADERS
        assert [c.value for c in limits[1]] == THRESHOLD_HEADERS
        for ws in (indicators, limits):
            assert ws.freeze_panes == "A2"
            assert ws["A1"].font.bold and ws["A1"].fill.fgColor.rgb.endswith("1A6B4C")
            assert ws.column_dimensions["B"].width > 8
        assert indicators.max_row == 42 and limits.max_row == 1 + 63
        kinds = [dv for dv in indicators.data_validations.dataValidation if "基本项" in (dv.formula1 or "")]
        assert kinds and kinds[0].type == "list"
        assert any("定性" in (dv.formula1 or "") for dv in limits.data_validations.dataValidation)
        row = find_row(indicators, 指标编号="2.2")
        assert row["指标类型"].value == "否决项" and row["核实状态"].value == "二手来源"
        assert row["大项编号"].value is None
        assert wb["说明"]["B3"].value == "garden-city-2016"

    def test_it_writes_threshold_numbers_as_numbers(self, garden):
        wb = openpyxl.load_workbook(io.BytesIO(standard_workbook(garden)))
        row = find_row(wb["阈值"], 指标编号="2.3", 层级="园林城市", 阈值=7.5)
        assert row["条件参数"].value == "人均建设用地（m²/人）"
        assert row["条件上限"].value == 80 and row["条件下限"].value is None
        assert row["历史街区调整值"].value == -0.5 and row["历史街区调整值"].data_type == "n"

    def test_it_writes_three_levels_for_the_eco_standard(self, eco):
        wb = openpyxl.load_workbook(io.BytesIO(standard_workbook(eco)))
        row = find_row(wb["指标"], 指标编号="9")
        assert [row[h].value for h in ("大类编号", "大类名称", "大项编号", "大项名称")] == ["2", "健康舒适", "6", "公园服务"]

    def test_it_escapes_free_text_that_excel_would_run_as_a_formula(self, garden):
        indicator = garden.indicators.get(code="1.2")
        indicator.source = '=HYPERLINK("http://evil.example","点击")'
        indicator.evidence_requirements = "-1+1 台账"
        indicator.save()
        content = standard_workbook(garden)
        wb = openpyxl.load_workbook(io.BytesIO(content))
        row = find_row(wb["指标"], 指标编号="1.2")
        assert row["来源"].value == "'" + indicator.source and row["来源"].data_type == "s"
        assert row["佐证材料要求"].value == "'-1+1 台账"
        assert find_row(wb["阈值"], 指标编号="4.4", 层级="园林城市")["阈值"].value == 3  # numbers untouched
        result = parse(content, garden)
        assert result.ok, messages(result)
        assert not standard_apply(data=result.data, dry_run=True).has_changes


class StandardWorkbookImportTests:
    @pytest.mark.parametrize("code", ["garden-city-2016", "eco-garden-2022"])
    def test_it_round_trips_an_unedited_export_with_zero_changes(self, standards, code):
        standard = standards[code]
        result = parse(standard_workbook(standard), standard, filename=f"{code}.xlsx")
        assert result.ok, messages(result)
        assert result.data == standard_export_data(standard)
        changeset = standard_apply(data=result.data, dry_run=True)
        assert not changeset.has_changes
        assert len(changeset.unchanged) == standard.indicators.count()

    def test_it_carries_english_names_and_imports_an_edited_one(self, eco):
        content = standard_workbook(eco)
        wb = openpyxl.load_workbook(io.BytesIO(content))
        row = find_row(wb["指标"], 指标编号="9")
        assert row["指标英文名称"].value == "Park activity ground service-radius coverage"
        assert (row["大类英文名称"].value, row["大项英文名称"].value) == ("Health and comfort", "Park service")

        def edit(wb):
            find_row(wb["指标"], 指标编号="9")["指标英文名称"].value = "Activity ground coverage"

        result = parse(edit_workbook(content, edit), eco)
        changeset = standard_apply(data=result.data)
        assert [c.code for c in changeset.changed] == ["9"]
        assert changeset.changed[0].changes == {
            "name_en": ["Park activity ground service-radius coverage", "Activity ground coverage"]
        }
        assert eco.indicators.get(code="9").name_en == "Activity ground coverage"

    def test_it_keeps_english_names_when_an_older_file_has_no_english_columns(self, eco):
        def edit(wb):
            ws = wb["指标"]
            headers = [c.value for c in ws[1]]
            for title in ("指标英文名称", "大项英文名称", "大类英文名称"):
                ws.delete_cols(headers.index(title) + 1)
                headers.remove(title)

        result = parse(edit_workbook(standard_workbook(eco), edit), eco)
        assert result.ok, messages(result)
        assert not standard_apply(data=result.data).has_changes
        assert eco.indicators.get(code="9").name_en == "Park activity ground service-radius coverage"
        assert eco.nodes.get(level=1, code="2").name_en == "Health and comfort"

    def test_it_sees_exactly_one_edited_threshold(self, garden):
        def edit(wb):
            find_row(wb["阈值"], 指标编号="2.2", 层级="园林城市")["阈值"].value = 32

        result = parse(edit_workbook(standard_workbook(garden), edit), garden)
        changeset = standard_apply(data=result.data, dry_run=True)
        assert [c.code for c in changeset.changed] == ["2.2"] and len(changeset.unchanged) == 40
        (row,) = changeset.changed[0].rows
        assert row.label == "达标阈值"
        assert row.old == ["园林城市 ≥ 31 %（历史街区占比超 50% 时 -2） · 说明：历史文化街区超过建成区 50% 时下调 2 个百分点（S）"]
        assert row.new == [row.old[0].replace("≥ 31", "≥ 32")]

    def test_it_tolerates_full_width_characters_and_surrounding_spaces(self, garden):
        def edit(wb):
            row = find_row(wb["阈值"], 指标编号="2.2", 层级="园林城市")
            row["指标编号"].value = " ２．２ "
            row["层级"].value = "　园林城市　"
            row["比较方式"].value = "＞＝"
            row["阈值"].value = "３２．５"
            row = find_row(wb["指标"], 指标编号="2.2")
            row["指标类型"].value = " 否决项 "
            row["指标名称"].value = "  建成区绿地率 "

        result = parse(edit_workbook(standard_workbook(garden), edit), garden)
        assert result.ok, messages(result)
        changeset = standard_apply(data=result.data, dry_run=True)
        assert [c.code for c in changeset.changed] == ["2.2"]
        assert changeset.changed[0].changes["thresholds"][1][0]["value"] == "32.5"
        assert set(changeset.changed[0].changes) == {"thresholds"}

    def test_it_reads_headers_with_spaces_stars_notes_and_line_breaks(self, garden):
        def edit(wb):
            for sheet, title, new in [("指标", "指标编号", "指标 编号*"), ("指标", "计量单位", "计量单位\n（如 %）"),
                                      ("阈值", "阈值", "＊阈值"), ("阈值", "比较方式", "【比较方式】")]:
                _rename_header(sheet, title, new)(wb)

        result = parse(edit_workbook(standard_workbook(garden), edit), garden)
        assert result.ok, messages(result)
        assert not standard_apply(data=result.data, dry_run=True).has_changes

    def test_it_accepts_a_new_indicator_with_its_thresholds(self, garden):
        def edit(wb):
            wb["指标"].append(["2", "绿地建设", None, None, "2.15", "城市绿道服务半径覆盖率", "%", "提升项",
                              "park_service_coverage", "全市", "待核对", "省级评分细则", "绿道分布图"])
            wb["阈值"].append(["2.15", "园林城市", "≥", 60, None, None, None, None, "示例"])

        result = parse(edit_workbook(standard_workbook(garden), edit), garden)
        assert result.ok, messages(result)
        changeset = standard_apply(data=result.data)
        assert [c.code for c in changeset.new] == ["2.15"]
        (t,) = Threshold.objects.filter(indicator__standard=garden, indicator__code="2.15")
        assert (t.tier, t.comparator, t.value, t.note) == ("garden", "gte", D("60"), "示例")


def _set(sheet, match, column, value):
    def edit(wb):
        find_row(wb[sheet], **match)[column].value = value

    return edit


def _delete_header(sheet, title):
    def edit(wb):
        ws = wb[sheet]
        index = [c.value for c in ws[1]].index(title) + 1
        ws.delete_cols(index)

    return edit


def _rename_header(sheet, title, new):
    def edit(wb):
        ws = wb[sheet]
        ws.cell(row=1, column=[c.value for c in ws[1]].index(title) + 1, value=new)

    return edit


def _remove_sheet(name):
    def edit(wb):
        del wb[name]

    return edit


def _duplicate_code(wb):
    find_row(wb["指标"], 指标编号="2.3")["指标编号"].value = "2.2"


def _formula(wb):
    find_row(wb["阈值"], 指标编号="2.1", 层级="园林城市")["阈值"].value = "=30+6"


# (edit, exact message) — row numbers are the sheet rows of the shipped garden standard export:
# 指标 row 12 is 2.2, 阈值 row 12 is 2.1/园林城市, row 14 is 2.2/园林城市.
BAD_CELLS = {
    "text in a number cell": (
        _set("阈值", {"指标编号": "2.2", "层级": "园林城市"}, "阈值", "三十"),
        "文件 bad.xlsx，工作表「阈值」第 14 行「阈值」列：应为数字，实际为「三十」",
    ),
    "unknown comparator": (
        _set("阈值", {"指标编号": "2.2", "层级": "园林城市"}, "比较方式", "约等于"),
        "文件 bad.xlsx，工作表「阈值」第 14 行「比较方式」列：应为「≥ / > / ≤ / < / = / 定性」之一，实际为「约等于」",
    ),
    "unknown tier": (
        _set("阈值", {"指标编号": "2.2", "层级": "园林城市"}, "层级", "省级园林城市"),
        "文件 bad.xlsx，工作表「阈值」第 14 行「层级」列：应为「园林城市 / 生态园林城市」之一，实际为「省级园林城市」",
    ),
    "unknown type": (
        _set("指标", {"指标编号": "2.2"}, "指标类型", "必选项"),
        "文件 bad.xlsx，工作表「指标」第 12 行「指标类型」列：应为「基本项 / 提升项 / 否决项」之一，实际为「必选项」",
    ),
    "unknown indicator code in thresholds": (
        _set("阈值", {"指标编号": "2.2", "层级": "园林城市"}, "指标编号", "9.9"),
        "文件 bad.xlsx，工作表「阈值」第 14 行「指标编号」列：指标编号「9.9」在「指标」工作表中不存在",
    ),
    "unknown measure key": (
        _set("指标", {"指标编号": "2.2"}, "度量键", "green_rate"),
        "文件 bad.xlsx，工作表「指标」第 12 行「度量键」列：度量键「green_rate」不存在（可在「度量」工作表查看全部度量键）",
    ),
    "duplicate indicator code": (
        _duplicate_code,
        "文件 bad.xlsx，工作表「指标」第 13 行「指标编号」列：指标编号「2.2」与第 12 行重复",
    ),
    "empty required cell": (
        _set("指标", {"指标编号": "2.2"}, "指标名称", None),
        "文件 bad.xlsx，工作表「指标」第 12 行「指标名称」列：不能为空",
    ),
    "empty value for a numeric comparator": (
        _set("阈值", {"指标编号": "2.2", "层级": "园林城市"}, "阈值", "  "),
        "文件 bad.xlsx，工作表「阈值」第 14 行「阈值」列：不能为空（比较方式为「≥」时须填写阈值）",
    ),
    "formula without a cached value": (
        _formula,
        "文件 bad.xlsx，工作表「阈值」第 12 行「阈值」列：单元格是公式且没有保存计算结果，系统无法计算公式；请在 Excel 中打开后保存，或直接填写数值",
    ),
    "numeric comparator on a qualitative measure": (
        _set("阈值", {"指标编号": "1.1"}, "比较方式", "≥"),
        "文件 bad.xlsx，工作表「阈值」第 2 行「比较方式」列：指标「1.1」的度量「greening_authority」为定性度量，比较方式应为「定性」",
    ),
    "missing column": (
        _delete_header("阈值", "比较方式"),
        "文件 bad.xlsx，工作表「阈值」第 1 行：缺少列「比较方式」。表头应为：指标编号、层级、比较方式、阈值、条件参数、条件下限、条件上限、历史街区调整值、说明",
    ),
    "wrong column": (
        _rename_header("指标", "度量键", "度量"),
        "文件 bad.xlsx，工作表「指标」第 1 行：第 I 列的表头「度量」不是可识别的列。表头应为：大类编号、大类名称、大项编号、大项名称、指标编号、指标名称、计量单位、指标类型、度量键、取值范围、核实状态、来源、佐证材料要求、大类英文名称、大项英文名称、指标英文名称",
    ),
    "missing sheet": (
        _remove_sheet("阈值"),
        "文件 bad.xlsx：缺少工作表「阈值」（应包含「指标」「阈值」两个工作表）",
    ),
    "another standard's file": (
        lambda wb: wb["说明"].cell(row=3, column=2, value="eco-garden-2022"),
        "文件 bad.xlsx，工作表「说明」：文件中的标准代码为「eco-garden-2022」，与当前标准「garden-city-2016」不一致，请确认上传的是本标准的导出文件",
    ),
}


class StandardWorkbookValidationTests:
    @pytest.mark.parametrize("case", list(BAD_CELLS))
    def test_it_names_file_sheet_row_and_column_for_each_bad_cell(self, garden, case):
        edit, expected = BAD_CELLS[case]
        result = parse(edit_workbook(standard_workbook(garden), edit), garden)
        assert result.data is None
        assert expected in messages(result), messages(result)

    def test_it_collects_every_error_in_one_pass(self, garden):
        def edit(wb):
            _set("阈值", {"指标编号": "2.2", "层级": "园林城市"}, "阈值", "三十")(wb)
            _set("指标", {"指标编号": "2.1"}, "核实状态", "大概")(wb)

        assert len(parse(edit_workbook(standard_workbook(garden), edit), garden).errors) == 2

    def test_it_rejects_a_file_that_is_not_xlsx(self, garden):
        result = parse(b"code,name\n2.2,x\n", garden, filename="standard.csv")
        assert messages(result) == [
            "「standard.csv」是 CSV 文本文件，本系统只接受 .xlsx：CSV 会丢失数字、日期格式和多个工作表，"
            "请用 Excel 打开后「另存为」.xlsx 工作簿再上传。"
        ]

    @pytest.mark.parametrize("content, words", [
        (b"this is not a zip file", "不是 Excel 工作簿"),
        (standard_excel.__doc__.encode()[:10], "不是 Excel 工作簿"),
        (b"PK\x03\x04" + b"\x00" * 100, "已损坏"),
    ])
    def test_it_rejects_a_corrupt_file(self, garden, content, words):
        (message,) = messages(parse(content, garden, filename="broken.xlsx"))
        assert message.startswith("「broken.xlsx」") and words in message

    def test_it_rejects_a_zip_that_is_not_a_workbook(self, garden):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", "<doc/>")
        assert "是 Word 文档" in messages(parse(buffer.getvalue(), garden, filename="x.xlsx"))[0]

    def test_it_checks_uncompressed_size_before_opening(self, garden, monkeypatch, settings):
        settings.SPREADSHEET_MAX_TOTAL_BYTES = 1024 * 1024
        settings.SPREADSHEET_MAX_RATIO = 10**6  # repeated text compresses too well: test the total alone
        big_cells = [f"{i}" + "x" * 30000 for i in range(40)]  # 1.2 MB of distinct text
        content = edit_workbook(standard_workbook(garden), lambda wb: wb.create_sheet("大").append(big_cells))
        opened = []
        monkeypatch.setattr("spreadsheets.reader.load_workbook", lambda *a, **k: opened.append(a))
        (message,) = messages(parse(content, garden, filename="bomb.xlsx"))
        assert message.startswith("「bomb.xlsx」解压后共有") and "超过 1 MB 的上限" in message
        assert opened == []

    def test_it_refuses_a_sheet_over_the_row_limit_before_reading_it(self, garden, settings, monkeypatch):
        content = standard_workbook(garden)
        rows = openpyxl.load_workbook(io.BytesIO(content))["指标"].max_row - 1
        settings.STANDARD_MAX_ROWS = rows - 1
        monkeypatch.setattr("spreadsheets.reader.load_workbook", lambda *a, **k: pytest.fail("opened"))
        (message,) = messages(parse(content, garden))
        assert message == (f"文件 bad.xlsx，工作表「指标」：约有 {rows} 行数据，超过每个工作表 {rows - 1} 行的上限：请拆分或"
                           "删除多余内容，或请创建办调高 STANDARD_MAX_ROWS 设置")

    def test_a_standard_at_the_row_limit_imports(self, garden, settings):
        content = standard_workbook(garden)
        book = openpyxl.load_workbook(io.BytesIO(content))
        settings.STANDARD_MAX_ROWS = max(book["指标"].max_row, book["阈值"].max_row) - 1
        assert messages(parse(content, garden)) == []


    def test_it_requires_items_for_a_three_level_standard(self, eco):
        def edit(wb):
            ws = wb["指标"]
            for row in ws.iter_rows(min_row=2):
                row[2].value = row[3].value = None

        errors = messages(parse(edit_workbook(standard_workbook(eco), edit), eco))
        assert errors == [
            "文件 bad.xlsx，工作表「指标」第 2 行「大项编号」列：本标准为三级结构（大方面 → 大项 → 指标），应填写大项编号和大项名称"
        ]

    def test_it_rejects_conflicting_node_names(self, eco):
        errors = messages(parse(edit_workbook(standard_workbook(eco), _set("指标", {"指标编号": "2"}, "大项名称", "绿化")), eco))
        assert errors == ["文件 bad.xlsx，工作表「指标」第 3 行「大项名称」列：大项「1」的名称「绿化」与第 2 行的「城市绿化」不一致"]

    def test_it_stops_at_a_far_away_cell_instead_of_walking_a_million_rows(self, garden):
        def edit(wb):
            wb["指标"].cell(row=1_000_000, column=1, value="x")

        (message,) = messages(parse(edit_workbook(standard_workbook(garden), edit), garden))
        assert message.startswith("「bad.xlsx」的工作表「指标」有 1000000 行，超过 100000 行的上限")
