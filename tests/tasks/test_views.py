"""Pages and actions of the task table: access, methods, the review flow, audit rows."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from organizations.models import AuditEntry, Membership, Unit
from tasks.models import Review, Task, TaskEvidence, TaskImport, TaskMilestone, TaskUpdate
from tests.conftest import make_user
from tests.tasks.conftest import make_task, row, upload, xlsx_bytes


def audit_rows(task):
    return AuditEntry.objects.filter(content_type__model="task", object_id=str(task.pk)).order_by("id")


GET_URLS = ["/tasks/", "/tasks/mine/", "/tasks/units/", "/tasks/leaders/", "/tasks/leaders/1/", "/tasks/export/",
            "/tasks/template/", "/tasks/import/", "/tasks/import/1/", "/tasks/new/", "/tasks/1/evidence/1/"]
TASK_POSTS = ["progress/", "contributions/", "submit/", "accept/", "send-back/", "milestones/"]


class TaskViewBasicsTests:
    @pytest.mark.parametrize("url", GET_URLS)
    def test_every_page_requires_login(self, client, campaign, url):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    @pytest.mark.parametrize("suffix", ["", "edit/"] + TASK_POSTS)
    def test_every_task_url_requires_login(self, client, task, suffix):
        response = client.post(f"/tasks/{task.pk}/{suffix}")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        task.refresh_from_db()
        assert task.progress == 0 and task.review_state == Review.DRAFT

    @pytest.mark.parametrize("suffix", TASK_POSTS)
    def test_actions_reject_get(self, client_for, office_admin, task, suffix):
        assert client_for(office_admin).get(f"/tasks/{task.pk}/{suffix}").status_code == 405

    @pytest.mark.parametrize("url", ["/tasks/", "/tasks/mine/", "/tasks/units/", "/tasks/export/"])
    def test_read_only_pages_reject_post(self, client_for, office_admin, campaign, url):
        assert client_for(office_admin).post(url).status_code == 405

    def test_the_import_page_states_the_row_limit(self, client_for, office_admin, campaign, settings):
        settings.TASK_TABLE_MAX_ROWS = 12345
        assert "不超过 12,345 行数据" in client_for(office_admin).get("/tasks/import/").content.decode()

    def test_an_unknown_task_is_404(self, client_for, office_admin, campaign):
        assert client_for(office_admin).get("/tasks/999999/").status_code == 404

    def test_an_unknown_import_milestone_or_evidence_is_404(self, client_for, office_admin, task):
        client = client_for(office_admin)
        assert client.get("/tasks/import/999/").status_code == 404
        assert client.post("/tasks/import/999/confirm/").status_code == 404
        assert client.post(f"/tasks/{task.pk}/milestones/999/done/").status_code == 404
        assert client.get(f"/tasks/{task.pk}/evidence/999/").status_code == 404

    def test_confirm_and_milestone_ticks_reject_get(self, client_for, office_admin, task):
        client = client_for(office_admin)
        assert client.get("/tasks/import/1/confirm/").status_code == 405
        assert client.get(f"/tasks/{task.pk}/milestones/1/done/").status_code == 405

    def test_without_a_campaign_the_table_says_so(self, client_for, office_admin):
        response = client_for(office_admin).get("/tasks/")
        assert response.status_code == 200


class TaskVisibilityTests:
    def test_lead_and_cooperating_staff_see_the_task_outsiders_get_404(self, client_for, task, lead_staff,
                                                                      coop_staff, outsider):
        assert client_for(lead_staff).get(f"/tasks/{task.pk}/").status_code == 200
        assert client_for(coop_staff).get(f"/tasks/{task.pk}/").status_code == 200
        client = client_for(outsider)
        assert client.get(f"/tasks/{task.pk}/").status_code == 404
        for suffix in ["edit/"] + TASK_POSTS:
            assert client.post(f"/tasks/{task.pk}/{suffix}", {"text": "x", "progress": 50}).status_code == 404
        task.refresh_from_db()
        assert task.progress == 0 and not TaskUpdate.objects.exists()

    def test_the_list_shows_outsiders_nothing_of_unit_a(self, client_for, task, outsider):
        body = client_for(outsider).get("/tasks/").content.decode()
        assert "建成区绿化覆盖率达标" not in body and 'data-seq="1"' not in body

    def test_the_export_holds_only_what_the_user_may_see(self, client_for, task, campaign, unit_c, outsider):
        make_task(campaign, 2, unit_c, content="水务任务")
        from openpyxl import load_workbook
        import io

        response = client_for(outsider).get("/tasks/export/")
        ws = load_workbook(io.BytesIO(response.content))["任务分解表"]
        contents = [r[2] for r in ws.iter_rows(min_row=3, values_only=True)]
        assert contents == ["水务任务"]

    def test_street_staff_of_a_district_see_tasks_led_by_their_district(self, client_for, campaign, districts):
        street = Unit.objects.create(name="东湖街道", kind=Unit.Kind.STREET, parent=districts[0])
        district_staff = make_user("district", districts[0], Membership.Role.UNIT_STAFF)
        task = make_task(campaign, 5, street)
        assert client_for(district_staff).get(f"/tasks/{task.pk}/").status_code == 200

    @pytest.mark.parametrize("persona", ["leader", "inspector"])
    def test_leaders_and_inspectors_read_everything_but_change_nothing(self, request, client_for, task, persona):
        client = client_for(request.getfixturevalue(persona))
        assert client.get(f"/tasks/{task.pk}/").status_code == 200
        assert 'data-seq="1"' in client.get("/tasks/").content.decode()
        for suffix in ["edit/"] + TASK_POSTS:
            assert client.post(f"/tasks/{task.pk}/{suffix}", {"text": "x", "progress": 50, "reason": "r"}).status_code == 403
        assert client.get("/tasks/import/").status_code == 403
        task.refresh_from_db()
        assert task.progress == 0 and not TaskUpdate.objects.exists()


class ProgressAndContributionTests:
    def test_lead_staff_report_progress_with_evidence(self, client_for, task, lead_staff, unit_a):
        files = [SimpleUploadedFile("现场照片.jpg", b"\xff\xd8jpeg", content_type="image/jpeg"),
                 SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4", content_type="application/pdf")]
        response = client_for(lead_staff).post(f"/tasks/{task.pk}/progress/",
                                               {"progress": 60, "text": "完成补植 2 处", "files": files})
        assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
        task.refresh_from_db()
        assert task.progress == 60 and task.last_reported_at is not None
        update = TaskUpdate.objects.get()
        assert (update.kind, update.progress, update.unit, update.author) == ("progress", 60, unit_a, lead_staff)
        assert sorted(e.name for e in update.evidence.all()) == ["现场照片.jpg", "验收报告.pdf"]
        audit = audit_rows(task).get()
        assert audit.user == lead_staff and audit.changes["progress"] == [0, 60]
        assert audit.changes["evidence"][1] == ["现场照片.jpg", "验收报告.pdf"]

    def test_cooperating_staff_add_a_contribution(self, client_for, task, coop_staff, unit_b):
        response = client_for(coop_staff).post(f"/tasks/{task.pk}/contributions/", {"text": "已完成执法巡查 3 次"})
        assert response.status_code == 302
        update = TaskUpdate.objects.get()
        assert update.is_contribution and update.unit == unit_b and update.author == coop_staff
        task.refresh_from_db()
        assert task.progress == 0 and task.last_reported_at is None
        assert audit_rows(task).get().changes["contribution"] == [None, "市城管执法局"]

    def test_cooperating_staff_cannot_change_the_leads_fields(self, client_for, task, coop_staff, unit_b):
        client = client_for(coop_staff)
        assert client.post(f"/tasks/{task.pk}/progress/", {"progress": 90, "text": "x"}).status_code == 403
        assert client.post(f"/tasks/{task.pk}/submit/", {"note": ""}).status_code == 403
        assert client.post(f"/tasks/{task.pk}/milestones/", {"due_on": "2030-01-01", "text": "x"}).status_code == 403
        assert client.get(f"/tasks/{task.pk}/edit/").status_code == 403
        assert client.post(f"/tasks/{task.pk}/edit/", {"seq": 1, "content": "改", "lead_unit": unit_b.pk,
                                                       "due_on": "2030-01-01"}).status_code == 403
        assert client.post(f"/tasks/{task.pk}/accept/").status_code == 403
        task.refresh_from_db()
        assert (task.progress, task.review_state, task.content, task.lead_unit_id) == (
            0, Review.DRAFT, "建成区绿化覆盖率达标", task.lead_unit_id)
        assert not TaskUpdate.objects.exists() and not TaskMilestone.objects.exists()
        assert not audit_rows(task).exists()

    def test_lead_staff_do_not_post_contributions(self, client_for, task, lead_staff):
        assert client_for(lead_staff).post(f"/tasks/{task.pk}/contributions/", {"text": "x"}).status_code == 403

    @pytest.mark.parametrize("data, field", [({"progress": 101, "text": "x"}, "progress"),
                                             ({"progress": 50, "text": ""}, "text")])
    def test_a_bad_report_is_400_and_writes_nothing(self, client_for, task, lead_staff, data, field):
        response = client_for(lead_staff).post(f"/tasks/{task.pk}/progress/", data)
        assert response.status_code == 400
        assert field in response.context["progress_form"].errors
        assert not TaskUpdate.objects.exists()

    def test_it_refuses_an_executable_as_evidence(self, client_for, task, lead_staff):
        bad = SimpleUploadedFile("病毒.exe", b"MZ")
        response = client_for(lead_staff).post(f"/tasks/{task.pk}/progress/",
                                               {"progress": 10, "text": "x", "files": [bad]})
        assert response.status_code == 400 and "文件类型不支持" in response.content.decode()
        assert not TaskEvidence.objects.exists()

    def test_evidence_downloads_for_those_who_see_the_task_only(self, client_for, task, lead_staff, coop_staff,
                                                                outsider):
        client_for(lead_staff).post(f"/tasks/{task.pk}/progress/", {
            "progress": 10, "text": "x", "files": [SimpleUploadedFile("方案.pdf", b"%PDF-1.4 data")]})
        evidence = TaskEvidence.objects.get()
        url = f"/tasks/{task.pk}/evidence/{evidence.pk}/"
        response = client_for(coop_staff).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 data"
        assert client_for(outsider).get(url).status_code == 404

    def test_milestones_are_added_and_ticked_by_the_lead(self, client_for, task, lead_staff):
        client = client_for(lead_staff)
        assert client.post(f"/tasks/{task.pk}/milestones/", {"due_on": "2030-01-01", "text": "完成方案"}).status_code == 302
        milestone = TaskMilestone.objects.get()
        assert client.post(f"/tasks/{task.pk}/milestones/{milestone.pk}/done/").status_code == 302
        milestone.refresh_from_db()
        assert milestone.done and milestone.done_on == timezone.localdate()
        assert [a.changes for a in audit_rows(task)][-1] == {"milestone_done": [False, True]}


class ReviewFlowTests:
    def test_lead_submits_office_sends_back_with_reason_lead_resubmits_office_accepts(
            self, client_for, task, lead_staff, office_admin, client):
        lead = client_for(lead_staff)
        assert lead.post(f"/tasks/{task.pk}/submit/", {"note": "已全部完成"}).status_code == 302
        task.refresh_from_db()
        assert task.review_state == Review.SUBMITTED and task.progress == 100 and task.submitted_at
        assert lead.post(f"/tasks/{task.pk}/progress/", {"progress": 50, "text": "x"}).status_code == 409

        office = client_for(office_admin)
        response = office.post(f"/tasks/{task.pk}/send-back/", {"reason": ""})
        assert response.status_code == 400
        task.refresh_from_db()
        assert task.review_state == Review.SUBMITTED
        assert office.post(f"/tasks/{task.pk}/send-back/", {"reason": "缺少现场照片"}).status_code == 302
        task.refresh_from_db()
        assert task.review_state == Review.CHANGES_REQUESTED
        assert TaskUpdate.objects.filter(kind="return", text="缺少现场照片", author=office_admin).exists()

        lead = client_for(lead_staff)
        assert lead.post(f"/tasks/{task.pk}/submit/", {"note": "已补充照片"}).status_code == 302
        office = client_for(office_admin)
        assert office.post(f"/tasks/{task.pk}/accept/", {"note": "同意"}).status_code == 302
        task.refresh_from_db()
        assert task.review_state == Review.ACCEPTED and task.accepted_at is not None
        assert task.status(timezone.localdate()) == "done"

        transitions = [a.changes["review_state"] for a in audit_rows(task).filter(action="transition")]
        assert transitions == [["draft", "submitted"], ["submitted", "changes_requested"],
                               ["changes_requested", "submitted"], ["submitted", "accepted"]]
        assert all(a.user is not None for a in audit_rows(task))
        kinds = list(TaskUpdate.objects.order_by("created_at", "id").values_list("kind", flat=True))
        assert kinds == ["submission", "return", "submission", "acceptance"]

    def test_the_office_cannot_accept_what_was_not_submitted(self, client_for, task, office_admin):
        response = client_for(office_admin).post(f"/tasks/{task.pk}/accept/", {"note": ""})
        assert response.status_code == 409
        task.refresh_from_db()
        assert task.review_state == Review.DRAFT and not audit_rows(task).exists()

    def test_lead_staff_cannot_accept_their_own_task(self, client_for, task, lead_staff):
        client = client_for(lead_staff)
        client.post(f"/tasks/{task.pk}/submit/", {"note": ""})
        assert client.post(f"/tasks/{task.pk}/accept/", {"note": ""}).status_code == 403
        task.refresh_from_db()
        assert task.review_state == Review.SUBMITTED

    def test_the_detail_page_shows_each_role_its_own_forms(self, client_for, task, lead_staff, coop_staff,
                                                          office_admin, leader):
        body = client_for(lead_staff).get(f"/tasks/{task.pk}/").content.decode()
        assert f'action="/tasks/{task.pk}/progress/"' in body and "/contributions/" not in body
        body = client_for(coop_staff).get(f"/tasks/{task.pk}/").content.decode()
        assert f'action="/tasks/{task.pk}/contributions/"' in body and "/progress/" not in body
        body = client_for(leader).get(f"/tasks/{task.pk}/").content.decode()
        assert "<form method=\"post\" action=\"/tasks/" not in body
        body = client_for(office_admin).get(f"/tasks/{task.pk}/").content.decode()
        assert f"/tasks/{task.pk}/edit/" in body and "/accept/" not in body  # nothing submitted yet


class TaskEditTests:
    def test_the_office_edits_any_field_and_the_audit_keeps_old_and_new(self, client_for, task, office_admin,
                                                                       unit_c, standard):
        response = client_for(office_admin).post(f"/tasks/{task.pk}/edit/", {
            "seq": 1, "indicator": standard.indicators.get(code="2.2").pk, "content": "改后的任务\r\n第二行",
            "lead_unit": unit_c.pk, "cooperating_units": [], "due_on": "2030-06-30",
        })
        assert response.status_code == 302
        task.refresh_from_db()
        assert task.lead_unit == unit_c and task.content == "改后的任务\n第二行" and task.indicator.code == "2.2"
        assert not task.cooperating_units.exists()
        changes = audit_rows(task).get().changes
        assert changes["lead_unit"] == ["市住建局", "市水务局"]
        assert changes["cooperating_units"] == ["市城管执法局", ""]
        assert changes["responsible_leader"] == ["王建国", ""]

    def test_the_office_creates_a_free_standing_task_with_the_next_seq(self, client_for, task, office_admin, unit_a):
        client = client_for(office_admin)
        assert 'value="2"' in client.get("/tasks/new/").content.decode()
        response = client.post("/tasks/new/", {"seq": 2, "content": "宣传发动", "lead_unit": unit_a.pk,
                                               "due_on": "2030-01-01"})
        new = Task.objects.get(seq=2)
        assert response.status_code == 302 and new.indicator is None
        assert audit_rows(new).get().action == "create"

    def test_a_taken_seq_is_refused(self, client_for, task, office_admin, unit_a):
        response = client_for(office_admin).post("/tasks/new/", {"seq": 1, "content": "x", "lead_unit": unit_a.pk,
                                                                 "due_on": "2030-01-01"})
        assert response.status_code == 400 and "序号 1 已被使用" in response.content.decode()
        assert Task.objects.count() == 1


class TaskListTests:
    @pytest.fixture
    def table(self, campaign, unit_a, unit_b, unit_c, city_leader, standard):
        today = timezone.localdate()
        return {
            "late": make_task(campaign, 1, unit_a, due=today - timedelta(days=3), responsible_leader=city_leader,
                              indicator=standard.indicators.get(code="2.1")),
            "coop": make_task(campaign, 2, unit_c, coop=[unit_a], due=today + timedelta(days=30)),
            "done": make_task(campaign, 3, unit_b, due=today + timedelta(days=1), review_state=Review.ACCEPTED),
            "free": make_task(campaign, 4, unit_b, due=today + timedelta(days=2), progress=20),
        }

    def seqs(self, response):
        import re

        return [int(s) for s in re.findall(r'data-seq="(\d+)"', response.content.decode())]

    def test_it_filters_by_unit_role_leader_status_and_aspect(self, client_for, office_admin, table, unit_a,
                                                              city_leader, standard):
        c = client_for(office_admin)
        assert self.seqs(c.get(f"/tasks/?unit={unit_a.pk}")) == [1, 2]
        assert self.seqs(c.get(f"/tasks/?unit={unit_a.pk}&role=lead")) == [1]
        assert self.seqs(c.get(f"/tasks/?unit={unit_a.pk}&role=cooperating")) == [2]
        assert self.seqs(c.get(f"/tasks/?leader={city_leader.pk}")) == [1]
        assert self.seqs(c.get("/tasks/?status=overdue")) == [1]
        assert self.seqs(c.get("/tasks/?status=done")) == [3]
        assert self.seqs(c.get("/tasks/?status=in_progress")) == [4]
        aspect = standard.nodes.get()
        assert self.seqs(c.get(f"/tasks/?aspect={aspect.pk}")) == [1]
        assert self.seqs(c.get("/tasks/?aspect=none")) == [2, 3, 4]
        assert self.seqs(c.get("/tasks/?q=2.1")) == [1]

    def test_it_sorts_by_due_date_and_counts_each_status(self, client_for, office_admin, table):
        c = client_for(office_admin)
        assert self.seqs(c.get("/tasks/?sort=due")) == [1, 3, 4, 2]
        assert self.seqs(c.get("/tasks/?sort=-due")) == [2, 4, 3, 1]
        response = c.get("/tasks/?status=overdue")
        assert response.context["counts"] == {"not_started": 1, "in_progress": 1, "submitted": 0, "done": 1,
                                              "overdue": 1}

    def test_garbage_filters_are_ignored(self, client_for, office_admin, table):
        response = client_for(office_admin).get("/tasks/?unit=x&status=nope&sort=drop&aspect=1;--&page=99")
        assert response.status_code == 200 and self.seqs(response) == [1, 2, 3, 4]

    def test_its_query_count_does_not_grow_with_the_table(self, client_for, office_admin, table, campaign, unit_a,
                                                         unit_b, django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        c = client_for(office_admin)
        with CaptureQueriesContext(connection) as small:
            c.get("/tasks/")
        for i in range(10, 70):
            make_task(campaign, i, unit_a, coop=[unit_b])
        with django_assert_max_num_queries(len(small.captured_queries)):
            c.get("/tasks/")


class MyTasksTests:
    def test_it_lists_led_and_cooperating_tasks_separately_overdue_first(self, client_for, lead_staff, campaign,
                                                                        unit_a, unit_b, unit_c):
        today = timezone.localdate()
        make_task(campaign, 1, unit_a, due=today + timedelta(days=5))
        make_task(campaign, 2, unit_a, due=today - timedelta(days=2))
        make_task(campaign, 3, unit_a, due=today - timedelta(days=9), review_state=Review.ACCEPTED)
        make_task(campaign, 4, unit_c, coop=[unit_a], due=today + timedelta(days=1))
        make_task(campaign, 5, unit_b, due=today)
        response = client_for(lead_staff).get("/tasks/mine/")
        mine = response.context["mine"]
        assert [t.seq for t in mine.led] == [2, 1, 3]
        assert [t.seq for t in mine.cooperating] == [4]
        body = response.content.decode()
        assert "牵头负责 <b>3</b> 项" in body and "配合 <b>1</b> 项" in body
        assert "1 项牵头任务已逾期" in body


class LeaderAndUnitPagesTests:
    def test_the_leader_page_shows_the_units_and_tasks_a_leader_supervises(self, client_for, leader, campaign,
                                                                         unit_a, unit_b, city_leader):
        today = timezone.localdate()
        make_task(campaign, 1, unit_a, responsible_leader=city_leader, due=today - timedelta(days=1))
        make_task(campaign, 2, unit_b, responsible_leader=city_leader)
        make_task(campaign, 3, unit_b)
        client = client_for(leader)
        assert f"/tasks/leaders/{city_leader.pk}/" in client.get("/tasks/leaders/").content.decode()
        response = client.get(f"/tasks/leaders/{city_leader.pk}/")
        assert [t.seq for t in response.context["tasks"]] == [1, 2]
        assert [(u.unit.name, u.led, u.overdue) for u in response.context["units"]] == [("市住建局", 1, 1),
                                                                                        ("市城管执法局", 1, 0)]

    def test_a_person_who_is_not_a_leader_has_no_leader_page(self, client_for, leader, lead_person, campaign):
        assert client_for(leader).get(f"/tasks/leaders/{lead_person.pk}/").status_code == 404

    def test_unit_counts_show_led_cooperating_done_overdue(self, client_for, office_admin, campaign, unit_a,
                                                           unit_b):
        today = timezone.localdate()
        make_task(campaign, 1, unit_a, coop=[unit_b], due=today - timedelta(days=1))
        make_task(campaign, 2, unit_a, review_state=Review.ACCEPTED)
        make_task(campaign, 3, unit_b, coop=[unit_a])
        response = client_for(office_admin).get("/tasks/units/")
        rows = {r.unit.name: (r.led, r.cooperating, r.done, r.overdue) for r in response.context["rows"]}
        assert rows == {"市住建局": (2, 1, 1, 1), "市城管执法局": (1, 1, 0, 0)}
        assert "牵头负责 2 项" in response.content.decode()

    def test_unit_staff_see_only_their_units_counts(self, client_for, outsider, campaign, unit_a, unit_c):
        make_task(campaign, 1, unit_a)
        make_task(campaign, 2, unit_c)
        rows = client_for(outsider).get("/tasks/units/").context["rows"]
        assert [r.unit.name for r in rows] == ["市水务局"]


class ImportViewTests:
    @pytest.fixture
    def world(self, campaign, unit_a, unit_b, unit_c, lead_person, city_leader):
        return campaign

    def test_the_office_uploads_previews_and_confirms(self, client_for, office_admin, world):
        client = client_for(office_admin)
        response = client.post("/tasks/import/", {"file": upload(xlsx_bytes([row(1), row(2, code="2.2")]))})
        imp = TaskImport.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/tasks/import/{imp.pk}/"
        body = client.get(f"/tasks/import/{imp.pk}/").content.decode()
        assert 'data-count="new"' in body and "确认导入" in body and not Task.objects.exists()
        response = client.post(f"/tasks/import/{imp.pk}/confirm/")
        assert response.status_code == 302 and Task.objects.count() == 2
        assert client.post(f"/tasks/import/{imp.pk}/confirm/").status_code == 302  # second confirm: a message
        assert Task.objects.count() == 2

    def test_the_upload_passes_the_gate_once(self, client_for, office_admin, world, monkeypatch):
        # The form's WorkbookField scans the file; the reading reuses its facts, not a second scan.
        from spreadsheets import gate

        scans = []

        def spy(source, file_name, **kwargs):
            scans.append(file_name)
            return gate.check_workbook(source, file_name, **kwargs)

        for target in ("spreadsheets.forms.check_workbook", "spreadsheets.reader.check_workbook",
                       "tasks.table.check_workbook"):
            monkeypatch.setattr(target, spy)
        response = client_for(office_admin).post("/tasks/import/", {"file": upload(xlsx_bytes([row(1)]))})
        assert response.status_code == 302 and TaskImport.objects.count() == 1
        assert scans == ["任务分解表.xlsx"]

    def test_a_bad_file_shows_every_error_and_writes_nothing(self, client_for, office_admin, world):
        response = client_for(office_admin).post("/tasks/import/", {
            "file": upload(xlsx_bytes([row(1, lead="市火星局"), row(1)]))})
        body = response.content.decode()
        assert response.status_code == 400
        assert "工作表「任务分解表」第 3 行 F 列（牵头单位）：未找到单位「市火星局」，单位名录中也没有相近的名称" in body
        assert "第 4 行 A 列（序号）：序号 1 与第 3 行重复" in body
        assert not Task.objects.exists() and not TaskImport.objects.exists()

    def test_an_oversized_upload_is_413(self, client_for, office_admin, world, settings):
        settings.UPLOAD_MAX_BYTES = 1000
        response = client_for(office_admin).post("/tasks/import/", {"file": upload(xlsx_bytes([row(1)]))})
        assert response.status_code == 413 and "超过上限" in response.content.decode()
        assert not TaskImport.objects.exists()

    def test_unit_staff_cannot_import(self, client_for, lead_staff, world):
        client = client_for(lead_staff)
        assert client.get("/tasks/import/").status_code == 403
        assert client.post("/tasks/import/", {"file": upload(xlsx_bytes([row(1)]))}).status_code == 403
        assert not TaskImport.objects.exists()

    def test_a_stale_preview_is_shown_again_instead_of_written(self, client_for, office_admin, world, unit_a):
        client = client_for(office_admin)
        client.post("/tasks/import/", {"file": upload(xlsx_bytes([row(1)]))})
        imp = TaskImport.objects.get()
        make_task(world, 1, unit_a, content="别人刚建的任务")
        response = client.post(f"/tasks/import/{imp.pk}/confirm/")
        assert response.status_code == 302 and response["Location"] == f"/tasks/import/{imp.pk}/"
        imp.refresh_from_db()
        assert imp.state == "preview" and imp.summary["counts"]["changed"] == 1
        assert Task.objects.get().content == "别人刚建的任务"

    def test_export_and_template_download_as_xlsx(self, client_for, lead_staff, world):
        client = client_for(lead_staff)
        for url in ("/tasks/export/", "/tasks/template/"):
            response = client.get(url)
            assert response.status_code == 200 and response.content[:2] == b"PK"
            assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]


def test_the_export_follows_the_lists_filters(client_for, office_admin, campaign, unit_a, unit_b):
    import io

    from openpyxl import load_workbook

    from tests.tasks.conftest import make_task

    make_task(campaign, 1, unit_a)
    make_task(campaign, 2, unit_b)
    client = client_for(office_admin)
    filtered = load_workbook(io.BytesIO(client.get(f"/tasks/export/?unit={unit_b.pk}").content)).active
    everything = load_workbook(io.BytesIO(client.get("/tasks/export/").content)).active
    seqs = lambda ws: [r[0] for r in ws.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)]  # noqa: E731
    assert seqs(filtered) == [2]
    assert seqs(everything) == [1, 2]
