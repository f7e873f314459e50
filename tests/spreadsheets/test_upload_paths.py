"""Every hostile file against every upload path, as the user who may use that path.

Each is refused with a message (naming the file where the body was read at all), writes no
row and no file, never reaches openpyxl.load_workbook (the gate refused it first), and the
request's peak memory growth stays under 100 MB.
"""
import tracemalloc
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from indicators.models import Campaign, Tier
from organizations.models import AuditEntry
from tests.factories import make_standard
from tests.spreadsheets.corpus import HOSTILE, MB, content

PEAK_LIMIT = 100 * MB
APPS_WRITTEN_BY_IMPORTS = ("ledgers", "tasks", "indicators", "spreadsheets")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def world(city, office_unit, unit_a):
    standard, _node = make_standard(code="garden-test")
    campaign = Campaign.objects.create(name="测试市国家园林城市复查", city=city, office=office_unit,
                                       kind="re_inspection", tier=Tier.GARDEN, is_active=True)
    campaign.standards.add(standard)
    return campaign


@pytest.fixture
def load_workbook_calls(monkeypatch):
    """Every way the code under test reaches openpyxl's reader, wrapped to count calls."""
    calls = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    for target in ("openpyxl.load_workbook", "openpyxl.reader.excel.load_workbook", "spreadsheets.reader.load_workbook"):
        monkeypatch.setattr(target, spy)
    return calls


def row_counts():
    models = [m for m in apps.get_models() if m._meta.app_label in APPS_WRITTEN_BY_IMPORTS] + [AuditEntry]
    return {m._meta.label: m._default_manager.count() for m in models}


def files_under(folder):
    return sorted(p for p in Path(folder).rglob("*") if p.is_file())


def post_measured(client, url, data):
    """POST multipart data, measuring only the request (the body is encoded beforehand)."""
    body = encode_multipart(BOUNDARY, data)
    tracemalloc.start()
    try:
        response = client.generic("POST", url, body, content_type=MULTIPART_CONTENT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return response, peak


def upload_file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def ledger_path(client_for, lead_staff, unit_a, **_):
    return client_for(lead_staff), "/ledgers/upload/", lambda f: {"unit": unit_a.pk, "ledger_type": "parks", "file": f}


def tasks_path(client_for, office_admin, **_):
    return client_for(office_admin), "/tasks/import/", lambda f: {"file": f}


def standards_path(client_for, office_admin, **_):
    return client_for(office_admin), "/standards/garden-test/import/", lambda f: {"file": f}


def admin_holiday_xlsx(client, root, **_):
    client.force_login(root)
    return client, "/admin/indicators/holiday/import/", lambda f: {"resource": "0", "format": "0", "import_file": f}


def admin_holiday_csv(client, root, **_):
    # The same files with "csv" chosen as the format: refused by content all the same.
    client.force_login(root)
    return client, "/admin/indicators/holiday/import/", lambda f: {"resource": "0", "format": "1", "import_file": f}


PATHS = [ledger_path, tasks_path, standards_path, admin_holiday_xlsx, admin_holiday_csv]


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", password="x")


class UploadPathTests:
    @pytest.mark.parametrize("path", PATHS, ids=[p.__name__ for p in PATHS])
    @pytest.mark.parametrize("hostile", HOSTILE, ids=[h.key for h in HOSTILE])
    def test_it_refuses_every_hostile_file_on_every_path(self, hostile, path, world, client, client_for, lead_staff,
                                                        office_admin, unit_a, root, load_workbook_calls, media_root):
        http, url, form = path(client=client, client_for=client_for, lead_staff=lead_staff,
                               office_admin=office_admin, unit_a=unit_a, root=root)
        data = content(hostile.key)
        before = row_counts()

        response, peak = post_measured(http, url, form(upload_file(hostile.name, data)))

        body = response.content.decode()
        assert response.status_code in (200, 400, 413)  # the admin re-renders its form with 200
        if response.status_code == 413:
            assert "上限" in body  # refused from Content-Length, before the body (and its name) was read
        else:
            assert hostile.name in body, body[:2000]
            assert "errorlist" in body or "alert" in body or "error" in body
        assert "Traceback" not in body
        assert row_counts() == before
        assert files_under(media_root) == []
        assert load_workbook_calls == []
        assert peak < PEAK_LIMIT, f"{peak / MB:.0f} MB"

    @pytest.mark.parametrize("path", PATHS[:4], ids=[p.__name__ for p in PATHS[:4]])
    def test_a_real_workbook_still_reaches_the_reader(self, path, world, client, client_for, lead_staff, office_admin,
                                                     unit_a, root, load_workbook_calls):
        from tests.spreadsheets.corpus import plain_workbook

        http, url, form = path(client=client, client_for=client_for, lead_staff=lead_staff,
                               office_admin=office_admin, unit_a=unit_a, root=root)
        http.post(url, form(upload_file("节假日.xlsx", plain_workbook())))
        assert load_workbook_calls, "the spy must see a file the gate lets through, or it proves nothing"
