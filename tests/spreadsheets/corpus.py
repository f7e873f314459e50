"""The hostile-file corpus, built by code (no binary fixtures).

Bombs are honest: each part really expands to what its zip entry says (CRC included), but
is written small and fast. A repeated unit is deflated once after a full flush, which resets
the compressor, so its compressed bytes can simply be repeated; a 200 MB part costs a few KB
on disk and a CRC pass to build.
"""
import io
import struct
import zlib
from dataclasses import dataclass
from functools import cache

from openpyxl import Workbook
from PIL import Image

MB = 1024 * 1024
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
MACRO_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


class Part:
    """One zip member: `data`, or `head + unit * count + tail` built without holding it."""

    def __init__(self, name, data=b"", *, head=b"", unit=b"", count=0, tail=b""):
        self.name = name
        if count:
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
            block = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
            again = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
            assert block == again, "a full flush must make the unit's compressed bytes repeatable"
            last = compressor.compress(tail) + compressor.flush()
            self.compressed = first + block * count + last
            crc = zlib.crc32(head)
            for _ in range(count):
                crc = zlib.crc32(unit, crc)
            self.crc = zlib.crc32(tail, crc)
            self.size = len(head) + len(unit) * count + len(tail)
        else:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            self.compressed = compressor.compress(data) + compressor.flush()
            self.crc = zlib.crc32(data)
            self.size = len(data)


def build_zip(parts, prefix=b""):
    """A zip of deflated parts, optionally after `prefix` bytes (offsets adjusted, as zip -A does)."""
    out = io.BytesIO()
    out.write(prefix)
    central = []
    for part in parts:
        name = part.name.encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, part.crc, len(part.compressed),
                              part.size, len(name), 0))
        out.write(name)
        out.write(part.compressed)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, part.crc,
                                   len(part.compressed), part.size, len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


@cache
def plain_workbook():
    """A small, real workbook: the base every hostile variant is made from."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["日期", "名称", "调休上班"])
    ws.append(["2026-10-01", "国庆节", "0"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def plain_parts():
    import zipfile

    with zipfile.ZipFile(io.BytesIO(plain_workbook())) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def variant(replace=None, add=None, drop=(), prefix=b""):
    """The plain workbook with some parts replaced (bytes or Part), added or dropped."""
    members = plain_parts()
    for name in drop:
        members.pop(name)
    members.update(replace or {})
    members.update(add or {})
    parts = [m if isinstance(m, Part) else Part(name, m) for name, m in members.items()]
    return build_zip(parts, prefix=prefix)


def with_content_types(extra_defaults="", workbook_type=None):
    types = plain_parts()["[Content_Types].xml"].decode()
    if workbook_type:
        types = types.replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                              workbook_type)
    return types.replace("</Types>", extra_defaults + "</Types>").encode()


def sheet(body, dimension=b"A1:C2"):
    return SHEET_HEAD + b'<dimension ref="' + dimension + b'"/><sheetData>' + body + b"</sheetData></worksheet>"


def sheet_part(unit, count, *, head_rows=b"", dimension=b"A1:C2"):
    return Part("xl/worksheets/sheet1.xml", head=SHEET_HEAD + b'<dimension ref="' + dimension + b'"/><sheetData>'
                + head_rows, unit=unit, count=count, tail=b"</sheetData></worksheet>")


def jpeg(width=64, height=48):
    out = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(out, "JPEG")
    return out.getvalue()


def png_header_only(width, height):
    """A PNG whose header claims width x height: Pillow reads the size without decoding."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))  # the IHDR chunk's CRC
    return bytes(data)


# --- the corpus ---------------------------------------------------------------------------

XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&x;</t></si></sst>')
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
            b'<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
VBA_TYPES = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')


@dataclass(frozen=True)
class Hostile:
    key: str
    name: str
    build: object  # () -> bytes
    image: bool = False  # also thrown at the photo upload


def _macro():
    return variant(replace={"[Content_Types].xml": with_content_types(VBA_TYPES, MACRO_WORKBOOK_TYPE)},
                   add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504})


def _huge_part():
    return variant(replace={"xl/worksheets/sheet1.xml": sheet_part(b" " * MB, 120)})


def _many_parts():
    return variant(add={f"xl/media/image{i}.png": b"" for i in range(1200)})


def _huge_total():
    # Three parts each under the part limit, together over the total; also the ratio's case.
    return variant(add={f"customXml/item{i}.xml": Part(f"customXml/item{i}.xml", head=b"<a>", unit=b" " * MB,
                                                         count=80, tail=b"</a>") for i in range(3)})


def _huge_string_table():
    return variant(replace={"[Content_Types].xml": with_content_types(STRINGS_TYPE)},
                   add={"xl/sharedStrings.xml": Part("xl/sharedStrings.xml", head=b'<sst xmlns="http://schemas.'
                                                     b'openxmlformats.org/spreadsheetml/2006/main">',
                                                     unit=b"<si><t>x</t></si>" * 4096, count=1000, tail=b"</sst>")})


def _huge_inline_string():
    # The file: one cell, one string of 190 MB, a couple of hundred KB on disk.
    return variant(replace={"xl/worksheets/sheet1.xml": sheet_part(b"a" * MB, 190, head_rows=b'<row r="1"><c r="A1" '
                                                                   b't="inlineStr"><is><t>')})


def _rows_by_dimension():
    return variant(replace={"xl/worksheets/sheet1.xml": sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>',
                                                              b"A1:C1048576")})


def _columns_by_dimension():
    return variant(replace={"xl/worksheets/sheet1.xml": sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>',
                                                              b"A1:XFD1")})


def _rows_for_real():
    # A million rows without numbers (so by position), 24 MB of XML.
    return variant(replace={"xl/worksheets/sheet1.xml": sheet_part(b"<row><c><v>1</v></c></row>" * 4096, 256,
                                                                   dimension=b"A1")})


def _far_row():
    return variant(replace={"xl/worksheets/sheet1.xml": sheet(b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>',
                                                              b"A1")})


def _far_column():
    return variant(replace={"xl/worksheets/sheet1.xml": sheet(b'<row r="1"><c r="XFD1"><v>1</v></c></row>', b"A1")})


def _xxe():
    return variant(replace={"[Content_Types].xml": with_content_types(STRINGS_TYPE)},
                   add={"xl/sharedStrings.xml": XXE})


def _laughs():
    return variant(replace={"xl/worksheets/sheet1.xml": LAUGHS})


def _macro_sheet_only():
    types = ('<Override PartName="/xl/macrosheets/sheet2.xml" '
             'ContentType="application/vnd.ms-excel.macrosheet+xml"/>')
    return variant(replace={"[Content_Types].xml": with_content_types(types)},
                   add={"xl/macrosheets/sheet2.xml": b"<xm:macrosheet/>"})


def _macro_type_only():
    return variant(replace={"[Content_Types].xml": with_content_types("", MACRO_WORKBOOK_TYPE)})


def _jpeg_polyglot():
    return jpeg() + plain_workbook()


def _oversize():
    from django.conf import settings

    return b"PK\x03\x04" + b"\0" * (settings.UPLOAD_MAX_BYTES + 1)


HOSTILE = [
    Hostile("zip_bomb_one_part", "台账.xlsx", _huge_part),
    Hostile("zip_bomb_many_parts", "台账.xlsx", _many_parts),
    Hostile("zip_bomb_total", "台账.xlsx", _huge_total),
    Hostile("zip_bomb_string_table", "台账.xlsx", _huge_string_table),
    Hostile("zip_bomb_inline_string", "台账.xlsx", _huge_inline_string),
    Hostile("rows_by_dimension", "台账.xlsx", _rows_by_dimension),
    Hostile("columns_by_dimension", "台账.xlsx", _columns_by_dimension),
    Hostile("rows_for_real", "台账.xlsx", _rows_for_real),
    Hostile("row_far_down", "台账.xlsx", _far_row),
    Hostile("column_far_right", "台账.xlsx", _far_column),
    Hostile("xxe", "台账.xlsx", _xxe),
    Hostile("billion_laughs", "台账.xlsx", _laughs),
    Hostile("macro_xlsm", "台账.xlsm", _macro),
    Hostile("macro_xlsx", "台账.xlsx", _macro),
    Hostile("macro_xls", "台账.xls", _macro),
    Hostile("macro_no_extension", "台账", _macro),
    Hostile("macro_sheet_xlsx", "台账.xlsx", _macro_sheet_only),
    Hostile("macro_type_xlsx", "台账.xlsx", _macro_type_only),
    Hostile("jpeg_polyglot", "台账.xlsx", _jpeg_polyglot),
    Hostile("empty", "台账.xlsx", lambda: b"", image=True),
    Hostile("oversize", "台账.xlsx", _oversize, image=True),
    Hostile("not_a_zip", "台账.xlsx", lambda: "日期,名称\n2026-10-01,国庆节\n".encode(), image=True),
]


@cache
def content(key):
    return next(h for h in HOSTILE if h.key == key).build()
