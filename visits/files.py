"""What a material file *is*, from its bytes, not its name: PDF, a JPEG / PNG picture (through
the photo intake's header checks) or an Office Open XML document (.docx / .xlsx / .pptx; a
workbook passes the spreadsheet gate, the others the same zip and macro checks). Old binary
Office files (.doc / .xls / .ppt) and anything with macros are refused: they may carry code."""
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from spreadsheets.gate import MACRO_NAME_WORDS, OLE2_MAGIC, ZIP_MAGIC, WorkbookRefused, check_workbook

# The main part of each OOXML kind: a .docx must hold word/document.xml, and so on.
OOXML_MAIN = {"word/document.xml": "docx", "ppt/presentation.xml": "pptx", "xl/workbook.xml": "xlsx"}
OOXML_MAX_PARTS = 2000
OOXML_MAX_TOTAL = 500 * 1024 * 1024
OOXML_MAX_RATIO = 200


@dataclass
class CheckedFile:
    name: str
    extension: str
    kind: str
    size: int
    sha256: str
    content: bytes


def _refuse(message, code):
    raise ValidationError(message, code=code)


def check_material_file(upload):
    """Return a CheckedFile or raise ValidationError naming the file, in Chinese."""
    name = PurePath(getattr(upload, "name", "") or "file").name
    size = getattr(upload, "size", None)
    cap = settings.UPLOAD_MAX_BYTES
    if size is not None and size > cap:
        _refuse(_("「%(name)s」超过 %(mb)s MB 的上传上限。") % {"name": name, "mb": cap // (1024 * 1024)}, "too_large")
    upload.seek(0)
    content = upload.read(cap + 1)
    if len(content) > cap:
        _refuse(_("「%(name)s」超过 %(mb)s MB 的上传上限。") % {"name": name, "mb": cap // (1024 * 1024)}, "too_large")
    if not content:
        _refuse(_("「%(name)s」是空文件。") % {"name": name}, "empty")
    head = content[:16]
    digest = hashlib.sha256(content).hexdigest()
    if head.startswith(b"%PDF-"):
        return CheckedFile(name, "pdf", "pdf", len(content), digest, content)
    if head.startswith(OLE2_MAGIC):
        _refuse(_("「%(name)s」是旧版 Office 文件（.doc/.xls/.ppt）或加密文件：请另存为 PDF、.docx、.xlsx 或 .pptx "
                  "后再上传。") % {"name": name}, "legacy_office")
    if head.startswith(ZIP_MAGIC):
        return CheckedFile(name, _check_ooxml(content, name), "office", len(content), digest, content)
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from inspections.photos import inspect_photo

        inspected = inspect_photo(SimpleUploadedFile(name, content))
        extension = "png" if inspected.image.format == "PNG" else "jpg"
        return CheckedFile(name, extension, "image", len(content), digest, content)
    _refuse(_("「%(name)s」不是可接收的文件：只接收 PDF、JPEG / PNG 图片和 Word / Excel / PowerPoint "
              "（.docx / .xlsx / .pptx）文件。") % {"name": name}, "type")


def _check_ooxml(content, name):
    from io import BytesIO

    not_office = _("「%(name)s」不是可识别的 Office 文档（.docx / .xlsx / .pptx）。") % {"name": name}
    try:
        archive = zipfile.ZipFile(BytesIO(content))
    except zipfile.BadZipFile:
        _refuse(not_office, "type")
    with archive:
        infos = archive.infolist()
        if len(infos) > OOXML_MAX_PARTS:
            _refuse(not_office, "parts")
        total = 0
        names = set()
        for info in infos:
            lowered = info.filename.lower()
            if any(word in lowered for word in MACRO_NAME_WORDS):
                _refuse(_("「%(name)s」含有宏或控件，出于安全原因不予接收：请另存为不含宏的文件或 PDF 后再上传。")
                        % {"name": name}, "macro")
            if info.flag_bits & 0x1:
                _refuse(not_office, "encrypted")
            total += info.file_size
            if info.compress_size and info.file_size > 1024 * 1024 \
                    and info.file_size / info.compress_size > OOXML_MAX_RATIO:
                _refuse(not_office, "ratio")
            names.add(info.filename)
        if total > OOXML_MAX_TOTAL or "[Content_Types].xml" not in names:
            _refuse(not_office, "structure")
    kinds = [ext for part, ext in OOXML_MAIN.items() if part in names]
    if len(kinds) != 1:
        _refuse(not_office, "structure")
    if kinds[0] == "xlsx":
        try:
            check_workbook(content, name)
        except WorkbookRefused as exc:
            raise ValidationError(str(exc), code="workbook") from exc
    return kinds[0]
