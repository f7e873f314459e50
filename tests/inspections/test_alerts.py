"""Findings in the alert jobs (notifications.registry): stored level, next date, events raised once."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.contenttypes.models import ContentType

from inspections import services
from inspections.models import Finding
from notifications.models import AlertEvent
from notifications.registry import ALERTABLE_MODELS
from notifications.services import alerts_detect

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day):
    return datetime.combine(day, datetime.min.time().replace(hour=9), tzinfo=SHANGHAI)


def events_for(finding):
    return list(AlertEvent.objects.filter(kind="deadline", content_type=ContentType.objects.get_for_model(Finding),
                                          object_id=finding.pk).order_by("id").values_list("level", flat=True))


class FindingAlertTests:
    def test_findings_are_registered_with_the_alert_jobs(self):
        assert Finding in ALERTABLE_MODELS

    def test_the_detect_job_raises_each_level_once(self, make_finding):
        with time_machine.travel(at(date(2026, 3, 2)), tick=False):
            f = make_finding(deadline=date(2026, 3, 9))
        assert f.alert_level == "blue" and f.next_alert_at == date(2026, 3, 6)
        for day, expected in [(date(2026, 3, 5), []), (date(2026, 3, 6), ["yellow"]), (date(2026, 3, 7), ["yellow"]),
                              (date(2026, 3, 10), ["yellow", "red"]), (date(2026, 3, 14), ["yellow", "red", "escalated"])]:
            with time_machine.travel(at(day), tick=False):
                alerts_detect()
                alerts_detect()  # a rerun raises nothing twice
            assert events_for(f) == expected, day
        f.refresh_from_db()
        assert f.alert_level == "escalated" and f.next_alert_at is None

    def test_a_transition_raises_a_level_it_crosses(self, make_finding, advance, inspector):
        with time_machine.travel(at(date(2026, 3, 2)), tick=False):
            f = make_finding(deadline=date(2026, 3, 9))
            advance(f, Finding.Status.SUBMITTED)
        # Returned after the deadline without a new one: red at once, not at the next job run.
        with time_machine.travel(at(date(2026, 3, 11)), tick=False):
            services.finding_return(finding=f, user=inspector, reason="仍未整改到位")
        f.refresh_from_db()
        assert f.alert_level == "red" and events_for(f) == ["yellow", "red"]
        assert f.next_alert_at == date(2026, 3, 13)

    def test_closed_findings_leave_the_jobs_alone(self, make_finding, advance):
        with time_machine.travel(at(date(2026, 3, 2)), tick=False):
            f = make_finding(deadline=date(2026, 3, 9))
            advance(f, Finding.Status.CLOSED)
        f.refresh_from_db()
        assert f.next_alert_at is None
        assert f not in Finding.alert_candidates(date(2026, 3, 20))
        with time_machine.travel(at(date(2026, 3, 20)), tick=False):
            alerts_detect()
        assert events_for(f) == []

    def test_escalation_goes_to_the_units_leaders(self, make_finding, unit_a):
        from organizations.models import Person

        boss = Person.objects.create(name="孙局长", unit=unit_a, is_leader=True)
        city_leader = Person.objects.create(name="王副市长", unit=unit_a.parent, is_leader=True)
        unit_a.responsible_leader = city_leader
        unit_a.save()
        f = make_finding()
        person, leaders = f.alert_people()
        assert person is None and leaders == [city_leader, boss]
        assert f.get_absolute_url() == f"/inspections/{f.pk}/"

    def test_a_campaigns_own_thresholds_apply(self, make_finding, campaign):
        campaign.yellow_days = 5
        campaign.save()
        with time_machine.travel(at(date(2026, 3, 2)), tick=False):
            f = make_finding(deadline=date(2026, 3, 9))
        assert f.alert_level == "blue" and f.next_alert_at == date(2026, 3, 4)
        assert f.next_alert_at == date(2026, 3, 9) - timedelta(days=5)
