"""Properties of the reader and the ledger validation over generated input.

1. Any cell — text, number, date, bool, a formula without result, an error value — becomes a
   valid value or a validation error with a message; never another exception.
2. Header spellings and column orders drawn from the known set give the same parse.
"""
import io
import random
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ledgers import cells as C
from ledgers.schemas import LEDGER_TYPES
from ledgers.validation import ColumnMatch, Context, _read, district_lookup, validate_workbook
from spreadsheets.headers import Match, Spec
from spreadsheets.reader import ErrorValue, FormulaWithoutValue

DISTRICTS = ["城东区", "城西区", "城南区", "城北区"]
ROADS = LEDGER_TYPES["roads"]
PARKS = LEDGER_TYPES["parks"]

cell_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["30.5公顷", "1.2万平方米", "3亩", "450米", "2.4公里", "12,345.6", "１２０００", "96.5%", "是", "否",
                     "2024年8月31日", "2024.8", "118°46'30\"", "约12万", "-", "——", "#N/A", "合计", "1e400", "NaN",
                     "Infinity", "0x10", "  ", "1.2.3", "公顷", "万平方米", "5亩地"]),
)
cell_value = st.one_of(
    st.none(), cell_text, st.integers(min_value=-10 ** 20, max_value=10 ** 20),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.dates(min_value=date(1900, 1, 1)), st.datetimes(min_value=datetime(1900, 1, 1)),
    st.builds(FormulaWithoutValue, st.sampled_from(["", "=A1*2", "=SUM(D2:D9)"])),
    st.sampled_from([ErrorValue("#DIV/0!"), ErrorValue("#REF!")]),
)
unit_choice = st.sampled_from(["", "公顷", "亩", "km", "公里", "m²"])


class CellPropertyTests:
    @settings(max_examples=300, deadline=None)
    @given(value=cell_value, percent=st.booleans(), unit=unit_choice,
           column_key=st.sampled_from([(t.key, c.key) for t in LEDGER_TYPES.values() for c in t.columns
                                       if c.kind != "measure" and c.kind != "value"]))
    def test_any_cell_becomes_a_value_or_an_error_with_a_message(self, value, percent, unit, column_key):
        type_key, key = column_key
        column = LEDGER_TYPES[type_key].column(key)
        spec = Spec(column.key, (str(column.label),), column.required, tuple(column.unit_factors))
        match = ColumnMatch.of(Match(spec, 3, str(column.header), unit if unit in column.unit_factors else ""),
                               LEDGER_TYPES[type_key])
        ctx = Context(file_name="台账.xlsx", districts=DISTRICTS)
        try:
            _read(match, value, percent, ctx, district_lookup(DISTRICTS), {}, [])
        except C.CellError as exc:
            assert exc.expected.strip()


def _roads(header, rows, order):
    wb = Workbook()
    ws = wb.active
    ws.title = "道路"
    ws.append([header[i] for i in order])
    for row in rows:
        ws.append([row[i] for i in order])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


SPELLINGS = {
    "name": ["道路名称", "路名", "名称", "道 路 名 称"],
    "district": ["所在城区", "所属区县", "所在区域", "区县"],
    "grade": ["道路等级", "等级", "道路级别"],
    "length_m": ["道路长度（m）", "道路全长（米）", "长度(m)", "*路长"],
    "shaded_length_m": ["林荫路长度（m）", "林荫道路长度", "林荫路段长度(米)"],
    "planted": ["有行道树绿化", "是否有行道树绿化", "行道树"],
}
ROWS = [["文昌路", "城东区", "次干路", 1850, 1400, "是"], ["人民路", "城西区", "主干路", 2300.5, 0, "否"],
        ["滨江路", "城南区", "支路", "1,200", "900", "有"]]


def _parse(content):
    ctx = Context(file_name="道路.xlsx", districts=DISTRICTS)
    outcome = validate_workbook(io.BytesIO(content), ROADS, ctx)
    return outcome.fatal, outcome.errors, sorted((r["key"], sorted(r["data"].items())) for r in outcome.rows)


BASELINE = _parse(_roads([v[0] for v in SPELLINGS.values()], ROWS, range(6)))


class HeaderPropertyTests:
    def test_the_baseline_parses_every_row(self):
        fatal, errors, rows = BASELINE
        assert not fatal and errors == [] and len(rows) == 3

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(choice=st.tuples(*[st.integers(0, len(v) - 1) for v in SPELLINGS.values()]), seed=st.integers(0, 10 ** 6))
    def test_known_spellings_in_any_column_order_give_the_same_parse(self, choice, seed):
        header = [spellings[i] for spellings, i in zip(SPELLINGS.values(), choice)]
        order = list(range(6))
        random.Random(seed).shuffle(order)
        assert _parse(_roads(header, ROWS, order)) == BASELINE
