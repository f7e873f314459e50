import hashlib
import io
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from indicators.models import Indicator, Threshold
from indicators.standard_excel import standard_workbook
from organizations.models import AuditEntry, Membership
from spreadsheets.models import StagedImport
from tests.conftest import make_user
from tests.indicators.conftest import db_state, edit_workbook, find_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(content, name="garden.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX)


def garden_threshold(tier="garden", code="2.2"):
    return Threshold.objects.get(indicator__standard__code="garden-city-2016", indicator__code=code, tier=tier)


class StandardAccessTests:
    @pytest.mark.parametrize("url", [
        "/standards/",
        "/standards/garden-city-2016/",
        "/standards/garden-city-2016/export.xlsx",
        "/standards/garden-city-2016/import/",
        "/standards/garden-city-2016/indicators/2.2/edit/",
    ])
    def test_it_sends_anonymous_users_to_login(self, client, garden, url):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    @pytest.mark.parametrize("method,url", [
        ("get", "/standards/garden-city-2016/import/"),
        ("post", "/standards/garden-city-2016/import/"),
        ("post", "/standards/garden-city-2016/import/confirm/"),
        ("get", "/standards/garden-city-2016/indicators/2.2/edit/"),
        ("post", "/standards/garden-city-2016/indicators/2.2/edit/"),
    ])
    def test_it_forbids_non_office_users_to_edit_or_import(self, client_for, lead_staff, garden, import_dir, method, url):
        before = db_state()
        response = getattr(client_for(lead_staff), method)(url)
        assert response.status_code == 403
        assert db_state() == before

    @pytest.mark.parametrize("method,url", [
        ("post", "/standards/"),
        ("post", "/standards/garden-city-2016/"),
        ("post", "/standards/garden-city-2016/export.xlsx"),
        ("get", "/standards/garden-city-2016/import/confirm/"),
        ("delete", "/standards/garden-city-2016/indicators/2.2/edit/"),
    ])
    def test_it_rejects_the_wrong_method(self, client_for, office_admin, garden, method, url):
        assert getattr(client_for(office_admin), method)(url).status_code == 405

    def test_it_returns_404_for_an_unknown_standard_or_indicator(self, client_for, office_admin, garden):
        client = client_for(office_admin)
        assert client.get("/standards/no-such-standard/").status_code == 404
        assert client.get("/standards/garden-city-2016/indicators/9.9/edit/").status_code == 404


class StandardListViewTests:
    def test_it_lists_each_standard_with_its_counts(self, client_for, lead_staff, standards):
        response = client_for(lead_staff).get("/standards/")
        body = response.content.decode()
        assert response.status_code == 200
        assert response.context["standards"].get(code="eco-garden-2022").item_count == 18
        eco = {s.code: s for s in response.context["standards"]}["eco-garden-2022"]
        assert (eco.aspect_count, eco.item_count, eco.indicator_count) == (4, 18, 25)
        garden = {s.code: s for s in response.context["standards"]}["garden-city-2016"]
        assert (garden.aspect_count, garden.item_count, garden.indicator_count, garden.unverified_count) == (6, 0, 41, 28)
        assert body.index("国家园林城市标准") < body.index("国家生态园林城市评选标准")  # garden first
        assert "28 项指标尚未与官方文件核对" in body
        assert "/standards/garden-city-2016/import/" not in body  # not for unit staff

    def test_it_offers_import_to_the_office(self, client_for, office_admin, standards):
        assert "/standards/garden-city-2016/import/" in client_for(office_admin).get("/standards/").content.decode()


class StandardDetailViewTests:
    def test_it_shows_the_tree_with_thresholds_in_words(self, client_for, lead_staff, garden):
        response = client_for(lead_staff).get("/standards/garden-city-2016/")
        body = response.content.decode()
        assert response.status_code == 200
        assert "≥ 31 %" in body and "≥ 35 %" in body
        assert "≥ 7.5 m²/人" in body and "人均建设用地 80–100 m²/人" in body and "人均建设用地 &lt; 80 m²/人" in body
        assert "仅适用于北方采暖地区" in body
        assert "历史街区占比超 50% 时 -2" in body
        assert "≤ 3 ℃" in body
        assert body.count('class="badge unverified"') == 0  # the office's marks
        assert body.count('class="needs-check"') == 28  # one quiet mark per unverified row
        assert body.count('class="badge veto"') == 5
        assert "/indicators/2.2/edit/" not in body

    def test_it_keeps_working_notes_and_marks_for_the_office(self, client_for, lead_staff, leader, office_admin,
                                                             garden):
        for user in (lead_staff, leader):
            body = client_for(user).get("/standards/garden-city-2016/").content.decode()
            assert "凭记忆整理" not in body and "两者冲突" not in body and "暂取 95%" not in body
            assert "后四个大类名称为 M" not in body  # the standard's own source line
            assert "二手来源" not in body and "已核实" not in body
            assert "?verification=unverified" not in body
        body = client_for(office_admin).get("/standards/garden-city-2016/").content.decode()
        assert "凭记忆整理" in body and "两者冲突" in body and "暂取 95%" in body
        assert "后四个大类名称为 M" in body
        assert body.count('class="badge unverified"') == 28 and 'class="needs-check"' not in body

    def test_it_nests_items_under_aspects_for_the_eco_standard(self, client_for, lead_staff, eco):
        rows = client_for(lead_staff).get("/standards/eco-garden-2022/").context["rows"]
        assert [r["type"] for r in rows].count("aspect") == 4
        assert [r["type"] for r in rows].count("item") == 18
        assert [r["type"] for r in rows].count("indicator") == 25
        assert rows[0]["node"].name == "生态宜居" and rows[1]["node"].name == "城市绿化"

    def test_it_filters_by_aspect_kind_and_verification(self, client_for, lead_staff, garden):
        client = client_for(lead_staff)

        def codes(query):
            rows = client.get(f"/standards/garden-city-2016/?{query}").context["rows"]
            return [r["indicator"].code for r in rows if r["type"] == "indicator"]

        assert codes("kind=veto") == ["1.4", "2.2", "5.1", "5.2", "6.1"]
        assert codes("aspect=6") == ["6.1", "6.2"]
        assert codes("aspect=2&verification=secondary") == ["2.2", "2.6"]
        assert codes("kind=improvement&aspect=1") == []
        assert len(codes("kind=bogus")) == 41

    def test_it_shows_edit_links_to_the_office(self, client_for, office_admin, garden):
        body = client_for(office_admin).get("/standards/garden-city-2016/").content.decode()
        assert "/standards/garden-city-2016/indicators/2.2/edit/" in body


class StandardExportViewTests:
    def test_it_downloads_the_workbook(self, client_for, lead_staff, garden):
        response = client_for(lead_staff).get("/standards/garden-city-2016/export.xlsx")
        assert response.status_code == 200
        assert response["Content-Type"] == XLSX
        assert response["Content-Disposition"].startswith('attachment; filename="garden-city-2016-')
        wb = openpyxl.load_workbook(io.BytesIO(response.content))
        assert wb["指标"].max_row == 42


class IndicatorEditViewTests:
    def form_data(self, indicator, **overrides):
        data = {
            "name": indicator.name, "unit": indicator.unit, "kind": indicator.kind,
            "verification": indicator.verification, "source": indicator.source,
            "evidence_requirements": indicator.evidence_requirements,
        }
        rows = list(indicator.thresholds.order_by("order", "id"))
        prefix = "thresholds"
        data.update({f"{prefix}-TOTAL_FORMS": str(len(rows) + 2), f"{prefix}-INITIAL_FORMS": str(len(rows)),
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "30"})
        for i, t in enumerate(rows):
            for f in ("tier", "comparator", "condition_param", "note"):
                data[f"{prefix}-{i}-{f}"] = getattr(t, f)
            for f in ("value", "condition_min", "condition_max", "historic_adjustment"):
                v = getattr(t, f)
                data[f"{prefix}-{i}-{f}"] = "" if v is None else str(v)
            data[f"{prefix}-{i}-id"] = str(t.pk)
            data[f"{prefix}-{i}-indicator"] = str(indicator.pk)
        for i in range(len(rows), len(rows) + 2):  # the blank rows, as a browser submits them
            data[f"{prefix}-{i}-tier"] = "garden"
            data[f"{prefix}-{i}-indicator"] = str(indicator.pk)
        data.update(overrides)
        return data

    def test_it_shows_the_form_and_the_history(self, client_for, office_admin, garden):
        response = client_for(office_admin).get("/standards/garden-city-2016/indicators/2.3/edit/")
        body = response.content.decode()
        assert response.status_code == 200
        assert len(response.context["formset"].forms) == 6 + 2
        assert "修改记录" in body and "新建" in body

    def test_it_saves_fields_and_thresholds_with_an_audit_entry(self, client_for, office_admin, garden):
        indicator = garden.indicators.get(code="2.2")
        data = self.form_data(indicator, **{
            "verification": "verified",
            "source": "建城〔2016〕235号 附件 2",
            "thresholds-0-value": "32",
            "thresholds-2-tier": "eco",
            "thresholds-2-comparator": "gt",
            "thresholds-2-value": "36",
            "thresholds-2-note": "GB 55014 式严格大于",
        })
        client = client_for(office_admin)
        response = client.post("/standards/garden-city-2016/indicators/2.2/edit/", data)
        assert response.status_code == 302
        indicator.refresh_from_db()
        assert indicator.verification == "verified" and indicator.source == "建城〔2016〕235号 附件 2"
        assert [(t.tier, t.comparator, t.value) for t in indicator.thresholds.order_by("order")] == [
            ("garden", "gte", D("32")), ("eco", "gte", D("35")), ("eco", "gt", D("36"))
        ]
        entry = AuditEntry.objects.filter(object_id=str(indicator.pk), action="update").get()
        assert entry.user == office_admin
        assert entry.changes["verification"] == ["secondary", "verified"]
        assert [t["value"] for t in entry.changes["thresholds"][1]] == ["32", "35", "36"]
        page = client.get(response["Location"]).content.decode()
        assert "已保存指标「2.2 建成区绿地率」的修改" in page
        assert "<del>园林城市 ≥ 31 %" in page and "<ins>园林城市 ≥ 32 %" in page

    def test_it_deletes_a_threshold(self, client_for, office_admin, garden):
        indicator = garden.indicators.get(code="2.2")
        keep = indicator.thresholds.get(tier="garden").pk
        client_for(office_admin).post("/standards/garden-city-2016/indicators/2.2/edit/",
                                      self.form_data(indicator, **{"thresholds-1-DELETE": "on"}))
        assert list(indicator.thresholds.values_list("pk", flat=True)) == [keep]

    def test_it_rejects_bad_input_and_writes_nothing(self, client_for, office_admin, garden):
        indicator = garden.indicators.get(code="2.2")
        before = db_state()
        response = client_for(office_admin).post("/standards/garden-city-2016/indicators/2.2/edit/",
                                                 self.form_data(indicator, **{"thresholds-0-value": "三十一"}))
        assert response.status_code == 400
        assert "field-error\">输入一个数字。" in response.content.decode()
        assert db_state() == before

    def test_it_rejects_a_numeric_threshold_on_a_qualitative_indicator(self, client_for, office_admin, garden):
        indicator = garden.indicators.get(code="1.4")
        before = db_state()
        response = client_for(office_admin).post("/standards/garden-city-2016/indicators/1.4/edit/",
                                                 self.form_data(indicator, **{"thresholds-0-comparator": "gte",
                                                                              "thresholds-0-value": "1"}))
        assert response.status_code == 400
        assert "该指标的度量为定性度量，比较方式应为「定性」" in response.content.decode()
        assert db_state() == before


class StandardImportViewTests:
    def post(self, client, content, name="garden.xlsx"):
        return client.post("/standards/garden-city-2016/import/", {"file": upload(content, name)})

    def test_it_shows_the_upload_form(self, client_for, office_admin, garden):
        body = client_for(office_admin).get("/standards/garden-city-2016/import/").content.decode()
        assert 'type="file"' in body and "/standards/garden-city-2016/export.xlsx" in body

    def test_it_previews_an_unedited_export_as_no_change(self, client_for, office_admin, garden, import_dir):
        before = db_state()
        response = self.post(client_for(office_admin), standard_workbook(garden))
        assert response.status_code == 200
        changeset = response.context["changeset"]
        assert changeset.counts()["unchanged"] == 41 and not changeset.has_changes
        assert "文件内容与当前数据完全一致，无需导入。" in response.content.decode()
        assert response.context["staged"] is None and not StagedImport.objects.exists()
        assert db_state() == before

    def test_it_previews_one_edited_threshold_then_applies_it_on_confirm(self, client_for, office_admin, garden, import_dir):
        def edit(wb):
            find_row(wb["阈值"], 指标编号="2.2", 层级="园林城市")["阈值"].value = 32

        client = client_for(office_admin)
        before = db_state()
        response = self.post(client, edit_workbook(standard_workbook(garden), edit))
        body = response.content.decode()
        assert response.status_code == 200
        assert body.count('data-status="changed"') == 1 and 'data-code="2.2" data-status="changed"' in body
        assert 'data-count="changed">1<' in body and 'data-count="unchanged">40<' in body
        assert "<del>园林城市 ≥ 31 %" in body and "<ins>园林城市 ≥ 32 %" in body
        assert db_state()[1:] == before[1:]  # the preview wrote nothing to the library, only the staged import
        staged = StagedImport.objects.get()
        assert response.context["staged"] == staged and f'name="staged" value="{staged.pk}"' in body
        assert (staged.kind, staged.reference, staged.owner, staged.status) == (
            "standard", "garden-city-2016", office_admin, "preview")
        stored = Path(staged.file.path)
        assert stored.is_relative_to(import_dir) and hashlib.sha256(stored.read_bytes()).hexdigest() == staged.sha256
        assert "standard_imports" not in client.session  # nothing kept by the view

        response = client.post("/standards/garden-city-2016/import/confirm/", {"staged": staged.pk})
        assert response.status_code == 302 and response["Location"] == "/standards/garden-city-2016/"
        assert garden_threshold().value == D("32")
        assert garden_threshold("eco").value == D("35")
        indicator = Indicator.objects.get(standard=garden, code="2.2")
        entry = AuditEntry.objects.filter(object_id=str(indicator.pk), action="import").get()
        assert entry.user == office_admin and entry.note == "Excel 导入：garden.xlsx"
        assert [t["value"] for t in entry.changes["thresholds"][0]] == ["31", "35"]
        assert [t["value"] for t in entry.changes["thresholds"][1]] == ["32", "35"]
        # The indicator's import, and the staged import's creation and confirmation.
        assert AuditEntry.objects.count() == before[0]["audit"] + 1 + 2
        staged.refresh_from_db()
        assert staged.status == "confirmed" and stored.exists()  # the file stays as the record of the import
        assert AuditEntry.objects.filter(object_id=str(staged.pk), action="transition",
                                         changes__status=["preview", "confirmed"]).exists()
        page = client.get(response["Location"]).content.decode()
        assert "已导入「garden.xlsx」：新增 0 项，修改 1 项，未变 40 项" in page

        # The staged import is spent: a second confirm writes nothing.
        again = client.post("/standards/garden-city-2016/import/confirm/", {"staged": staged.pk})
        assert again.status_code == 302 and again["Location"] == "/standards/garden-city-2016/import/"

    def test_it_refuses_a_confirm_when_the_standard_changed_since_the_preview(self, client_for, office_admin, garden, import_dir):
        def edit(wb):
            find_row(wb["阈值"], 指标编号="2.2", 层级="园林城市")["阈值"].value = 32

        client = client_for(office_admin)
        staged = self.post(client, edit_workbook(standard_workbook(garden), edit)).context["staged"]
        Indicator.objects.filter(standard=garden, code="2.1").update(name="别人刚改过")
        before = db_state()
        response = client.post("/standards/garden-city-2016/import/confirm/", {"staged": staged.pk}, follow=True)
        assert "预览之后标准数据已被修改" in response.content.decode()
        assert db_state()[1:] == before[1:] and garden_threshold().value == D("31")
        staged.refresh_from_db()
        assert staged.status == "cancelled" and not Path(staged.file.path).exists()

    def test_it_ignores_another_office_admins_preview(self, client_for, office_admin, office_unit, garden, import_dir):
        def edit(wb):
            find_row(wb["阈值"], 指标编号="2.2", 层级="园林城市")["阈值"].value = 32

        staged = self.post(client_for(office_admin), edit_workbook(standard_workbook(garden), edit)).context["staged"]
        other = Client()
        other.force_login(make_user("office2", office_unit, Membership.Role.OFFICE))
        before = db_state()
        response = other.post("/standards/garden-city-2016/import/confirm/", {"staged": staged.pk}, follow=True)
        assert "导入预览已失效，请重新上传文件" in response.content.decode()
        other.post("/standards/garden-city-2016/import/cancel/", {"staged": staged.pk})
        assert db_state() == before and garden_threshold().value == D("31")
        staged.refresh_from_db()
        assert staged.status == "preview"

    def test_cancel_discards_the_preview_and_its_file(self, client_for, office_admin, garden, import_dir):
        def edit(wb):
            find_row(wb["阈值"], 指标编号="2.2", 层级="园林城市")["阈值"].value = 32

        client = client_for(office_admin)
        staged = self.post(client, edit_workbook(standard_workbook(garden), edit)).context["staged"]
        response = client.post("/standards/garden-city-2016/import/cancel/", {"staged": staged.pk})
        assert response.status_code == 302 and response["Location"] == "/standards/garden-city-2016/import/"
        staged.refresh_from_db()
        assert staged.status == "cancelled" and not Path(staged.file.path).exists()
        again = client.post("/standards/garden-city-2016/import/confirm/", {"staged": staged.pk}, follow=True)
        assert "导入预览已失效" in again.content.decode() and garden_threshold().value == D("31")

    def test_a_new_upload_supersedes_the_open_preview(self, client_for, office_admin, garden, import_dir):
        def edit(wb):
            find_row(wb["阈值"], 指标编号="2.2", 层级="园林城市")["阈值"].value = 32

        client = client_for(office_admin)
        first = self.post(client, edit_workbook(standard_workbook(garden), edit)).context["staged"]
        second = self.post(client, edit_workbook(standard_workbook(garden), edit)).context["staged"]
        first.refresh_from_db()
        assert (first.status, second.status) == ("cancelled", "preview")
        assert list(StagedImport.objects.filter(status="preview")) == [second]

    def test_an_expired_preview_is_refused(self, client_for, office_admin, garden, import_dir, settings):
        def edit(wb):
            find_row(wb["阈值"], 指标编号="2.2", 层级="园林城市")["阈值"].value = 32

        client = client_for(office_admin)
        staged = self.post(client, edit_workbook(standard_workbook(garden), edit)).context["staged"]
        StagedImport.objects.filter(pk=staged.pk).update(created_at=staged.created_at - timedelta(hours=25))
        response = client.post("/standards/garden-city-2016/import/confirm/", {"staged": staged.pk}, follow=True)
        assert "导入预览已失效" in response.content.decode() and garden_threshold().value == D("31")
        staged.refresh_from_db()
        assert staged.status == "cancelled"

    def test_a_preview_whose_file_changed_is_refused(self, client_for, office_admin, garden, import_dir):
        def edit(wb):
            find_row(wb["阈值"], 指标编号="2.2", 层级="园林城市")["阈值"].value = 32

        client = client_for(office_admin)
        staged = self.post(client, edit_workbook(standard_workbook(garden), edit)).context["staged"]
        Path(staged.file.path).write_bytes(edit_workbook(standard_workbook(garden), lambda wb: None))
        response = client.post("/standards/garden-city-2016/import/confirm/", {"staged": staged.pk}, follow=True)
        assert "已被改动" in response.content.decode() and garden_threshold().value == D("31")

    @pytest.mark.parametrize("content,name,expected", [
        (lambda g: edit_workbook(standard_workbook(g),
                                 lambda wb: setattr(find_row(wb["阈值"], 指标编号="2.2", 层级="园林城市")["阈值"], "value", "三十")),
         "garden.xlsx", "文件 garden.xlsx，工作表「阈值」第 14 行「阈值」列：应为数字，实际为「三十」"),
        (lambda g: edit_workbook(standard_workbook(g),
                                 lambda wb: setattr(find_row(wb["指标"], 指标编号="2.2")["度量键"], "value", "nope")),
         "garden.xlsx", "文件 garden.xlsx，工作表「指标」第 12 行「度量键」列：度量键「nope」不存在（可在「度量」工作表查看全部度量键）"),
        (lambda g: b"not a workbook", "garden.xlsx",
         "「garden.xlsx」不是 Excel 工作簿（.xlsx）：请上传用 Excel 或 WPS 保存的 .xlsx 文件。"),
        (lambda g: b"a,b\n1,2\n", "garden.csv", "「garden.csv」是 CSV 文本文件，本系统只接受 .xlsx"),
    ])
    def test_it_lists_the_errors_of_a_bad_file_and_writes_nothing(self, client_for, office_admin, garden, import_dir,
                                                                  content, name, expected):
        before = db_state()
        response = self.post(client_for(office_admin), content(garden), name)
        assert response.status_code == 400
        assert expected in response.content.decode()
        assert response.context["changeset"] is None
        assert db_state() == before and not StagedImport.objects.exists()
        assert not import_dir.exists() or not list(import_dir.rglob("*.*"))

    def test_it_answers_413_for_a_file_over_the_limit(self, client_for, office_admin, garden, settings, import_dir):
        settings.UPLOAD_MAX_BYTES = 1000
        before = db_state()
        response = self.post(client_for(office_admin), standard_workbook(garden))
        assert response.status_code == 413
        assert "文件超过" in response.content.decode() and "上传上限" in response.content.decode()
        assert db_state() == before

    def test_it_asks_for_a_file_when_none_is_sent(self, client_for, office_admin, garden):
        response = client_for(office_admin).post("/standards/garden-city-2016/import/", {})
        assert response.status_code == 400 and "请选择要上传的 .xlsx 文件" in response.content.decode()
