"""One unread item per object: a higher level supersedes the lower unread one, a catch-up
sends only the highest level out, and every item names its campaign."""
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from notifications.models import AlertEvent, Notification
from notifications.services import alerts_detect, alerts_send
from tests.notifications.conftest import MON

D = timedelta


def travel(day):
    return time_machine.travel(f"{day.isoformat()} 09:00 +0800", tick=False)


def unread(user):
    return list(Notification.objects.filter(user=user, read_at__isnull=True).values_list("alert__level", flat=True))


def job():
    """The alert job as the schedule runs it: detect, then send."""
    alerts_detect()
    alerts_send()


class SupersedeTests:
    def test_a_catch_up_leaves_one_unread_item_and_one_email(self, task, lead_staff):
        lead_staff.email = "lead@example.gov.cn"
        lead_staff.save()
        with travel(MON + D(6)):  # yellow, red and escalation all due at once
            job()
            job()
        assert unread(lead_staff) == ["escalated"]
        assert len(mail.outbox) == 1
        # The lower levels are kept in the history, marked as superseded by the escalation.
        superseded = Notification.objects.filter(user=lead_staff, superseded_by__level="escalated")
        assert sorted(superseded.values_list("alert__level", flat=True)) == ["red", "yellow"]

    def test_a_later_level_supersedes_the_unread_earlier_one(self, task, lead_staff):
        with travel(MON - D(3)):
            job()
        assert unread(lead_staff) == ["yellow"]
        with travel(MON + D(1)):
            job()
        assert unread(lead_staff) == ["red"]
        yellow = Notification.objects.get(user=lead_staff, alert__level="yellow")
        assert yellow.read_at is not None and yellow.superseded_by.level == "red"

    def test_a_read_item_stays_as_the_user_left_it(self, task, lead_staff):
        with travel(MON - D(3)):
            job()
        Notification.objects.filter(user=lead_staff).update(read_at="2026-05-29T10:00+08:00")
        with travel(MON + D(1)):
            job()
        assert Notification.objects.get(user=lead_staff, alert__level="yellow").superseded_by is None

    def test_a_new_deadline_supersedes_alerts_about_the_old_one(self, task, lead_staff):
        with travel(MON + D(1)):
            job()
            task.due_on = MON + D(3)
            task.save()
        with travel(MON + D(2)):
            job()
        assert unread(lead_staff) == ["yellow"]
        assert Notification.objects.get(user=lead_staff, read_at__isnull=True).alert.deadline == MON + D(3)

    def test_an_alert_for_a_handed_in_task_is_not_sent(self, task, lead_staff):
        with travel(MON + D(1)):
            alerts_detect()
            task.review_state = "submitted"
            task.save()
            alerts_send()
        assert not Notification.objects.exists()
        assert not AlertEvent.objects.filter(processed_at__isnull=True).exists()

    def test_every_item_names_its_campaign(self, task, lead_staff, client_for):
        with travel(MON + D(1)):
            job()
            body = client_for(lead_staff).get("/notifications/?show=all").content.decode()
        assert AlertEvent.objects.filter(campaign__isnull=True).count() == 0
        assert body.count("测试复查") >= 2
        assert "已被更新的通知取代" in body


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's in-memory test database locks whole tables); CI runs it")


@pytest.mark.django_db(transaction=True)
class ConcurrentJobTests:
    def test_the_job_rerun_and_run_concurrently_leaves_one_unread_item_per_object(
        self, task, campaign, unit_a, lead_staff, office_admin, city_leader
    ):
        postgres_only()
        from tasks.models import Task

        other = Task.objects.create(campaign=campaign, seq=2, content="第二项", lead_unit=unit_a, due_on=MON + D(2))
        lead_staff.email = "lead@example.gov.cn"
        lead_staff.save()
        errors = []

        def run(day):
            try:
                with travel(day):
                    job()
            except Exception as exc:  # pragma: no cover - surfaced by the assert below
                errors.append(exc)
            finally:
                connection.close()

        for day in (MON - D(3), MON + D(6), MON + D(6)):  # a first run, then a catch-up run by four workers, twice
            threads = [threading.Thread(target=run, args=(day,)) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert errors == []
        for user in (lead_staff, office_admin):
            rows = list(Notification.objects.filter(user=user, read_at__isnull=True)
                        .values_list("alert__object_id", "alert__level"))
            assert sorted(rows) == sorted([(task.pk, "escalated"), (other.pk, "escalated")]), user
        # E-mails actually sent: the first task's yellow on the first run, then after the catch-up
        # the escalation only, for each task (red superseded before it left).
        assert len(mail.outbox) == 3
