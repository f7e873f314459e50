"""The gate refuses every hostile workbook by what it is, before any cell is read, and lets
real workbooks through."""
import io
import tracemalloc

import pytest
from openpyxl import Workbook

from spreadsheets.gate import WorkbookRefused, check_workbook
from tests.spreadsheets import corpus
from tests.spreadsheets.corpus import HOSTILE, MB, Part, content, sheet_part, variant

# Which limit refuses each file under the default settings (the first one to trip).
EXPECTED = {
    "zip_bomb_one_part": "part",
    "zip_bomb_many_parts": "parts",
    "zip_bomb_total": "ratio",
    "zip_bomb_string_table": "shared_strings",
    "zip_bomb_inline_string": "part",
    "rows_by_dimension": "rows",
    "columns_by_dimension": "columns",
    "rows_for_real": "ratio",
    "row_far_down": "rows",
    "column_far_right": "columns",
    "xxe": "xml",
    "billion_laughs": "xml",
    "macro_xlsm": "macro",
    "macro_xlsx": "macro",
    "macro_xls": "macro",
    "macro_no_extension": "macro",
    "macro_sheet_xlsx": "macro",
    "macro_type_xlsx": "macro",
    "jpeg_polyglot": "polyglot",
    "empty": "empty",
    "oversize": "upload",
    "not_a_zip": "type",
}


def refusal(data, name="台账.xlsx"):
    with pytest.raises(WorkbookRefused) as info:
        check_workbook(data, name)
    return info.value


class GateTests:
    @pytest.mark.parametrize("hostile", HOSTILE, ids=[h.key for h in HOSTILE])
    def test_it_refuses_every_hostile_file_naming_it_and_the_limit(self, hostile):
        refused = refusal(content(hostile.key), hostile.name)
        assert refused.limit == EXPECTED[hostile.key]
        assert f"「{hostile.name}」" in refused.message

    def test_it_lets_a_real_workbook_through_and_says_what_it_saw(self):
        wb = Workbook()
        wb.active.title = "公园"
        wb.active.append(["名称", "面积"])
        wb.active.append(["人民公园", "=1+1"])
        wb.create_sheet("说明")
        out = io.BytesIO()
        wb.save(out)
        facts = check_workbook(out, "公园名录.xlsx")
        assert facts.sheets == ["公园", "说明"] and facts.has_formulas
        assert out.tell() == 0

    def test_it_lets_the_demo_ledgers_through(self, settings):
        from pathlib import Path

        for path in sorted((Path(settings.BASE_DIR) / "fixtures" / "ledgers").glob("*.xlsx")):
            assert check_workbook(path.read_bytes(), path.name).sheets, path.name

    def test_it_counts_the_rows_holding_a_value_in_each_sheet(self):
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = "公园"
        ws.append(["名称", "面积"])
        for i in range(3000):  # well past one 64 KB chunk, so rows are cut between chunks
            ws.append([f"公园{i}", i])
        ws.append([None, None])  # blank
        ws["C4000"].font = Font(bold=True)  # formatted, empty: no value
        ws["A4001"] = "=1+1"  # a formula without a cached value: no value either
        ws.append([])
        other = wb.create_sheet("说明")
        other["B2"] = "只有一行"
        out = io.BytesIO()
        wb.save(out)
        assert check_workbook(out.getvalue(), "公园名录.xlsx").rows == {"公园": 3001, "说明": 1}

    def test_it_names_the_sheet_whose_rows_are_too_many(self):
        refused = refusal(content("rows_by_dimension"))
        assert refused.sheet == "Sheet1" and "工作表「Sheet1」" in refused.message and "100000" in refused.message

    def test_it_refuses_a_huge_inline_string_after_one_chunk(self, settings):
        settings.SPREADSHEET_MAX_RATIO = 10**6  # let the scan meet the string itself
        data = variant(replace={"xl/worksheets/sheet1.xml": sheet_part(b"a" * MB, 60, head_rows=b'<row r="1"><c r="A1" '
                                                                       b't="inlineStr"><is><t>')})
        tracemalloc.start()
        try:
            refused = refusal(data)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert refused.limit == "cell_chars" and "32767" in refused.message
        assert peak < 5 * MB  # 60 MB were never expanded

    def test_it_counts_rows_written_without_numbers(self, settings):
        settings.SPREADSHEET_MAX_RATIO = 10**6
        assert refusal(content("rows_for_real")).limit == "rows"

    def test_it_counts_cells_written_without_references(self, settings):
        settings.SPREADSHEET_MAX_RATIO = 10**6
        data = variant(replace={"xl/worksheets/sheet1.xml": corpus.sheet(b"<row>" + b"<c><v>1</v></c>" * 300 + b"</row>",
                                                                         b"A1")})
        assert refusal(data).limit == "columns"

    def test_it_counts_the_string_table(self, settings):
        settings.SPREADSHEET_MAX_RATIO = 10**6
        settings.SPREADSHEET_MAX_SHARED_STRINGS = 1000
        data = variant(replace={"[Content_Types].xml": corpus.with_content_types(corpus.STRINGS_TYPE)},
                       add={"xl/sharedStrings.xml": b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                                                    b'2006/main">' + b"<si><t>x</t></si>" * 1001 + b"</sst>"})
        assert refusal(data).limit == "shared_strings"

    def test_it_refuses_a_total_over_the_limit_even_when_each_part_is_fine(self, settings):
        settings.SPREADSHEET_MAX_RATIO = 10**6
        assert refusal(content("zip_bomb_total")).limit == "total"

    def test_it_refuses_too_many_sheets(self, settings):
        settings.SPREADSHEET_MAX_SHEETS = 2
        wb = Workbook()
        for i in range(3):
            wb.create_sheet(f"表{i}")
        out = io.BytesIO()
        wb.save(out)
        refused = refusal(out.getvalue())
        assert refused.limit == "sheets" and "上限" in refused.message

    def test_it_refuses_a_long_string_split_across_chunks_in_the_string_table(self, settings):
        settings.SPREADSHEET_MAX_CELL_CHARS = 100
        data = variant(replace={"[Content_Types].xml": corpus.with_content_types(corpus.STRINGS_TYPE)},
                       add={"xl/sharedStrings.xml": Part("xl/sharedStrings.xml", head=b"<sst><si><t>", unit=b"b" * 1000,
                                                         count=1, tail=b"</t></si></sst>")})
        assert refusal(data).limit == "cell_chars"

    def test_it_refuses_an_encrypted_workbook_whatever_its_name(self):
        assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
                       "台账.xlsx").limit == "type"


class GateRobustnessTests:
    def test_a_damaged_file_is_refused_never_an_exception(self):
        import random

        original = corpus.plain_workbook()
        rng = random.Random(2026)
        for _ in range(300):
            data = bytearray(original)
            for _flip in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            try:
                check_workbook(bytes(data), "台账.xlsx")
            except WorkbookRefused as exc:
                assert "「台账.xlsx」" in exc.message

    def test_a_part_longer_than_its_entry_says_is_refused_as_damaged(self):
        data = bytearray(variant(replace={"xl/worksheets/sheet1.xml": sheet_part(b" " * 1024, 200)}))
        # Declare 1 000 bytes for the sheet in its local and central headers: zipfile stops
        # there and finds a bad CRC, which must read as a damaged file, not an exception.
        sheet = b"xl/worksheets/sheet1.xml"
        for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            name_at = 30 if signature == b"PK\x03\x04" else 46
            start = data.find(signature)
            while start != -1:
                if data[start + name_at:start + name_at + len(sheet)] == sheet:
                    data[start + size_at:start + size_at + 4] = (1000).to_bytes(4, "little")
                start = data.find(signature, start + 4)
        assert refusal(bytes(data)).limit == "zip"
