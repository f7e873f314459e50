"""Two users' stories end to end over the API: a department system pushing values, and an
inspector's phone recording a finding that the unit answers and the inspector closes."""
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType

from api.models import WebhookDelivery, WebhookEndpoint
from indicators.models import ComplianceSnapshot, RecomputeRequest
from inspections.models import Finding, FindingEvent, FindingPhoto
from organizations.models import AuditEntry
from tests.api.conftest import jpeg
from tests.api.receiver import Receiver


@pytest.fixture
def eager_jobs():
    """Queued jobs run at once, as a worker would run them."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


class DepartmentSystemScenarioTests:
    def test_pushed_values_recompute_compliance_and_reach_a_signed_webhook(
            self, api_for, lead_staff, campaign, indicator, task, eager_jobs,
            django_capture_on_commit_callbacks):
        from indicators.jobs import recompute_compliance

        recompute_compliance(campaign.pk)  # yesterday's state: no data
        baseline = ComplianceSnapshot.objects.get(campaign=campaign, indicator=indicator, scope=campaign.city)
        assert baseline.status == "no_data"
        with Receiver() as receiver:
            WebhookEndpoint.objects.create(name="数字城管", url=receiver.url, secret="s3cret",
                                           events=["compliance.status_changed"])
            system = api_for(lead_staff, "en")
            with django_capture_on_commit_callbacks(execute=True):
                response = system.post("/api/v1/values/", {
                    "campaign": campaign.pk, "indicator": indicator.pk, "scope": campaign.city_id,
                    "as_of": "2026-06-30", "value": "36.20", "note": "GIS 年报",
                    "provenance": {"system": "园林 GIS", "report": "2026-H1"}}, format="json")
            assert response.status_code == 201, response.content
            assert response.json()["value"] == "36.2000"
            assert RecomputeRequest.objects.filter(campaign=campaign, done_at__isnull=False).exists()

            summary = system.get(f"/api/v1/campaigns/{campaign.pk}/compliance/").json()
            row = next(r for r in summary["indicators"] if r["indicator"] == indicator.pk)
            assert row["status"] == "met" and summary["counts"]["met"] == 1

            delivery = WebhookDelivery.objects.get()
            assert delivery.status == "delivered" and delivery.response_code == 200
            assert len(receiver.requests) == 1
            path, headers, body = receiver.requests[0]
            expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
            assert headers["X-Webhook-Signature"] == expected
            assert headers["X-Webhook-Event"] == "compliance.status_changed"
            payload = json.loads(body)
            assert payload["data"]["indicator"] == indicator.pk
            assert (payload["data"]["from"], payload["data"]["to"]) == ("no_data", "met")

            detail = system.get(f"/api/v1/values/{response.json()['id']}/").json()
            assert detail["provenance"]["reported"] == {"system": "园林 GIS", "report": "2026-H1"}
            assert detail["provenance"]["entered_in"] == "api"

    def test_a_unit_not_on_the_indicators_task_may_not_push(self, api_for, outsider, campaign, indicator, task):
        response = api_for(outsider).post("/api/v1/values/", {
            "campaign": campaign.pk, "indicator": indicator.pk, "scope": campaign.city_id,
            "as_of": "2026-06-30", "value": "36.2"}, format="json")
        assert response.status_code == 403


def timeline(finding):
    return list(FindingEvent.objects.filter(finding=finding).order_by("at", "id").values_list("kind", "to_status"))


def audit(finding):
    ct = ContentType.objects.get_for_model(Finding)
    return list(AuditEntry.objects.filter(content_type=ct, object_id=str(finding.pk)).order_by("id")
                .values_list("action", "user__username", "actor_role"))


class PhoneScenarioTests:
    def test_a_finding_with_photos_is_answered_and_closed_with_the_pages_timeline_and_audit(
            self, api_for, client_for, inspector, lead_staff, campaign, unit_a, today):
        phone = api_for(inspector)
        response = phone.post("/api/v1/findings/", {
            "campaign": campaign.pk, "unit": unit_a.pk, "description": "人民公园东门绿地黄土裸露",
            "address": "人民路与公园路交叉口", "deadline": (today + timedelta(days=7)).isoformat(),
            "category": "other", "severity": "minor", "source": "inspection", "found_on": today.isoformat(),
            "photos": [jpeg("p1.jpg")],
        }, format="multipart")
        assert response.status_code == 201, response.content
        by_api = Finding.objects.get(pk=response.json()["id"])
        assert FindingPhoto.objects.filter(finding=by_api, kind="before").count() == 1
        photo = response.json()["photos"][0]
        assert api_for(lead_staff).get(photo["url"]).status_code == 200

        unit = api_for(lead_staff)
        assert unit.post(f"/api/v1/findings/{by_api.pk}/start/", {"note": "已安排"}, format="json").status_code == 200
        refused = unit.post(f"/api/v1/findings/{by_api.pk}/submit/", {"note": "已复绿"}, format="multipart")
        assert refused.status_code == 400 and "photos" in refused.json()["error"]["fields"]
        submitted = unit.post(f"/api/v1/findings/{by_api.pk}/submit/",
                              {"note": "已复绿", "photos": [jpeg("after.jpg", (10, 160, 40))]}, format="multipart")
        assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
        closed = phone.post(f"/api/v1/findings/{by_api.pk}/close/", {"note": "复核通过"}, format="json")
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        kinds = [e["kind"] for e in closed.json()["timeline"]]
        assert kinds == ["created", "started", "submitted", "closed"]

        # The same story through the pages gives the same timeline and audit rows.
        browser = client_for(inspector)
        browser.post("/inspections/new/", {
            "unit": unit_a.pk, "description": "人民公园西门绿地黄土裸露", "address": "人民路",
            "deadline": (today + timedelta(days=7)).isoformat(), "category": "other", "severity": "minor",
            "source": "inspection", "found_on": today.isoformat(), "photos": [jpeg("p2.jpg")],
        })
        by_page = Finding.objects.exclude(pk=by_api.pk).get()
        client_for(lead_staff).post(f"/inspections/{by_page.pk}/start/", {"note": "已安排"})
        client_for(lead_staff).post(f"/inspections/{by_page.pk}/submit/",
                                    {"note": "已复绿", "photos": [jpeg("after2.jpg")]})
        client_for(inspector).post(f"/inspections/{by_page.pk}/close/", {"note": "复核通过"})
        by_page.refresh_from_db()
        assert by_page.status == "closed"
        assert timeline(by_api) == timeline(by_page)
        assert audit(by_api) == audit(by_page)
        assert len(audit(by_api)) == 4


class ValueEvidenceTests:
    def test_evidence_is_kept_and_an_unsafe_file_refused(self, api_for, lead_staff, campaign, indicator, task):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from indicators.models import IndicatorValue

        client = api_for(lead_staff, "en")
        base = {"campaign": campaign.pk, "indicator": indicator.pk, "scope": campaign.city_id, "as_of": "2026-06-30",
                "value": "33", "provenance": '{"system": "GIS"}'}
        refused = client.post("/api/v1/values/", {**base, "evidence": SimpleUploadedFile("x.exe", b"MZ")},
                              format="multipart")
        assert refused.status_code == 400 and "evidence" in refused.json()["error"]["fields"]
        assert not IndicatorValue.objects.exists()
        kept = client.post("/api/v1/values/", {**base, "evidence": SimpleUploadedFile("年报.pdf", b"%PDF-1.4")},
                           format="multipart")
        assert kept.status_code == 201 and kept.json()["has_evidence"]
        assert IndicatorValue.objects.get().provenance["reported"] == {"system": "GIS"}
