"""From an opened workbook to validated ledger rows: choose the sheet, find the header, read
every cell, and say in Chinese what is wrong where (file, sheet, row, column, expected, found).

Pure with respect to the database: everything it needs to know about the city (district
names, the uploader's own district, the indicator library for the values sheet) comes in a
`Context`. Services do the I/O.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from spreadsheets import units
from spreadsheets.gate import WorkbookRefused, check_workbook
from spreadsheets.headers import HEADER_SCAN_ROWS, find_header
from spreadsheets.headers import normalise as header_fold
from spreadsheets.reader import Book, fill_merged

from . import cells as C
from .workbooks import EXAMPLE_ROWS_NAME, HEADER_ROW
from .schemas import BOOL, CHOICE, DATE, DECIMAL, DISTRICT, LAT, LNG, MEASURE, SCOPE, TEXT, VALUE

CITY_SCOPE = "全市"
CITY_WORDS = {"全市", "市", "市本级", "全市域", "城区", "中心城区", "全市合计"}
TOTAL_WORDS = {"合计", "总计", "小计", "共计", "总合计", "全市合计", "累计", "总累计"}
FOOTER_PREFIXES = ("填表人", "填报人", "审核人", "审核", "负责人", "联系人", "联系电话", "填报单位", "填表单位",
                   "制表", "注:", "注1", "说明:", "备注:", "单位负责人", "填报日期", "填表日期")
TOTAL_RE = re.compile(r"^.{0,8}(合计|总计|小计|共计|累计)$")
# The template's example row starts with this text and is named by EXAMPLE_ROWS_NAME; a row
# is taken for the example only with both (示例市第一中学 is real data).
EXAMPLE_MARK = "示例："
MAX_ERRORS_STORED = 2000
MEMO_KINDS = (BOOL, CHOICE, DISTRICT, SCOPE)  # kinds whose reading depends on the cell text alone
MEMO_SIZE = 20_000
MAX_NOTES_ROWS = 20
LEADING_ROWS = HEADER_ROW  # above the data in our template: the title, the notes, the header


@dataclass
class MeasureInfo:
    key: str
    name: str
    unit: str
    is_qualitative: bool
    formula_key: str


@dataclass
class Context:
    file_name: str
    districts: list = field(default_factory=list)  # canonical district names of the city
    city_name: str = ""
    own_district: str | None = None  # set when the uploading unit is a district (or one of its streets)
    measures: dict = field(default_factory=dict)  # folded code/name/key → MeasureInfo
    sheet_name: str = ""  # the sheet the user asked for
    # Formula keys the city's active campaigns use; None: every column keeps its own `required`.
    formulas: object = None
    on_row: object = None  # progress callback(rows_read, rows_total)
    # Header spellings saved for this unit and ledger type and city-wide (HeaderAlias):
    # normalised header → column key, the unit's own winning over the city's.
    aliases: dict = field(default_factory=dict)


@dataclass
class ColumnMatch:
    """A sheet column read as a ledger column: where, as what header, in which unit."""

    column: object  # schemas.Column
    index: int
    header: str
    unit: str = ""
    factor: Fraction = Fraction(1)
    unit_from_parent: bool = False
    inverted: bool = False
    close_to: str = ""
    by_alias: bool = False

    @classmethod
    def of(cls, match, ledger_type):
        column = ledger_type.column(match.spec.key)
        factor = units.factor_of(match.unit, column.unit_factors) or Fraction(1)
        return cls(column, match.index, match.header, match.unit, factor, match.unit_from_parent, match.inverted,
                   match.close_to, match.by_alias)


def max_rows():
    return settings.LEDGER_MAX_ROWS


@dataclass
class Outcome:
    file_name: str
    ledger_type: str
    sheets: list = field(default_factory=list)
    sheet: str = ""
    header_rows: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # dicts, see problem()
    error_count: int = 0
    rows: list = field(default_factory=list)  # valid rows: {"row", "key", "data"}
    error_rows: list = field(default_factory=list)  # {"row", "raw": {header: text}, "messages": [...]}
    skipped: list = field(default_factory=list)  # {"row", "reason"}
    total_rows: int = 0
    fatal: bool = False
    # The file's headers a user may map to a column, and the columns left to map them to;
    # empty when every header was recognised (see header_mapping()).
    mapping: dict = field(default_factory=dict)

    def as_json(self):
        return {
            "file_name": self.file_name, "ledger_type": self.ledger_type, "sheets": self.sheets, "sheet": self.sheet,
            "header_rows": self.header_rows, "columns": self.columns, "notes": self.notes, "errors": self.errors,
            "error_count": self.error_count, "rows": self.rows, "error_rows": self.error_rows,
            "skipped": self.skipped, "total_rows": self.total_rows, "fatal": self.fatal, "mapping": self.mapping,
        }


def problem(ctx, sheet, row, column_index, header, expected, found, message=None):
    """One error, with the full Chinese sentence and its parts for tables and the error workbook."""
    # File-level messages name their sheet themselves; row messages get file, sheet and row here.
    if row:
        where = _("「%(file)s」工作表「%(sheet)s」第 %(row)s 行") % {"file": ctx.file_name, "sheet": sheet, "row": row}
    else:
        where = _("「%(file)s」") % {"file": ctx.file_name}
    letter = get_column_letter(column_index) if column_index else ""
    if letter:
        where += _(" %(letter)s 列「%(header)s」") % {"letter": letter, "header": header}
    if message is None:
        message = _("应为%(expected)s，实际为「%(found)s」") % {"expected": expected, "found": C.shown(found)}
    return {"sheet": sheet, "row": row, "column": letter, "header": header, "expected": str(expected or ""),
            "found": C.shown(found) if found is not None or expected else "", "message": f"{where}：{message}"}


def file_problem(ctx, message, sheet=""):
    return problem(ctx, sheet, None, None, "", "", None, message=message)


def district_lookup(names):
    """Folded spellings → canonical name: 城东区, 城东, 城 东 区 all mean 城东区."""
    lookup = {}
    for name in names:
        folded = header_fold(name)
        lookup[folded] = name
        short = re.sub(r"(区|县|市)$", "", folded)
        if short and short != folded:
            lookup.setdefault(short, name)
    return lookup


def too_many_rows_message(file_name, sheet, rows, cap):
    return _("「%(file)s」工作表「%(sheet)s」约有 %(n)s 行数据，超过每份台账 %(cap)s 行的上限：请按区（或街道）拆成几个"
             "文件分别上传，删去末尾的空白行；确需一次导入的，请创建办调高 LEDGER_MAX_ROWS 设置。") % {
        "file": file_name, "sheet": sheet, "n": f"{rows:,}", "cap": f"{cap:,}"}


def rows_refusal(facts, file_name, sheet_name=""):
    """Before any parse: the message refusing a ledger whose sheet has more data rows than
    LEDGER_MAX_ROWS, or None.

    The gate counted the rows holding a value; the header is not found yet, so the rows above
    the data are taken as our template has them (LEADING_ROWS: title, notes, header). Exact for
    the template; a file with its header higher up is a row or two over before the reading
    itself refuses it. With a sheet named, that sheet; else every sheet, since the ledger's
    sheet is only known once its header is found."""
    cap = max_rows()
    counts = facts.rows
    if sheet_name:
        wanted = header_fold(sheet_name)
        counts = {title: n for title, n in counts.items() if header_fold(title) == wanted}
    for title, rows in counts.items():
        if rows - LEADING_ROWS > cap:
            return too_many_rows_message(file_name, title, rows - LEADING_ROWS, cap)
    return None


def validate_workbook(fileobj, ledger_type, ctx):
    """Read and validate a whole upload. Never raises for the user's mistakes: returns an Outcome
    with `fatal` set when the file as a whole cannot be used."""
    out = Outcome(file_name=ctx.file_name, ledger_type=ledger_type.key)
    try:
        facts = check_workbook(fileobj, ctx.file_name)
        refusal = rows_refusal(facts, ctx.file_name, ctx.sheet_name)
        if refusal:
            return _fatal(out, ctx, refusal)
        book = Book(fileobj, ctx.file_name, facts)
    except WorkbookRefused as exc:
        return _fatal(out, ctx, exc.message, exc.sheet)
    try:
        return _validate_book(book, ledger_type, ctx, out)
    finally:
        book.close()


def _fatal(out, ctx, message, sheet=""):
    out.fatal = True
    out.errors.append(file_problem(ctx, message, sheet))
    out.error_count = len(out.errors)
    return out


def _validate_book(book, ledger_type, ctx, out):
    sheets = book.sheets
    out.sheets = list(sheets)
    if not sheets:
        return _fatal(out, ctx, _("「%(file)s」没有可见的工作表。") % {"file": ctx.file_name})

    chosen, header = None, None
    specs = ledger_type.specs(ctx.formulas)
    if ctx.sheet_name:
        wanted = header_fold(ctx.sheet_name)
        chosen = next((title for title in sheets if header_fold(title) == wanted), None)
        if chosen is None:
            return _fatal(out, ctx, _("「%(file)s」中没有名为「%(sheet)s」的工作表；现有工作表：%(all)s。")
                          % {"file": ctx.file_name, "sheet": ctx.sheet_name, "all": "、".join(out.sheets)})
        header = find_header(book.head(chosen, HEADER_SCAN_ROWS), specs, book.merged(chosen), ctx.aliases)
    else:
        # The first sheet whose header names every required column; else the best partial match.
        best = None
        for title in sheets:
            h = find_header(book.head(title, HEADER_SCAN_ROWS), specs, book.merged(title), ctx.aliases)
            if h is None:
                continue
            if not h.missing(specs):
                chosen, header = title, h
                break
            if best is None or len(h.matches) > len(best[1].matches):
                best = (title, h)
        if chosen is None and best is not None:
            chosen, header = best
        if chosen is None:
            chosen = sheets[0]
    out.sheet = chosen
    if len(sheets) > 1:
        out.notes.append(_("工作簿有 %(n)s 个工作表（%(all)s），已读取「%(sheet)s」；如需读取其他工作表，请在预览页选择。")
                         % {"n": len(sheets), "all": "、".join(out.sheets), "sheet": chosen})

    specs = ledger_type.specs(ctx.formulas)
    required = [ledger_type.column(sp.key) for sp in specs if sp.required]
    expected = "、".join(str(c.header) for c in required)
    if header is None:
        return _fatal(out, ctx, _("工作表「%(sheet)s」前 %(n)s 行中找不到「%(type)s」的表头：应包含 %(cols)s 等列。")
                      % {"sheet": chosen, "n": HEADER_SCAN_ROWS, "type": ledger_type.label, "cols": expected}, chosen)
    out.mapping = header_mapping(header, ledger_type, specs)
    missing = [ledger_type.column(sp.key) for sp in header.missing(specs)]
    if missing:
        own = "、".join(f"{get_column_letter(i)}「{t}」" for i, t in header.texts)
        return _fatal(out, ctx, _("工作表「%(sheet)s」第 %(row)s 行的表头缺少必需的列：%(missing)s。本表的表头为：%(own)s。"
                                  "可在本页把各表头对应到列，或把相应的列改用上述名称之一，或使用本系统的模板。")
                      % {"sheet": chosen, "row": "–".join(str(r) for r in (header.rows[0], header.rows[-1]))
                         if len(header.rows) > 1 else header.rows[0],
                         "missing": "、".join(str(c.header) for c in missing), "own": own or "—"}, chosen)

    out.header_rows = list(header.rows)
    matches = sorted((ColumnMatch.of(m, ledger_type) for m in header.matches.values()), key=lambda m: m.index)
    out.columns = [{"key": m.column.key, "label": str(m.column.label), "index": m.index,
                    "letter": get_column_letter(m.index), "header": m.header,
                    "factor": units.factor_text(m.factor)} for m in matches]
    for m in matches:
        letter = get_column_letter(m.index)
        if m.by_alias:
            out.notes.append(_("%(letter)s 列「%(header)s」按已保存的表头写法识别为「%(label)s」。")
                             % {"letter": letter, "header": m.header, "label": m.column.label})
        if m.close_to:
            out.notes.append(_("%(letter)s 列「%(header)s」按相近的表头识别为「%(label)s」，请核对。")
                             % {"letter": letter, "header": m.header, "label": m.column.label})
        if m.inverted:
            out.notes.append(_("%(letter)s 列「%(header)s」与「%(label)s」意思相反：“是”已读作“否”，“否”读作“是”。")
                             % {"letter": letter, "header": m.header, "label": m.column.label})
        if m.factor != 1:
            source = _("（单位取自上方合并的表头）") if m.unit_from_parent else ""
            out.notes.append(_("%(letter)s 列「%(header)s」按 %(unit)s 填写%(source)s，已按 1 %(unit)s = %(factor)s "
                               "%(canonical)s 全精度换算为 %(canonical)s。")
                             % {"letter": letter, "header": m.header, "unit": m.unit, "source": source,
                                "canonical": m.column.unit, "factor": units.factor_text(m.factor)})
    for column in ledger_type.columns:
        spec = next(sp for sp in specs if sp.key == column.key)
        if column.required and not spec.required and column.key not in header.matches:
            out.notes.append(_("缺少「%(label)s」列：当前创建活动的指标公式都不读取此列，已按可选列处理。")
                             % {"label": column.label})
    if header.extras:
        names = "、".join(f"{get_column_letter(i)}「{t}」" for i, t in header.extras)
        out.notes.append(_("以下列不属于「%(type)s」，已忽略：%(names)s。") % {"type": ledger_type.label, "names": names})
    for index, text, first in header.duplicates:
        out.notes.append(_("%(letter)s 列「%(header)s」与 %(first)s 列重复表示「%(label)s」，已忽略。")
                         % {"letter": get_column_letter(index), "header": text, "first": get_column_letter(first.index),
                            "label": ledger_type.column(first.spec.key).label})

    # Read the data rows, streaming; progress every row (the callback throttles).
    total = book.max_row(chosen)
    if total is None:
        total = book.value_rows(chosen)
    out.total_rows = max(0, (total or 0) - header.last_row)
    cap = max_rows()
    if total is not None and total - header.last_row > cap * 2:
        return _fatal(out, ctx, _("工作表「%(sheet)s」有约 %(n)s 行，超过每个台账 %(cap)s 行的上限。")
                      % {"sheet": chosen, "n": total - header.last_row, "cap": cap}, chosen)

    def progress(row_number):
        if ctx.on_row and row_number % 500 == 0:
            ctx.on_row(max(0, row_number - header.last_row), out.total_rows)

    raw_rows = []
    for row_number, values, percent_cols in book.rows(chosen, first=header.last_row + 1, on_row=progress):
        raw_rows.append((row_number, values, percent_cols))
        if len(raw_rows) > cap:
            return _fatal(out, ctx, too_many_rows_message(ctx.file_name, chosen, len(raw_rows), cap),
                          chosen)
    if ctx.on_row:
        ctx.on_row(len(raw_rows), len(raw_rows))
    out.total_rows = len(raw_rows)

    filled = fill_merged(raw_rows, book.merged(chosen), header.last_row + 1)
    if filled:
        out.notes.append(_("合并单元格 %(ranges)s 已按合并值填入每一行。") % {"ranges": "、".join(filled[:10])})

    _validate_rows(raw_rows, matches, ledger_type, ctx, out, book.named_rows(EXAMPLE_ROWS_NAME, chosen))
    return out


def header_mapping(header, ledger_type, specs):
    """What the preview offers to map: the file's headers no spelling names (and those taken
    by closeness, the guess preselected), and the columns not named by a spelling."""
    required = {sp.key for sp in specs if sp.required}
    exact = {key for key, m in header.matches.items() if not m.close_to}
    headers = [{"index": i, "letter": get_column_letter(i), "header": shown, "text": header.extra_names.get(i, shown),
                "guess": ""} for i, shown in header.extras]
    headers += [{"index": m.index, "letter": get_column_letter(m.index), "header": m.header, "text": m.text or m.header,
                 "guess": key} for key, m in header.matches.items() if m.close_to]
    columns = [{"key": c.key, "label": str(c.header), "required": c.key in required}
               for c in ledger_type.columns if c.key not in exact]
    if not headers or not columns:
        return {}
    return {"headers": sorted(headers, key=lambda h: h["index"]), "columns": columns}


def _row_text(values):
    for col in sorted(values):
        value = values[col]
        if isinstance(value, str) and value.strip():
            return re.sub(r"\s+", "", C.fold(value))
    return ""


def _total_label(values):
    """合计, 总 计, 合计（全市）, 全市合计, 城东区小计, 累计 …: the label of a totals row, or ""."""
    for col in sorted(values)[:4]:
        value = values[col]
        if not isinstance(value, str):
            continue
        text = re.sub(r"\s+", "", C.fold(value)).rstrip(":")
        bare = re.sub(r"\([^()]*\)", "", text)
        if bare in TOTAL_WORDS or TOTAL_RE.match(bare):
            return value
    return ""


class _Sums:
    """Running sums of the number cells, to recognise an unlabelled totals row: its numbers are
    the sum of the rows above (since the last subtotal, or all of them)."""

    def __init__(self, columns):
        self.columns = columns
        self.group = dict.fromkeys(columns, Decimal(0))
        self.all = dict.fromkeys(columns, Decimal(0))
        self.rows = 0

    @staticmethod
    def number(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)

    def is_total(self, values, name):
        numbers = {c: self.number(values.get(c)) for c in self.columns}
        numbers = {c: n for c, n in numbers.items() if n is not None}
        # Only a row without a name: a named road as long as the two above it is a road.
        if self.rows < 2 or not numbers or name:
            return False
        return any(all(abs(n - sums[c]) <= Decimal("0.005") * max(1, abs(n)) for c, n in numbers.items())
                   for sums in (self.group, self.all))

    def add(self, values):
        self.rows += 1
        for c in self.columns:
            n = self.number(values.get(c))
            if n is not None:
                self.group[c] += n
                self.all[c] += n

    def close_group(self):
        self.group = dict.fromkeys(self.columns, Decimal(0))


def _validate_rows(raw_rows, matches, ledger_type, ctx, out, example_rows=frozenset()):
    by_key = {m.column.key: m for m in matches}
    name_match = by_key.get("name")
    seen = {}
    conversions = {}
    sums = _Sums([m.index for m in matches if m.column.kind == DECIMAL])
    memo = {}
    districts = district_lookup(ctx.districts)

    def skip(row_number, reason):
        out.skipped.append({"row": row_number, "reason": str(reason)})

    for row_number, values, percent_cols in raw_rows:
        first_text = _row_text(values)
        name_value = values.get(name_match.index) if name_match else None
        if row_number in example_rows and first_text.startswith(C.fold(EXAMPLE_MARK)):
            skip(row_number, _("模板示例行（本系统模板标记的示例行）"))
            continue
        label = _total_label(values)
        if label:
            skip(row_number, _("合计行（「%(label)s」）") % {"label": " ".join(str(label).split())})
            sums.close_group()
            continue
        if sums.is_total(values, name_value if isinstance(name_value, str) and name_value.strip() else None):
            skip(row_number, _("合计行（各数值等于上方各行之和）"))
            sums.close_group()
            continue
        if len(values) <= 3 and any(first_text.startswith(p.rstrip(":")) for p in FOOTER_PREFIXES):
            skip(row_number, _("表尾说明（「%(text)s」）") % {"text": first_text[:20]})
            continue
        sums.add(values)

        data, row_errors, row_conversions = {}, [], []
        for m in matches:
            raw = values.get(m.index)
            percent = m.index in percent_cols
            try:
                if isinstance(raw, str) and m.column.kind in MEMO_KINDS:
                    # The same few words fill these columns (城东区, 次干路, 是): read each once.
                    hit = memo.get((m.index, raw))
                    if hit is None:
                        try:
                            hit = (True, _read(m, raw, percent, ctx, districts, data, row_conversions))
                        except C.CellError as exc:
                            hit = (False, exc)
                        if len(memo) < MEMO_SIZE:
                            memo[(m.index, raw)] = hit
                    if not hit[0]:
                        raise hit[1]
                    data[m.column.key] = hit[1]
                else:
                    data[m.column.key] = _read(m, raw, percent, ctx, districts, data, row_conversions)
            except C.CellError as exc:
                row_errors.append(problem(ctx, out.sheet, row_number, m.index, _clean(m.header), exc.expected, raw))
        for conversion in row_conversions:
            conversions.setdefault(conversion, []).append(row_number)
        for column in ledger_type.columns:  # optional columns absent from the sheet
            if column.key not in data and column.key not in by_key:
                data[column.key] = _default(column, ctx)
        if not row_errors:
            row_errors += _cross_checks(ledger_type, data, row_number, by_key, ctx, out.sheet, values)
        key = ledger_type.key_of(data)
        if not row_errors:
            if key in seen:
                m = by_key[ledger_type.natural_key[0]]
                row_errors.append(problem(
                    ctx, out.sheet, row_number, m.index, _clean(m.header), "", None,
                    message=_("与第 %(first)s 行重复（%(key)s 相同：%(value)s）；同一台账中每行的 %(key)s 须唯一。")
                    % {"first": seen[key], "key": ledger_type.key_label(), "value": key},
                ))
            else:
                seen[key] = row_number
        if row_errors:
            if len(out.errors) < MAX_ERRORS_STORED:
                out.errors.extend(row_errors[: MAX_ERRORS_STORED - len(out.errors)])
            out.error_count += len(row_errors)
            key_ok = all(k in data for k in ledger_type.natural_key)
            out.error_rows.append({
                "row": row_number,
                "key": key if key_ok else None,
                "raw": [[_clean(m.header), C.shown(values.get(m.index)) if values.get(m.index) is not None else ""]
                        for m in matches],
                "messages": [e["message"] for e in row_errors],
            })
        else:
            if ledger_type.key == "values":
                data["measure_name"] = _measure_by_key(ctx, data["measure"]).name
            out.rows.append({"row": row_number, "key": key, "data": data})

    out.error_count = max(out.error_count, len(out.errors))
    for item in out.skipped:
        out.notes.append(_("已跳过第 %(row)s 行：%(reason)s。") % item)
    for (index, unit, factor), rows in conversions.items():
        column = next(m.column for m in matches if m.index == index)
        out.notes.append(_("%(letter)s 列有 %(n)s 个单元格写明单位 %(unit)s（第 %(rows)s 行），已按 1 %(unit)s = %(factor)s "
                           "%(canonical)s 全精度换算为 %(canonical)s。")
                         % {"letter": get_column_letter(index), "n": len(rows), "unit": unit, "rows": _rows_text(rows),
                            "factor": units.factor_text(factor), "canonical": column.unit})
    if not out.rows and not out.error_rows:
        out.fatal = True
        out.errors.append(file_problem(ctx, _("工作表「%(sheet)s」表头下没有数据行。") % {"sheet": out.sheet}, out.sheet))
        out.error_count = len(out.errors)


def _rows_text(rows):
    text = "、".join(str(r) for r in rows[:MAX_NOTES_ROWS])
    return text + ("…" if len(rows) > MAX_NOTES_ROWS else "")


def _clean(header):
    return " ".join(str(header).split()).lstrip("*＊※ ")


def _default(column, ctx):
    if column.kind == BOOL:
        return False
    if column.kind == DISTRICT and ctx.own_district:
        return ctx.own_district
    if column.kind == SCOPE:
        return CITY_SCOPE
    if column.kind == TEXT:
        return ""
    return None


def _read_quantity(m, raw, conversions):
    """A number in the column's unit at full precision: the unit written in the cell (30.5公顷)
    wins over the header's (面积（公顷）); rounding is left to the display."""
    column = m.column

    def expected():
        written_unit = m.unit or column.unit  # the unit the column is filled in
        return _("数值（%(unit)s）") % {"unit": written_unit} if written_unit else _("数值")

    factor, cell_unit = m.factor, ""
    if isinstance(raw, str):
        number_text, cell_unit = units.split_cell(raw)
        if cell_unit:
            factor = units.factor_of(cell_unit, column.unit_factors)
            if factor is None:
                raise C.CellError(expected(), raw)
            raw_number = number_text
        else:
            raw_number = raw
    else:
        raw_number = raw
    try:
        number = C.read_decimal(raw_number, places=None, percent=False)
    except C.CellError as exc:
        raise C.CellError(expected() if exc.expected == _("数值") else exc.expected, raw) from None
    if cell_unit and conversions is not None:
        conversions.append((m.index, cell_unit, factor))
    return units.convert(number, factor)


def _read(m, raw, percent, ctx, districts, data, conversions=None):
    column = m.column
    blank = raw is None or (column.kind != BOOL and C.is_blank(raw)) or (
        column.kind == BOOL and isinstance(raw, str) and not raw.strip())
    if blank and not isinstance(raw, (C.FormulaWithoutValue, C.ErrorValue)):
        if column.kind == DISTRICT and ctx.own_district:
            return ctx.own_district
        if column.kind == SCOPE:
            return CITY_SCOPE
        if column.required:
            raise C.CellError(_("必填项（不能为空）"), raw)
        return _default(column, ctx)
    kind = column.kind
    if kind == TEXT:
        text = C.read_text(raw)
        if len(text) > 200:
            raise C.CellError(_("不超过 200 字的文字"), raw)
        return text
    if kind == DECIMAL:
        return _bounded(_read_quantity(m, raw, conversions), column, raw)
    if kind in (LAT, LNG):
        return C.canonical(C.read_coordinate(raw, places=column.places, min_value=column.min_value,
                                             max_value=column.max_value))
    if kind == BOOL:
        return C.read_bool(raw) != m.inverted
    if kind == CHOICE:
        return C.read_choice(raw, column.choices)
    if kind == DATE:
        return C.read_date(raw).isoformat()
    if kind == DISTRICT:
        name = districts.get(header_fold(C.read_text(raw)))
        if name is None:
            raise C.CellError(_("本市城区之一（%(names)s）") % {"names": "、".join(ctx.districts) or "—"}, raw)
        if ctx.own_district and name != ctx.own_district:
            raise C.CellError(_("本区（%(own)s）：区级单位只能填报本区的台账") % {"own": ctx.own_district}, raw)
        return name
    if kind == SCOPE:
        text = header_fold(C.read_text(raw))
        if text in CITY_WORDS or (ctx.city_name and text == header_fold(ctx.city_name)):
            return CITY_SCOPE
        name = districts.get(text)
        if name is None:
            raise C.CellError(_("“全市”或本市城区之一（%(names)s）") % {"names": "、".join(ctx.districts) or "—"}, raw)
        return name
    if kind == MEASURE:
        text = header_fold(C.read_text(raw))
        info = ctx.measures.get(text)
        if info is None:
            raise C.CellError(_("指标库中的指标编号或名称（如 5.1 或 城市污水处理率）"), raw)
        if info.formula_key:
            raise C.CellError(_("由填报表填写的指标：「%(name)s」由台账自动计算，请上传相应台账") % {"name": info.name}, raw)
        return info.key
    if kind == VALUE:
        info = _measure_by_key(ctx, data.get("measure"))
        if info is None:  # the measure cell already failed; nothing to check against
            return C.canonical(C.read_decimal(raw, places=column.places, allow_percent=True))
        if info.is_qualitative:
            return "1" if C.read_bool(raw) else "0"
        is_rate = info.unit == "%"
        number = C.read_decimal(raw, places=column.places, allow_percent=is_rate, percent=percent and is_rate,
                                min_value=Decimal(0) if is_rate else None,
                                max_value=Decimal(100) if is_rate else None)
        return C.canonical(number)
    raise AssertionError(kind)


def _measure_by_key(ctx, key):
    if not key:
        return None
    return next((info for info in ctx.measures.values() if info.key == key), None)


def _bounded(number, column, raw):
    if column.min_value is not None and number < column.min_value:
        raise C.CellError(_("不小于 %(min)s 的数值") % {"min": C.canonical(column.min_value)}, raw)
    if column.max_value is not None and number > column.max_value:
        raise C.CellError(_("不大于 %(max)s 的数值") % {"max": C.canonical(column.max_value)}, raw)
    return C.canonical(number)


def _cross_checks(ledger_type, data, row_number, by_key, ctx, sheet, values):
    errors = []

    def err(key, message):
        m = by_key.get(key)
        errors.append(problem(ctx, sheet, row_number, m.index if m else None, _clean(m.header) if m else "", "", None,
                              message=message))

    def dec(key):
        v = data.get(key)
        return Decimal(v) if v not in (None, "") else None

    if ledger_type.key == "green_spaces":
        cover, trees = dec("cover_area_m2"), dec("tree_shrub_area_m2")
        if cover is not None and trees is not None and trees > cover:
            err("tree_shrub_area_m2", _("乔灌木覆盖面积（%(t)s m²）不能大于绿化覆盖面积（%(c)s m²）。")
                % {"t": C.canonical(trees), "c": C.canonical(cover)})
    if ledger_type.key == "roads":
        length, shaded = dec("length_m"), dec("shaded_length_m")
        if length is not None and shaded is not None and shaded > length:
            err("shaded_length_m", _("林荫路长度（%(s)s m）不能大于道路长度（%(l)s m）。")
                % {"s": C.canonical(shaded), "l": C.canonical(length)})
    if ledger_type.key == "compounds" and data.get("kind") == "residential":
        area = dec("residential_area_m2")
        if area is None or area <= 0:
            err("residential_area_m2", _("居住区须填写大于 0 的居住用地面积（用于计算公园绿地服务半径覆盖率）。"))
    for lat_key, lng_key in (("lat", "lng"), ("start_lat", "start_lng"), ("end_lat", "end_lng")):
        if not (data.get(lat_key) and data.get(lng_key)):
            continue
        lat, lng = Decimal(data[lat_key]), Decimal(data[lng_key])
        if 70 <= lat <= 140 and 0 <= lng <= 60:
            err(lat_key, _("纬度 %(lat)s、经度 %(lng)s 似乎填反了：中国境内纬度约 3–54、经度约 73–136。")
                % {"lat": data[lat_key], "lng": data[lng_key]})
        elif not (0 <= lat <= 60 and 70 <= lng <= 140):
            err(lat_key, _("坐标（纬度 %(lat)s，经度 %(lng)s）不在中国境内：请填写十进制度的经纬度。")
                % {"lat": data[lat_key], "lng": data[lng_key]})
    return errors
