"""Deadline alerts with time travelled: each level once, across repeats, concurrency and downtime."""
import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Holiday
from inspections.models import Finding
from notifications.models import AlertEvent, DeliveryAttempt, Notification
from notifications.services import DetectResult, alerts_detect, alerts_send
from tasks.models import Task
from tests.notifications.conftest import MON

D = timedelta


def travel(day):
    return time_machine.travel(f"{day.isoformat()} 09:00 +0800", tick=False)


def levels(obj):
    return sorted(AlertEvent.objects.filter(object_id=obj.pk).values_list("level", flat=True))


class DetectTests:
    def test_a_task_goes_yellow_red_and_escalated_each_exactly_once(self, task):
        with travel(MON - D(4)):
            assert alerts_detect() == []
            task.refresh_from_db()
            assert (task.alert_level, task.next_alert_at) == ("blue", MON - D(3))
        with travel(MON - D(3)):
            assert [e.level for e in alerts_detect()] == ["yellow"]
            assert alerts_detect() == []  # a rerun the same day raises nothing
        with travel(MON):
            assert alerts_detect() == []  # still yellow on the deadline day
        with travel(MON + D(1)):
            assert [e.level for e in alerts_detect()] == ["red"]
        with travel(MON + D(3)):
            assert alerts_detect() == []
        with travel(MON + D(4)):
            assert [e.level for e in alerts_detect()] == ["escalated"]
            task.refresh_from_db()
            assert task.next_alert_at is None
        with travel(MON + D(30)):
            assert alerts_detect() == []
        assert levels(task) == ["escalated", "red", "yellow"]

    def test_a_week_of_downtime_then_one_run_catches_every_level_up_once(self, task):
        with travel(MON - D(10)):
            alerts_detect()
        with travel(MON + D(6)):  # nothing ran for sixteen days
            assert sorted(e.level for e in alerts_detect()) == ["escalated", "red", "yellow"]
            assert alerts_detect() == []
        assert AlertEvent.objects.count() == 3

    def test_a_handed_in_task_is_not_chased(self, task):
        task.review_state = "submitted"
        task.save()
        with travel(MON + D(10)):
            assert alerts_detect() == []
        assert not AlertEvent.objects.exists()

    def test_working_days_move_the_yellow_and_escalation_days(self, task, campaign):
        campaign.working_days = True
        campaign.save()
        with travel(MON - D(4)):  # Thursday: within three working days (Thu, Fri, Mon)
            assert [e.level for e in alerts_detect()] == ["yellow"]


def add_objects(campaign, unit, n, *, first_seq, deadline=MON):
    Task.objects.bulk_create([Task(campaign=campaign, seq=first_seq + i, content=f"任务{i}", lead_unit=unit,
                                   due_on=deadline) for i in range(n)])
    Finding.objects.bulk_create([Finding(campaign=campaign, unit=unit, found_on=MON - D(20), deadline=deadline,
                                         description=f"问题{i}", address="人民路") for i in range(n)])


def writes(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


class DetectBatchTests:
    def test_it_costs_the_same_queries_for_5_and_for_50_objects_and_a_rerun_writes_nothing(self, campaign, unit_a):
        counts = []
        with travel(MON - D(3)):  # due within three days: every object turns yellow
            for first_seq, n in ((1, 5), (100, 50)):
                add_objects(campaign, unit_a, n, first_seq=first_seq)
                ContentType.objects.clear_cache()
                with CaptureQueriesContext(connection) as first_pass:
                    assert [e.level for e in alerts_detect()] == ["yellow"] * (2 * n)
                counts.append(len(first_pass))
            with CaptureQueriesContext(connection) as rerun:
                result = DetectResult()
                assert alerts_detect(result=result) == []
        assert counts[0] == counts[1]
        assert writes(rerun.captured_queries) == [] and result.rows_written == 0
        assert AlertEvent.objects.filter(level="yellow").count() == 110
        assert set(Task.objects.values_list("alert_level", "next_alert_at")) == {("yellow", MON + D(1))}
        assert set(Finding.objects.values_list("alert_level", "next_alert_at")) == {("yellow", MON + D(1))}

    def test_it_stores_the_level_and_next_look_of_the_policy_for_every_deadline(self, campaign, unit_a):
        campaign.working_days = True
        campaign.save()
        Holiday.objects.create(date=MON + D(4), name="端午节")
        Holiday.objects.create(date=MON - D(2), name="调休", is_workday=True)  # a Saturday worked
        for offset in range(-12, 13):
            add_objects(campaign, unit_a, 1, first_seq=100 + offset, deadline=MON + D(offset))
        policy = campaign.alert_policy()
        with travel(MON):
            alerts_detect()
        for obj in list(Task.objects.all()) + list(Finding.objects.all()):
            deadline = obj.alert_deadline()
            assert (obj.alert_level, obj.next_alert_at) == (policy.level_on(deadline, MON),
                                                            policy.next_change(deadline, MON)), deadline

    def test_the_events_written_in_sql_carry_the_title_and_link_the_objects_give(self, campaign, unit_a):
        add_objects(campaign, unit_a, 1, first_seq=7)
        Finding.objects.update(description="占道经营 100%\n" + "违规堆放" * 30)  # longer than the title keeps
        Task.objects.update(content="完成%(seq)s绿线公示" + "、" * 70)
        with travel(MON + D(1)):
            alerts_detect()
        objects = list(Finding.objects.all()) + list(Task.objects.all())
        assert AlertEvent.objects.count() == 2 * len(objects)
        for obj in objects:
            events = AlertEvent.objects.filter(object_id=obj.pk, content_type=ContentType.objects.get_for_model(obj))
            assert {(e.title, e.url) for e in events} == {(obj.alert_title(), obj.get_absolute_url())}

    def test_one_broken_batch_does_not_wedge_the_run(self, campaign, unit_a, monkeypatch):
        # The job works in SQL by batch, so a failure (a deadlock, a timeout) takes a batch:
        # its events are rolled back with it, the other batches go on, the next run mends it.
        from notifications import services

        add_objects(campaign, unit_a, 3, first_seq=1)
        broken = Task.objects.get(seq=2).pk
        original = services._update_alert_fields

        def update(model, batch, keys, *args):
            if model is Task and broken in [k[0] for k in keys]:
                raise RuntimeError("deadlock detected")
            return original(model, batch, keys, *args)

        monkeypatch.setattr(services, "DETECT_BATCH", 1)
        monkeypatch.setattr(services, "_update_alert_fields", update)
        with travel(MON + D(1)):
            assert len(alerts_detect()) == 2 * 2 + 3 * 2  # yellow and red for each good row
            assert dict(Task.objects.values_list("seq", "alert_level")) == {1: "red", 2: None, 3: "red"}
            assert not AlertEvent.objects.filter(object_id=broken, content_type__model="task").exists()
            monkeypatch.undo()
            assert [e.level for e in alerts_detect()] == ["yellow", "red"]  # the mended batch, next run


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's in-memory test database locks whole tables); CI runs it")


@pytest.mark.django_db(transaction=True)
class ConcurrentDetectTests:
    def test_two_runs_at_once_raise_each_alert_once(self, task):
        postgres_only()
        errors = []

        def run():
            try:
                with travel(MON + D(6)):
                    alerts_detect()
            except Exception as exc:  # pragma: no cover - surfaced by the assert below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(AlertEvent.objects.values_list("level", flat=True)) == ["escalated", "red", "yellow"]


class SendTests:
    def test_it_tells_the_responsible_person_and_unit_staff_and_on_escalation_the_leader_and_office(
        self, task, lead_staff, coop_staff, office_admin, city_leader
    ):
        lead_staff.email = "lead@example.gov.cn"
        lead_staff.save()
        with travel(MON + D(1)):
            alerts_detect()
            assert alerts_send() == 2  # yellow and red
        red_users = set(Notification.objects.filter(alert__level="red").values_list("user__username", flat=True))
        assert red_users == {"lead"}
        with travel(MON + D(4)):
            alerts_detect()
            alerts_send()
        escalated = set(Notification.objects.filter(alert__level="escalated").values_list("user__username", flat=True))
        assert escalated == {"lead", "vice_mayor", "office"}
        assert "coop" not in set(Notification.objects.values_list("user__username", flat=True))
        # Yellow and red were raised together by the catch-up: only red went out by e-mail.
        assert len(mail.outbox) == 2 and all(m.to == ["lead@example.gov.cn"] for m in mail.outbox)

    def test_a_second_send_delivers_nothing_again(self, task, lead_staff):
        with travel(MON + D(1)):
            alerts_detect()
            alerts_send()
            assert alerts_send() == 0
        assert Notification.objects.count() == 2

    def test_a_failed_email_is_recorded_retried_with_backoff_and_does_not_block_others(
        self, task, lead_staff, settings, campaign, unit_b, coop_staff
    ):
        from tasks.models import Task

        settings.EMAIL_BACKEND = "tests.notifications.backends.FailForBadAddress"
        lead_staff.email = "bad@example.gov.cn"
        lead_staff.save()
        coop_staff.email = "good@example.gov.cn"
        coop_staff.save()
        Task.objects.create(campaign=campaign, seq=2, content="另一项", lead_unit=unit_b, due_on=MON)
        with travel(MON + D(1)):
            alerts_detect()
            assert alerts_send() == 3  # the other unit's two alerts and this task's moot yellow
            failing = AlertEvent.objects.filter(object_id=task.pk, processed_at__isnull=True)
            assert failing.count() == 1
            event = failing.first()
            assert event.attempts == 1 and "refused" in event.last_error
            assert DeliveryAttempt.objects.filter(alert=event, ok=False).exists()
            assert Notification.objects.filter(alert=event, user=lead_staff).exists()  # in-app still works
            assert alerts_send() == 0  # not due again yet: backoff
        with travel(MON + D(2)):
            lead_staff.email = "fixed@example.gov.cn"
            lead_staff.save()
            assert alerts_send() == 1
        assert Notification.objects.filter(user=lead_staff).count() == 2  # never duplicated by the retry


class BellTests:
    def test_the_bell_counts_unread_and_marking_read_follows_the_link(self, client_for, task, lead_staff):
        with travel(MON + D(1)):
            alerts_detect()
            alerts_send()
        client = client_for(lead_staff)
        body = client.get("/tasks/").content.decode()
        assert 'class="bell-count">1<' in body  # red superseded the yellow raised with it
        assert client.get("/notifications/count/").json() == {"unread": 1}
        n = Notification.objects.filter(user=lead_staff, alert__level="red").get()
        response = client.post(f"/notifications/{n.pk}/read/")
        assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
        assert client.get("/notifications/count/").json() == {"unread": 0}
        client.post("/notifications/read-all/")
        assert client.get("/notifications/count/").json() == {"unread": 0}

    def test_the_list_shows_each_alert_with_its_kind_level_and_unit(self, client_for, task, lead_staff):
        with travel(MON + D(1)):
            alerts_detect()
            alerts_send()
            body = client_for(lead_staff).get("/notifications/?show=all").content.decode()
        assert "完成绿线公示" in body and "逾期（红灯）" in body and "临期预警（黄灯）" in body
        assert "任务 1：" in body and "市住建局" in body
        body = client_for(lead_staff).get("/notifications/?show=all&level=red").content.decode()
        assert 'class="badge red"' in body and 'class="badge yellow"' not in body

    def test_nobody_reads_another_users_notification(self, client_for, task, lead_staff, outsider):
        with travel(MON + D(1)):
            alerts_detect()
            alerts_send()
        n = Notification.objects.filter(user=lead_staff).first()
        assert client_for(outsider).post(f"/notifications/{n.pk}/read/").status_code == 404
        n.refresh_from_db()
        assert n.read_at is None

    def test_the_list_requires_login_and_get(self, client, client_for, lead_staff, db):
        assert client.get("/notifications/").status_code == 302
        assert client_for(lead_staff).post("/notifications/").status_code == 405
        assert client_for(lead_staff).get("/notifications/read-all/").status_code == 405


@pytest.mark.django_db(transaction=True)
class ConcurrentSendTests:
    def test_two_senders_at_once_deliver_each_alert_once(self, task, lead_staff):
        postgres_only()
        lead_staff.email = "lead@example.gov.cn"
        lead_staff.save()
        with travel(MON + D(1)):
            alerts_detect()
        errors = []

        def run():
            try:
                with travel(MON + D(1)):
                    alerts_send()
            except Exception as exc:  # pragma: no cover - surfaced by the assert below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert Notification.objects.filter(user=lead_staff).count() == 2
        assert len(mail.outbox) == 1  # red only (yellow was raised with it, so moot), not one per sender
        assert DeliveryAttempt.objects.filter(ok=True).count() == 1


class NewDeadlineTests:
    def test_an_extended_deadline_is_watched_again_each_level_once(self, task):
        from notifications.services import alert_refresh

        with travel(MON + D(1)):
            assert sorted(e.level for e in alerts_detect()) == ["red", "yellow"]
            task.due_on = MON + D(10)  # the office grants an extension
            task.save()
            assert alert_refresh(obj=task) == []  # back to blue: nothing to say yet
            task.refresh_from_db()
            assert task.alert_level == "blue"
        with travel(MON + D(7)):
            assert [e.level for e in alerts_detect()] == ["yellow"]  # warned again for the new date
            assert alerts_detect() == []
        with travel(MON + D(11)):
            assert [e.level for e in alerts_detect()] == ["red"]
        assert AlertEvent.objects.filter(object_id=task.pk).count() == 4
        assert AlertEvent.objects.filter(object_id=task.pk, level="yellow", deadline=MON + D(10)).count() == 1


class SendBatchTests:
    def test_it_costs_the_same_queries_for_3_and_for_30_objects(self, campaign, unit_a, lead_staff, monkeypatch):
        # 18 vs 180 events, each told to one user: every bulk write fits in one statement even
        # under SQLite's 999 parameters, so the counts compare queries per batch exactly.
        from notifications import services
        from notifications.models import UnitChannel

        monkeypatch.setattr(services, "SEND_BATCH", 1000)  # one batch at either size

        lead_staff.email = "lead@example.gov.cn"
        lead_staff.save()
        UnitChannel.objects.create(unit=unit_a, kind=UnitChannel.Kind.WECOM, url="https://robot.example/hook?key=1",
                                   enabled=False)  # loaded with the batch, posts nothing
        counts = []
        for first_seq, n in ((1, 3), (100, 30)):
            mail.outbox.clear()
            add_objects(campaign, unit_a, n, first_seq=first_seq)
            with travel(MON + D(4)):  # yellow, red and the escalation at once for every object
                assert len(alerts_detect()) == 3 * 2 * n
                ContentType.objects.clear_cache()
                with CaptureQueriesContext(connection) as send:
                    assert alerts_send(limit=3 * 2 * n) == 3 * 2 * n
            counts.append(len(send))
            # One e-mail per object (the escalation; yellow and red were moot), nothing left pending.
            assert len(mail.outbox) == 2 * n
            assert not AlertEvent.objects.filter(processed_at__isnull=True).exists()
        assert counts[0] == counts[1]
        assert Notification.objects.filter(user=lead_staff, read_at__isnull=True).count() == 2 * 33
        assert Notification.objects.filter(user=lead_staff, read_at__isnull=False).count() == 2 * 2 * 33


def test_every_registered_model_meets_the_set_based_contract():
    """The detect job writes titles and links in SQL and send_alerts asks for people by batch: a
    model registered without them would fail only when its first deadline comes."""
    from notifications.registry import ALERTABLE_MODELS, pk_url_sql

    assert len(ALERTABLE_MODELS) >= 2
    for model in ALERTABLE_MODELS:
        for name in ("alert_title_sql", "alert_people_for", "alert_candidates"):
            assert callable(getattr(model, name, None)), f"{model.__name__}.{name}"
        for field in ("alert_deadline_field", "alert_campaign_field", "alert_unit_field"):
            model._meta.get_field(getattr(model, field))
        model.alert_title_sql()
        pk_url_sql(model)
