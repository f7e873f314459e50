"""The ledger pages: access, methods, the upload → preview → confirm flow and its side rows."""
import io
import json

import pytest
from openpyxl import load_workbook

from indicators.models import IndicatorValue
from ledgers import jobs
from ledgers.models import Ledger, LedgerUpload, LedgerVersion
from ledgers.services import ledger_upload_confirm
from organizations.models import AuditEntry

from .conftest import park, template_with, upload_and_parse, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARK_ROWS = [["公园名称", "所在城区", "公园类型", "面积（m²）", "纬度", "经度", "免费开放", "具备应急避险功能"],
             ["人民公园", "城东区", "综合公园", 120000, 32.05, 118.78, "是", "否"]]


def post_file(client, content, name="公园.xlsx", unit=None, ledger_type="parks", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"unit": unit.pk, "ledger_type": ledger_type, "file": SimpleUploadedFile(name, content), **extra}
    return client.post("/ledgers/upload/", data)


@pytest.fixture
def confirmed(campaign, unit_a, lead_staff):
    upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff, campaign=campaign)
    return ledger_upload_confirm(upload=upload, user=lead_staff)


class LedgerListTests:
    def test_it_requires_login(self, client, campaign):
        assert client.get("/ledgers/").status_code == 302

    def test_it_rejects_the_wrong_method(self, client_for, lead_staff, campaign):
        assert client_for(lead_staff).post("/ledgers/").status_code == 405

    def test_unit_staff_see_only_their_units_ledgers(self, client_for, campaign, confirmed, unit_b, coop_staff,
                                                     lead_staff):
        upload_and_parse(unit_b, "roads", template_with("roads", []), coop_staff)
        body = client_for(lead_staff).get("/ledgers/").content.decode()
        assert "市住建局" in body and "v1" in body
        assert f'data-ledger="{Ledger.objects.get(unit=unit_b).pk}"' not in body

    def test_the_office_sees_every_units_ledgers(self, client_for, campaign, confirmed, unit_b, coop_staff,
                                                 office_admin):
        upload_and_parse(unit_b, "roads", template_with("roads", []), coop_staff)
        body = client_for(office_admin).get("/ledgers/").content.decode()
        assert all(f'data-ledger="{pk}"' in body for pk in Ledger.objects.values_list("pk", flat=True))

    def test_it_counts_open_uploads_once_however_many_versions(self, client_for, lead_staff, unit_a, confirmed):
        ledger_upload_confirm(upload=upload_and_parse(unit_a, "parks", template_with("parks", [park(name="乙")]),
                                                      lead_staff), user=lead_staff)
        upload_and_parse(unit_a, "parks", template_with("parks", [park(name="丙")]), lead_staff)
        body = client_for(lead_staff).get("/ledgers/").content.decode()
        assert "1 份待确认" in body and "共 2 版" in body

    def test_it_offers_every_template(self, client_for, lead_staff, campaign):
        body = client_for(lead_staff).get("/ledgers/").content.decode()
        for name in ("公园名录", "绿地台账", "道路台账", "居住区与单位", "绿道台账", "指标数据填报表"):
            assert name in body


class TemplateDownloadTests:
    def test_it_downloads_an_xlsx_template_with_the_citys_districts(self, client_for, lead_staff, campaign):
        response = client_for(lead_staff).get("/ledgers/templates/parks/")
        assert response.status_code == 200 and response["Content-Type"] == XLSX
        assert "filename*=UTF-8''" in response["Content-Disposition"]
        wb = load_workbook(io.BytesIO(response.content))
        assert [c.value for c in wb["选项"]["A"] if c.value][:4] == ["城东区", "城西区", "城南区", "城北区"]

    def test_an_unknown_type_is_404(self, client_for, lead_staff, campaign):
        assert client_for(lead_staff).get("/ledgers/templates/nothing/").status_code == 404


class UploadViewTests:
    def test_it_requires_login(self, client, campaign):
        assert client.get("/ledgers/upload/").status_code == 302

    def test_leaders_and_inspectors_do_not_upload(self, client_for, leader, inspector, campaign):
        assert client_for(leader).get("/ledgers/upload/").status_code == 403
        assert client_for(inspector).get("/ledgers/upload/").status_code == 403

    def test_a_small_file_is_parsed_at_once_and_shows_its_preview(self, client_for, lead_staff, unit_a, campaign):
        client = client_for(lead_staff)
        response = post_file(client, template_with("parks", [park()]), unit=unit_a)
        upload = LedgerUpload.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/ledgers/uploads/{upload.pk}/"
        assert upload.status == LedgerUpload.Status.READY and upload.campaign == campaign
        body = client.get(response["Location"]).content.decode()
        assert "人民公园" in body and 'data-testid="confirm"' in body
        assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, object_id=str(upload.pk)).exists()

    def test_unit_staff_cannot_upload_for_another_unit(self, client_for, lead_staff, unit_b, campaign):
        response = post_file(client_for(lead_staff), template_with("parks", [park()]), unit=unit_b)
        assert response.status_code == 400 and not LedgerUpload.objects.exists()

    def test_the_office_uploads_for_any_unit(self, client_for, office_admin, unit_b, campaign):
        response = post_file(client_for(office_admin), template_with("parks", [park()]), unit=unit_b)
        assert response.status_code == 302 and LedgerUpload.objects.get().ledger.unit == unit_b

    @pytest.mark.parametrize("name, content, words", [
        ("公园.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 50, "97-2003"),
        ("公园.csv", "公园名称\n人民公园\n".encode(), "CSV"),
        ("公园.xlsm", b"PK\x03\x04" + b"\0" * 50, "宏"),
        ("公园.docx", b"%PDF-1.7", "不是 Excel"),
    ])
    def test_it_refuses_other_files_with_a_clear_message(self, client_for, lead_staff, unit_a, campaign, name,
                                                         content, words):
        response = post_file(client_for(lead_staff), content, name=name, unit=unit_a)
        assert response.status_code == 400 and words in response.content.decode()
        assert not LedgerUpload.objects.exists()

    def test_a_file_over_the_cap_is_413(self, client_for, lead_staff, unit_a, campaign, settings):
        settings.UPLOAD_MAX_BYTES = 1000
        response = post_file(client_for(lead_staff), template_with("parks", [park()]), unit=unit_a)
        assert response.status_code == 413 and "上传上限" in response.content.decode()
        # Declared far over the cap: refused before the body is read.
        response = post_file(client_for(lead_staff), b"PK\x03\x04" + b"\0" * 80_000, unit=unit_a)
        assert response.status_code == 413 and "上传上限" in response.content.decode()
        assert not LedgerUpload.objects.exists()

    def test_a_ledger_over_the_row_limit_is_refused_before_it_is_stored_or_parsed(
            self, client_for, lead_staff, unit_a, campaign, settings, monkeypatch, tmp_path):
        settings.LEDGER_MAX_ROWS = 20
        read = []
        monkeypatch.setattr("ledgers.validation.Book", lambda *a, **k: read.append(a))
        monkeypatch.setattr("ledgers.services.ledger_upload_parse", lambda **k: read.append(k))
        content = template_with("parks", [park(name=f"公园{i}") for i in range(20)])  # and the example row: 21
        response = post_file(client_for(lead_staff), content, name="城东公园.xlsx", unit=unit_a)
        body = response.content.decode()
        assert response.status_code == 400
        assert "「城东公园.xlsx」工作表「公园名录」约有 21 行数据，超过每份台账 20 行的上限" in body
        assert "按区" in body and "LEDGER_MAX_ROWS" in body
        assert read == [] and not LedgerUpload.objects.exists() and not Ledger.objects.exists()
        assert not AuditEntry.objects.exists() and not any(tmp_path.rglob("*.xlsx"))

    def test_the_upload_page_states_the_row_limit(self, client_for, lead_staff, campaign, settings):
        settings.LEDGER_MAX_ROWS = 12345
        body = client_for(lead_staff).get("/ledgers/upload/").content.decode()
        assert "每份台账不超过 12,345 行数据" in body

    def test_a_ledger_at_the_row_limit_imports(self, client_for, lead_staff, unit_a, campaign, settings):
        settings.LEDGER_MAX_ROWS = 21
        content = template_with("parks", [park(name=f"公园{i}") for i in range(20)])
        response = post_file(client_for(lead_staff), content, unit=unit_a)
        upload = LedgerUpload.objects.get()
        assert response.status_code == 302 and upload.status == LedgerUpload.Status.READY
        assert upload.row_count == 20 and upload.error_count == 0

    def test_the_row_limit_looks_only_at_the_sheet_asked_for(self, client_for, lead_staff, unit_a, campaign, settings):
        settings.LEDGER_MAX_ROWS = 5
        content = xlsx(PARK_ROWS, title="公园", extra_sheets=[("底稿", [[i] for i in range(50)])])
        response = post_file(client_for(lead_staff), content, unit=unit_a, sheet_name="公园")
        assert response.status_code == 302 and LedgerUpload.objects.get().status == LedgerUpload.Status.READY
        response = post_file(client_for(lead_staff), content, unit=unit_a)
        assert response.status_code == 400 and "工作表「底稿」约有 47 行数据" in response.content.decode()
        assert LedgerUpload.objects.count() == 1

    def test_a_big_file_is_parsed_by_the_job_queued_after_commit(self, client_for, lead_staff, unit_a, campaign,
                                                                settings, monkeypatch,
                                                                django_capture_on_commit_callbacks):
        settings.LEDGER_INLINE_PARSE_MAX_BYTES = 100
        queued = []
        monkeypatch.setattr("ledgers.views.enqueue", lambda job, *args: queued.append((job, args)) or True)
        client = client_for(lead_staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = post_file(client, template_with("parks", [park(name=f"公园{i}") for i in range(300)]), unit=unit_a)
        upload = LedgerUpload.objects.get()
        assert response.status_code == 302 and upload.status == LedgerUpload.Status.PARSING
        assert queued == [(jobs.parse_ledger_upload, (upload.pk,))]
        page = client.get(f"/ledgers/uploads/{upload.pk}/").content.decode()
        assert "ledger-progress" in page and "js/ledgers.js" in page
        progress = json.loads(client.get(f"/ledgers/uploads/{upload.pk}/progress/").content)
        assert progress["done"] is False and progress["status"] == "parsing"

        jobs.parse_ledger_upload(upload.pk)  # what the worker does

        progress = json.loads(client.get(f"/ledgers/uploads/{upload.pk}/progress/").content)
        assert progress == {**progress, "done": True, "status": "ready", "rows_read": 301, "rows_total": 301,
                            "percent": 100}
        upload.refresh_from_db()
        assert upload.row_count == 300  # and the template's example row, read and skipped

    def test_with_the_broker_down_the_upload_is_parsed_in_the_request(self, client_for, lead_staff, unit_a, campaign,
                                                                     settings, dead_broker,
                                                                     django_capture_on_commit_callbacks):
        settings.LEDGER_INLINE_PARSE_MAX_BYTES = 100
        with django_capture_on_commit_callbacks(execute=True):
            post_file(client_for(lead_staff), template_with("parks", [park()]), unit=unit_a)
        assert LedgerUpload.objects.get().status == LedgerUpload.Status.READY


class UploadDetailTests:
    def test_it_requires_login(self, client, campaign, unit_a, lead_staff):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        assert client.get(f"/ledgers/uploads/{upload.pk}/").status_code == 302

    def test_another_units_upload_is_404(self, client_for, outsider, campaign, unit_a, lead_staff):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        client = client_for(outsider)
        for path in ("", "progress/", "file/"):
            assert client.get(f"/ledgers/uploads/{upload.pk}/{path}").status_code == 404
        for path in ("confirm/", "cancel/", "reparse/"):
            assert client.post(f"/ledgers/uploads/{upload.pk}/{path}").status_code == 404

    def test_it_shows_every_error_and_offers_the_error_workbook(self, client_for, lead_staff, unit_a, campaign):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park(area_m2="约12万")]), lead_staff)
        client = client_for(lead_staff)
        body = client.get(f"/ledgers/uploads/{upload.pk}/").content.decode()
        assert "约12万" in body and "应为数值" in body and 'data-testid="confirm" disabled' in body
        response = client.get(f"/ledgers/uploads/{upload.pk}/errors/")
        assert response.status_code == 200 and response["Content-Type"] == XLSX

    def test_a_fatal_file_shows_its_message(self, client_for, lead_staff, unit_a, campaign):
        from .conftest import xlsx

        upload = upload_and_parse(unit_a, "parks", xlsx([["名称"], ["人民公园"]]), lead_staff)
        body = client_for(lead_staff).get(f"/ledgers/uploads/{upload.pk}/").content.decode()
        assert upload.status == LedgerUpload.Status.FAILED and "缺少必需的列" in body


class ConfirmViewTests:
    def test_it_rejects_the_wrong_method(self, client_for, lead_staff, unit_a, campaign):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        assert client_for(lead_staff).get(f"/ledgers/uploads/{upload.pk}/confirm/").status_code == 405

    def test_confirm_writes_the_version_and_the_overview_shows_the_new_value(self, client_for, lead_staff, unit_a,
                                                                            campaign, city):
        upload = upload_and_parse(unit_a, "compounds", template_with("compounds", [
            {"name": "甲小区", "district": "城东区", "kind": "residential", "garden_rated": True, "lat": "32.05",
             "lng": "118.78", "residential_area_m2": "1000"}]), lead_staff)
        client = client_for(lead_staff)
        response = client.post(f"/ledgers/uploads/{upload.pk}/confirm/")
        version = LedgerVersion.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/ledgers/versions/{version.pk}/"
        value = IndicatorValue.objects.get(measure__key="garden_compound_rate", scope=city)
        body = client.get(f"/campaigns/{campaign.pk}/").content.decode()
        assert 'data-code="2.10" data-status="met"' in body and "100" in body
        version_page = client.get(response["Location"]).content.decode()
        assert f"/ledgers/values/{value.pk}/" in version_page

    def test_an_inspector_who_sees_everything_still_cannot_confirm(self, client_for, inspector, lead_staff, unit_a,
                                                                  campaign):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        assert client_for(inspector).get(f"/ledgers/uploads/{upload.pk}/").status_code == 200
        assert client_for(inspector).post(f"/ledgers/uploads/{upload.pk}/confirm/").status_code == 403
        assert not LedgerVersion.objects.exists()

    def test_only_the_office_may_import_valid_rows_only(self, client_for, lead_staff, office_admin, unit_a, campaign):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="乙", lat="北纬")]),
                                  lead_staff)
        data = {"valid_rows_only": "1"}
        assert client_for(lead_staff).post(f"/ledgers/uploads/{upload.pk}/confirm/", data).status_code == 403
        response = client_for(office_admin).post(f"/ledgers/uploads/{upload.pk}/confirm/", data)
        assert response.status_code == 302 and LedgerVersion.objects.get().row_count == 1

    def test_a_refusal_is_shown_as_a_message(self, client_for, lead_staff, unit_a, campaign):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park(area_m2="x")]), lead_staff)
        client = client_for(lead_staff)
        response = client.post(f"/ledgers/uploads/{upload.pk}/confirm/", follow=True)
        assert "文件中有错误" in response.content.decode() and not LedgerVersion.objects.exists()

    def test_cancel_writes_nothing_and_returns_to_the_ledger(self, client_for, lead_staff, unit_a, campaign):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        response = client_for(lead_staff).post(f"/ledgers/uploads/{upload.pk}/cancel/")
        assert response.status_code == 302 and response["Location"] == f"/ledgers/{upload.ledger_id}/"
        upload.refresh_from_db()
        assert upload.status == LedgerUpload.Status.CANCELLED and not LedgerVersion.objects.exists()

    def test_reparse_reads_another_sheet(self, client_for, lead_staff, unit_a, campaign):
        from .conftest import xlsx

        header = ["公园名称", "所在城区", "公园类型", "面积", "纬度", "经度", "免费开放", "具备应急避险功能"]
        row = ["人民公园", "城东区", "综合公园", 1, 32, 118.7, "是", "是"]
        content = xlsx([header, row], title="2023", extra_sheets=[("2024", [header, row, ["乙"] + row[1:]])])
        upload = upload_and_parse(unit_a, "parks", content, lead_staff)
        assert upload.sheet == "2023"
        client_for(lead_staff).post(f"/ledgers/uploads/{upload.pk}/reparse/", {"sheet": "2024"})
        upload.refresh_from_db()
        assert (upload.sheet, upload.row_count) == ("2024", 2)


class VersionViewTests:
    def test_ledger_and_version_pages_list_versions_rows_and_downloads(self, client_for, lead_staff, confirmed):
        client = client_for(lead_staff)
        version = confirmed.version
        body = client.get(f"/ledgers/{version.ledger_id}/").content.decode()
        assert "v1" in body and "人民公园" in body and version.checksum[:12] in body
        body = client.get(f"/ledgers/versions/{version.pk}/?row=5").content.decode()
        assert 'id="r5" class="ledger-highlight"' in body
        response = client.get(f"/ledgers/versions/{version.pk}/file/")
        assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"

    def test_another_units_ledger_and_versions_are_404(self, client_for, outsider, confirmed):
        client = client_for(outsider)
        version = confirmed.version
        for path in (f"/ledgers/{version.ledger_id}/", f"/ledgers/versions/{version.pk}/",
                     f"/ledgers/versions/{version.pk}/file/"):
            assert client.get(path).status_code == 404, path

    def test_they_require_login_and_get(self, client, client_for, lead_staff, confirmed):
        version = confirmed.version
        assert client.get(f"/ledgers/versions/{version.pk}/").status_code == 302
        assert client_for(lead_staff).post(f"/ledgers/versions/{version.pk}/").status_code == 405


class ValuePageTests:
    def test_it_shows_how_the_number_was_made_down_to_rows(self, client_for, leader, confirmed, city):
        value = IndicatorValue.objects.get(measure__key="comprehensive_parks_per_10k", scope=city)
        body = client_for(leader).get(f"/ledgers/values/{value.pk}/").content.decode()
        assert "综合公园数量 ÷ 城区人口" in body
        assert "公园名录中的综合公园" in body and "人民公园" in body
        assert f"/ledgers/versions/{confirmed.version.pk}/?row=5#r5" in body
        assert "公园名录" in body and "台账.xlsx" in body

    def test_it_requires_login_and_is_404_for_an_unknown_value(self, client, client_for, lead_staff, db):
        assert client.get("/ledgers/values/1/").status_code == 302
        assert client_for(lead_staff).get("/ledgers/values/999/").status_code == 404


class RecomputeViewTests:
    def test_the_office_recomputes_after_changing_campaign_parameters(self, client_for, office_admin, confirmed,
                                                                     campaign, city):
        campaign.urban_population = 40
        campaign.save()
        response = client_for(office_admin).post("/ledgers/recompute/")
        assert response.status_code == 302 and response["Location"] == "/ledgers/"
        value = IndicatorValue.objects.get(measure__key="comprehensive_parks_per_10k", scope=city)
        assert str(value.value) == "0.0250"  # 1 综合公园 / 40 万人

    def test_only_the_office_may_and_only_by_post(self, client, client_for, lead_staff, campaign):
        assert client.post("/ledgers/recompute/").status_code == 302
        assert client_for(lead_staff).post("/ledgers/recompute/").status_code == 403
        assert client_for(lead_staff).get("/ledgers/recompute/").status_code == 405


class NightlyRecomputeTests:
    def test_the_nightly_job_writes_only_values_that_changed(self, confirmed, campaign, city):
        from ledgers.jobs import recompute_ledger_values

        assert recompute_ledger_values() == 0  # nothing changed since the confirmation
        campaign.urban_population = 40
        campaign.save()
        assert recompute_ledger_values() == 1
        assert str(IndicatorValue.objects.get(measure__key="comprehensive_parks_per_10k", scope=city).value) == "0.0250"


class ValuePageScopeTests:
    """A value is everybody's (the overview shows it); the rows of another unit's ledger are not."""

    def test_another_units_rows_file_and_confirmer_are_not_shown(self, client_for, outsider, confirmed, city):
        value = IndicatorValue.objects.get(measure__key="comprehensive_parks_per_10k", scope=city)
        response = client_for(outsider).get(f"/ledgers/values/{value.pk}/")
        body = response.content.decode()
        assert response.status_code == 200 and "综合公园数量 ÷ 城区人口" in body
        for secret in ("人民公园", "台账.xlsx", confirmed.version.checksum[:12], "钱科长", "118.78"):
            assert secret not in body, secret
        assert f"/ledgers/versions/{confirmed.version.pk}/" not in body
        assert "无权查看" in body

    def test_district_staff_do_not_see_a_departments_rows(self, client_for, confirmed, city, districts):
        from organizations.models import Membership
        from tests.conftest import make_user

        chengdong = make_user("chengdong", districts[0], Membership.Role.UNIT_STAFF)
        value = IndicatorValue.objects.get(measure__key="comprehensive_parks_per_10k", scope=city)
        body = client_for(chengdong).get(f"/ledgers/values/{value.pk}/").content.decode()
        assert "人民公园" not in body and "台账.xlsx" not in body

    def test_the_owning_unit_still_sees_its_rows(self, client_for, lead_staff, confirmed, city):
        value = IndicatorValue.objects.get(measure__key="comprehensive_parks_per_10k", scope=city)
        body = client_for(lead_staff).get(f"/ledgers/values/{value.pk}/").content.decode()
        assert "人民公园" in body and "台账.xlsx" in body and "无权查看" not in body


class VersionPagingTests:
    @pytest.mark.parametrize("page", ["9223372036854775807", "99999999999999999999999", "0", "-1", "abc", "2"])
    def test_any_page_number_is_clamped_to_the_pages_there_are(self, client_for, lead_staff, confirmed, page):
        response = client_for(lead_staff).get(f"/ledgers/versions/{confirmed.version.pk}/?page={page}")
        assert response.status_code == 200 and response.context["page"] == 1

    def test_a_huge_row_number_is_clamped_too(self, client_for, lead_staff, confirmed):
        response = client_for(lead_staff).get(f"/ledgers/versions/{confirmed.version.pk}/?row=9223372036854775808")
        assert response.status_code == 200 and response.context["page"] == 1


class StuckUploadViewTests:
    @pytest.fixture
    def stuck(self, unit_a, lead_staff, campaign):
        from datetime import timedelta

        from django.utils import timezone

        from ledgers.services import _claim, ledger_upload_create

        upload = ledger_upload_create(unit=unit_a, ledger_type="parks", user=lead_staff, file_name="公园.xlsx",
                                      file=template_with("parks", [park()]))
        assert _claim(upload.pk)
        LedgerUpload.objects.filter(pk=upload.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5),
                                                         rows_read=1, rows_total=2)
        return upload

    def test_the_owner_sees_a_stuck_parse_with_retry_and_cancel(self, client_for, lead_staff, stuck):
        client = client_for(lead_staff)
        page = client.get(f"/ledgers/uploads/{stuck.pk}/").content.decode()
        assert all(f'data-testid="{t}"' in page for t in ("stuck", "retry", "cancel-parse"))
        progress = json.loads(client.get(f"/ledgers/uploads/{stuck.pk}/progress/").content)
        assert progress["done"] is False and 'data-testid="retry"' in progress["html"]

    def test_retry_queues_the_parse_again_from_the_first_attempt_and_is_audited(
            self, client_for, lead_staff, stuck, settings, monkeypatch, django_capture_on_commit_callbacks):
        settings.LEDGER_INLINE_PARSE_MAX_BYTES = 100
        queued = []
        monkeypatch.setattr("ledgers.views.enqueue", lambda job, *args: queued.append((job, args)) or True)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(lead_staff).post(f"/ledgers/uploads/{stuck.pk}/reparse/")
        assert response.status_code == 302 and response["Location"] == f"/ledgers/uploads/{stuck.pk}/"
        stuck.refresh_from_db()
        assert (stuck.status, stuck.parse_started_at, stuck.parse_attempts, stuck.is_stuck()) == (
            "parsing", None, 0, False)
        assert queued == [(jobs.parse_ledger_upload, (stuck.pk,))]
        entry = AuditEntry.objects.filter(object_id=str(stuck.pk), user=lead_staff).latest("id")
        assert entry.note == "重新解析"

    def test_cancel_of_a_stuck_parse_is_audited(self, client_for, lead_staff, stuck):
        response = client_for(lead_staff).post(f"/ledgers/uploads/{stuck.pk}/cancel/")
        assert response.status_code == 302
        stuck.refresh_from_db()
        assert stuck.status == LedgerUpload.Status.CANCELLED and stuck.decided_by == lead_staff
        entry = AuditEntry.objects.filter(object_id=str(stuck.pk), user=lead_staff).latest("id")
        assert entry.changes == {"status": ["parsing", "cancelled"]}

    def test_another_units_staff_get_404_for_retry_and_cancel(self, client_for, coop_staff, outsider, stuck):
        for user in (coop_staff, outsider):
            client = client_for(user)
            assert client.post(f"/ledgers/uploads/{stuck.pk}/reparse/").status_code == 404
            assert client.post(f"/ledgers/uploads/{stuck.pk}/cancel/").status_code == 404
        stuck.refresh_from_db()
        assert stuck.status == LedgerUpload.Status.PARSING and stuck.parse_attempts == 1

    def test_a_failed_parse_that_may_succeed_again_offers_retry_and_a_bad_file_does_not(
            self, client_for, lead_staff, unit_a, campaign):
        from ledgers.services import _failure

        interrupted = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        LedgerUpload.objects.filter(pk=interrupted.pk).update(status="failed", result=_failure("中断"))
        bad = upload_and_parse(unit_a, "parks", b"PK\x03\x04 not a workbook", lead_staff, name="坏.xlsx")
        assert bad.status == LedgerUpload.Status.FAILED
        client = client_for(lead_staff)
        assert 'data-testid="retry"' in client.get(f"/ledgers/uploads/{interrupted.pk}/").content.decode()
        assert 'data-testid="retry"' not in client.get(f"/ledgers/uploads/{bad.pk}/").content.decode()


class UploadMessageTests:
    def test_an_empty_upload_is_refused_naming_the_file(self, client_for, lead_staff, unit_a, campaign):
        response = post_file(client_for(lead_staff), b"", name="公园名录2024.xlsx", unit=unit_a)
        body = response.content.decode()
        assert response.status_code == 400 and "「公园名录2024.xlsx」是空文件（0 字节）" in body
        assert not LedgerUpload.objects.exists()

    def test_a_unit_the_user_may_not_upload_for_is_named_not_a_generic_choice_error(self, client_for, lead_staff,
                                                                                     unit_a, unit_b, campaign):
        response = post_file(client_for(lead_staff), template_with("parks", [park()]), unit=unit_b)
        body = response.content.decode()
        assert response.status_code == 400 and not LedgerUpload.objects.exists()
        assert "您不能为所选单位上传台账" in body and unit_a.name in body
        assert "选择一个有效的选项" not in body


class ValuesVersionPageTests:
    def test_the_values_version_page_shows_indicator_names_not_measure_keys(self, client_for, lead_staff, unit_a,
                                                                            campaign):
        content = xlsx([["指标", "范围", "数值", "数据日期"], ["5.1", "全市", 96.5, "2024年8月31日"]])
        upload = upload_and_parse(unit_a, "values", content, lead_staff, campaign=campaign)
        assert upload.status == LedgerUpload.Status.READY, upload.result["errors"]
        version = ledger_upload_confirm(upload=upload, user=lead_staff).version
        body = client_for(lead_staff).get(f"/ledgers/versions/{version.pk}/").content.decode()
        assert "城市污水处理率" in body and "sewage_treatment_rate" not in body
