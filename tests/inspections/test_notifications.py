"""Findings tell their unit: assigned, returned, closed, extension decided — the unit's staff,
never the actor, once per event, each naming its campaign."""
from datetime import timedelta

from inspections import services
from inspections.models import Finding
from notifications.models import AlertEvent, Notification
from notifications.services import alerts_send


def told(kind):
    return sorted(Notification.objects.filter(alert__kind=kind).values_list("user__username", flat=True))


class FindingNotificationTests:
    def test_it_tells_the_units_staff_that_a_finding_was_assigned(self, make_finding, lead_staff, coop_staff,
                                                                   inspector, campaign):
        f = make_finding()
        event = AlertEvent.objects.get(kind="finding_assigned")
        assert (event.unit_id, event.campaign_id, event.actor_id, event.url) == (
            f.unit_id, campaign.pk, inspector.pk, f"/inspections/{f.pk}/")
        alerts_send()
        assert told("finding_assigned") == ["lead"]  # not the cooperating unit, not the inspector

    def test_it_tells_the_unit_when_a_finding_is_returned_and_again_when_returned_again(
        self, make_finding, advance, lead_staff, inspector
    ):
        f = make_finding()
        advance(f, Finding.Status.RETURNED)
        f.refresh_from_db()
        services.finding_submit(finding=f, user=lead_staff, note="再次整改", photos=[_photo()])
        services.finding_return(finding=f, user=inspector, reason="仍有黄土裸露")
        alerts_send()
        events = AlertEvent.objects.filter(kind="finding_returned")
        assert events.count() == 2 and {e.note for e in events} >= {"仍有黄土裸露"}
        assert told("finding_returned") == ["lead", "lead"]

    def test_it_tells_the_unit_when_a_finding_is_closed_but_not_the_inspector_who_closed_it(
        self, make_finding, advance, lead_staff, inspector
    ):
        f = make_finding()
        advance(f, Finding.Status.CLOSED)
        alerts_send()
        assert told("finding_closed") == ["lead"]
        assert not Notification.objects.filter(user=inspector).exists()

    def test_an_approved_extension_tells_every_unit_staff_but_not_the_decider_even_if_a_member(
        self, make_finding, lead_staff, unit_a, campaign
    ):
        from organizations.models import Membership
        from tests.conftest import make_user

        make_user("colleague", unit_a, Membership.Role.UNIT_STAFF)
        office = make_user("office_x", campaign.office, Membership.Role.OFFICE)
        Membership.objects.create(user=office, unit=unit_a, role=Membership.Role.UNIT_STAFF)
        f = make_finding()
        ext = services.extension_request_create(finding=f, user=lead_staff, requested_deadline=f.deadline
                                                + timedelta(days=5), reason="雨季施工")
        services.extension_request_approve(extension=ext, user=office, note="同意")
        alerts_send()
        assert told("extension_approved") == ["colleague", "lead"]
        event = AlertEvent.objects.get(kind="extension_approved")
        assert event.deadline == f.deadline + timedelta(days=5) and event.url == f"/inspections/{f.pk}/"
        assert not Notification.objects.filter(user=office, alert=event).exists()

    def test_a_refused_extension_tells_the_unit_with_the_reason(self, make_finding, lead_staff, office_admin):
        f = make_finding()
        ext = services.extension_request_create(finding=f, user=lead_staff, requested_deadline=f.deadline
                                                + timedelta(days=5), reason="雨季施工")
        services.extension_request_reject(extension=ext, user=office_admin, note="期限不能再延")
        alerts_send()
        assert told("extension_rejected") == ["lead"]
        assert AlertEvent.objects.get(kind="extension_rejected").note == "期限不能再延"

    def test_each_event_is_recorded_once_however_often_it_is_emitted(self, make_finding, inspector, lead_staff):
        from notifications.services import event_record

        f = make_finding()
        first = AlertEvent.objects.get(kind="finding_assigned")
        again = event_record(kind="finding_assigned", key=first.key, target=f, unit=f.unit, campaign=f.campaign,
                             actor=inspector, title="x", url="/")
        assert again is None and AlertEvent.objects.filter(kind="finding_assigned").count() == 1
        alerts_send()
        alerts_send()
        assert Notification.objects.filter(alert=first).count() == 1

    def test_a_closed_finding_supersedes_its_unread_overdue_alert(self, make_finding, advance, lead_staff):
        import time_machine

        f = make_finding(deadline_days=1)
        with time_machine.travel(timezone_now() + timedelta(days=3), tick=False):
            from notifications.services import alerts_detect

            alerts_detect()
            alerts_send()
            assert Notification.objects.filter(user=lead_staff, alert__kind="deadline", read_at__isnull=True).count() == 1
            advance(f, Finding.Status.CLOSED)
            alerts_send()
        unread = Notification.objects.filter(user=lead_staff, read_at__isnull=True)
        assert [n.alert.kind for n in unread] == ["finding_closed"]
        assert Notification.objects.filter(alert__kind="deadline", superseded_by__kind="finding_closed").exists()


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def _photo():
    from tests.inspections.conftest import photo

    return photo("after.jpg")
