"""The one reader: rows of values on public openpyxl APIs, merged ranges and formulas
without a saved result taken from the gate's streaming pre-scan."""
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from spreadsheets.gate import WorkbookRefused
from spreadsheets.reader import Book, ErrorValue, FormulaWithoutValue


def save(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rewrite_sheet(content, change):
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(item, data)
    return out.getvalue()


def open_book(content, name="表.xlsx"):
    return Book(io.BytesIO(content), name)


class ReaderTests:
    def test_it_yields_non_blank_rows_with_their_numbers_and_values(self):
        wb = Workbook()
        ws = wb.active
        ws.append(["名称", "面积"])
        ws.append([None, "  "])
        ws.append(["人民公园", 12.5])
        ws.append([None, None, datetime(2024, 8, 31)])
        with open_book(save(wb)) as book:
            rows = [(r.number, r.values) for r in book.rows("Sheet", first=1)]
        assert rows == [(1, {1: "名称", 2: "面积"}), (3, {1: "人民公园", 2: 12.5}), (4, {3: datetime(2024, 8, 31)})]

    def test_it_marks_percent_formatted_number_cells(self):
        wb = Workbook()
        ws = wb.active
        ws.append(["率", "数"])
        ws.append([0.962, 0.962])
        ws["A2"].number_format = "0.0%"
        with open_book(save(wb)) as book:
            row = list(book.rows("Sheet", first=2))[0]
        assert row.percent == {1}

    def test_it_reports_merged_ranges_from_the_sheet_xml(self):
        wb = Workbook()
        ws = wb.active
        ws.append(["长度（公里）", None])
        ws.append(["道路长度", "林荫路长度"])
        ws.merge_cells("A1:B1")
        with open_book(save(wb)) as book:
            assert book.merged("Sheet") == ["A1:B1"]

    def test_it_gives_a_formula_without_saved_result_with_its_text(self):
        wb = Workbook()
        ws = wb.active
        ws.append(["面积", "合计"])
        ws.append([3, "=A2*2"])
        with open_book(save(wb)) as book:
            row = list(book.rows("Sheet", first=2))[0]
        assert row.values == {1: 3, 2: FormulaWithoutValue("=A2*2")}

    def test_it_reads_a_formula_with_a_saved_result_as_that_result(self):
        wb = Workbook()
        ws = wb.active
        ws.append([3, "=A1*2"])
        content = rewrite_sheet(save(wb), lambda t: re.sub(r"(<f>A1\*2</f>)<v\s*/>", r"\1<v>6</v>", t))
        with open_book(content) as book:
            assert list(book.rows("Sheet"))[0].values == {1: 3, 2: 6}
            assert book.bare_formulas("Sheet") == {}

    def test_it_translates_a_shared_formula_to_the_cell_it_is_in(self):
        wb = Workbook()
        ws = wb.active
        for i in range(1, 4):
            ws.append([i, None])
        content = rewrite_sheet(save(wb), lambda t: t.replace(
            '<c r="A1" t="n"><v>1</v></c>', '<c r="A1" t="n"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f></c>'
        ).replace('<c r="A2" t="n"><v>2</v></c>', '<c r="A2" t="n"><v>2</v></c><c r="B2"><f t="shared" si="0"/></c>'))
        with open_book(content) as book:
            assert book.bare_formulas("Sheet") == {(1, 2): "=A1*2", (2, 2): "=A2*2"}

    def test_it_finds_a_formula_cell_cut_between_two_chunks_of_the_scan(self):
        wb = Workbook()
        ws = wb.active
        for i in range(6000):
            ws.append([f"第{i}行的一段文字", i, f"=B{i + 1}*2"])
        with open_book(save(wb)) as book:
            found = book.bare_formulas("Sheet")
        assert len(found) == 6000 and found[(4321, 3)] == "=B4321*2"

    def test_it_marks_excel_error_values(self):
        wb = Workbook()
        ws = wb.active
        ws.append([1, 2])
        content = rewrite_sheet(save(wb), lambda t: t.replace('<c r="B1" t="n"><v>2</v></c>',
                                                               '<c r="B1" t="e"><v>#DIV/0!</v></c>'))
        with open_book(content) as book:
            value = list(book.rows("Sheet"))[0].values[2]
        assert isinstance(value, ErrorValue) and value == "#DIV/0!"

    def test_it_refuses_a_file_the_gate_refuses_before_opening_it(self):
        with pytest.raises(WorkbookRefused) as exc:
            open_book(b"", "空.xlsx")
        assert "空.xlsx" in exc.value.message

    def test_it_reads_defined_names_naming_rows(self):
        from openpyxl.workbook.defined_name import DefinedName

        wb = Workbook()
        ws = wb.active
        ws.title = "公园名录"
        ws.append(["名称"])
        ws.append(["示例：人民公园"])
        wb.defined_names["示例行"] = DefinedName("示例行", attr_text="'公园名录'!$2:$2")
        with open_book(save(wb)) as book:
            assert book.named_rows("示例行", "公园名录") == {2}
            assert book.named_rows("示例行", "别的表") == set()


class NoPrivateOpenpyxlTests:
    def test_no_module_of_the_product_touches_a_private_openpyxl_attribute(self):
        root = Path(__file__).resolve().parents[2]
        pattern = re.compile(r"\._reader\b|\b_shared_strings\b|\._cell_styles\b|\._number_formats\b|_get_source\(")
        offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                     if ".venv" not in p.parts and "tests" not in p.parts and pattern.search(p.read_text("utf-8"))]
        assert offenders == []


class GridTests:
    """Book.grid: rows by position for the task table and the standards workbook."""

    def test_it_yields_every_row_with_cells_in_their_positions(self):
        wb = Workbook()
        ws = wb.active
        ws["A1"], ws["C1"] = "序号", "任务内容"
        ws["B3"] = "x"
        with open_book(save(wb)) as book:
            grid = list(book.grid("Sheet"))
        assert [n for n, _v in grid] == [1, 2, 3]
        assert grid[0][1][0] == "序号" and grid[0][1][2] == "任务内容" and grid[0][1][1] is None
        assert not any(grid[1][1]) and grid[2][1][1] == "x"

    def test_it_puts_a_formula_without_result_where_the_cell_is(self):
        wb = Workbook()
        ws = wb.active
        ws.append(["面积", "合计"])
        ws.append([3, "=A2*2"])
        with open_book(save(wb)) as book:
            assert list(book.grid("Sheet", first=2)) == [(2, (3, FormulaWithoutValue("=A2*2")))]
            assert list(book.grid("Sheet", first=2, max_col=1)) == [(2, (3,))]

    def test_it_reads_past_a_dimension_that_states_too_few_rows(self):
        wb = Workbook()
        ws = wb.active
        for i in range(1, 6):
            ws.append([i])
        content = rewrite_sheet(save(wb), lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:A2"', xml))
        with open_book(content) as book:
            assert [values[0] for _n, values in book.grid("Sheet")] == [1, 2, 3, 4, 5]

    def test_all_sheets_include_hidden_ones(self):
        wb = Workbook()
        wb.create_sheet("隐藏").sheet_state = "hidden"
        with open_book(save(wb)) as book:
            assert book.all_sheets == ["Sheet", "隐藏"] and book.sheets == ["Sheet"]
