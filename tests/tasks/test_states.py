"""The one definition of a task's states, and the one function every due-date write goes
through (alert fields recomputed, whichever path wrote the date)."""
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.admin.sites import AdminSite
from django.test import RequestFactory
from django.utils import timezone

from indicators import states
from indicators.calendar import AlertPolicy
from notifications.models import AlertEvent
from notifications.services import alerts_detect
from tasks import services
from tasks.admin import TaskAdmin
from tasks.models import Review, Task
from tasks.services import task_edit, task_table_import_commit, task_table_import_preview
from tests.tasks.conftest import make_task, row, upload, xlsx_bytes

TODAY = date(2026, 3, 18)  # a Wednesday


def at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def travel(day=TODAY):
    return time_machine.travel(f"{day.isoformat()} 12:00 +0800", tick=False)


def levels_raised(task):
    return sorted(AlertEvent.objects.filter(object_id=task.pk, deadline=task.due_on).values_list("level", flat=True))


class TaskStateTests:
    @pytest.mark.parametrize("as_at", [False, True])
    @pytest.mark.parametrize("policy", [AlertPolicy(3, 3), AlertPolicy(5, 1, working_days=True)])
    def test_the_queryset_and_the_pure_method_select_the_same_tasks(self, campaign, unit_a, policy, as_at):
        seq = 0
        for offset in range(-8, 9):
            for review in Review.values:
                for stamp in (TODAY - timedelta(days=1), TODAY + timedelta(days=1)):
                    seq += 1
                    Task.objects.create(
                        campaign=campaign, seq=seq, content="x", lead_unit=unit_a,
                        due_on=TODAY + timedelta(days=offset), review_state=review,
                        submitted_at=at(stamp) if review != Review.DRAFT else None,
                        accepted_at=at(stamp) if review == Review.ACCEPTED else None)
        table = list(Task.objects.all())
        for state in list(states.STATES) + ["held"]:
            expected = {t.pk for t in table if t.in_state(state, TODAY, policy, as_at=as_at)}
            selected = set(Task.objects.in_state(state, TODAY, policy, as_at=as_at).values_list("pk", flat=True))
            assert selected == expected, state
            assert expected, state

    def test_a_submitted_task_past_its_due_date_is_not_overdue(self):
        t = Task(review_state=Review.SUBMITTED, due_on=TODAY - timedelta(days=5))
        assert {s for s in states.STATES if t.in_state(s, TODAY)} == {states.OPEN, states.SUBMITTED}
        assert t.status(TODAY) == "submitted" and t.alert_level_on(TODAY) is None

    def test_its_status_and_its_light_never_disagree(self):
        for offset in range(-10, 10):
            t = Task(review_state=Review.DRAFT, due_on=TODAY + timedelta(days=offset))
            overdue = t.status(TODAY) == "overdue"
            assert overdue == (t.alert_level_on(TODAY) in ("red", "escalated")), offset


class TaskDeadlineWriteTests:
    """A task moved to two days ago turns red at once and its red alert is raised."""

    @pytest.fixture
    def watched(self, campaign, unit_a):
        with travel():
            task = make_task(campaign, 1, unit_a, due=TODAY + timedelta(days=30))
            alerts_detect()  # evaluated: blue, next look in 27 days
        task.refresh_from_db()
        assert task.alert_level == "blue" and task.next_alert_at > TODAY
        return task

    def test_an_edit_recomputes_the_alert_fields(self, watched, office_admin):
        with travel():
            task_edit(task=watched, user=office_admin, due_on=TODAY - timedelta(days=2))
            alerts_detect()
        watched.refresh_from_db()
        assert watched.alert_level == "red"
        assert levels_raised(watched) == ["red", "yellow"]

    def test_the_form_recomputes_the_alert_fields(self, watched, client_for, office_admin, unit_a):
        client = client_for(office_admin)
        with travel():
            form = client.get(f"/tasks/{watched.pk}/edit/").context["form"]
            data = {k: v for k, v in form.initial.items() if v is not None}
            data.update(due_on=(TODAY - timedelta(days=2)).isoformat(), lead_unit=unit_a.pk, cooperating_units=[])
            response = client.post(f"/tasks/{watched.pk}/edit/", data)
            assert response.status_code == 302, response.content.decode()[:2000]
            page = client.get(f"/tasks/{watched.pk}/").content.decode()
        watched.refresh_from_db()
        assert watched.due_on == TODAY - timedelta(days=2) and watched.alert_level == "red"
        assert 'data-level="red"' in page

    def test_an_import_recomputes_the_alert_fields(self, watched, office_admin, unit_b, lead_person, city_leader):
        data = xlsx_bytes([row(1, code="", content=watched.content, requirement="", measures="", coop="",
                               leader="", person="", due=(TODAY - timedelta(days=2)).isoformat())])
        with travel():
            imp = task_table_import_preview(campaign=watched.campaign, upload=upload(data), user=office_admin)
            task_table_import_commit(task_import=imp, user=office_admin)
            alerts_detect()
        watched.refresh_from_db()
        assert watched.due_on == TODAY - timedelta(days=2)
        assert watched.alert_level == "red" and levels_raised(watched) == ["red", "yellow"]

    def test_a_big_import_leaves_them_to_the_alert_job(self, watched, monkeypatch):
        monkeypatch.setattr(services, "IMMEDIATE_ALERT_LIMIT", 0)
        Task.objects.filter(pk=watched.pk).update(due_on=TODAY - timedelta(days=2))
        with travel():
            services.task_deadline_refresh(task_ids=[watched.pk])
            watched.refresh_from_db()
            assert watched.alert_level is None and watched.next_alert_at is None
            assert watched in Task.alert_candidates(TODAY)
            alerts_detect()
        watched.refresh_from_db()
        assert watched.alert_level == "red"

    def test_the_admin_writes_no_due_date(self, watched, office_admin):
        # Tasks are read-only in the admin (a link to the task page): no deadline write escapes
        # task_edit and its alert recompute (tests/organizations/test_admin.py posts to it).
        admin = TaskAdmin(Task, AdminSite())
        request = RequestFactory().post("/admin/")
        request.user = office_admin
        assert not admin.has_change_permission(request, watched)
        assert not admin.has_add_permission(request)

    def test_the_page_of_an_escalated_task_shows_an_escalated_light(self, campaign, unit_a, client_for,
                                                                      office_admin):
        task = make_task(campaign, 1, unit_a, due=TODAY - timedelta(days=10))
        with travel():
            page = client_for(office_admin).get(f"/tasks/{task.pk}/").content.decode()
        assert "已逾期" in page and 'data-level="escalated"' in page and "蓝灯" not in page
