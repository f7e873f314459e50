"""Excel round trip of a whole standard: written with openpyxl, read with spreadsheets.reader.

The workbook is a file format: sheet names, headers and the enumeration labels below are
fixed Chinese text (not translated), so a file exported in any UI language imports back.
Parsing checks every cell and reports each problem as one Chinese sentence naming file,
sheet, row and column; nothing is written unless the whole file is clean (the caller
passes the parsed data to `standards.standard_apply`).

Uploads are untrusted: spreadsheets.gate checks the zip members' uncompressed sizes before
openpyxl sees the file (a small .xlsx can expand to millions of rows), rows are capped, and
formula cells are read for their cached value only (openpyxl cannot compute formulas).
"""
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from django.conf import settings
from django.utils.translation import gettext as _

from spreadsheets.gate import WorkbookRefused, check_workbook
from spreadsheets.reader import Book, FormulaWithoutValue
from spreadsheets.text import fold_header

from .models import Measure, Threshold
from .standards import THRESHOLD_FIELDS, decimal_text, standard_export_data

INDICATOR_SHEET = "指标"
THRESHOLD_SHEET = "阈值"
README_SHEET = "说明"
MEASURE_SHEET = "度量"

# header, key, width, cell type (code / text / enum / number)
INDICATOR_COLUMNS = [
    ("大类编号", "aspect_code", 10, "code"),
    ("大类名称", "aspect_name", 12, "text"),
    ("大项编号", "item_code", 10, "code"),
    ("大项名称", "item_name", 14, "text"),
    ("指标编号", "code", 10, "code"),
    ("指标名称", "name", 34, "text"),
    ("计量单位", "unit", 10, "text"),
    ("指标类型", "kind", 10, "enum"),
    ("度量键", "measure", 30, "code"),
    ("取值范围", "aggregation", 14, "enum"),
    ("核实状态", "verification", 11, "enum"),
    ("来源", "source", 48, "text"),
    ("佐证材料要求", "evidence_requirements", 48, "text"),
    # English names last, so the Chinese columns keep the letters older files have.
    ("大类英文名称", "aspect_name_en", 22, "text"),
    ("大项英文名称", "item_name_en", 22, "text"),
    ("指标英文名称", "name_en", 34, "text"),
]
THRESHOLD_COLUMNS = [
    ("指标编号", "code", 10, "code"),
    ("层级", "tier", 14, "enum"),
    ("比较方式", "comparator", 10, "enum"),
    ("阈值", "value", 10, "number"),
    ("条件参数", "condition_param", 30, "enum"),
    ("条件下限", "condition_min", 10, "number"),
    ("条件上限", "condition_max", 10, "number"),
    ("历史街区调整值", "historic_adjustment", 14, "number"),
    ("说明", "note", 48, "text"),
]
INDICATOR_REQUIRED = {"aspect_code", "aspect_name", "code", "name", "kind", "measure", "aggregation", "verification"}
THRESHOLD_REQUIRED = {"code", "tier", "comparator"}
# A file exported before English names existed has no such columns: it imports, and the
# stored English names stay as they are.
OPTIONAL_COLUMNS = {"大类英文名称", "大项英文名称", "指标英文名称"}

KIND_LABELS = {"basic": "基本项", "improvement": "提升项", "veto": "否决项"}
AGGREGATION_LABELS = {"city": "全市", "district_min": "各城区最低值"}
VERIFICATION_LABELS = {"verified": "已核实", "secondary": "二手来源", "unverified": "待核对"}
TIER_LABELS = {"garden": "园林城市", "eco": "生态园林城市"}
COMPARATOR_LABELS = {"gte": "≥", "gt": ">", "lte": "≤", "lt": "<", "eq": "=", "qualitative": "定性"}
PARAM_LABELS = {
    "": "",
    "per_capita_construction_land": "人均建设用地（m²/人）",
    "northern_heating": "北方采暖地区（1=是）",
    "historic_district_share": "历史文化街区占建成区比例（%）",
    "urban_population": "城区人口（万人）",
}
ENUMS = {
    "kind": (KIND_LABELS, {"基本": "basic", "提升": "improvement", "否决": "veto"}),
    "aggregation": (AGGREGATION_LABELS, {"各城区最低": "district_min", "城区最低值": "district_min"}),
    "verification": (VERIFICATION_LABELS, {"已核对": "verified", "二手": "secondary", "未核实": "unverified"}),
    "tier": (TIER_LABELS, {"国家园林城市": "garden", "国家生态园林城市": "eco", "生态": "eco"}),
    "comparator": (
        COMPARATOR_LABELS,
        {">=": "gte", "≧": "gte", "大于等于": "gte", "不小于": "gte", "大于": "gt",
         "<=": "lte", "≦": "lte", "小于等于": "lte", "不大于": "lte", "小于": "lt",
         "==": "eq", "等于": "eq"},
    ),
    "condition_param": (
        PARAM_LABELS,
        {"人均建设用地": "per_capita_construction_land", "北方采暖地区": "northern_heating",
         "历史文化街区占建成区比例": "historic_district_share", "城区人口": "urban_population"},
    ),
}
META_LABELS = {"标准代码": "code", "标准名称": "title", "英文名称": "title_en", "版本": "version", "来源": "source", "默认层级": "tier"}

# Limits from the model fields, so a bad cell is reported where it is, not by the database.
TEXT_LIMITS = {"aspect_name": 100, "item_name": 100, "name": 100, "aspect_name_en": 100, "item_name_en": 100,
               "name_en": 100, "unit": 20, "source": 300, "note": 200,
               "aspect_code": 20, "item_code": 20, "code": 20, "measure": 80}
NUMBER_LIMITS = {"value": 8, "condition_min": 8, "condition_max": 8, "historic_adjustment": 4}  # integer digits



def max_rows():
    """Rows of one sheet (STANDARD_MAX_ROWS in settings); the template's drop-downs reach as far."""
    return settings.STANDARD_MAX_ROWS


MAX_COLUMNS = 40
MAX_ERRORS = 200
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

HEADER_FILL = PatternFill("solid", fgColor="1A6B4C")
HEADER_FONT = Font(bold=True, color="FFFFFF")
THIN = Side(style="thin", color="D9DFE5")


def _norm(value):
    """NFKC folds full-width letters, digits and punctuation (３１．５ → 31.5); then trim."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _key(value):
    return _norm(value).lower().replace(" ", "")


def _escape(text):
    """Neutralise text Excel would run as a formula (OWASP CSV injection), reversibly."""
    if isinstance(text, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _unescape(text):
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


@dataclass
class WorkbookError:
    file: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    names_itself: bool = False  # a refusal by spreadsheets.gate already names file and sheet

    def __str__(self):
        if self.names_itself:
            return self.message
        parts = {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}
        if self.sheet and self.row and self.column:
            return _("文件 %(file)s，工作表「%(sheet)s」第 %(row)s 行「%(column)s」列：%(message)s") % parts
        if self.sheet and self.row:
            return _("文件 %(file)s，工作表「%(sheet)s」第 %(row)s 行：%(message)s") % parts
        if self.sheet:
            return _("文件 %(file)s，工作表「%(sheet)s」：%(message)s") % parts
        return _("文件 %(file)s：%(message)s") % parts


@dataclass
class WorkbookParse:
    data: dict | None
    errors: list = field(default_factory=list)
    truncated: bool = False

    @property
    def ok(self):
        return not self.errors


class _TooManyErrors(Exception):
    pass


# --- export -----------------------------------------------------------------------------


def standard_workbook(standard):
    """The standard as .xlsx bytes: sheets 指标, 阈值, 说明 and a 度量 reference list."""
    data = standard_export_data(standard)
    nodes = {(n["level"], n["code"]): n for n in data["nodes"]}
    leaf = max((n["level"] for n in data["nodes"]), default=1)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = INDICATOR_SHEET
    _header(ws, INDICATOR_COLUMNS)
    for i, ind in enumerate(data["indicators"], start=2):
        node = nodes[(leaf, ind["node"])]
        aspect = nodes[(1, node["parent"])] if leaf == 2 else node
        item = node if leaf == 2 else None
        row = {
            "aspect_code": aspect["code"],
            "aspect_name": aspect["name"],
            "aspect_name_en": aspect["name_en"],
            "item_code": item["code"] if item else "",
            "item_name": item["name"] if item else "",
            "item_name_en": item["name_en"] if item else "",
            "code": ind["code"],
            "name": ind["name"],
            "name_en": ind["name_en"],
            "unit": ind["unit"],
            "kind": KIND_LABELS[ind["kind"]],
            "measure": ind["measure"],
            "aggregation": AGGREGATION_LABELS[ind["aggregation"]],
            "verification": VERIFICATION_LABELS[ind["verification"]],
            "source": ind["source"],
            "evidence_requirements": ind["evidence_requirements"],
        }
        _write_row(ws, i, INDICATOR_COLUMNS, row)
    n_ind = max(len(data["indicators"]) + 1, 2)
    _finish(ws, INDICATOR_COLUMNS, n_ind)
    _validations(ws, INDICATOR_COLUMNS, {
        "kind": list(KIND_LABELS.values()),
        "aggregation": list(AGGREGATION_LABELS.values()),
        "verification": list(VERIFICATION_LABELS.values()),
        "measure": f"'{MEASURE_SHEET}'!$A$2:$A${Measure.objects.count() + 1}",
    })

    ws = wb.create_sheet(THRESHOLD_SHEET)
    _header(ws, THRESHOLD_COLUMNS)
    r = 2
    for ind in data["indicators"]:
        for t in ind["thresholds"]:
            row = {
                "code": ind["code"],
                "tier": TIER_LABELS[t["tier"]],
                "comparator": COMPARATOR_LABELS[t["comparator"]],
                "value": _number(t["value"]),
                "condition_param": PARAM_LABELS.get(t["condition_param"], t["condition_param"]),
                "condition_min": _number(t["condition_min"]),
                "condition_max": _number(t["condition_max"]),
                "historic_adjustment": _number(t["historic_adjustment"]),
                "note": t["note"],
            }
            _write_row(ws, r, THRESHOLD_COLUMNS, row)
            r += 1
    _finish(ws, THRESHOLD_COLUMNS, max(r - 1, 2))
    code_col = get_column_letter([c[1] for c in INDICATOR_COLUMNS].index("code") + 1)
    _validations(ws, THRESHOLD_COLUMNS, {
        "code": f"'{INDICATOR_SHEET}'!${code_col}$2:${code_col}${max_rows() + 1}",
        "tier": list(TIER_LABELS.values()),
        "comparator": list(COMPARATOR_LABELS.values()),
        "condition_param": [v for v in PARAM_LABELS.values() if v],
    })
    _decimal_validation(ws, THRESHOLD_COLUMNS)

    _readme(wb.create_sheet(README_SHEET), data)
    _measures_sheet(wb.create_sheet(MEASURE_SHEET))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _number(text):
    if text is None:
        return None
    d = Decimal(text)
    return int(d) if d == d.to_integral_value() else float(d)


def _header(ws, columns):
    for c, (title, _key_, width, _kind) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=c, value=title)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = Border(bottom=THIN)
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[1].height = 22
    ws.freeze_panes = "A2"


def _write_row(ws, r, columns, row):
    for c, (_title, key, width, kind) in enumerate(columns, start=1):
        value = row.get(key)
        if value == "":
            value = None
        if kind in ("text", "code") and isinstance(value, str):
            value = _escape(value)
        cell = ws.cell(row=r, column=c, value=value)
        if kind == "code":
            cell.number_format = "@"  # so a typed 2.10 stays "2.10", not the number 2.1
        if kind == "text" and width >= 30:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            cell.alignment = Alignment(vertical="top")


def _finish(ws, columns, last_row):
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_row}"


def _validations(ws, columns, lists):
    keys = [c[1] for c in columns]
    for key, options in lists.items():
        formula = f'"{",".join(options)}"' if isinstance(options, list) else options
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
        dv.errorTitle = _("输入有误")
        dv.error = _("请从下拉列表中选择")
        col = get_column_letter(keys.index(key) + 1)
        dv.add(f"{col}2:{col}{max_rows() + 1}")
        ws.add_data_validation(dv)


def _decimal_validation(ws, columns):
    dv = DataValidation(type="decimal", operator="between", formula1="-99999999", formula2="99999999",
                        allow_blank=True, showErrorMessage=True)
    dv.errorTitle = _("输入有误")
    dv.error = _("请填写数字")
    for c, (_t, _k, _w, kind) in enumerate(columns, start=1):
        if kind == "number":
            col = get_column_letter(c)
            dv.add(f"{col}2:{col}{max_rows() + 1}")
    ws.add_data_validation(dv)


def _readme(ws, data):
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 90
    ws["A1"] = _escape(f"{data['title']}（{data['version']}）")
    ws["A1"].font = Font(bold=True, size=14, color="0F3D2E")
    meta = [("标准代码", data["code"]), ("标准名称", data["title"]), ("英文名称", data["title_en"]),
            ("版本", data["version"]), ("来源", data["source"]), ("默认层级", TIER_LABELS[data["tier"]])]
    for r, (label, value) in enumerate(meta, start=3):
        ws.cell(row=r, column=1, value=label).font = Font(bold=True)
        ws.cell(row=r, column=2, value=_escape(value) or None).alignment = Alignment(wrap_text=True)
    notes = [
        _("填写说明"),
        _("1. 「指标」工作表每行一个指标；同一大类（大项）编号的名称须一致。二级标准（大类 → 指标）的大项编号、大项名称留空。"),
        _("2. 「阈值」工作表每行一个达标阈值，按指标编号关联；同一指标的多行按先后顺序保存。"),
        _("3. 比较方式：≥、>、≤、<、=、定性。定性阈值不填「阈值」，由人员依据佐证材料判定达标与否。"),
        _("4. 条件参数用于分档或限定适用范围（如按人均建设用地分档、仅北方采暖地区适用），条件下限含本数、条件上限不含本数。"),
        _("5. 历史街区调整值：历史文化街区超过建成区面积 50% 时阈值的增减，如 -2。"),
        _("6. 度量键须为「度量」工作表中已有的键；不同标准中衡量同一事物的指标共用一个度量，数值只需填报一次。"),
        _("7. 上传后系统先显示变更预览，确认后才写入；文件中没有的指标不会被删除。"),
        _("8. 请勿修改工作表名称、表头和上方的标准代码；标准代码用于核对导入目标。"),
    ]
    ws.cell(row=10, column=1, value=notes[0]).font = Font(bold=True, size=12, color="0F3D2E")
    for r, text in enumerate(notes[1:], start=11):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        cell = ws.cell(row=r, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[r].height = 32


def _measures_sheet(ws):
    columns = [("度量键", "key", 32, "code"), ("名称", "name", 34, "text"), ("英文名称", "name_en", 34, "text"),
               ("计量单位", "unit", 10, "text"),
               ("定性", "qual", 8, "text"), ("计算公式", "formula_key", 30, "code")]
    _header(ws, columns)
    for r, m in enumerate(Measure.objects.order_by("key"), start=2):
        _write_row(ws, r, columns, {"key": m.key, "name": m.name, "name_en": m.name_en, "unit": m.unit,
                                    "qual": "是" if m.is_qualitative else "", "formula_key": m.formula_key})
    _finish(ws, columns, max(Measure.objects.count() + 1, 2))


# --- import -----------------------------------------------------------------------------


def standard_workbook_parse(*, content, filename, standard=None, measures=None):
    """Parse an uploaded workbook into standard data; errors name file, sheet, row and column.

    `standard` is the standard being imported into (its code must match the file's, and
    its depth and metadata are the defaults); `measures` maps measure key → is_qualitative
    (read from the database when not given).
    """
    parser = _Parser(filename, standard, measures)
    try:
        data = parser.run(content)
    except _TooManyErrors:
        return WorkbookParse(None, parser.errors, truncated=True)
    return WorkbookParse(None if parser.errors else data, parser.errors)


class _Parser:
    def __init__(self, filename, standard, measures):
        self.file = (filename or "").replace("\\", "/").rsplit("/", 1)[-1] or "upload.xlsx"
        self.standard = standard
        self.measures = dict(Measure.objects.values_list("key", "is_qualitative")) if measures is None else measures
        self.errors = []
        self.capped = False
        self.indicator_rows = {}  # code → first row in the 指标 sheet, even when that row has errors

    def error(self, message, sheet="", row=None, column=""):
        self.errors.append(WorkbookError(self.file, message, sheet, row, column))
        if len(self.errors) >= MAX_ERRORS:
            raise _TooManyErrors

    @staticmethod
    def too_many_rows(cap, rows=None):
        if rows is None:
            return _("行数超过上限 %(max)s 行：请拆分或删除多余内容，或请创建办调高 STANDARD_MAX_ROWS 设置") % {
                "max": f"{cap:,}"}
        return _("约有 %(n)s 行数据，超过每个工作表 %(max)s 行的上限：请拆分或删除多余内容，或请创建办调高 STANDARD_MAX_ROWS "
                 "设置") % {"n": f"{rows:,}", "max": f"{cap:,}"}

    # the file ------------------------------------------------------------------------

    def run(self, content):
        try:
            facts = check_workbook(content, self.file)
        except WorkbookRefused as exc:
            self.errors.append(WorkbookError(self.file, exc.message, exc.sheet, names_itself=True))
            return None
        cap = max_rows()
        for title, rows in facts.rows.items():  # before any cell is read: rows holding a value, less the header
            if _norm(title) in (INDICATOR_SHEET, THRESHOLD_SHEET) and rows - 1 > cap:
                self.error(self.too_many_rows(cap, rows - 1), title)
                return None
        if not self.file.lower().endswith(".xlsx"):
            self.error(_("只支持 .xlsx 格式（Excel 2007 及以上版本），请在 Excel 中另存为 .xlsx 后重新上传"))
            return None
        # Only after the gate (spreadsheets.gate) let the file through, and with its facts:
        # the one reader opens the file once, its formulas without a result known from the scan.
        try:
            self.book = Book(io.BytesIO(content), self.file, facts=facts)
        except WorkbookRefused:  # openpyxl cannot open what passed the gate
            self.error(_("文件已损坏或不是有效的 .xlsx 文件，请用 Excel 打开确认后另存为 .xlsx 再上传"))
            return None
        try:
            return self._parse()
        finally:
            self.book.close()

    def _sheet(self, name):
        """The title of the worksheet named `name` (full-width and spaces folded), or None."""
        for title in self.book.all_sheets:
            if _norm(title) == name:
                return title
        return None

    def _rows(self, sheet, capped=True):
        """Yield (row number, [(value, is_formula_without_cache)]) for non-empty rows; row 1 included."""
        count, cap = 0, max_rows()
        # Blank rows are yielded too (and counted below); the gate bounded the sheet's rows.
        for number, row in self.book.grid(self._sheet(sheet), max_col=MAX_COLUMNS):
            if not capped and number > 40:
                return
            if capped and number > 2 * cap + 1:  # blank rows count too: a cell at row 1 048 576 is not free
                self.error(self.too_many_rows(cap), sheet)
                self.capped = True
                return
            cells = [(None, True) if isinstance(value, FormulaWithoutValue) else (value, False) for value in row]
            if all(_blank(v) and not dead for v, dead in cells):
                continue
            count += 1
            if capped and count > cap + 1:
                self.error(self.too_many_rows(cap), sheet)
                self.capped = True
                return
            yield number, cells

    # the sheets ----------------------------------------------------------------------

    def _parse(self):
        missing = [s for s in (INDICATOR_SHEET, THRESHOLD_SHEET) if self._sheet(s) is None]
        for sheet in missing:
            self.error(_("缺少工作表「%(sheet)s」（应包含「指标」「阈值」两个工作表）") % {"sheet": sheet})
        if missing:
            return None
        meta = self._meta()
        indicator_rows = self._table(INDICATOR_SHEET, INDICATOR_COLUMNS)
        if self.capped:  # a truncated table would only produce follow-on errors
            return None
        threshold_rows = self._table(THRESHOLD_SHEET, THRESHOLD_COLUMNS)
        if indicator_rows is None or threshold_rows is None or self.capped:
            return None
        nodes, indicators = self._indicators(indicator_rows)
        self._thresholds(threshold_rows, indicators)
        if self.errors:
            return None
        return {**meta, "nodes": nodes, "indicators": list(indicators.values())}

    def _meta(self):
        default = {"code": "", "title": "", "title_en": "", "version": "", "source": "", "tier": "garden"}
        if self.standard is not None:
            default = {f: getattr(self.standard, f) for f in default}
        if self._sheet(README_SHEET) is None:
            return default
        found = {}
        for number, cells in self._rows(README_SHEET, capped=False):
            if len(cells) < 2:
                break
            label = _norm(cells[0][0]) if cells[0][0] is not None else ""
            if label in META_LABELS:
                key = META_LABELS[label]
                raw = cells[1][0]
                text = "" if raw is None else _unescape(str(raw)).strip()
                if key == "tier":
                    tier = self._enum("tier", text) if text else default["tier"]
                    if tier is None:
                        self.error(_("默认层级应为「园林城市」或「生态园林城市」，实际为「%(value)s」") % {"value": text},
                                   README_SHEET, number, label)
                        tier = default["tier"]
                    text = tier
                if key == "code":
                    text = _norm(text)
                found[key] = text
        meta = {**default, **{k: v for k, v in found.items() if v or k in ("source", "title_en")}}
        if self.standard is not None and found.get("code") and found["code"] != self.standard.code:
            self.error(
                _("文件中的标准代码为「%(found)s」，与当前标准「%(expected)s」不一致，请确认上传的是本标准的导出文件")
                % {"found": found["code"], "expected": self.standard.code},
                README_SHEET,
            )
        if not meta["code"]:
            self.error(_("缺少标准代码"), README_SHEET)
        return meta

    def _table(self, sheet, columns):
        rows = iter(self._rows(sheet))
        first = next(rows, None)
        expected = [c[0] for c in columns]
        hint = _("表头应为：%(headers)s") % {"headers": "、".join(expected)}
        if first is None or first[0] != 1:
            self.error(_("第 1 行应为表头。") + hint, sheet)
            return None
        positions, ok = {}, True
        # Headers folded as the task table's are (spreadsheets.text): 指标 编号、＊阈值、
        # 计量单位（如 %）and a line break inside a cell all name their column.
        folded = {fold_header(title): title for title in expected}
        for index, (raw, _dead) in enumerate(first[1]):
            if raw is None or str(raw).strip() == "":
                continue
            title = folded.get(fold_header(raw), _norm(raw))
            if title not in expected:
                self.error(_("第 %(col)s 列的表头「%(title)s」不是可识别的列。") % {
                    "col": get_column_letter(index + 1), "title": title} + hint, sheet, 1)
                ok = False
            elif title in positions:
                self.error(_("表头「%(title)s」重复") % {"title": title}, sheet, 1)
                ok = False
            else:
                positions[title] = index
        for title in expected:
            if title not in positions and title not in OPTIONAL_COLUMNS:
                self.error(_("缺少列「%(title)s」。") % {"title": title} + hint, sheet, 1)
                ok = False
        if not ok:
            return None
        table = []
        for number, cells in rows:
            row = {}
            for title, key, _w, kind in columns:
                if title not in positions:
                    continue
                index = positions[title]
                row[key] = cells[index] if index < len(cells) else (None, False)
            table.append((number, row))
        return table

    # cells ---------------------------------------------------------------------------

    def _cell(self, sheet, number, column, cell, kind, key, required):
        """Parsed cell value, or None after reporting an error. Blank → "" (text) / None."""
        raw, dead_formula = cell
        title = column
        if dead_formula:
            self.error(_("单元格是公式且没有保存计算结果，系统无法计算公式；请在 Excel 中打开后保存，或直接填写数值"),
                       sheet, number, title)
            return None
        if _blank(raw):
            if required:
                self.error(_("不能为空"), sheet, number, title)
            return None if kind in ("number", "enum") else ""
        if isinstance(raw, bool) or hasattr(raw, "isoformat"):
            shown = _("日期") if hasattr(raw, "isoformat") else str(raw)
            self.error(_("应为%(what)s，实际为「%(value)s」") % {"what": _kind_word(kind), "value": shown},
                       sheet, number, title)
            return None
        if kind == "number":
            return self._number(sheet, number, title, raw, key)
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = _unescape(str(raw))
        if kind == "text":
            text = text.strip()
        else:
            text = _norm(text)
        limit = TEXT_LIMITS.get(key)
        if limit and len(text) > limit:
            self.error(_("不能超过 %(limit)s 个字符（当前 %(n)s 个）") % {"limit": limit, "n": len(text)},
                       sheet, number, title)
            return None
        if kind == "enum":
            value = self._enum(key, text)
            if value is None:
                labels = " / ".join(v for v in ENUMS[key][0].values() if v)
                self.error(_("应为「%(labels)s」之一，实际为「%(value)s」") % {"labels": labels, "value": text},
                           sheet, number, title)
            return value
        return text

    def _enum(self, key, text):
        labels, aliases = ENUMS[key]
        wanted = _key(text)
        for value, label in labels.items():
            if value and wanted in (_key(label), _key(value)):
                return value
        for alias, value in aliases.items():
            if wanted == _key(alias):
                return value
        return None

    def _number(self, sheet, number, title, raw, key):
        if isinstance(raw, (int, float, Decimal)):
            text = str(raw)
        else:
            text = _norm(raw).replace(" ", "")
            if text.endswith("%"):
                text = text[:-1]
        try:
            d = Decimal(text)
            if not d.is_finite():
                raise ValueError
        except Exception:
            self.error(_("应为数字，实际为「%(value)s」") % {"value": str(raw).strip()}, sheet, number, title)
            return None
        d = Decimal(decimal_text(d))
        if -d.as_tuple().exponent > 4:
            self.error(_("最多保留 4 位小数，实际为「%(value)s」") % {"value": text}, sheet, number, title)
            return None
        if abs(d) >= Decimal(10) ** NUMBER_LIMITS[key]:
            self.error(_("数值过大：「%(value)s」") % {"value": text}, sheet, number, title)
            return None
        return decimal_text(d)

    # the two tables ------------------------------------------------------------------

    def _indicators(self, rows):
        sheet = INDICATOR_SHEET
        titles = {c[1]: c[0] for c in INDICATOR_COLUMNS}
        kinds = {c[1]: c[3] for c in INDICATOR_COLUMNS}
        aspects, items, indicators, first_row = {}, {}, {}, {}
        has_items = any(not _blank(r["item_code"][0]) for _n, r in rows)
        if self.standard is not None and not has_items and rows:
            if self.standard.nodes.filter(level=2).exists():
                self.error(_("本标准为三级结构（大方面 → 大项 → 指标），应填写大项编号和大项名称"),
                           sheet, rows[0][0], titles["item_code"])
        for number, row in rows:
            v = {}
            for key, cell in row.items():
                required = key in INDICATOR_REQUIRED or (has_items and key in ("item_code", "item_name"))
                v[key] = self._cell(sheet, number, titles[key], cell, kinds[key], key, required)
            if v["measure"]:
                v["measure"] = v["measure"].lower()
                if v["measure"] not in self.measures:
                    self.error(_("度量键「%(key)s」不存在（可在「度量」工作表查看全部度量键）") % {"key": v["measure"]},
                               sheet, number, titles["measure"])
            if v["aspect_code"] and v["aspect_name"]:
                self._node(aspects, v["aspect_code"], v["aspect_name"], None, number, titles["aspect_name"], _("大类"),
                           v.get("aspect_name_en"))
            if has_items and v["item_code"] and v["item_name"] and v["aspect_code"]:
                self._node(items, v["item_code"], v["item_name"], v["aspect_code"], number, titles["item_name"], _("大项"),
                           v.get("item_name_en"))
            code = v["code"]
            if code:
                if code in first_row:
                    self.error(_("指标编号「%(code)s」与第 %(row)s 行重复") % {"code": code, "row": first_row[code]},
                               sheet, number, titles["code"])
                    continue
                first_row[code] = number
            if any(v[k] in (None, "") for k in INDICATOR_REQUIRED) or (has_items and not v["item_code"]):
                continue
            indicators[code] = {
                "code": code,
                "node": v["item_code"] if has_items else v["aspect_code"],
                "name": v["name"],
                **({"name_en": v["name_en"]} if "name_en" in v else {}),
                "unit": v["unit"],
                "kind": v["kind"],
                "measure": v["measure"],
                "aggregation": v["aggregation"],
                "verification": v["verification"],
                "source": v["source"],
                "evidence_requirements": v["evidence_requirements"],
                "thresholds": [],
            }
        def node(level, code, n):
            out = {"level": level, "code": code, "name": n["name"]}
            if n["name_en"] is not None:
                out["name_en"] = n["name_en"]
            return {**out, "parent": n["parent"]}

        nodes = [node(1, c, n) for c, n in aspects.items()] + [node(2, c, n) for c, n in items.items()]
        self.indicator_rows = first_row
        return nodes, indicators

    def _node(self, registry, code, name, parent, number, column, word, name_en=None):
        """name_en is None when the file has no English column (the stored name is kept)."""
        known = registry.get(code)
        if known is None:
            registry[code] = {"name": name, "name_en": name_en, "parent": parent, "row": number}
            return
        if name_en and not known["name_en"]:
            known["name_en"] = name_en
        if known["name"] != name:
            self.error(_("%(word)s「%(code)s」的名称「%(name)s」与第 %(row)s 行的「%(known)s」不一致")
                       % {"word": word, "code": code, "name": name, "row": known["row"], "known": known["name"]},
                       INDICATOR_SHEET, number, column)
        elif known["parent"] != parent:
            self.error(_("大项「%(code)s」在第 %(row)s 行属于大类「%(known)s」，此处为「%(parent)s」")
                       % {"code": code, "row": known["row"], "known": known["parent"], "parent": parent},
                       INDICATOR_SHEET, number, column)

    def _thresholds(self, rows, indicators):
        sheet = THRESHOLD_SHEET
        titles = {c[1]: c[0] for c in THRESHOLD_COLUMNS}
        kinds = {c[1]: c[3] for c in THRESHOLD_COLUMNS}
        seen = {}
        known_codes = self.indicator_rows
        for number, row in rows:
            v = {key: self._cell(sheet, number, titles[key], cell, kinds[key], key, key in THRESHOLD_REQUIRED)
                 for key, cell in row.items()}
            before = len(self.errors)
            code = v["code"]
            if code and code not in known_codes:
                self.error(_("指标编号「%(code)s」在「指标」工作表中不存在") % {"code": code}, sheet, number, titles["code"])
            comparator = v["comparator"]
            qualitative = comparator == Threshold.Comparator.QUALITATIVE
            if comparator and qualitative and v["value"] is not None:
                self.error(_("比较方式为「定性」时不填阈值"), sheet, number, titles["value"])
            if comparator and not qualitative and v["value"] is None and _blank(row["value"][0]):
                self.error(_("不能为空（比较方式为「%(cmp)s」时须填写阈值）") % {"cmp": COMPARATOR_LABELS[comparator]},
                           sheet, number, titles["value"])
            param = v["condition_param"] or ""
            has_bounds = v["condition_min"] is not None or v["condition_max"] is not None
            if param and not has_bounds and _blank(row["condition_min"][0]) and _blank(row["condition_max"][0]):
                self.error(_("选择了条件参数时须填写条件下限或条件上限"), sheet, number, titles["condition_min"])
            if not param and has_bounds and _blank(row["condition_param"][0]):
                self.error(_("填写了条件下限或上限时须选择条件参数"), sheet, number, titles["condition_param"])
            if v["condition_min"] is not None and v["condition_max"] is not None and \
                    Decimal(v["condition_min"]) >= Decimal(v["condition_max"]):
                self.error(_("条件上限应大于条件下限"), sheet, number, titles["condition_max"])
            indicator = indicators.get(code)
            if indicator and comparator:
                measure_is_qualitative = self.measures.get(indicator["measure"])
                if measure_is_qualitative and not qualitative:
                    self.error(_("指标「%(code)s」的度量「%(key)s」为定性度量，比较方式应为「定性」")
                               % {"code": code, "key": indicator["measure"]}, sheet, number, titles["comparator"])
                if measure_is_qualitative is False and qualitative:
                    self.error(_("指标「%(code)s」的度量「%(key)s」为数值度量，比较方式不能为「定性」")
                               % {"code": code, "key": indicator["measure"]}, sheet, number, titles["comparator"])
            if v["tier"] and code:
                scope = (code, v["tier"], param, v["condition_min"], v["condition_max"])
                if scope in seen:
                    self.error(_("与第 %(row)s 行的层级和适用条件重复") % {"row": seen[scope]}, sheet, number, titles["tier"])
                seen.setdefault(scope, number)
            if len(self.errors) > before or indicator is None or None in (v["tier"], comparator):
                continue
            indicator["thresholds"].append({
                "tier": v["tier"],
                "comparator": comparator,
                "value": v["value"],
                "condition_param": param,
                "condition_min": v["condition_min"],
                "condition_max": v["condition_max"],
                "historic_adjustment": v["historic_adjustment"],
                "note": v["note"] or "",
            })
        for indicator in indicators.values():
            assert all(set(t) == set(THRESHOLD_FIELDS) for t in indicator["thresholds"])


def _blank(raw):
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _kind_word(kind):
    return {"number": _("数字"), "text": _("文字"), "code": _("编号"), "enum": _("选项")}[kind]
