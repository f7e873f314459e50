"""Outgoing webhooks: which events, signed bodies, retries with backoff, and a failing endpoint
that delays only its own deliveries."""
import hashlib
import hmac
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEndpoint
from api.webhooks import webhook_deliver, webhook_emit
from inspections import services as finding_services
from notifications.services import alerts_detect, alerts_send
from tests.api.conftest import jpeg
from tests.api.receiver import Receiver


def endpoint(url, events=(), name="接收方", secret="k"):
    return WebhookEndpoint.objects.create(name=name, url=url, secret=secret, events=list(events))


def deliver_all():
    for pk in WebhookDelivery.objects.filter(status="pending").values_list("pk", flat=True):
        webhook_deliver(delivery_id=pk)


class WebhookEventTests:
    def test_finding_created_and_closed_go_to_subscribers_only(self, db, finding, inspector, lead_staff,
                                                               django_capture_on_commit_callbacks):
        wants_closed = endpoint("http://127.0.0.1:9/a", ["finding.closed"])
        wants_all = endpoint("http://127.0.0.1:9/b")
        alerts_send()  # delivers the "assigned" event of the new finding
        finding_services.finding_start(finding=finding, user=lead_staff)
        from inspections.photos import process_photo

        finding_services.finding_submit(finding=finding, user=lead_staff, note="已整改",
                                        photos=[process_photo(jpeg(), strip_location=False)])
        finding_services.finding_close(finding=finding, user=inspector)
        alerts_send()
        assert sorted(WebhookDelivery.objects.filter(endpoint=wants_all).values_list("event", flat=True)) == [
            "finding.closed", "finding.created"]
        assert list(WebhookDelivery.objects.filter(endpoint=wants_closed).values_list("event", flat=True)) == [
            "finding.closed"]
        closed = WebhookDelivery.objects.get(endpoint=wants_closed)
        assert closed.payload["data"]["id"] == finding.pk and closed.payload["data"]["object"] == "finding"

    def test_an_overdue_finding_is_announced_once(self, db, finding, today):
        hook = endpoint("http://127.0.0.1:9/c", ["finding.overdue", "task.overdue"])
        alerts_send()
        with time_machine.travel(finding.deadline + timedelta(days=1, hours=12)):
            alerts_detect()
            alerts_send()
            alerts_detect()
            alerts_send()
        rows = list(WebhookDelivery.objects.filter(endpoint=hook).values_list("event", "payload__data__level"))
        assert rows == [("finding.overdue", "red")]

    def test_an_inactive_endpoint_gets_nothing(self, db):
        hook = endpoint("http://127.0.0.1:9/d")
        hook.is_active = False
        hook.save()
        assert webhook_emit(event="briefing.issued", key="briefing:1", data={}) == []
        assert not WebhookDelivery.objects.exists()

    def test_emitting_the_same_event_twice_delivers_once(self, db):
        hook = endpoint("http://127.0.0.1:9/e")
        webhook_emit(event="briefing.issued", key="briefing:7:1:zh-hans", data={"n": 1})
        webhook_emit(event="briefing.issued", key="briefing:7:1:zh-hans", data={"n": 1})
        assert WebhookDelivery.objects.filter(endpoint=hook).count() == 1


class WebhookDeliveryTests:
    def test_the_body_is_signed_with_the_endpoints_secret(self, db):
        with Receiver() as receiver:
            endpoint(receiver.url, secret="甲方密钥")
            webhook_emit(event="finding.closed", key="k1", data={"id": 1, "title": "绿地裸土"})
            deliver_all()
        _, headers, body = receiver.requests[0]
        digest = hmac.new("甲方密钥".encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Webhook-Signature"] == f"sha256={digest}"
        assert "绿地裸土" in body.decode()
        delivery = WebhookDelivery.objects.get()
        assert headers["X-Webhook-Delivery"] == str(delivery.pk)
        assert (delivery.status, delivery.response_code, delivery.response_body) == ("delivered", 200, "ok")

    def test_a_failing_endpoint_is_retried_with_backoff_and_blocks_nobody(self, db):
        with Receiver(status=500) as broken, Receiver() as healthy:
            bad = endpoint(broken.url, name="坏的")
            good = endpoint(healthy.url, name="好的")
            start = timezone.now()
            with time_machine.travel(start, tick=False):
                webhook_emit(event="finding.closed", key="k2", data={})
                deliver_all()
            failing = WebhookDelivery.objects.get(endpoint=bad)
            assert WebhookDelivery.objects.get(endpoint=good).status == "delivered"
            assert (failing.status, failing.attempts, failing.response_code) == ("pending", 1, 500)
            assert failing.response_body == "broken"
            assert failing.next_try_at == start + timedelta(minutes=1)
            # Not due yet: nothing is sent; then due: second attempt, next one two minutes later.
            with time_machine.travel(start + timedelta(seconds=30), tick=False):
                assert webhook_deliver(delivery_id=failing.pk) is None
            with time_machine.travel(start + timedelta(minutes=1), tick=False):
                webhook_deliver(delivery_id=failing.pk)
            failing.refresh_from_db()
            assert failing.attempts == 2 and failing.next_try_at == start + timedelta(minutes=3)
            assert len(broken.requests) == 2 and len(healthy.requests) == 1

    def test_it_gives_up_after_the_last_attempt(self, db, monkeypatch):
        import api.webhooks

        monkeypatch.setattr(api.webhooks, "MAX_ATTEMPTS", 2)
        endpoint("http://127.0.0.1:9/unreachable")
        webhook_emit(event="finding.closed", key="k3", data={})
        delivery = WebhookDelivery.objects.get()
        now = timezone.now()
        webhook_deliver(delivery_id=delivery.pk, now=now)
        webhook_deliver(delivery_id=delivery.pk, now=now + timedelta(minutes=5))
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.next_try_at) == ("failed", 2, None)
        assert delivery.error

    def test_the_office_sees_deliveries_with_their_responses_in_the_admin(self, client, office_admin):
        from django.contrib.auth.models import Group

        from organizations.permissions import OFFICE_ADMIN_GROUP

        office_admin.is_staff = True
        office_admin.save()
        office_admin.groups.add(Group.objects.get(name=OFFICE_ADMIN_GROUP))
        with Receiver(status=503) as broken:
            endpoint(broken.url, name="12345 热线")
            webhook_emit(event="finding.closed", key="k4", data={})
            deliver_all()
        client.force_login(office_admin)
        page = client.get("/admin/api/webhookdelivery/").content.decode()
        assert "12345 热线" in page and "503" in page


class WebhookHookTests:
    def test_a_built_briefing_is_announced_once_per_number_and_language(self, db, campaign, monkeypatch):
        import reports.services
        from reports.services import briefing_build

        monkeypatch.setattr(reports.services, "render_pdf", lambda template, context: b"%PDF-1.4 test")
        hook = endpoint("http://127.0.0.1:9/f", ["briefing.issued"])
        monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
        briefing = briefing_build(campaign=campaign, week_start=monday)
        briefing_build(campaign=campaign, week_start=monday)  # a rebuild of the same issue
        delivery = WebhookDelivery.objects.get(endpoint=hook)
        assert delivery.payload["data"]["briefing"] == briefing.pk
        assert delivery.payload["data"]["pdf"] == f"/api/v1/briefings/{briefing.pk}/pdf/"

    def test_a_recompute_that_changes_no_status_announces_nothing(self, db, campaign, indicator):
        from indicators.services import compliance_recompute

        hook = endpoint("http://127.0.0.1:9/g", ["compliance.status_changed"])
        compliance_recompute(campaign=campaign)  # first snapshot: no data (from nothing)
        first = WebhookDelivery.objects.filter(endpoint=hook).count()
        compliance_recompute(campaign=campaign)
        assert WebhookDelivery.objects.filter(endpoint=hook).count() == first == 1

    def test_a_broken_hook_never_breaks_the_change_that_called_it(self, db, lead_staff, finding, monkeypatch):
        import api.webhooks
        from notifications.models import Notification

        endpoint("http://127.0.0.1:9/h")

        def broken(**kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(api.webhooks, "webhook_emit", broken)
        assert alerts_send() == 1  # the "assigned" event is still delivered in-app
        assert Notification.objects.filter(user=lead_staff, alert__object_id=finding.pk).exists()
        assert not WebhookDelivery.objects.exists()
