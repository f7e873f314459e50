import io

import pytest
from openpyxl import Workbook, load_workbook

from organizations.excel import set_text


class SetTextTests:
    @pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", '=HYPERLINK("http://x")'])
    def test_text_that_looks_like_a_formula_stays_text(self, text):
        wb = Workbook()
        set_text(wb.active["A1"], text)
        out = io.BytesIO()
        wb.save(out)
        cell = load_workbook(io.BytesIO(out.getvalue()))["Sheet"]["A1"]
        assert cell.data_type == "s" and cell.value == text

    def test_numbers_stay_numbers(self):
        wb = Workbook()
        assert set_text(wb.active["A1"], 31.5).data_type == "n"
