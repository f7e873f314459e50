"""The materials package (迎检资料包): one zip, a folder per indicator, only accepted documents.

Layout, following the archive conventions the campaigns use (a master index and a per-volume
index listing file number, title, document number, date and pages; sorted by year then
content):

    00 总目录.xlsx / 00 总目录.pdf
    1.2 城市园林绿化建设维护专项资金/
        00 目录.xlsx / 00 目录.pdf
        1.2-01 2024年园林绿化专项资金预算.pdf
        …

File numbers are `<indicator code>-<nn>` in the order of the index: requirement order, then
the document's own date, then its title.
"""
import io
import logging
import re
import tempfile
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook

from organizations.excel import BORDER, TITLE_FONT, WRAP, set_text, write_header
from organizations.pdf import render_pdf

from .models import MaterialDocument, MaterialFile, MaterialPackage

logger = logging.getLogger(__name__)

UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
INDEX_HEADERS = ("文件编号", "题名", "文号", "成文日期", "页数", "报送单位", "资料要求")
MASTER_HEADERS = ("文件编号", "指标", "题名", "文号", "成文日期", "页数", "报送单位")


class PackageError(Exception):
    pass


def safe_name(text, limit=60):
    return UNSAFE.sub("_", text).strip(" .")[:limit] or "_"


@dataclass
class Entry:
    number: str
    indicator_code: str
    indicator_name: str
    folder: str
    document: MaterialDocument
    version: MaterialFile

    @property
    def arcname(self):
        return f"{self.folder}/{self.number} {safe_name(self.document.title)}.{self.version.extension}"


def package_entries(campaign):
    """The accepted documents of the campaign, numbered, in index order (two queries)."""
    documents = list(
        MaterialDocument.objects.filter(assignment__campaign=campaign, review=MaterialDocument.Review.ACCEPTED)
        .select_related("assignment__requirement__indicator", "assignment__unit")
        .order_by("assignment__requirement__indicator__standard_id", "assignment__requirement__indicator__order",
                  "assignment__requirement__order", "doc_date", "title", "id"))
    # The version the office accepted (a later upload is impossible once accepted; the
    # reviewed number guards against a file added out of band).
    versions = {}
    for v in MaterialFile.objects.filter(document__in=documents, number=F("document__reviewed_version")):
        versions[v.document_id] = v
    entries, counters = [], {}
    for d in documents:
        version = versions.get(d.pk)
        if version is None:
            continue
        indicator = d.assignment.requirement.indicator
        counters[indicator.pk] = counters.get(indicator.pk, 0) + 1
        entries.append(Entry(
            number=f"{indicator.code}-{counters[indicator.pk]:02d}", indicator_code=indicator.code,
            indicator_name=indicator.name, folder=safe_name(f"{indicator.code} {indicator.name}"),
            document=d, version=version))
    return entries


def _row(entry, master):
    d = entry.document
    base = [entry.number, d.title, d.doc_number, d.doc_date.isoformat(), d.pages, d.assignment.unit.name]
    if master:
        return [entry.number, f"{entry.indicator_code} {entry.indicator_name}", *base[1:]]
    return [*base, d.assignment.requirement.title]


def index_xlsx(title, entries, *, master):
    wb = Workbook()
    ws = wb.active
    ws.title = "目录"
    set_text(ws.cell(row=1, column=1), title).font = TITLE_FONT
    headers = MASTER_HEADERS if master else INDEX_HEADERS
    write_header(ws, 2, headers, widths=[12, 36, 40, 24, 12, 8, 20] if master else [12, 40, 24, 12, 8, 20, 30])
    for i, entry in enumerate(entries, start=3):
        for col, value in enumerate(_row(entry, master), start=1):
            cell = set_text(ws.cell(row=i, column=col), value)
            cell.border, cell.alignment = BORDER, WRAP
    total_row = len(entries) + 3
    set_text(ws.cell(row=total_row, column=1), "合计")
    ws.cell(row=total_row, column=headers.index("页数") + 1, value=sum(e.document.pages for e in entries))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def index_pdf(title, campaign, entries, *, master):
    # Archive indexes are official documents: Chinese, like supervision orders.
    with override(settings.LANGUAGE_CODE):
        return render_pdf("visits/package_index_pdf.html", {
            "title": title, "campaign": campaign, "headers": MASTER_HEADERS if master else INDEX_HEADERS,
            "rows": [_row(e, master) for e in entries], "pages": sum(e.document.pages for e in entries),
            "made_on": timezone.localdate()})


def material_package_build(*, package_id, with_pdf=True):
    """Build the zip for a queued package, reporting files done as it goes. Claimed with a
    conditional UPDATE so a second delivery of the job does nothing."""
    claimed = MaterialPackage.objects.filter(pk=package_id, state=MaterialPackage.State.QUEUED).update(
        state=MaterialPackage.State.BUILDING)
    if not claimed:
        return None
    package = MaterialPackage.objects.select_related("campaign").get(pk=package_id)
    mine = MaterialPackage.objects.filter(pk=package_id)
    try:
        entries = package_entries(package.campaign)
        folders = {}
        for e in entries:
            folders.setdefault(e.folder, []).append(e)
        mine.update(files_total=len(entries), files_done=0)
        with tempfile.TemporaryFile() as tmp:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                master_title = f"{package.campaign.name} 迎检资料总目录"
                zf.writestr("00 总目录.xlsx", index_xlsx(master_title, entries, master=True))
                if with_pdf:
                    zf.writestr("00 总目录.pdf", index_pdf(master_title, package.campaign, entries, master=True))
                done = 0
                for folder, folder_entries in folders.items():
                    title = f"{folder} 资料目录"
                    zf.writestr(f"{folder}/00 目录.xlsx", index_xlsx(title, folder_entries, master=False))
                    if with_pdf:
                        zf.writestr(f"{folder}/00 目录.pdf",
                                    index_pdf(title, package.campaign, folder_entries, master=False))
                    for e in folder_entries:
                        try:
                            with e.version.file.open("rb") as fh:
                                zf.writestr(e.arcname, fh.read())
                        except FileNotFoundError:
                            # A package missing an accepted file would mislead the experts: fail, naming it.
                            raise PackageError(_("文件缺失：%(n)s「%(t)s」（%(u)s）") % {
                                "n": e.number, "t": e.document.title, "u": e.document.assignment.unit.name}) from None
                        done += 1
                        mine.update(files_done=done)
            tmp.seek(0)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            package.file.save(f"materials-{package.campaign_id}-{stamp}.zip", File(tmp), save=False)
        mine.update(state=MaterialPackage.State.READY, file=package.file.name, files_done=len(entries),
                    document_count=len(entries), finished_at=timezone.now())
    except Exception as exc:
        logger.exception("material package %s failed", package_id)
        mine.update(state=MaterialPackage.State.FAILED, error=_("生成失败：%(e)s") % {"e": exc},
                    finished_at=timezone.now())
    package.refresh_from_db()
    return package
