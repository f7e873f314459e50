"""The admin's import-export pages: gated imports, no traceback, formula-safe exports."""
import csv
import io
import zipfile
from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from import_export.mixins import BaseExportMixin, BaseImportMixin

from indicators.models import Holiday
from spreadsheets.admin import FORMATS, GatedImportExportMixin
from tests.spreadsheets.corpus import plain_workbook

HOSTILE_NAMES = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/","点我")', "@SUM(1+1)*cmd|' /C calc'!A0",
                 "+1+cmd|' /C calc'!A0", "-1+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
EXPORT_FIELDS = {"holidayresource_date": "on", "holidayresource_name": "on", "holidayresource_is_workday": "on"}


@pytest.fixture
def root_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    return client


def import_page(client, data, name, fmt="0"):
    return client.post("/admin/indicators/holiday/import/",
                       {"resource": "0", "format": fmt, "import_file": SimpleUploadedFile(name, data)})


class AdminImportTests:
    def test_every_import_export_admin_is_gated(self):
        registered = [a for a in admin.site._registry.values() if isinstance(a, (BaseImportMixin, BaseExportMixin))]
        assert registered, "the holiday calendar at least"
        for model_admin in registered:
            assert isinstance(model_admin, GatedImportExportMixin), type(model_admin).__name__
            assert model_admin.get_import_formats() == FORMATS and model_admin.get_export_formats() == FORMATS

    def test_a_real_calendar_imports_through_the_gate(self, root_client):
        response = import_page(root_client, plain_workbook(), "节假日.xlsx")
        assert response.status_code == 200 and response.context["confirm_form"] is not None
        confirm = response.context["confirm_form"].initial
        response = root_client.post("/admin/indicators/holiday/process_import/", confirm)
        assert response.status_code == 302
        assert list(Holiday.objects.values_list("date", "name")) == [(date(2026, 10, 1), "国庆节")]

    def test_a_file_with_the_wrong_headers_shows_a_message_not_a_traceback(self, root_client, settings):
        settings.DEBUG = False
        response = import_page(root_client, "名称,调休上班\n国庆节,0\n".encode(), "节假日.csv", fmt="1")
        body = response.content.decode()
        assert response.status_code == 200
        assert "Traceback" not in body and "File &quot;" not in body and 'File "' not in body
        assert "导入失败，数据库未作任何修改" in body
        assert not Holiday.objects.exists()

    def test_an_unreadable_file_is_named_in_words_not_by_exception_class(self, root_client):
        response = import_page(root_client, b"\xff\xfe\x00garbage", "节假日.csv", fmt="1")
        body = response.content.decode()
        assert "UnicodeDecodeError" not in body and "无法读取这个文件" in body

    def test_an_empty_file_is_named(self, root_client):
        body = import_page(root_client, b"", "节假日.xlsx").content.decode()
        assert "「节假日.xlsx」是空文件" in body

    def test_a_workbook_sent_as_csv_is_told_to_choose_xlsx(self, root_client):
        body = import_page(root_client, plain_workbook(), "节假日.xlsx", fmt="1").content.decode()
        assert "请在「格式」中选择 xlsx" in body and not Holiday.objects.exists()

    def test_a_stale_confirmation_redirects_with_a_message(self, root_client):
        response = root_client.post("/admin/indicators/holiday/process_import/", {
            "import_file_name": "gone.bin", "original_file_name": "节假日.xlsx", "format": "0", "resource": "0"})
        assert response.status_code == 302 and response["Location"] == "/admin/indicators/holiday/import/"
        assert not Holiday.objects.exists()


class AdminExportTests:
    @pytest.fixture
    def hostile_holidays(self, db):
        for day, name in enumerate(HOSTILE_NAMES, start=1):
            Holiday.objects.create(date=date(2026, 1, day), name=name)

    def test_the_xlsx_export_holds_no_live_formula(self, root_client, hostile_holidays):
        response = root_client.post("/admin/indicators/holiday/export/", {"format": "0", "resource": "0",
                                                                           **EXPORT_FIELDS})
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            sheet = z.read("xl/worksheets/sheet1.xml")
        assert b"<f>" not in sheet and b"<f " not in sheet
        from openpyxl import load_workbook

        ws = load_workbook(io.BytesIO(response.content)).active
        names = [ws.cell(row=r, column=2) for r in range(2, 2 + len(HOSTILE_NAMES))]
        assert {c.value for c in names} == {n.replace("\r", "\n") for n in HOSTILE_NAMES}  # XML reads CR as LF
        assert all(c.data_type == "s" for c in names)
        assert all(c.quotePrefix for c in names)  # shown as typed, never evaluated on edit

    def test_the_csv_export_escapes_formula_starts(self, root_client, hostile_holidays):
        response = root_client.post("/admin/indicators/holiday/export/", {"format": "1", "resource": "0",
                                                                           **EXPORT_FIELDS})
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        names = [r[1] for r in rows[1:]]
        assert sorted(names) == sorted("'" + n for n in HOSTILE_NAMES)
        assert not [n for n in names if n[:1] in ("=", "+", "-", "@", "\t", "\r")]
