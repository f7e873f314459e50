"""Reading an uploaded ledger workbook: file checks, sheets, the header row, raw rows.

Our own openpyxl code (read-only mode, streaming) instead of a generic importer, so that
every problem gets a Chinese message naming the file, sheet, row and column:

- the file: spreadsheets.gate refuses `.xls`, `.csv`, macros, encrypted or non-Excel files,
  zip bombs and runaway sheets before openpyxl opens anything; the number of data rows is
  capped by LEDGER_MAX_ROWS, from the gate's row count before reading (validation.rows_refusal)
  and again while reading;
- the header: found by matching known column names in the first rows, so a title row or
  two above it is fine; headers may be merged over two rows, contain spaces, full-width
  characters, line breaks, a unit in brackets (面积（公顷） is converted to m²);
- the cells: formula cells are read as their cached values, a formula saved without one
  is reported rather than read as 0; merged data cells (a district merged down a block of
  rows) are filled from their top-left cell.
"""
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter, range_boundaries

from .cells import fold

HEADER_SCAN_ROWS = 15


def max_rows():
    return settings.LEDGER_MAX_ROWS


# --- header detection -------------------------------------------------------------------

UNIT_RE = re.compile(r"^(.*?)[(\[]([^()\[\]]*)[)\]]$")


def header_fold(text):
    """Comparable header text: NFKC, no whitespace or line breaks, no required-marks, lower case."""
    text = fold(text)
    text = re.sub(r"\s+", "", text)
    text = text.replace("*", "").replace("※", "").replace("㎡", "m²").replace("m2", "m²")
    return text.lower()


def split_unit(folded):
    match = UNIT_RE.match(folded)
    if match and match.group(1):
        return match.group(1), match.group(2)
    return folded, ""


@dataclass
class ColumnMatch:
    column: object  # schemas.Column
    index: int  # 1-based sheet column
    header: str  # the header text as written
    factor: object = 1  # multiply numbers by this to get the canonical unit
    unit_text: str = ""


def _alias_set(column):
    names = {header_fold(column.label), header_fold(column.header)} | {header_fold(a) for a in column.aliases}
    return names


def match_header(text, column):
    """(matched, factor, unit_text) for one header cell against one schema column."""
    folded = header_fold(text)
    aliases = _alias_set(column)
    if folded in aliases:
        return True, 1, ""
    base, unit_text = split_unit(folded)
    if base in aliases:
        if not unit_text or not column.unit_factors:
            return True, 1, ""
        for name, factor in column.unit_factors.items():
            if header_fold(name) == unit_text:
                return True, factor, unit_text
        # A bracket that is not a unit we know (面积（规划）): same column, canonical unit.
        return True, 1, ""
    return False, 1, ""


def map_header(cells, ledger_type):
    """Match one header row (dict col → text) to the schema: {column key: ColumnMatch}, extras, duplicates."""
    matches, extras, duplicates = {}, [], []
    for index in sorted(cells):
        text = str(cells[index])
        hit = None
        for column in ledger_type.columns:
            ok, factor, unit_text = match_header(text, column)
            if ok:
                hit = ColumnMatch(column, index, text, factor, unit_text)
                break
        if hit is None:
            extras.append((index, text))
        elif hit.column.key in matches:
            duplicates.append((index, text, matches[hit.column.key]))
        else:
            matches[hit.column.key] = hit
    return matches, extras, duplicates


def _texts(values):
    return {c: v for c, v in values.items() if isinstance(v, str) and v.strip()}


def _combine(top, sub):
    """Two header rows read as one: a merged top cell spans right until the next top cell."""
    combined = {}
    carry = None
    for col in sorted(set(top) | set(sub)):
        if col in top:
            carry = top[col]
        if col in sub:
            upper = top.get(col) or carry
            combined[col] = (upper, sub[col])
        elif col in top:
            combined[col] = (top[col], None)
    return combined


def _best_of_pair(combined, ledger_type):
    """Per column, the reading of a two-row header that names a schema column: sub, top, or top+sub."""
    cells = {}
    for col, (upper, lower) in combined.items():
        options = [lower, upper, (upper or "") + (lower or "")] if lower else [upper]
        chosen = None
        for option in options:
            if not option:
                continue
            if any(match_header(option, c)[0] for c in ledger_type.columns):
                chosen = option
                break
        cells[col] = chosen or lower or upper
    return cells


@dataclass
class Header:
    rows: tuple  # sheet row numbers the header spans
    matches: dict
    extras: list
    duplicates: list

    @property
    def last_row(self):
        return self.rows[-1]

    def missing(self, ledger_type):
        return [c for c in ledger_type.required_columns if c.key not in self.matches]


def find_header(head_rows, ledger_type):
    """The header among the first rows: the row (or pair of rows) naming the most schema columns."""
    scored = []
    texts = [(r, _texts(v)) for r, v in head_rows]
    for i, (row_number, cells) in enumerate(texts):
        matches, extras, dups = map_header(cells, ledger_type)
        scored.append((len(matches), i, Header((row_number,), matches, extras, dups)))
    if not scored:
        return None
    best_score, best_i, best = max(scored, key=lambda s: (s[0], -s[1]))
    if best_score == 0:
        return None
    candidates = [(best_score, best)]
    for a, b in ((best_i - 1, best_i), (best_i, best_i + 1)):
        if a < 0 or b >= len(texts) or texts[b][0] != texts[a][0] + 1:
            continue
        cells = _best_of_pair(_combine(texts[a][1], texts[b][1]), ledger_type)
        matches, extras, dups = map_header(cells, ledger_type)
        candidates.append((len(matches), Header((texts[a][0], texts[b][0]), matches, extras, dups)))
    return max(candidates, key=lambda c: c[0])[1]


def column_name(index, header=""):
    letter = get_column_letter(index)
    return _("%(letter)s 列「%(header)s」") % {"letter": letter, "header": header} if header else _("%(letter)s 列") % {
        "letter": letter}


def fill_merged(rows, merged_ranges, first_data_row):
    """Copy a merged data cell's value into every row it covers. Returns the ranges it filled."""
    by_row = {r: values for r, values, _p in rows}
    filled = []
    for coord in merged_ranges:
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
