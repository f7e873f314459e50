"""django-import-export in the admin, on the product's terms.

Every ImportExport admin uses `GatedImportExportMixin`, which means:
- imports: .xlsx through spreadsheets.gate (the same limits as every other upload path) and
  CSV within the same byte, row, column and cell-length limits; no other format (YAML, HTML,
  ODS, XLS each bring a parser of their own);
- no Python traceback on the page, whatever DEBUG says: a clear message instead;
- exports: .xlsx cells written as text through organizations.excel.set_text and CSV cells
  escaped with csv_safe, so a holiday named `=cmd|' /C calc'!A0` stays text.
"""
import io

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ImportForm
from openpyxl import Workbook

from organizations.excel import csv_safe, set_text

from .gate import OLE2_MAGIC, ZIP_MAGIC, Limits, WorkbookRefused, check_workbook


class GatedXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        check_workbook(in_stream, getattr(self, "file_name", "") or _("导入文件.xlsx"))
        return super().create_dataset(in_stream)

    def export_data(self, dataset, **kwargs):
        wb = Workbook()
        ws = wb.active
        ws.title = (dataset.title or "Sheet1")[:31]
        for col, header in enumerate(dataset.headers or [], start=1):
            set_text(ws.cell(row=1, column=col), header)
        first = 2 if dataset.headers else 1
        for r, row in enumerate(dataset, start=first):
            for col, value in enumerate(row, start=1):
                set_text(ws.cell(row=r, column=col), value)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()


class SafeCSV(base_formats.CSV):
    def create_dataset(self, in_stream, **kwargs):
        limits = Limits.from_settings()
        name = getattr(self, "file_name", "") or _("导入文件.csv")
        text = in_stream.decode(self.encoding or "utf-8-sig") if isinstance(in_stream, bytes) else in_stream
        if text.count("\n") > limits.rows:
            raise WorkbookRefused(_("「%(file)s」超过 %(limit)s 行的上限：请拆成几个文件后再导入。")
                                  % {"file": name, "limit": limits.rows}, file_name=name, limit="rows")
        dataset = super().create_dataset(text, **kwargs)
        if dataset.width > limits.columns:
            raise WorkbookRefused(_("「%(file)s」超过 %(limit)s 列的上限。") % {"file": name, "limit": limits.columns},
                                  file_name=name, limit="columns")
        return dataset

    def export_data(self, dataset, **kwargs):
        safe = tablib.Dataset(headers=[csv_safe(h) for h in dataset.headers or []])
        for row in dataset:
            safe.append([csv_safe(value) for value in row])
        return safe.export("csv", **kwargs)


FORMATS = [GatedXLSX, SafeCSV]


class GatedImportForm(ImportForm):
    # Django's own "empty file" message does not name the file; ours does.
    import_file = forms.FileField(label=gettext_lazy("要导入的文件"), allow_empty_file=True)

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.format_classes = formats

    def clean(self):
        cleaned = super().clean()
        upload, index = cleaned.get("import_file"), cleaned.get("format")
        if upload is None or index in (None, ""):
            return cleaned
        name = upload.name or ""
        if upload.size > settings.UPLOAD_MAX_BYTES:
            self.add_error("import_file", _("「%(file)s」有 %(size)s MB，超过 %(limit)s MB 的上传上限。") % {
                "file": name, "size": f"{upload.size / 1024 / 1024:.1f}",
                "limit": f"{settings.UPLOAD_MAX_BYTES / 1024 / 1024:g}"})
            return cleaned
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        chosen = self.format_classes[int(index)]
        workbook_like = head.startswith((ZIP_MAGIC, OLE2_MAGIC)) or name.lower().endswith((".xlsx", ".xlsm", ".xls"))
        if issubclass(chosen, base_formats.XLSX) or workbook_like or not upload.size:
            try:
                check_workbook(upload, name)
            except WorkbookRefused as exc:
                self.add_error("import_file", exc.message)
                return cleaned
            if not issubclass(chosen, base_formats.XLSX):
                self.add_error("format", _("「%(file)s」是 Excel 工作簿：请在「格式」中选择 xlsx。") % {"file": name})
        return cleaned


class GatedImportExportMixin(ImportExportMixin):
    import_form_class = GatedImportForm
    import_template_name = "admin/import_export/import_gated.html"
    import_error_display = ("message",)

    @property
    def formats(self):
        return FORMATS

    @property
    def import_formats(self):
        return FORMATS

    @property
    def export_formats(self):
        return FORMATS

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, WorkbookRefused):
            form.add_error("import_file", e.message)
        else:  # the library's message names the exception class; the user needs what to do
            form.add_error("import_file", _("无法读取这个文件：请确认「格式」与文件一致（xlsx 或 csv），并按导出的表头填写后"
                                            "再导入。"))

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except (WorkbookRefused, UnicodeDecodeError, ValueError, KeyError, OSError) as exc:
            # The file was checked at the first step; this is a changed or expired temporary file.
            messages.error(request, exc.message if isinstance(exc, WorkbookRefused) else
                           _("导入失败：临时文件已失效或无法读取，请重新选择文件导入。"))
            info = self.get_model_info()
            return HttpResponseRedirect(reverse("admin:%s_%s_import" % info, current_app=self.admin_site.name))
