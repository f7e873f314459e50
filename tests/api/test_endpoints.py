"""Writes over the API go through the pages' services: tasks, thresholds, extensions,
notifications, briefings — each checked in the database and the audit trail."""
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Indicator
from inspections.models import ExtensionRequest, Finding
from notifications.models import AlertEvent, Notification
from organizations.models import AuditEntry
from reports.models import Briefing
from tasks.models import TaskEvidence, TaskUpdate


class TaskEndpointTests:
    def test_the_lead_unit_reports_and_submits_and_the_office_reviews(self, api_for, lead_staff, coop_staff,
                                                                       office_admin, task):
        lead = api_for(lead_staff)
        report = lead.post(f"/api/v1/tasks/{task.pk}/progress/", {
            "progress": 60, "text": "完成三处口袋公园", "files": [SimpleUploadedFile("照片.pdf", b"%PDF-1.4")]},
            format="multipart")
        assert report.status_code == 200, report.content
        task.refresh_from_db()
        assert task.progress == 60
        assert TaskEvidence.objects.filter(task=task, name="照片.pdf").exists()
        assert report.json()["timeline"][0]["text"] == "完成三处口袋公园"
        assert api_for(coop_staff).post(f"/api/v1/tasks/{task.pk}/submit/", {}, format="json").status_code == 403
        assert lead.post(f"/api/v1/tasks/{task.pk}/submit/", {"note": "已完成"}, format="json").status_code == 200
        assert lead.post(f"/api/v1/tasks/{task.pk}/accept/", {}, format="json").status_code == 403
        office = api_for(office_admin)
        accepted = office.post(f"/api/v1/tasks/{task.pk}/accept/", {"note": "通过"}, format="json")
        assert accepted.status_code == 200 and accepted.json()["review_state"] == "accepted"
        assert office.post(f"/api/v1/tasks/{task.pk}/send-back/", {"reason": "x"}, format="json").status_code == 409
        assert list(TaskUpdate.objects.filter(task=task).values_list("kind", flat=True).order_by("id")) == [
            "progress", "submission", "acceptance"]

    def test_a_bad_progress_names_the_field(self, api_for, lead_staff, task):
        response = api_for(lead_staff, "en").post(f"/api/v1/tasks/{task.pk}/progress/",
                                                  {"progress": 130, "text": "x"}, format="json")
        assert response.status_code == 400 and "progress" in response.json()["error"]["fields"]


class ThresholdEndpointTests:
    def test_the_office_replaces_thresholds_with_an_audit_row(self, api_for, office_admin, lead_staff, indicator):
        body = {"thresholds": [{"tier": "garden", "comparator": "gte", "value": "33"}], "note": "新标准"}
        assert api_for(lead_staff).put(f"/api/v1/indicators/{indicator.pk}/thresholds/", body,
                                       format="json").status_code == 403
        response = api_for(office_admin).put(f"/api/v1/indicators/{indicator.pk}/thresholds/", body, format="json")
        assert response.status_code == 200
        assert response.json()["thresholds"][0]["value"] == "33.0000"
        entry = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Indicator),
                                          object_id=str(indicator.pk)).latest("id")
        assert entry.user == office_admin and "thresholds" in entry.changes and entry.note == "新标准"

    def test_a_bad_threshold_is_refused_with_the_editors_message(self, api_for, office_admin, indicator):
        body = {"thresholds": [{"tier": "garden", "comparator": "gte", "value": ""}]}
        response = api_for(office_admin).put(f"/api/v1/indicators/{indicator.pk}/thresholds/", body, format="json")
        assert response.status_code == 400
        assert "数值型阈值必须填写阈值" in response.json()["error"]["fields"]["thresholds"][0]
        assert indicator.thresholds.get().value == 31


class ExtensionEndpointTests:
    def test_the_unit_asks_and_the_office_decides(self, api_for, lead_staff, office_admin, finding, today):
        asked = api_for(lead_staff).post(f"/api/v1/findings/{finding.pk}/request-extension/", {
            "requested_deadline": (today + timedelta(days=20)).isoformat(), "reason": "雨季施工"}, format="json")
        assert asked.status_code == 200, asked.content
        extension = ExtensionRequest.objects.get(finding=finding)
        url = f"/api/v1/findings/{finding.pk}/extensions/{extension.pk}/decide/"
        assert api_for(lead_staff).post(url, {"decision": "approve"}, format="json").status_code == 403
        decided = api_for(office_admin).post(url, {"decision": "approve", "note": "同意"}, format="json")
        assert decided.status_code == 200
        finding.refresh_from_db()
        assert finding.deadline == today + timedelta(days=20)
        assert decided.json()["extensions"][0]["status"] == "approved"


class NotificationAndBriefingTests:
    def test_a_user_marks_own_notifications_read(self, api_for, lead_staff, outsider, finding):
        alert = AlertEvent.objects.create(content_type=ContentType.objects.get_for_model(Finding),
                                          object_id=finding.pk, kind="finding_returned", key="x", title="退回",
                                          unit=finding.unit)
        mine = Notification.objects.create(user=lead_staff, alert=alert)
        assert api_for(outsider).post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 404
        listed = api_for(lead_staff).get("/api/v1/notifications/?unread=true").json()
        assert [n["id"] for n in listed["results"]] == [mine.pk]
        assert api_for(lead_staff).post(f"/api/v1/notifications/{mine.pk}/read/").json()["read_at"]
        assert api_for(lead_staff).get("/api/v1/notifications/?unread=true").json()["count"] == 0

    def test_leaders_download_briefings_and_unit_staff_see_none(self, api_for, leader, lead_staff, campaign):
        briefing = Briefing.objects.create(campaign=campaign, week_start=date(2026, 6, 1), number=3,
                                           pdf=ContentFile(b"%PDF-1.4 briefing", name="b.pdf"))
        assert api_for(leader).get("/api/v1/briefings/").json()["count"] == 1
        pdf = api_for(leader).get(f"/api/v1/briefings/{briefing.pk}/pdf/")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert b"".join(pdf.streaming_content).startswith(b"%PDF")
        assert api_for(lead_staff).get("/api/v1/briefings/").json()["count"] == 0
        assert api_for(lead_staff).get(f"/api/v1/briefings/{briefing.pk}/pdf/").status_code == 404


class ListFeatureTests:
    def test_lists_filter_order_and_paginate(self, api_for, office_admin, campaign, unit_a, unit_b, inspector, today):
        from inspections import services

        for i, unit in enumerate([unit_a, unit_b, unit_a]):
            services.finding_create(campaign=campaign, user=inspector, unit=unit, description=f"问题{i}",
                                    address="某路", deadline=today + timedelta(days=5 + i))
        office = api_for(office_admin)
        page = office.get(f"/api/v1/findings/?unit={unit_a.pk}&ordering=-deadline&page_size=1").json()
        assert page["count"] == 2 and page["next"] and len(page["results"]) == 1
        assert page["results"][0]["description"] == "问题2"
        bad = api_for(office_admin, "en").get("/api/v1/findings/?status=nonsense")
        assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


class QueryCountTests:
    def count(self, client, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    def test_lists_cost_the_same_with_few_or_many_rows(self, api_for, key_for, office_admin, campaign, unit_a,
                                                       unit_b, inspector, today):
        from inspections import services

        office = api_for(office_admin)
        urls = ["/api/v1/findings/", "/api/v1/tasks/", "/api/v1/notifications/", "/api/v1/units/"]

        def grow(n, start):
            for i in range(n):
                f = services.finding_create(campaign=campaign, user=inspector, unit=unit_a, description=f"问题{start + i}",
                                            address="某路", deadline=today + timedelta(days=5),
                                            cooperating_units=[unit_b])
                from tasks.models import Task

                t = Task.objects.create(campaign=campaign, seq=start + i, content="任务", lead_unit=unit_a,
                                        due_on=today + timedelta(days=9))
                t.cooperating_units.set([unit_b])
                assert f.pk and t.pk

        grow(2, 0)
        office.get(urls[0])  # the token's first use writes its last-use time once
        few = [self.count(office, url) for url in urls]
        grow(10, 100)
        assert [self.count(office, url) for url in urls] == few
