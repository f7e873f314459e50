"""The one reader of uploaded workbooks: rows of cell values, on public openpyxl APIs only.

Every upload first passes spreadsheets.gate (magic bytes, zip limits, a streaming pre-scan
of every XML part). That pre-scan also collects what openpyxl's public read-only API does
not give — merged ranges and formulas saved without a result — so the reader never touches
openpyxl internals: it opens the file with load_workbook(read_only=True, data_only=True) and
walks iter_rows(), reading each cell's .value, .data_type and .number_format.

A row is (row number, {column: value}, {columns with a percent number format}); blank cells
are left out, blank rows are skipped. Values are what openpyxl gives (str, int, float, bool,
datetime) plus two markers: FormulaWithoutValue (a formula without a cached result, with its
text when known) and ErrorValue (#DIV/0!, #REF! …).
"""
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from .gate import WorkbookRefused, check_workbook

MAX_COLUMNS = 200


class FormulaWithoutValue:
    """A formula cell saved without a cached result (WPS, scripts, openpyxl itself)."""

    def __init__(self, formula=""):
        self.formula = formula

    def __str__(self):
        if self.formula:
            return _("公式 %(formula)s（无计算结果）") % {"formula": self.formula}
        return _("公式（无计算结果）")

    def __eq__(self, other):
        return isinstance(other, FormulaWithoutValue) and other.formula == self.formula

    def __hash__(self):
        return hash(("formula", self.formula))


class ErrorValue(str):
    """An Excel error value such as #DIV/0! or #REF!."""


@dataclass
class Row:
    number: int
    values: dict  # column (1-based) → value
    percent: frozenset = frozenset()  # columns whose number format shows a percent

    def __iter__(self):  # row_number, values, percent columns
        return iter((self.number, self.values, self.percent))


class Book:
    """An upload that passed the gate, open for reading. Use as a context manager or close()."""

    def __init__(self, fileobj, file_name, facts=None):
        self.file_name = file_name
        self.facts = facts if facts is not None else check_workbook(fileobj, file_name)
        try:
            self.wb = load_workbook(fileobj, read_only=True, data_only=True, keep_links=False)
        except Exception:  # noqa: BLE001 - openpyxl's many ways of failing on a damaged file mean one thing
            raise WorkbookRefused(
                _("「%(file)s」无法作为 Excel 工作簿打开（文件可能已损坏）：请在 Excel 中打开并另存为 .xlsx 后再上传。")
                % {"file": file_name}, file_name=file_name, limit="open") from None
        self.defined_names = self._defined_names()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.wb.close()

    @property
    def sheets(self):
        """Titles of the visible sheets, in the workbook's order."""
        return [ws.title for ws in self.wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]

    def max_row(self, title):
        """The last row of the sheet, from the gate's scan (openpyxl's max_row would parse the
        whole sheet once more when the writer left out <dimension>)."""
        return self.facts.last_row.get(title) or None

    def value_rows(self, title):
        """Rows holding a value, counted by the gate."""
        return self.facts.rows.get(title, 0)

    def merged(self, title):
        return list(self.facts.merged.get(title, ()))

    def bare_formulas(self, title):
        return self.facts.bare_formulas.get(title, {})

    def rows(self, title, *, first=1, last=None, on_row=None):
        """Non-blank rows from `first` to `last` (inclusive)."""
        ws = self.wb[title]
        bare = self.bare_formulas(title)
        for number, cells in enumerate(ws.iter_rows(min_row=first, max_row=last), start=first):
            if on_row:
                on_row(number)
            values, percent = {}, set()
            for column, cell in enumerate(cells, start=1):
                if column > MAX_COLUMNS:
                    break
                value = cell.value
                if value is None:
                    if bare and (number, column) in bare:
                        values[column] = FormulaWithoutValue(bare[(number, column)])
                    continue
                if isinstance(value, str):
                    if not value.strip():
                        continue
                    if cell.data_type == "e":
                        value = ErrorValue(value)
                elif isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in cell.number_format:
                    percent.add(column)
                values[column] = value
            if values:
                yield Row(number, values, frozenset(percent))

    @property
    def all_sheets(self):
        """Titles of every worksheet, hidden ones included, in the workbook's order."""
        return [ws.title for ws in self.wb.worksheets]

    def grid(self, title, *, first=1, last=None, max_col=None):
        """Every row from `first` to `last` as (row number, tuple of values), blank rows included,
        cell positions kept (index 0 is column A): for imports that address cells by position.

        Values come from openpyxl's values-only iteration (the fast path: no cell objects), a
        formula saved without a result as FormulaWithoutValue. The sheet's recorded dimension is
        dropped first: some writers state a wrong one, and the gate has bounded the rows."""
        ws = self.wb[title]
        ws.reset_dimensions()
        bare = {}
        for (row, column), formula in self.bare_formulas(title).items():
            bare.setdefault(row, {})[column] = FormulaWithoutValue(formula)
        for number, values in enumerate(ws.iter_rows(min_row=first, max_row=last, max_col=max_col,
                                                     values_only=True), start=first):
            if bare and number in bare:
                values = list(values)
                for column, marker in bare[number].items():
                    if max_col is not None and column > max_col:
                        continue
                    if column > len(values):
                        values.extend([None] * (column - len(values)))
                    if values[column - 1] is None:
                        values[column - 1] = marker
                values = tuple(values)
            yield number, values

    def head(self, title, n):
        """The first `n` rows as (row number, values), for finding the header."""
        return [(row.number, row.values) for row in self.rows(title, last=n)]

    def _defined_names(self):
        """Workbook-level defined names → destinations [(sheet title, "A1:B2")]."""
        found = {}
        try:
            for name, definition in self.wb.defined_names.items():
                found[name] = list(definition.destinations)
        except Exception:  # noqa: BLE001 - a broken name (#REF!) simply names nothing
            pass
        return found

    def named_rows(self, name, title):
        """Rows of `title` covered by the defined name `name` (the template's markers)."""
        rows = set()
        for sheet, ref in self.defined_names.get(name, ()):
            if sheet != title:
                continue
            try:
                _c1, min_row, _c2, max_row = range_boundaries(ref.replace("$", ""))
            except (ValueError, TypeError):
                continue
            if min_row is not None and max_row is not None:
                rows.update(range(min_row, max_row + 1))
        return rows


def open_book(fileobj, file_name):
    """Gate, then open: a Book, or WorkbookRefused with a message naming the file."""
    return Book(fileobj, file_name)


def fill_merged(rows, merged, first_data_row):
    """Copy a merged data cell's value into every row it covers (a district merged down a
    block of rows). `rows` are Rows or (number, values, percent); returns the ranges it filled."""
    by_row = {r: values for r, values, _p in rows}
    filled = []
    for coord in merged:
        min_col, min_row, max_col, max_row = range_boundaries(coord)
        if max_row < first_data_row or min_row < first_data_row or min_row == max_row:
            continue
        top = by_row.get(min_row, {}).get(min_col)
        if top is None:
            continue
        for r in range(min_row + 1, max_row + 1):
            if r in by_row:
                by_row[r].setdefault(min_col, top)
        filled.append(coord)
    return filled
