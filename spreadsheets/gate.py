"""The safety gate every uploaded workbook passes before any cell is read.

A small .xlsx can expand to gigabytes (a zip bomb), hold one 190 MB string, claim a million
rows, carry macros under any name, or be a picture with a zip glued on. openpyxl trusts all
of that, so the gate looks first, at what the file *is*:

1. the bytes: not empty, within UPLOAD_MAX_BYTES, a zip from its first byte (magic bytes,
   whatever the name: OLE2 is .xls or an encrypted workbook, anything before the zip is a
   polyglot);
2. the zip's directory, free to read: number of parts, each part's and the total
   uncompressed size, the compression ratio, no encrypted or exotic members, no macro parts
   (vbaProject.bin, Excel 4 macro sheets, ActiveX) under any name;
3. the package structure through defusedxml (no DTD, no entities, so no XXE and no billion
   laughs): [Content_Types].xml (no macro content type), xl/workbook.xml (number of sheets)
   and its relationships (which part is which sheet);
4. a streaming pre-scan of every XML part, a chunk at a time and stopping at the first
   excess: the longest run of text (a cell holds at most SPREADSHEET_MAX_CELL_CHARS
   characters), rows and columns from each sheet's <dimension> and from the rows and cells
   themselves, the number of shared strings.

Nothing is expanded beyond one chunk past a limit, so a refusal costs milliseconds and a
few hundred KB whatever the file claims. The limits live once in config/settings.py.
"""
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from xml.sax.saxutils import unescape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import column_index_from_string, range_boundaries

MB = 1024 * 1024
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 64 * 1024
# Parts we parse whole with defusedxml ([Content_Types].xml, the workbook and its
# relationships): a few KB in real files, so a fixed bound keeps the parse small.
STRUCTURE_MAX_BYTES = 4 * MB
# The ratio is only meaningful for parts of some size: tiny XML compresses very well.
RATIO_MIN_BYTES = MB
# Bytes of XML per character of cell text at most: 4 for UTF-8, up to 6 for an entity.
BYTES_PER_CHAR = 6

CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
}
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
# Content types and part names that mean code: VBA, Excel 4 macro sheets, ActiveX controls.
MACRO_TYPE_WORDS = ("macroenabled", "vbaproject", "macrosheet", "activex", "vba")
MACRO_NAME_WORDS = ("vbaproject", "macrosheets/", "activex/", "vbadata")

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"

_P = rb"<(?:[A-Za-z_][\w.-]*:)?"  # an element name with an optional namespace prefix
ROW_TAG = re.compile(_P + rb"row(?=[\s>/])")
ROW_NUMBER = re.compile(_P + rb'row\s(?:[^>]*?\s)?r="(\d+)"')
CELL_TAG = re.compile(_P + rb"c(?=[\s>/])")
CELL_COLUMN = re.compile(_P + rb'c\s(?:[^>]*?\s)?r="([A-Za-z]{1,4})\d')
DIMENSION = re.compile(_P + rb'dimension\s(?:[^>]*?\s)?ref="([^"]{1,40})"')
FORMULA_TAG = re.compile(_P + rb"f(?=[\s>/])")
STRING_ITEM = re.compile(_P + rb"si(?=[\s>/])")
# A cell value (<v>) or inline text (<t>) with something in it: the row holds data, not only formatting.
CELL_TEXT = re.compile(_P + rb"[vt](?:\s[^>]*)?>[^<]")
# What the reader needs and openpyxl's public read-only API does not give: merged ranges
# (header cells merged over two rows, a district merged down a block) and formulas saved
# without a result (openpyxl reads them as empty). Read here, in the pass that reads every byte anyway.
MERGE_CELL = re.compile(_P + rb'mergeCell\s(?:[^>]*?\s)?ref="([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)"')
CELL_ELEMENT = re.compile(_P + rb"c(\s[^>]*?)?(?:/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?c>)", re.S)
CELL_REF = re.compile(rb'\sr="([A-Za-z]{1,3})(\d+)"')
CELL_TYPE = re.compile(rb'\st="(\w+)"')
FORMULA_ELEMENT = re.compile(_P + rb"f(\s[^>]*?)?(?:/>|>([^<]*)</)", re.S)
VALUE_ELEMENT = re.compile(_P + rb"v(?:\s[^>]*?)?(?:/>|>([^<]*)</)", re.S)
SHARED_INDEX = re.compile(rb'\ssi="(\d+)"')
SHARED_KIND = re.compile(rb'\st="shared"')


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    parts: int
    part_bytes: int
    total_bytes: int
    ratio: int
    sheets: int
    shared_strings: int
    shared_strings_bytes: int
    cell_chars: int
    rows: int
    columns: int

    @classmethod
    def from_settings(cls):
        return cls(
            upload_bytes=settings.UPLOAD_MAX_BYTES,
            parts=settings.SPREADSHEET_MAX_PARTS,
            part_bytes=settings.SPREADSHEET_MAX_PART_BYTES,
            total_bytes=settings.SPREADSHEET_MAX_TOTAL_BYTES,
            ratio=settings.SPREADSHEET_MAX_RATIO,
            sheets=settings.SPREADSHEET_MAX_SHEETS,
            shared_strings=settings.SPREADSHEET_MAX_SHARED_STRINGS,
            shared_strings_bytes=settings.SPREADSHEET_MAX_SHARED_STRINGS_BYTES,
            cell_chars=settings.SPREADSHEET_MAX_CELL_CHARS,
            rows=settings.SPREADSHEET_MAX_ROWS,
            columns=settings.SPREADSHEET_MAX_COLUMNS,
        )


class WorkbookRefused(Exception):
    """The file cannot be taken at all; `message` names the file (and sheet) for the user."""

    def __init__(self, message, *, file_name, sheet="", limit=""):
        super().__init__(message)
        self.message = message
        self.file_name = file_name
        self.sheet = sheet
        self.limit = limit  # which limit refused it: "parts", "ratio", "macro", ... (for logs and tests)

    def __str__(self):
        return self.message


@dataclass
class WorkbookFacts:
    """What the gate learned on the way, so readers need not look again."""

    sheets: list = field(default_factory=list)  # titles, in the workbook's order
    has_formulas: bool = False
    shared_strings: int = 0
    # Sheet title → rows holding a value (blank and formatting-only rows left out), for the
    # row limits of each kind of import, announced before any parse starts.
    rows: dict = field(default_factory=dict)
    # Sheet title → the highest row number the sheet's <row> elements state.
    last_row: dict = field(default_factory=dict)
    # Sheet title → merged ranges ("A1:B2"), as written in the sheet's <mergeCells>.
    merged: dict = field(default_factory=dict)
    # Sheet title → {(row, column): "=formula text" or ""} for formula cells saved without a result.
    bare_formulas: dict = field(default_factory=dict)


def _mb(n):
    return f"{n / MB:.1f}".removesuffix(".0")


def _size_of(source):
    if isinstance(source, (bytes, bytearray)):
        return len(source)
    size = getattr(source, "size", None)
    if size is None:
        source.seek(0, 2)
        size = source.tell()
    return size


def check_workbook(source, file_name, *, limits=None):
    """Refuse (WorkbookRefused) or return WorkbookFacts; `source` is bytes or a seekable file,
    left at position 0."""
    limits = limits or Limits.from_settings()
    name = PurePath(file_name or "").name or _("（未命名文件）")
    fileobj = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        return _Gate(fileobj, name, limits).run()
    finally:
        fileobj.seek(0)


class _Gate:
    def __init__(self, fileobj, name, limits):
        self.f = fileobj
        self.name = name
        self.limits = limits
        self.facts = WorkbookFacts()
        self.sheet_of_part = {}  # "xl/worksheets/sheet1.xml" → sheet title
        self.shared_strings_parts = set()
        self.scanned = set()

    def refuse(self, message, limit, sheet=""):
        raise WorkbookRefused(message, file_name=self.name, sheet=sheet, limit=limit)

    def where(self, part):
        """A part named as the user knows it: a sheet by its title, else its path in the zip."""
        sheet = self.sheet_of_part.get(part)
        if sheet is not None:
            return _("工作表「%(sheet)s」") % {"sheet": sheet}
        return _("内部文件「%(part)s」") % {"part": part}

    def run(self):
        self.check_bytes()
        self.f.seek(0)
        try:
            archive = zipfile.ZipFile(self.f)
        except Exception:  # noqa: BLE001 - zipfile fails in many ways on a damaged directory; all mean the same
            self.refuse(_("「%(file)s」已损坏或不是 Excel 工作簿（.xlsx），无法打开。") % {"file": self.name}, "zip")
        with archive:
            infos = self.check_directory(archive)
            self.check_structure(archive, infos)
            if PurePath(self.name).suffix.lower() == ".xls":  # after the macro checks: those say more
                self.refuse(_("「%(file)s」扩展名为 .xls，本系统只接受 .xlsx：请另存为 .xlsx 后再上传。")
                            % {"file": self.name}, "type")
            self.check_sizes(infos)
            for info in infos:
                self.scan(archive, info)
        return self.facts

    # 1. the bytes ----------------------------------------------------------------------

    def check_bytes(self):
        name, limits = self.name, self.limits
        size = _size_of(self.f)
        if not size:
            self.refuse(_("「%(file)s」是空文件（0 字节）：请重新选择要上传的 .xlsx 文件。") % {"file": name}, "empty")
        if size > limits.upload_bytes:
            self.refuse(_("「%(file)s」有 %(size)s MB，超过 %(limit)s MB 的上传上限：请删去无关的工作表、图片或空白行后"
                          "再上传。") % {"file": name, "size": _mb(size), "limit": _mb(limits.upload_bytes)}, "upload")
        self.f.seek(0)
        head = self.f.read(8)
        ext = PurePath(name).suffix.lower()
        if head.startswith(OLE2_MAGIC):
            if ext == ".xls":
                self.refuse(_("「%(file)s」是 Excel 97-2003 格式（.xls），本系统只接受 .xlsx：请在 Excel 或 WPS 中"
                              "打开，选择「另存为」→「Excel 工作簿（*.xlsx）」后再上传。") % {"file": name}, "type")
            self.refuse(_("「%(file)s」是加密（设有打开密码）的工作簿或旧版 .xls 文件：请取消密码或另存为 .xlsx "
                          "后再上传。") % {"file": name}, "type")
        if ext == ".xlsm":
            self.refuse(_("「%(file)s」是含宏的工作簿（.xlsm），出于安全原因不予接收：请「另存为」不含宏的 "
                          ".xlsx 工作簿后再上传。") % {"file": name}, "macro")
        if head.startswith(ZIP_MAGIC):
            return
        if ext == ".csv":
            self.refuse(_("「%(file)s」是 CSV 文本文件，本系统只接受 .xlsx：CSV 会丢失数字、日期格式和多个工作表，"
                          "请用 Excel 打开后「另存为」.xlsx 工作簿再上传。") % {"file": name}, "type")
        self.f.seek(0)
        if zipfile.is_zipfile(self.f):
            # A zip found only further in: a picture or program with a workbook glued on.
            self.refuse(_("「%(file)s」不是 Excel 工作簿：文件开头是其他格式的数据（如图片），后面附加了压缩包，"
                          "出于安全原因不予接收。请上传用 Excel 或 WPS 保存的 .xlsx 文件。") % {"file": name}, "polyglot")
        self.refuse(_("「%(file)s」不是 Excel 工作簿（.xlsx）：请上传用 Excel 或 WPS 保存的 .xlsx 文件。")
                    % {"file": name}, "type")

    # 2. the zip directory --------------------------------------------------------------

    def check_directory(self, archive):
        name, limits = self.name, self.limits
        infos = archive.infolist()
        if len(infos) > limits.parts:
            self.refuse(_("「%(file)s」内含 %(n)s 个内部文件，超过 %(limit)s 个的上限，不像是一份表格文件。")
                        % {"file": name, "n": len(infos), "limit": limits.parts}, "parts")
        names = [i.filename for i in infos]
        damaged = _("「%(file)s」已损坏或不是 Excel 保存的工作簿（.xlsx），无法打开：请在 Excel 中打开并另存为 .xlsx "
                    "后再上传。") % {"file": name}
        if len(set(names)) != len(names):
            self.refuse(damaged, "zip")
        if any(i.flag_bits & 0x1 for i in infos):
            self.refuse(_("「%(file)s」是加密（设有打开密码）的工作簿或旧版 .xls 文件：请取消密码或另存为 .xlsx "
                          "后再上传。") % {"file": name}, "type")
        if any(i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in infos):
            self.refuse(damaged, "zip")
        lowered = [n.lower() for n in names]
        if any(word in n for n in lowered for word in MACRO_NAME_WORDS):
            self.refuse(self.macro_message(), "macro")
        if CONTENT_TYPES not in names or WORKBOOK not in names:
            if "word/document.xml" in names:
                self.refuse(_("「%(file)s」是 Word 文档，不是 Excel 工作簿。") % {"file": name}, "type")
            if "ppt/presentation.xml" in names:
                self.refuse(_("「%(file)s」是 PowerPoint 演示文稿，不是 Excel 工作簿。") % {"file": name}, "type")
            self.refuse(_("「%(file)s」不是 Excel 工作簿（.xlsx）。") % {"file": name}, "type")
        return infos

    def macro_message(self):
        return _("「%(file)s」含有宏（VBA、宏表或控件），出于安全原因不予接收：请「另存为」不含宏的 .xlsx 工作簿后再上传。"
                 ) % {"file": self.name}

    # 3. the package structure ----------------------------------------------------------

    def parse(self, archive, part):
        info = archive.getinfo(part)
        if info.file_size > STRUCTURE_MAX_BYTES:
            self.refuse(_("「%(file)s」的%(where)s解压后有 %(size)s MB，超过 %(limit)s MB 的上限。")
                        % {"file": self.name, "where": self.where(part), "size": _mb(info.file_size),
                           "limit": _mb(STRUCTURE_MAX_BYTES)}, "part")
        self.scan(archive, info)  # DTD and runaway text are refused before the parser sees them
        try:
            return fromstring(archive.read(info), forbid_dtd=True)
        except DefusedXmlException:
            self.refuse(self.dtd_message(part), "xml")
        except (ParseError, ValueError, zipfile.BadZipFile, EOFError, OSError):
            self.refuse(_("「%(file)s」已损坏：%(where)s不是有效的 XML，无法打开。")
                        % {"file": self.name, "where": self.where(part)}, "xml")

    def dtd_message(self, part):
        return _("「%(file)s」的%(where)s含有 DTD 或实体声明：Excel 保存的文件不会有这些内容，出于安全原因不予接收。"
                 ) % {"file": self.name, "where": self.where(part)}

    def check_structure(self, archive, infos):
        names = {i.filename for i in infos}
        types = self.parse(archive, CONTENT_TYPES)
        overrides = {}
        for element in types:
            content_type = (element.get("ContentType") or "").lower()
            if any(word in content_type for word in MACRO_TYPE_WORDS):
                self.refuse(self.macro_message(), "macro")
            if element.tag == f"{NS_TYPES}Override":
                overrides[(element.get("PartName") or "").lstrip("/")] = content_type
        # openpyxl opens the part the content types name as the workbook: it must be the one we check.
        if [part for part, content_type in overrides.items() if content_type in WORKBOOK_TYPES] != [WORKBOOK]:
            self.refuse(_("「%(file)s」不是 Excel 工作簿（.xlsx）。") % {"file": self.name}, "type")

        targets = {}
        if WORKBOOK_RELS in names:
            for rel in self.parse(archive, WORKBOOK_RELS):
                target = rel.get("Target") or ""
                if rel.get("TargetMode") == "External":
                    continue
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                targets[rel.get("Id")] = path
        workbook = self.parse(archive, WORKBOOK)
        sheets = workbook.find(f"{NS_MAIN}sheets")
        sheets = list(sheets) if sheets is not None else []
        if len(sheets) > self.limits.sheets:
            self.refuse(_("「%(file)s」有 %(n)s 个工作表，超过 %(limit)s 个的上限：请删去无关的工作表后再上传。")
                        % {"file": self.name, "n": len(sheets), "limit": self.limits.sheets}, "sheets")
        for sheet in sheets:
            title = sheet.get("name") or ""
            self.facts.sheets.append(title)
            part = targets.get(sheet.get(f"{NS_REL}id"))
            if part:
                self.sheet_of_part[part] = title
        for part, content_type in overrides.items():
            if content_type == WORKSHEET_TYPE:
                self.sheet_of_part.setdefault(part, PurePath(part).stem)
        for part in names:
            if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                self.sheet_of_part.setdefault(part, PurePath(part).stem)
        self.shared_strings_parts = {p for p, t in overrides.items() if t == SHARED_STRINGS_TYPE}
        self.shared_strings_parts.add("xl/sharedStrings.xml")

    # 2b. sizes, once we know which part is which sheet -----------------------------------

    def check_sizes(self, infos):
        name, limits = self.name, self.limits
        total = 0
        for info in infos:
            size = info.file_size
            total += size
            if size > limits.part_bytes:
                self.refuse(_("「%(file)s」的%(where)s解压后有 %(size)s MB，超过单个部分 %(limit)s MB 的上限："
                              "请删去空白行、无关内容或图片后再上传。")
                            % {"file": name, "where": self.where(info.filename), "size": _mb(size),
                               "limit": _mb(limits.part_bytes)}, "part", self.sheet_of_part.get(info.filename, ""))
            if info.filename in self.shared_strings_parts and size > limits.shared_strings_bytes:
                self.refuse(_("「%(file)s」的共享文字表（sharedStrings）解压后有 %(size)s MB，超过 %(limit)s MB 的上限。")
                            % {"file": name, "size": _mb(size), "limit": _mb(limits.shared_strings_bytes)},
                            "shared_strings")
            if size >= RATIO_MIN_BYTES and size > limits.ratio * max(info.compress_size, 1):
                self.refuse(_("「%(file)s」的%(where)s压缩比超过 %(limit)s 倍（%(compressed)s KB 解压后为 %(size)s MB），"
                              "疑似“压缩炸弹”，不予接收。")
                            % {"file": name, "where": self.where(info.filename), "limit": limits.ratio,
                               "compressed": f"{info.compress_size / 1024:.0f}", "size": _mb(size)},
                            "ratio", self.sheet_of_part.get(info.filename, ""))
        if total > limits.total_bytes:
            self.refuse(_("「%(file)s」解压后共有 %(size)s MB，超过 %(limit)s MB 的上限：请删去无关的工作表、图片或空白行"
                          "后再上传。") % {"file": name, "size": _mb(total), "limit": _mb(limits.total_bytes)}, "total")

    # 4. the streaming pre-scan ---------------------------------------------------------

    def scan(self, archive, info):
        part = info.filename
        if not part.lower().endswith((".xml", ".rels")) and part not in self.sheet_of_part:
            return  # pictures and other binary parts: bounded by the size and ratio checks
        if part in self.scanned:
            return
        self.scanned.add(part)
        scanner = _Scanner(self, part)
        carry = b""
        try:
            with archive.open(info) as stream:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        if carry:
                            scanner.feed(carry)
                        break
                    buffer = carry + chunk
                    # Feed whole tokens only: cut before the last "<"; the rest waits for more.
                    cut = buffer.rfind(b"<")
                    if cut <= 0:
                        scanner.check_run(len(buffer))
                        carry = buffer
                        continue
                    scanner.feed(buffer[:cut])
                    carry = buffer[cut:]
        except WorkbookRefused:
            raise
        except Exception:  # noqa: BLE001 - bad CRC, bad deflate data, a part longer than it says: damaged
            self.refuse(_("「%(file)s」已损坏：%(where)s不是有效的 XML，无法打开。")
                        % {"file": self.name, "where": self.where(part)}, "zip")
        scanner.finish()


class _Scanner:
    """Counts over one XML part fed in pieces that each end just before a "<"."""

    def __init__(self, gate, part):
        self.gate = gate
        self.part = part
        self.limits = gate.limits
        self.is_sheet = part in gate.sheet_of_part
        self.is_strings = part in gate.shared_strings_parts
        self.sheet = gate.sheet_of_part.get(part, "")
        self.max_run = self.limits.cell_chars * BYTES_PER_CHAR
        self.rows = 0
        self.cells_in_row = 0
        self.dimension_seen = False
        self.strings = 0
        self.value_rows = 0
        self.in_row = False
        self.row_has_value = False
        self.merged = []
        self.bare_formulas = {}
        self.shared_formulas = {}  # si → (formula text, origin cell) of a shared formula's master cell
        self.cell_tail = b""  # an unclosed <c> from the previous piece
        self.last_row = 0

    def check_run(self, length):
        if length > self.max_run:
            self.gate.refuse(_("「%(file)s」的%(where)s中有一段文字超过 %(limit)s 个字符（Excel 单元格的上限），"
                               "不予接收。") % {"file": self.gate.name, "where": self.gate.where(self.part),
                                             "limit": self.limits.cell_chars}, "cell_chars", self.sheet)

    def feed(self, piece):
        if b"<!DOCTYPE" in piece or b"<!ENTITY" in piece:
            self.gate.refuse(self.gate.dtd_message(self.part), "xml", self.sheet)
        self.check_run(max(map(len, piece.split(b"<"))))
        if self.is_sheet:
            self.feed_sheet(piece)
        elif self.is_strings:
            self.strings += len(STRING_ITEM.findall(piece))
            if self.strings > self.limits.shared_strings:
                self.gate.refuse(_("「%(file)s」的共享文字表（sharedStrings）有 %(n)s 条以上文字，超过 %(limit)s 条的上限。")
                                 % {"file": self.gate.name, "n": self.strings, "limit": self.limits.shared_strings},
                                 "shared_strings")

    def too_many_rows(self, n):
        self.gate.refuse(_("「%(file)s」的%(where)s有 %(n)s 行，超过 %(limit)s 行的上限：请删去多余的空白行（包括只设了"
                           "格式的空行）或把表格拆成几个文件后再上传。")
                         % {"file": self.gate.name, "where": self.gate.where(self.part), "n": n,
                            "limit": self.limits.rows}, "rows", self.sheet)

    def too_many_columns(self, n):
        self.gate.refuse(_("「%(file)s」的%(where)s有 %(n)s 列，超过 %(limit)s 列的上限：请删去多余的空白列后再上传。")
                         % {"file": self.gate.name, "where": self.gate.where(self.part), "n": n,
                            "limit": self.limits.columns}, "columns", self.sheet)

    def feed_sheet(self, piece):
        limits = self.limits
        if not self.dimension_seen:
            match = DIMENSION.search(piece)
            if match:
                self.dimension_seen = True
                try:
                    _min_col, _min_row, max_col, max_row = range_boundaries(match.group(1).decode("ascii"))
                except (ValueError, TypeError, UnicodeDecodeError):
                    max_col = max_row = None  # a broken dimension is ignored, as openpyxl does; the rows are counted
                if max_row and max_row > limits.rows:
                    self.too_many_rows(max_row)
                if max_col and max_col > limits.columns:
                    self.too_many_columns(max_col)
        numbers = ROW_NUMBER.findall(piece)
        if numbers:
            highest = max(map(int, numbers))
            if highest > limits.rows:
                self.too_many_rows(highest)
            self.last_row = max(self.last_row, highest)
        segments = ROW_TAG.split(piece)
        # Rows without r="" count by position, so the number of <row> elements is bounded too.
        self.rows += len(segments) - 1
        if self.rows > limits.rows:
            self.too_many_rows(self.rows)
        # Cells without r="" count by position within their row: count cells per row.
        for i, segment in enumerate(segments):
            if i:  # a new <row> starts; segment 0 continues the row of the previous piece, if any
                self.in_row, self.row_has_value = True, False
            if self.in_row and not self.row_has_value and CELL_TEXT.search(segment):
                self.row_has_value = True
                self.value_rows += 1
            cells = len(CELL_TAG.findall(segment))
            self.cells_in_row = self.cells_in_row + cells if i == 0 else cells
            if self.cells_in_row > limits.columns:
                self.too_many_columns(self.cells_in_row)
        letters = set(CELL_COLUMN.findall(piece))
        if letters:
            widest = max(letters, key=lambda s: (len(s), s.upper()))
            column = column_index_from_string(widest.decode().upper()) if len(widest) <= 3 else 10 ** 6
            if column > limits.columns:
                self.too_many_columns(column)
        if not self.gate.facts.has_formulas and FORMULA_TAG.search(piece):
            self.gate.facts.has_formulas = True
        self.scan_formulas(piece)
        if b"mergeCell" in piece:
            self.merged += [m.decode("ascii").upper() for m in MERGE_CELL.findall(piece)]

    def scan_formulas(self, piece):
        """Formula cells without a saved result. A cell may be cut between two pieces: the
        unclosed one waits in cell_tail (bounded by the cell-text limit checked above)."""
        data = self.cell_tail + piece if self.cell_tail else piece
        pos = data.rfind(b"<c")
        while pos >= 0 and data[pos + 2:pos + 3] not in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
            pos = data.rfind(b"<c", 0, pos)
        region = data
        self.cell_tail = b""
        if pos >= 0:
            open_end = data.find(b">", pos)
            closed = open_end != -1 and (data[open_end - 1:open_end] == b"/" or data.find(b"</c>", open_end) != -1)
            if not closed:
                region, self.cell_tail = data[:pos], data[pos:]
        if not FORMULA_TAG.search(region):
            return
        for match in CELL_ELEMENT.finditer(region):
            body = match.group(2)
            if not body or not FORMULA_TAG.search(body):
                continue
            attrs = match.group(1) or b""
            ref = CELL_REF.search(attrs)
            formula = FORMULA_ELEMENT.search(body)
            text = unescape(formula.group(2).decode("utf-8", "replace")) if formula and formula.group(2) else ""
            coord = ref.group(1).decode().upper() + ref.group(2).decode() if ref else ""
            f_attrs = formula.group(1) or b"" if formula else b""
            if SHARED_KIND.search(f_attrs):
                si = SHARED_INDEX.search(f_attrs)
                if si and text:
                    self.shared_formulas[si.group(1)] = (text, coord)
                elif si and si.group(1) in self.shared_formulas and coord:
                    text = _translate(*self.shared_formulas[si.group(1)], coord)
            value = VALUE_ELEMENT.search(body)
            cell_type = CELL_TYPE.search(attrs)
            # Excel saves a formula's result in <v>; other writers leave it out or empty (<v/>).
            # Only a text formula (t="str") may legitimately evaluate to "".
            if value is not None and (value.group(1) or (cell_type and cell_type.group(1) == b"str")):
                continue
            if ref:
                row, column = int(ref.group(2)), column_index_from_string(ref.group(1).decode().upper())
                self.bare_formulas[(row, column)] = f"={text}" if text else ""

    def finish(self):
        if self.is_sheet:
            self.gate.facts.rows[self.sheet] = self.value_rows
            self.gate.facts.merged[self.sheet] = self.merged
            self.gate.facts.last_row[self.sheet] = max(self.last_row, self.rows)
            self.gate.facts.bare_formulas[self.sheet] = self.bare_formulas
        if self.is_strings:
            self.gate.facts.shared_strings += self.strings


def _translate(text, origin, coord):
    """A shared formula as it reads in one of the cells sharing it (=B2*2 in D2 is =B3*2 in D3)."""
    from openpyxl.formula.translate import Translator

    try:
        return Translator(f"={text}", origin).translate_formula(coord)[1:]
    except Exception:  # noqa: BLE001 - a formula we cannot translate is still reported, without its text
        return ""
