"""The task table as the offices keep it in Excel: read, compare with the database, write.

Our own cell parsing with Chinese messages naming file, sheet, row and column; uploads are
opened by the one reader (spreadsheets.reader), openpyxl only writes the export and template. Reading never writes to the database: it returns a plan
(new / changed / unchanged rows) that `services.task_table_import_commit` applies.
"""
import calendar
import difflib
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.calendar import check_dates
from indicators.models import Indicator
from organizations.models import Person, Unit
from spreadsheets.gate import WorkbookRefused, check_workbook
from spreadsheets.reader import Book, FormulaWithoutValue
from spreadsheets.text import fold_header

from .models import Review, Status, Task

# Zip bombs and runaway sheets are refused by spreadsheets.gate before openpyxl parses anything;
# the rows of data by TASK_TABLE_MAX_ROWS (settings), from the gate's count before reading too.
# Above the data in our template: the title row and the header (template_workbook).
LEADING_ROWS = 2
HEADER_SCAN_ROWS = 10
MAX_ERRORS = 200
# Excel serial numbers we accept as dates in a date column: 1990-01-01 .. 2099-12-31.
SERIAL_MIN, SERIAL_MAX = 32874, 73050


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    aliases: tuple = ()
    required: bool = False
    width: int = 14


COLUMNS = [
    Column("seq", "序号", required=True, width=7),
    Column("indicator", "指标编号", ("指标序号", "指标代码", "指标"), width=10),
    Column("content", "任务内容", ("工作任务", "任务名称", "任务"), required=True, width=36),
    Column("requirement", "标准或要求", ("标准要求", "工作要求", "目标要求", "标准"), width=30),
    Column("measures", "工作措施", ("工作内容及要求", "具体措施", "主要措施", "工作内容"), width=36),
    Column("lead_unit", "牵头单位", ("牵头部门", "责任单位"), required=True, width=18),
    Column("cooperating_units", "配合单位", ("配合部门",), width=24),
    Column("responsible_leader", "责任领导", ("挂钩领导", "分管领导", "牵头领导"), width=10),
    Column("responsible_person", "责任人", ("具体责任人", "联络员", "具体负责人"), width=10),
    Column("due_on", "完成时限", ("完成期限", "完成时间", "时限要求", "完成日期"), required=True, width=16),
]
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
# Fields compared between a row and the database, in the table's order.
COMPARED_FIELDS = [c.field for c in COLUMNS if c.field != "seq"]
INFO_HEADERS = ["当前进度", "状态", "审核状态"]  # export-only, ignored on import
SHEET_TITLE = "任务分解表"
SPLIT_UNITS = re.compile(r"[、，,；;\n\r/]+")
PERSON_QUALIFIER = re.compile(r"^(?P<name>[^（(]+?)\s*[（(](?P<q>[^）)]*)[）)]\s*$")
TRAILING_PHONE = re.compile(r"[\s:：]*[\d\-\s]{7,}$")


def split_names(text):
    """Names in one cell, split on 、，,；;/ and line breaks — but not inside brackets:
    各县（市、区） is one name."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "（(【[":
            depth += 1
        elif ch in "）)】]":
            depth = max(depth - 1, 0)
        if depth == 0 and SPLIT_UNITS.match(ch):
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def norm(text):
    """Compare names the way people read them: full-width = half-width, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).strip()


def norm_header(text):
    return fold_header(text)  # "完成时限（年月日）*" → "完成时限"


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, FormulaWithoutValue):
        return value.formula  # "=A1&B1" as written, "" when the writer left no text
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass(frozen=True)
class CellError:
    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    header: str | None = None
    text: str | None = None  # the cell as written, when the message does not quote it already

    def __str__(self):
        where = _("文件「%(file)s」") % {"file": self.file}
        if self.sheet:
            where += _("工作表「%(sheet)s」") % {"sheet": self.sheet}
        if self.row:
            where += _("第 %(row)s 行") % {"row": self.row}
        if self.column:
            where += _(" %(column)s 列") % {"column": self.column}
            if self.header:
                where += _("（%(header)s）") % {"header": self.header}
        message = self.message
        if self.text and f"「{self.text}」" not in message:
            shown = self.text if len(self.text) <= 60 else self.text[:60] + "…"
            message += _("（原文「%(text)s」）") % {"text": shown}
        return f"{where}：{message}"


class FileError(CellError):
    """A refusal of the whole file whose message already names it."""

    def __str__(self):
        return self.message


class TableError(Exception):
    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


# Reading cells -----------------------------------------------------------------------


def parse_seq(value):
    if isinstance(value, bool):
        raise ValueError(_("序号须为正整数"))
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(_("序号须为正整数，「%(v)s」不是整数") % {"v": cell_text(value)})
        value = int(value)
    if isinstance(value, str):
        text = norm(value).rstrip(".")
        if not text.isdigit():
            raise ValueError(_("序号须为正整数，「%(v)s」无法识别") % {"v": value.strip()})
        value = int(text)
    if not isinstance(value, int) or value <= 0 or value > 2_000_000_000:
        raise ValueError(_("序号须为正整数"))
    return value


DATE_FULL = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*[日号]?$")
DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
DATE_MONTH_END = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*月?\s*(底|末|末前|底前)?$")
DATE_YEAR_END = re.compile(r"^(\d{4})\s*年\s*(底|末)$")


def parse_date(value):
    """A deadline cell: an Excel date, 2024年8月31日, 2024/8/31, 2024-08-31, 2024.8.31,
    20240831, 2024年8月底, 2024年底, with an optional trailing 前; or an Excel serial."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if SERIAL_MIN <= value <= SERIAL_MAX:
            return from_excel(value).date()
        raise ValueError(_("「%(v)s」不是日期") % {"v": cell_text(value)})
    raw = str(value).strip()
    text = norm(raw)
    text = re.sub(r"(之前|以前|前)$", "", text)
    try:
        if m := DATE_FULL.match(text) or DATE_COMPACT.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := DATE_YEAR_END.match(text):
            return date(int(m[1]), 12, 31)
        if (m := DATE_MONTH_END.match(text)) and (m[3] or "月" in text):
            year, month = int(m[1]), int(m[2])
            return date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        raise ValueError(_("「%(v)s」不是有效日期") % {"v": raw}) from None
    raise ValueError(
        _("「%(v)s」无法识别为日期，请写成 2024年8月31日、2024-08-31、2024/8/31 或 2024.8.31") % {"v": raw}
    )


def suggest(text, labels, n=3, cutoff=0.6):
    """Near-miss names for a message: close enough, and not far behind the best one."""
    key = norm(text)
    scored = {}
    for label in labels:
        ratio = difflib.SequenceMatcher(None, key, norm(label)).ratio()
        if ratio >= cutoff and ratio > scored.get(label, 0):
            scored[label] = ratio
    if not scored:
        return []
    best = max(scored.values())
    ranked = sorted((label for label, r in scored.items() if r >= best - 0.15), key=lambda lb: -scored[lb])
    return ranked[:n]


def did_you_mean(candidates):
    if not candidates:
        return ""
    return _("，是否为%(names)s？") % {"names": "、".join(f"「{c}」" for c in candidates)}


# 各区 / 各区政府 / 各县区 / 各县（市、区）: every district of the city.
ALL_DISTRICTS = re.compile(r"^(各|全部|所有)(县市区|县区|区县|市区|区|县\(市、?区\)|县\(市\)区)(人民)?(政府)?$")
# A unit's name without what clerks add or leave out: the city prefix and 人民政府 / 政府.
UNIT_PREFIX = re.compile(r"^(市|区|县)")
UNIT_SUFFIX = re.compile(r"(人民政府|政府)$")
# The kind of body a name ends with: 城管局 is not 城管委, whatever the other characters.
UNIT_KINDS = ("局", "委", "办", "区", "县", "院", "站", "队", "中心", "公司", "街道", "镇")
PENDING = "?"  # a value awaiting the user's choice in the preview: "?unit:城管局"
SUGGESTION_CUTOFF = 0.55


def pending_key(kind, text):
    return f"{kind}:{norm(text)}"


def is_pending(value):
    return isinstance(value, str) and value.startswith(PENDING)


def _unit_core(name, city_name=""):
    key = norm(name)
    if city_name and key.startswith(city_name) and len(key) > len(city_name):
        key = key[len(city_name):]
    key = UNIT_SUFFIX.sub("", key)
    return UNIT_PREFIX.sub("", key) if len(key) > 2 else key


def _kind_of(name):
    return next((k for k in UNIT_KINDS if name.endswith(k)), "")


def closeness(text, label, city_name=""):
    """How close a written name is to a unit's name, 0..1: the characters they share (in order,
    and as a set) once the city prefix and 政府 are set aside, with the kind of body (局/委/办/区)
    weighed: 城管局 → 市城管执法局 is close, 城管局 → 市城管委 is not."""
    a, b = _unit_core(text, city_name), _unit_core(label, city_name)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    overlap = len(set(a) & set(b)) / len(set(a))
    score = (ratio + overlap) / 2
    ka, kb = _kind_of(a), _kind_of(b)
    if ka and kb:
        score += 0.1 if ka == kb else -0.25
    return max(0.0, min(score, 0.99))


class UnitDirectory:
    def __init__(self, units, *, aliases=None, city=None):
        self.units = list(units)
        self.by_id = {u.id: u for u in self.units}
        self.by_key = {}
        for unit in self.units:
            for label in (unit.name, unit.short_name):
                if label:
                    self.by_key.setdefault(norm(label), unit)
        self.labels = [label for u in self.units for label in (u.name, u.short_name) if label]
        self.aliases = {k: self.by_id[v] for k, v in (aliases or {}).items() if v in self.by_id}
        self.city = self.by_id.get(city) if city else None
        self.city_name = norm(self.city.name) if self.city else ""
        districts = [u for u in self.units if getattr(u, "kind", None) == Unit.Kind.DISTRICT]
        in_city = [u for u in districts if self.city and u.parent_id == self.city.id]
        self.districts = sorted(in_city or districts, key=lambda u: (u.sort_order, u.id))

    def find(self, text):
        unit = self.by_key.get(norm(text))
        if unit is None:
            raise ValueError(
                _("未找到单位「%(name)s」%(hint)s") % {"name": text, "hint": did_you_mean(suggest(text, self.labels))}
            )
        return unit

    def suggestions(self, text, n=5):
        """(unit, score) of the units a written name may mean, best first."""
        scored = {}
        for unit in self.units:
            score = max(closeness(text, label, self.city_name) for label in (unit.name, unit.short_name) if label)
            if score >= SUGGESTION_CUTOFF:
                scored[unit] = score
        if not scored:
            return []
        best = max(scored.values())
        ranked = sorted(((u, sc) for u, sc in scored.items() if sc >= best - 0.2), key=lambda p: (-p[1], p[0].sort_order))
        return ranked[:n]

    def lookup(self, text, pending):
        """The units a name means: exact name or short name, a confirmed alias, or every
        district (各区). A near-miss becomes a question for the preview (a "?key" placeholder,
        recorded in `pending`); a name like nothing we know raises ValueError."""
        key = norm(text)
        unit = self.by_key.get(key) or self.aliases.get(key)
        if unit is not None:
            return [unit]
        if ALL_DISTRICTS.match(key) and self.districts:
            return list(self.districts)
        found = self.suggestions(text)
        if not found:
            raise ValueError(_("未找到单位「%(name)s」，单位名录中也没有相近的名称") % {"name": text})
        pkey = pending_key("unit", text)
        pending.setdefault(pkey, {"kind": "unit", "text": text,
                                  "suggestions": [[u.id, u.name, round(sc, 2)] for u, sc in found]})
        return [PENDING + pkey]

    def find_many(self, text, pending=None):
        found, errors = [], []
        for part in split_names(text):
            part = part.strip().rstrip("等")
            if not part:
                continue
            try:
                units = self.lookup(part, pending) if pending is not None else [self.find(part)]
            except ValueError as exc:
                errors.append(str(exc))
                continue
            for unit in units:
                if unit not in found:
                    found.append(unit)
        if errors:
            raise ValueError("；".join(errors))
        return found

    def label(self, unit_id):
        if is_pending(unit_id):
            return _("%(name)s（待确认）") % {"name": unit_id.split(":", 1)[1]}
        return self.by_id[unit_id].name if unit_id in self.by_id else ""

    def labels_for(self, unit_ids):
        units = sorted((self.by_id[i] for i in unit_ids if i in self.by_id), key=lambda u: (u.sort_order, u.id))
        return "、".join([u.name for u in units] + [self.label(i) for i in sorted(unit_ids, key=str) if is_pending(i)])


class PersonDirectory:
    def __init__(self, people, units, *, aliases=None):
        self.units = units
        self.by_id = {p.id: p for p in people}
        self.by_name = {}
        for p in people:
            self.by_name.setdefault(norm(p.name), []).append(p)
        self.aliases = {k: self.by_id[v] for k, v in (aliases or {}).items() if v in self.by_id}

    def holding_title(self, text):
        """Leaders a 王副市长 may mean: surname (one or two characters) then a title they hold."""
        key = norm(text)
        found = []
        for p in self.by_id.values():
            if not (p.is_leader and p.title):
                continue
            title = norm(p.title)
            for n in (1, 2):
                surname, rest = key[:n], key[n:]
                if len(rest) >= 2 and norm(p.name).startswith(surname) and (rest == title or rest in title):
                    found.append(p)
                    break
        return found

    def lookup(self, text, pending, *, leader=False, prefer_unit_id=None):
        """A person, a confirmed alias, or a question for the preview ("?key" recorded in
        `pending`) when the name is a title (王副市长), a near-miss or shared by several people."""
        try:
            return self.find(text, leader=leader, prefer_unit_id=prefer_unit_id)
        except ValueError as exc:
            error = exc
        key = norm(TRAILING_PHONE.sub("", text.strip()))
        same_name = self.by_name.get(key, [])
        if SPLIT_UNITS.search(key) or (leader and same_name and not any(p.is_leader for p in same_name)):
            raise error  # several people in one cell, or a known person who is not a leader
        alias = self.aliases.get(key)
        if alias is not None and (alias.is_leader or not leader):
            return alias
        candidates = self.holding_title(text) if leader else []
        if not candidates:
            candidates = self.by_name.get(key, [])
            candidates = [p for p in candidates if p.is_leader or not leader]
        if not candidates:
            pool = [p for p in self.by_id.values() if p.is_leader or not leader]
            names = set(suggest(key, [p.name for p in pool]))
            candidates = [p for p in pool if p.name in names]
        if not candidates or len(candidates) > 10:
            raise error
        pkey = pending_key("leader" if leader else "person", text)
        pending.setdefault(pkey, {"kind": "leader" if leader else "person", "text": text,
                                  "suggestions": [[p.id, self.label_full(p), None] for p in candidates]})
        return PENDING + pkey

    def label_full(self, person):
        unit = self.units.by_id.get(person.unit_id)
        where = "·".join(x for x in ((unit.short_name or unit.name) if unit else "", person.title) if x)
        return f"{person.name}（{where}）" if where else person.name

    def _unit_names(self, person):
        unit = self.units.by_id.get(person.unit_id)
        return {norm(unit.name), norm(unit.short_name)} - {""} if unit else set()

    def find(self, text, *, leader=False, prefer_unit_id=None):
        text = TRAILING_PHONE.sub("", text.strip())
        name, qualifier = text, ""
        if m := PERSON_QUALIFIER.match(text):
            name, qualifier = m["name"].strip(), m["q"].strip()
        if SPLIT_UNITS.search(name):
            raise ValueError(_("只能填写一人，「%(v)s」含多个姓名") % {"v": text})
        candidates = self.by_name.get(norm(name), [])
        if not candidates:
            pool = [p.name for p in self.by_id.values() if p.is_leader or not leader]
            raise ValueError(
                _("未找到人员「%(name)s」%(hint)s") % {"name": name, "hint": did_you_mean(suggest(name, pool))}
            )
        if qualifier:
            q = norm(qualifier)
            narrowed = [p for p in candidates if q in self._unit_names(p) or (p.title and q in norm(p.title))]
            candidates = narrowed or candidates
        if leader:
            leaders = [p for p in candidates if p.is_leader]
            if not leaders:
                raise ValueError(_("「%(name)s」未标记为领导，不能担任责任领导") % {"name": name})
            candidates = leaders
        if len(candidates) > 1 and prefer_unit_id:
            in_unit = [p for p in candidates if p.unit_id == prefer_unit_id]
            candidates = in_unit or candidates
        if len(candidates) > 1:
            where = "、".join(self.units.label(p.unit_id) for p in candidates)
            raise ValueError(
                _("有 %(n)s 位同名人员「%(name)s」（%(where)s），请写成「姓名（单位）」")
                % {"n": len(candidates), "name": name, "where": where}
            )
        return candidates[0]

    def label(self, person_id):
        if is_pending(person_id):
            return _("%(name)s（待确认）") % {"name": person_id.split(":", 1)[1]}
        person = self.by_id.get(person_id)
        if person is None:
            return ""
        if len(self.by_name.get(norm(person.name), [])) > 1:
            unit = self.units.by_id.get(person.unit_id)
            return f"{person.name}（{unit.short_name or unit.name}）" if unit else person.name
        return person.name


class IndicatorDirectory:
    def __init__(self, indicators):
        self.by_id = {i.id: i for i in indicators}
        self.by_code = {}
        self.by_name = {}
        for i in indicators:
            self.by_code.setdefault(norm(i.code), []).append(i)
            self.by_name.setdefault(norm(i.name), []).append(i)

    def find(self, value):
        if isinstance(value, float):
            text = repr(value) if not value.is_integer() else str(int(value))
            # Excel turns a typed 2.10 into the number 2.1: refuse to guess between them.
            if norm(text + "0") in self.by_code:
                raise ValueError(
                    _("指标编号「%(v)s」是数字格式，可能是被 Excel 改写的「%(w)s」；请把该列设为文本后重新填写")
                    % {"v": text, "w": text + "0"}
                )
        else:
            text = cell_text(value)
        key = norm(text)
        found = self.by_code.get(key)
        if not found:
            first = text.split()[0] if text.split() else ""
            found = self.by_code.get(norm(first)) or self.by_name.get(key)
        if not found:
            labels = [i.code for i in self.by_id.values()] + [i.name for i in self.by_id.values()]
            raise ValueError(
                _("本创建活动的标准中没有指标「%(v)s」%(hint)s") % {"v": text, "hint": did_you_mean(suggest(text, labels))}
            )
        if len(found) > 1:
            raise ValueError(
                _("指标编号「%(v)s」在多个标准中都有（%(stds)s），无法确定")
                % {"v": text, "stds": "、".join(i.standard.title for i in found)}
            )
        return found[0]

    def label(self, indicator_id):
        indicator = self.by_id.get(indicator_id)
        return indicator.code if indicator else ""


@dataclass
class Directories:
    units: UnitDirectory
    people: PersonDirectory
    indicators: IndicatorDirectory
    campaign: object = None
    # Names awaiting a choice in the preview, by key: {kind, text, suggestions, cells}.
    pending: dict = field(default_factory=dict)

    @classmethod
    def load(cls, campaign):
        from .models import NameAlias

        city_id = campaign.city_id if campaign is not None else None
        aliases = {NameAlias.Kind.UNIT: {}, NameAlias.Kind.PERSON: {}}
        if city_id:
            for kind, alias, unit_id, person_id in NameAlias.objects.filter(city_id=city_id).values_list(
                    "kind", "alias", "unit_id", "person_id"):
                aliases[kind][alias] = unit_id or person_id
        units = UnitDirectory(Unit.objects.only("id", "name", "short_name", "sort_order", "kind", "parent_id"),
                              aliases=aliases[NameAlias.Kind.UNIT], city=city_id)
        people = PersonDirectory(list(Person.objects.only("id", "name", "title", "unit_id", "is_leader")), units,
                                 aliases=aliases[NameAlias.Kind.PERSON])
        indicators = IndicatorDirectory(
            list(Indicator.objects.filter(standard__campaigns=campaign).select_related("standard"))
        )
        return cls(units, people, indicators, campaign)

    def display(self, field_name, value):
        """A field's value as the table shows it (and as the audit records it)."""
        if field_name == "lead_unit":
            return self.units.label(value)
        if field_name == "cooperating_units":
            return self.units.labels_for(value)
        if field_name in ("responsible_leader", "responsible_person"):
            return self.people.label(value)
        if field_name == "indicator":
            return self.indicators.label(value)
        if field_name == "due_on":
            return value.isoformat() if value else ""
        return value or ""


# Opening the workbook ----------------------------------------------------------------


def open_workbook(fileobj, file_name, facts=None):
    """Pass the upload through the gate (spreadsheets.gate) before openpyxl sees it, then open
    it with the one reader (spreadsheets.reader.Book). `facts` are the gate's findings when the
    upload form ran it already, so the file is not scanned twice.

    A formula cell saved without a cached value reads as FormulaWithoutValue (from the gate's
    scan): openpyxl cannot compute formulas.
    """
    if facts is None:
        try:
            facts = check_workbook(fileobj, file_name)
        except WorkbookRefused as exc:
            raise TableError([FileError(file_name, exc.message)]) from None
    cap = settings.TASK_TABLE_MAX_ROWS
    for title, rows in facts.rows.items():
        # Rows holding a value, less the template's title and header: "about", a header
        # placed higher is a row over until the reading itself refuses the file.
        if rows - LEADING_ROWS > cap:
            raise TableError([FileError(file_name, too_many_rows_message(file_name, title, rows - LEADING_ROWS, cap))])
    try:
        return Book(fileobj, file_name, facts=facts)
    except WorkbookRefused:  # the file passed the gate but openpyxl cannot open it
        raise TableError([CellError(file_name, _("文件已损坏或不是 Excel 工作簿，无法打开"))]) from None


def too_many_rows_message(file_name, sheet, rows, cap):
    return _("「%(file)s」工作表「%(sheet)s」约有 %(n)s 行数据，超过任务分解表 %(cap)s 行的上限：请分批导入（如按牵头单位"
             "拆成几个文件），或请创建办调高 TASK_TABLE_MAX_ROWS 设置。") % {
        "file": file_name, "sheet": sheet, "n": f"{rows:,}", "cap": f"{cap:,}"}


def _blank(value):
    # A formula without a saved result is as blank as the empty cell openpyxl reads for it,
    # until a column the table reads holds one (read_rows refuses that row).
    return isinstance(value, FormulaWithoutValue) or cell_text(value) == ""


def _known_headers():
    known = {}
    for column in COLUMNS:
        for label in (column.header, *column.aliases):
            known.setdefault(fold_header(label), column.field)
    return known


KNOWN_HEADERS = _known_headers()
# Headers of two or three rows: a merged group header (责任分工) over its columns
# (牵头单位 / 配合单位), the other columns merged down through the rows.
MAX_HEADER_ROWS = 3
# A header spelled a little differently (完成时间节点, 牵头责任单位) still names its column.
HEADER_CLOSENESS = 0.75


def _close_header(label, taken):
    best, best_ratio = None, HEADER_CLOSENESS
    for known, field_name in KNOWN_HEADERS.items():
        if field_name in taken:
            continue
        ratio = difflib.SequenceMatcher(None, label, known).ratio()
        # 牵头责任单位, 完成时间节点: a known spelling inside a slightly longer header.
        if known in label and len(known) >= 4 and len(label) <= len(known) + 3:
            ratio = max(ratio, HEADER_CLOSENESS + 0.01)
        if ratio > best_ratio:
            best, best_ratio = field_name, ratio
    return best


def _header_mapping(rows, *, close=True):
    """{field: column} and the unrecognised headers of a block of header rows.

    Read-only mode has no merged ranges, and needs none: a merged cell's text sits in its
    first cell, so each column takes the lowest header row that names a known column — the
    sub-header 牵头单位 under 责任分工, or 序号 merged down through both rows."""
    width = max((len(r) for r in rows), default=0)
    mapping, texts = {}, {}
    for col in range(width):
        for r in reversed(rows):
            text = cell_text(r[col]) if col < len(r) else ""
            label = fold_header(text) if text else ""
            if not label:
                continue
            texts.setdefault(col, []).insert(0, text)
            field_name = KNOWN_HEADERS.get(label)
            if field_name and field_name not in mapping:
                mapping[field_name] = col
                break
    for col in sorted(set(texts) - set(mapping.values())) if close else ():
        field_name = _close_header(fold_header(texts[col][-1]), mapping)
        if field_name:
            mapping[field_name] = col
    used = set(mapping.values())
    ignored = []
    for col in sorted(set(texts) - used):
        depth = max(d for d, r in enumerate(rows) if col < len(r) and fold_header(cell_text(r[col])))
        # A group header over recognised columns (责任分工) is not a column of its own.
        if depth < len(rows) - 1 and _is_group(rows[depth + 1], col, used):
            continue
        ignored.append(texts[col][-1])
    return mapping, ignored


def _is_group(below, col, used):
    """Whether a header with `below` as the next row sits over recognised columns: the merged
    group's first columns, from `col` until the next header of its own row."""
    return any(c in used for c in range(col, min(len(below), col + 6))
               if below[c] is not None and fold_header(cell_text(below[c])))


def find_header(book, title):
    """(last header row number, {field: column index}, ignored headers) of the first block of
    one to three rows naming the columns; (None, {}, []) when there is none."""
    scanned = [tuple(None if isinstance(v, FormulaWithoutValue) else v for v in values)
               for _number, values in book.grid(title, last=HEADER_SCAN_ROWS + MAX_HEADER_ROWS - 1)]
    for start in range(min(HEADER_SCAN_ROWS, len(scanned))):
        best_depth, best_count = 0, 0
        for depth in range(1, MAX_HEADER_ROWS + 1):
            block = scanned[start:start + depth]
            if len(block) < depth:
                break
            count = len(_header_mapping(block, close=False)[0])
            if count <= best_count:
                break  # the next row adds no column: it is data, not header
            best_depth, best_count = depth, count
        if best_depth:
            mapping, ignored = _header_mapping(scanned[start:start + best_depth])
            if "seq" in mapping and "content" in mapping:
                return start + best_depth, mapping, ignored
    return None, {}, []


# Reading rows ------------------------------------------------------------------------


@dataclass
class ParsedRow:
    row: int
    values: dict


@dataclass
class RowPlan:
    row: int
    seq: int
    action: str  # "new" / "changed" / "unchanged"
    values: dict  # field → python value (ids for relations)
    changes: dict = field(default_factory=dict)  # field → [old display, new display]
    task_id: int | None = None


@dataclass
class ImportPlan:
    file_name: str
    sheet: str
    header_row: int
    columns: list  # fields present in the file
    rows: list
    ignored_headers: list
    untouched: int = 0  # tasks in the database that the file does not mention
    parsed: list = field(default_factory=list)  # the ParsedRows the plan compares
    pending: dict = field(default_factory=dict)  # names awaiting a choice, by key

    def display(self, row):
        """A row's values as the table shows them: only for the rows shown or audited (a
        re-import of 5 000 unchanged rows needs none)."""
        return {f: self.dirs.display(f, row.values.get(f)) for f in self.columns}

    def counts(self):
        out = {"new": 0, "changed": 0, "unchanged": 0}
        for r in self.rows:
            out[r.action] += 1
        out["untouched"] = self.untouched
        out["total"] = len(self.rows)
        return out

    def fingerprint(self):
        payload = [[r.seq, r.action, sorted(r.changes.items())] for r in self.rows if r.action != "unchanged"]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False, default=str).encode()).hexdigest()

    def summary(self, limit=1000):
        shown = [r for r in self.rows if r.action != "unchanged"][:limit]
        return {
            "counts": self.counts(),
            "fingerprint": self.fingerprint(),
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": self.columns,
            "ignored_headers": self.ignored_headers,
            "pending": self.pending,
            "rows": [
                {"row": r.row, "seq": r.seq, "action": r.action, "changes": r.changes, "display": self.display(r)}
                for r in shown
            ],
            "unchanged_seqs": [r.seq for r in self.rows if r.action == "unchanged"][:limit],
        }

    def parsed_json(self):
        """The parsed rows as JSON for TaskImport.parsed: the confirm writes them as previewed."""
        out = []
        for p in self.parsed:
            values = dict(p.values)
            if values.get("due_on") is not None:
                values["due_on"] = values["due_on"].isoformat()
            if "cooperating_units" in values:
                values["cooperating_units"] = sorted(values["cooperating_units"], key=str)
            out.append([p.row, values])
        return out


def parsed_from_json(data):
    rows = []
    for row, values in data:
        values = dict(values)
        if values.get("due_on"):
            values["due_on"] = date.fromisoformat(values["due_on"])
        if "cooperating_units" in values:
            values["cooperating_units"] = frozenset(values["cooperating_units"])
        rows.append(ParsedRow(row, values))
    return rows


def apply_choices(parsed, choices):
    """The parsed rows with every "?key" placeholder replaced by the chosen id."""
    def one(value):
        return choices[value[1:]] if is_pending(value) else value

    out = []
    for p in parsed:
        values = dict(p.values)
        for f in ("lead_unit", "responsible_leader", "responsible_person"):
            if f in values:
                values[f] = one(values[f])
        if "cooperating_units" in values:
            units = {one(u) for u in values["cooperating_units"]}
            units.discard(values.get("lead_unit"))
            values["cooperating_units"] = frozenset(units)
        out.append(ParsedRow(p.row, values))
    return out


def read_rows(book, file_name, dirs):
    """Parse every data row; raise TableError listing every bad cell (capped)."""
    sheet, header_row, mapping, ignored = None, None, {}, []
    for title in book.all_sheets:
        header_row, mapping, ignored = find_header(book, title)
        if header_row:
            sheet = title
            break
    if sheet is None:
        first = book.all_sheets[0] if book.all_sheets else ""
        raise TableError([CellError(
            file_name,
            _("前 %(n)s 行中没有找到表头；表头须包含「序号」「任务内容」「牵头单位」「完成时限」等列")
            % {"n": HEADER_SCAN_ROWS},
            sheet=first,
        )])
    errors = []
    missing = [c for c in COLUMNS if c.required and c.field not in mapping]
    unknown = _("；表中未识别的表头：%(h)s") % {"h": "、".join(f"「{h}」" for h in ignored)} if ignored else ""
    for column in missing:
        errors.append(CellError(file_name, _("缺少必填列「%(h)s」") % {"h": column.header} + unknown,
                                sheet=sheet, row=header_row))
    if errors:
        raise TableError(errors)

    raw = None

    def err(row, field_name, message):
        col = mapping.get(field_name)
        errors.append(CellError(
            file_name, message, sheet=sheet, row=row,
            column=get_column_letter(col + 1) if col is not None else None,
            header=COLUMN_BY_FIELD[field_name].header,
            text=cell_text(raw.get(field_name)) if raw else None,
        ))

    def note_pending(value, row, field_name):
        if is_pending(value):
            cells = dirs.pending[value[1:]].setdefault("cells", [])
            if len(cells) < 20:
                cells.append(f"{get_column_letter(mapping[field_name] + 1)}{row}" if field_name in mapping else str(row))

    parsed, seen_seq, date_problems, today = [], {}, {}, timezone.localdate()
    width = max(mapping.values()) + 1
    for row_number, row in book.grid(sheet, first=header_row + 1):
        if len(errors) >= MAX_ERRORS:
            break
        cells = list(row[:width]) + [None] * (width - len(row))
        if all(_blank(c) for c in cells):
            continue
        if len(parsed) >= settings.TASK_TABLE_MAX_ROWS:
            errors.append(CellError(file_name, _("数据超过 %(n)s 行的上限：请分批导入，或请创建办调高 TASK_TABLE_MAX_ROWS 设置")
                                    % {"n": f"{settings.TASK_TABLE_MAX_ROWS:,}"}, sheet=sheet, row=row_number))
            break
        raw = {f: cells[c] for f, c in mapping.items()}
        values = {}
        bad = len(errors)
        for f, c in mapping.items():
            if isinstance(raw[f], FormulaWithoutValue):
                err(row_number, f, _("公式没有保存计算结果，请在 Excel 中打开并保存，或把公式粘贴为数值后再上传"))
        if len(errors) > bad:
            continue
        for f in ("seq", "content", "lead_unit", "due_on"):
            if cell_text(raw[f]) == "":
                err(row_number, f, _("必填项为空"))
        if cell_text(raw["seq"]):
            try:
                values["seq"] = parse_seq(raw["seq"])
            except ValueError as exc:
                err(row_number, "seq", str(exc))
            else:
                if values["seq"] in seen_seq:
                    err(row_number, "seq", _("序号 %(seq)s 与第 %(row)s 行重复")
                        % {"seq": values["seq"], "row": seen_seq[values["seq"]]})
                else:
                    seen_seq[values["seq"]] = row_number
        for f in ("content", "requirement", "measures"):
            if f in raw:
                values[f] = cell_text(raw[f])
        if "indicator" in raw:
            values["indicator"] = None
            if cell_text(raw["indicator"]):
                try:
                    values["indicator"] = dirs.indicators.find(raw["indicator"]).id
                except ValueError as exc:
                    err(row_number, "indicator", str(exc))
        lead, all_districts = None, []
        if cell_text(raw["lead_unit"]):
            text = cell_text(raw["lead_unit"])
            if len(split_names(text)) > 1:
                err(row_number, "lead_unit", _("牵头单位只能填写一个单位，其余单位请填入配合单位"))
            else:
                try:
                    found = dirs.units.lookup(text, dirs.pending)
                except ValueError as exc:
                    err(row_number, "lead_unit", str(exc))
                else:
                    if len(found) > 1 and dirs.units.city is not None:
                        # 各区 leads: the city leads and every district cooperates (README: 各区).
                        lead, all_districts = dirs.units.city, found
                    elif len(found) > 1:
                        err(row_number, "lead_unit", _("牵头单位「%(v)s」指每个区，但创建活动没有所属城市，无法确定牵头单位")
                            % {"v": text})
                    else:
                        lead = found[0]
                    if lead is not None:
                        values["lead_unit"] = lead if is_pending(lead) else lead.id
                        note_pending(values["lead_unit"], row_number, "lead_unit")
        if "cooperating_units" in raw or all_districts:
            try:
                units = dirs.units.find_many(cell_text(raw.get("cooperating_units")), dirs.pending) + all_districts
                values["cooperating_units"] = frozenset(
                    u if is_pending(u) else u.id for u in units if u != lead)
                for u in values["cooperating_units"]:
                    note_pending(u, row_number, "cooperating_units")
            except ValueError as exc:
                err(row_number, "cooperating_units", str(exc))
        for f, is_leader in (("responsible_leader", True), ("responsible_person", False)):
            if f not in raw:
                continue
            values[f] = None
            if cell_text(raw[f]):
                try:
                    person = dirs.people.lookup(cell_text(raw[f]), dirs.pending, leader=is_leader,
                                                prefer_unit_id=lead.id if lead and not is_pending(lead) else None)
                except ValueError as exc:
                    err(row_number, f, str(exc))
                else:
                    values[f] = person if is_pending(person) else person.id
                    note_pending(values[f], row_number, f)
        if cell_text(raw["due_on"]):
            try:
                values["due_on"] = parse_date(raw["due_on"])
            except ValueError as exc:
                err(row_number, "due_on", str(exc))
            else:
                # A table repeats a few deadlines thousands of times: check each date once.
                if values["due_on"] not in date_problems:
                    date_problems[values["due_on"]] = None
                    if dirs.campaign is not None:
                        try:
                            check_dates(dirs.campaign, today, due_on=values["due_on"])
                        except ValidationError as exc:
                            date_problems[values["due_on"]] = " ".join(exc.messages)
                if date_problems[values["due_on"]]:
                    err(row_number, "due_on", date_problems[values["due_on"]])
        if len(errors) == bad:
            parsed.append(ParsedRow(row_number, values))
    if errors:
        raise TableError(errors)
    if not parsed:
        raise TableError([CellError(file_name, _("表头下方没有任务数据"), sheet=sheet, row=header_row)])
    return sheet, header_row, [f for f in mapping], ignored, parsed


def task_values(task, coop_ids):
    return {
        "indicator": task.indicator_id,
        "content": task.content,
        "requirement": task.requirement,
        "measures": task.measures,
        "lead_unit": task.lead_unit_id,
        "cooperating_units": frozenset(coop_ids),
        "responsible_leader": task.responsible_leader_id,
        "responsible_person": task.responsible_person_id,
        "due_on": task.due_on,
    }


def build_plan(campaign, fileobj, file_name, facts=None):
    """Read a workbook and compare it with the campaign's tasks. Raises TableError. `facts`:
    the gate's findings on this very file, when the upload form ran the gate already."""
    dirs = Directories.load(campaign)
    book = open_workbook(fileobj, file_name, facts)
    try:
        sheet, header_row, columns, ignored, parsed = read_rows(book, file_name, dirs)
    finally:
        book.close()
    # 各区 as lead adds the districts as cooperating units even without a 配合单位 column.
    if "cooperating_units" not in columns and any("cooperating_units" in p.values for p in parsed):
        columns = columns + ["cooperating_units"]
    return compare(campaign, dirs, parsed, file_name=file_name, sheet=sheet, header_row=header_row,
                   columns=columns, ignored=ignored, pending=dirs.pending)


def compare(campaign, dirs, parsed, *, file_name, sheet, header_row, columns, ignored, pending):
    """New / changed / unchanged rows against the campaign's tasks: two queries, whatever the rows."""
    existing = {t.seq: t for t in Task.objects.filter(campaign=campaign).only(
        "id", "seq", "indicator_id", "content", "requirement", "measures", "lead_unit_id", "responsible_leader_id",
        "responsible_person_id", "due_on")}
    coop = {}
    for task_id, unit_id in Task.cooperating_units.through.objects.filter(task__campaign=campaign).values_list(
        "task_id", "unit_id"
    ):
        coop.setdefault(task_id, set()).add(unit_id)
    present = [f for f in COMPARED_FIELDS if f in columns]
    rows = []
    for p in parsed:
        seq = p.values["seq"]
        task = existing.get(seq)
        if task is None:
            rows.append(RowPlan(p.row, seq, "new", p.values))
            continue
        old = task_values(task, coop.get(task.id, ()))
        changes = {
            f: [dirs.display(f, old[f]), dirs.display(f, p.values[f])] for f in present if old[f] != p.values[f]
        }
        rows.append(RowPlan(p.row, seq, "changed" if changes else "unchanged", p.values, changes, task.id))
    mentioned = {r.seq for r in rows}
    plan = ImportPlan(file_name, sheet, header_row, present, rows, ignored,
                      untouched=sum(1 for s in existing if s not in mentioned), parsed=parsed, pending=pending)
    plan.dirs = dirs
    return plan


def plan_from_summary(campaign, summary, parsed_json, file_name, choices=None):
    """The plan of a stored preview against the database as it is now, with `choices`
    ({pending key: id}) applied when given."""
    dirs = Directories.load(campaign)
    parsed = parsed_from_json(parsed_json)
    pending = summary.get("pending", {})
    if choices:
        parsed, pending = apply_choices(parsed, choices), {}
    return compare(campaign, dirs, parsed, file_name=file_name, sheet=summary.get("sheet", ""),
                   header_row=summary.get("header_row"), columns=summary.get("columns", []),
                   ignored=summary.get("ignored_headers", []), pending=pending)


# Writing -----------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="E3F3EA")
INFO_FILL = PatternFill("solid", fgColor="EDF0F3")
THIN = Side(style="thin", color="B7C0CA")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
DATE_FORMAT = 'yyyy"年"m"月"d"日"'


def _sheet_with_header(wb, title_text):
    ws = wb.active
    ws.title = SHEET_TITLE
    headers = [c.header for c in COLUMNS]
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    title = ws.cell(row=1, column=1, value=title_text)
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 28
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=2, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
    for col, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = column.width
    ws.freeze_panes = "C3"
    return ws


def _wo_cell(ws, value, *, font=None, fill=None, alignment=None, border=None, number_format=None):
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        # Text stays text: a leading = + - @ must never become a formula in the user's Excel.
        cell.data_type = "s"
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            cell.quotePrefix = True
    for name, style in (("font", font), ("fill", fill), ("alignment", alignment), ("border", border),
                        ("number_format", number_format)):
        if style is not None:
            setattr(cell, name, style)
    return cell


def export_workbook(campaign, tasks, today=None):
    """The whole table in the offices' layout; re-importing it changes nothing.

    Write-only mode: a 5 000-row table takes about half the time of a styled normal workbook."""
    today = today or timezone.localdate()
    dirs = Directories.load(campaign)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE)
    headers = [c.header for c in COLUMNS] + INFO_HEADERS
    for col, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = column.width
    for col in range(len(COLUMNS) + 1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.freeze_panes = "C3"
    ws.merged_cells.add(f"A1:{get_column_letter(len(headers))}1")
    title = _("%(campaign)s 任务分解表（导出于 %(date)s）") % {"campaign": campaign.name, "date": today.isoformat()}
    ws.row_dimensions[1].height = 28
    ws.append([_wo_cell(ws, title, font=Font(bold=True, size=14),
                        alignment=Alignment(horizontal="center", vertical="center"))])
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold = Font(bold=True)
    ws.append([_wo_cell(ws, h, font=bold, fill=INFO_FILL if i >= len(COLUMNS) else HEADER_FILL, alignment=center,
                        border=BORDER) for i, h in enumerate(headers)])
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    wrapped = {2, 3, 4, 6}  # 任务内容, 标准或要求, 工作措施, 配合单位 (0-based)
    for task in tasks:
        coop_ids = [u.id for u in task.cooperating_units.all()]
        values = [
            task.seq,
            dirs.indicators.label(task.indicator_id),
            task.content,
            task.requirement,
            task.measures,
            dirs.units.label(task.lead_unit_id),
            dirs.units.labels_for(coop_ids),
            dirs.people.label(task.responsible_leader_id),
            dirs.people.label(task.responsible_person_id),
            task.due_on,
            f"{task.progress}%",
            str(Status(task.status(today)).label),
            str(Review(task.review_state).label),
        ]
        ws.append([
            _wo_cell(ws, v if v != "" else None, alignment=wrap if i in wrapped else top, border=BORDER,
                     number_format=DATE_FORMAT if isinstance(v, date) else None)
            for i, v in enumerate(values)
        ])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_workbook(campaign):
    """A blank table with the header, instructions and the names the import accepts."""
    wb = Workbook()
    ws = _sheet_with_header(wb, _("%(campaign)s 任务分解表") % {"campaign": campaign.name})
    for r in range(3, 203):
        for c in range(1, len(COLUMNS) + 1):
            ws.cell(row=r, column=c).border = BORDER
        ws.cell(row=r, column=len(COLUMNS)).number_format = DATE_FORMAT
        ws.cell(row=r, column=2).number_format = "@"  # codes such as 2.10 stay text
    names = wb.create_sheet("单位与人员")
    names.append([_("单位名称"), _("简称"), "", _("领导姓名"), _("所在单位"), _("职务")])
    units = list(Unit.objects.order_by("sort_order", "id"))
    leaders = list(Person.objects.filter(is_leader=True).select_related("unit"))
    for i in range(max(len(units), len(leaders))):
        u = units[i] if i < len(units) else None
        p = leaders[i] if i < len(leaders) else None
        names.append([u.name if u else None, (u.short_name or None) if u else None, None,
                      p.name if p else None, p.unit.name if p else None, p.title if p else None])
    for col, width in zip("ABCDEF", (24, 16, 3, 10, 22, 28)):
        names.column_dimensions[col].width = width
    if units:
        lead_col = get_column_letter(COLUMNS.index(COLUMN_BY_FIELD["lead_unit"]) + 1)
        dv = DataValidation(type="list", formula1=f"'单位与人员'!$A$2:$A${len(units) + 1}", allow_blank=True)
        dv.error = _("请从单位名录中选择")
        dv.showErrorMessage = False  # a short name is also accepted by the import
        ws.add_data_validation(dv)
        dv.add(f"{lead_col}3:{lead_col}202")
    notes = wb.create_sheet("填写说明")
    for line in [
        _("填写说明"),
        _("1. 第 2 行为表头，请勿修改列名；表头上方可保留标题行。"),
        _("2. 必填列：序号、任务内容、牵头单位、完成时限。序号在本创建活动中唯一，再次导入时按序号更新，不会重复新增。"),
        _("3. 指标编号填写评选标准中的编号（如 2.1）；综合性任务（如宣传发动）可不填。"),
        _("4. 牵头单位只填一个；配合单位可填多个，用顿号、逗号、分号或换行分隔。单位可写全称或简称。"),
        _("5. 责任领导须为系统中标记为领导的人员；同名人员请写成「姓名（单位）」。"),
        _("6. 完成时限可写 2024年8月31日、2024-08-31、2024/8/31、2024.8.31、2024年8月底，或使用 Excel 日期格式。"),
        _("7. 导入前会先预览新增、变更和未变的行；确认后一次性写入，任何一行有错误都不会写入。"),
    ]:
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    notes["A1"].font = Font(bold=True, size=13)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
