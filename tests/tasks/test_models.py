"""Rules about one task: derived status, overdue, alert level. Unsaved instances, no queries."""
from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest

from indicators.calendar import AlertPolicy

from tasks.models import Review, Status, Task

TODAY = date(2024, 8, 20)


def t(due_delta, review=Review.DRAFT, progress=0, reported=False):
    return Task(seq=1, content="x", due_on=TODAY + timedelta(days=due_delta), review_state=review, progress=progress,
                last_reported_at=datetime(2024, 8, 1, tzinfo=dt_timezone.utc) if reported else None)


class TaskStatusTests:
    @pytest.mark.parametrize("task, expected", [
        (t(5), Status.NOT_STARTED),
        (t(0), Status.NOT_STARTED),                      # due today is not yet overdue
        (t(-1), Status.OVERDUE),                         # the day after the deadline
        (t(5, progress=10), Status.IN_PROGRESS),
        (t(5, reported=True), Status.IN_PROGRESS),       # a report at 0 % still counts as started
        (t(-1, progress=90), Status.OVERDUE),
        (t(5, Review.CHANGES_REQUESTED, 100), Status.IN_PROGRESS),
        (t(-1, Review.CHANGES_REQUESTED, 100), Status.OVERDUE),  # sent back after the deadline
        (t(-10, Review.SUBMITTED, 100), Status.SUBMITTED),       # waiting on the office, not the unit
        (t(-10, Review.ACCEPTED, 100), Status.DONE),
        (t(10, Review.ACCEPTED, 100), Status.DONE),
    ])
    def test_it_derives_the_status_from_review_state_due_date_and_progress(self, task, expected):
        assert task.status(TODAY) == expected

    @pytest.mark.parametrize("delta, review, expected", [
        (0, Review.DRAFT, False), (-1, Review.DRAFT, True), (-1, Review.CHANGES_REQUESTED, True),
        (-1, Review.SUBMITTED, False), (-1, Review.ACCEPTED, False),
    ])
    def test_it_is_overdue_only_while_the_lead_unit_owes_work(self, delta, review, expected):
        assert t(delta, review).is_overdue(TODAY) is expected

    @pytest.mark.parametrize("delta, expected", [
        (10, "blue"), (4, "blue"), (3, "yellow"), (1, "yellow"), (0, "yellow"), (-1, "red"), (-3, "red"),
        (-4, "escalated"), (-30, "escalated"),
    ])
    def test_its_alert_level_goes_blue_yellow_red_escalated_as_the_deadline_nears_and_passes(self, delta, expected):
        assert t(delta).alert_level_on(TODAY, AlertPolicy(yellow_days=3, escalation_days=3)) == expected

    def test_its_yellow_window_is_configurable(self):
        assert t(5).alert_level_on(TODAY, AlertPolicy(yellow_days=5)) == "yellow"
        assert t(5).alert_level_on(TODAY, AlertPolicy(yellow_days=4)) == "blue"

    @pytest.mark.parametrize("review", [Review.SUBMITTED, Review.ACCEPTED])
    def test_it_has_no_alert_level_once_handed_in(self, review):
        assert t(-5, review).alert_level_on(TODAY) is None

    def test_it_counts_days_overdue_and_days_left(self):
        assert t(-4).days_overdue(TODAY) == 4
        assert t(4).days_overdue(TODAY) == 0
        assert t(-4, Review.ACCEPTED).days_overdue(TODAY) == 0
        assert t(4).days_left(TODAY) == 4

    def test_it_knows_a_task_was_accepted_late(self):
        task = t(-3, Review.ACCEPTED, 100)
        task.accepted_at = datetime(2024, 8, 19, 1, 0, tzinfo=dt_timezone.utc)
        assert task.finished_late
        task.accepted_at = datetime(2024, 8, 16, 15, 0, tzinfo=dt_timezone.utc)  # 23:00 on the 16th in Shanghai
        assert not task.finished_late  # due the 17th


@pytest.mark.django_db
class TaskStatusQueryTests:
    def test_the_database_annotation_agrees_with_the_model_method(self, campaign, unit_a):
        from tests.tasks.conftest import make_task

        cases = [(5, Review.DRAFT, 0), (0, Review.DRAFT, 0), (-1, Review.DRAFT, 0), (5, Review.DRAFT, 10),
                 (-1, Review.DRAFT, 90), (5, Review.CHANGES_REQUESTED, 100), (-1, Review.CHANGES_REQUESTED, 100),
                 (-10, Review.SUBMITTED, 100), (-10, Review.ACCEPTED, 100), (10, Review.ACCEPTED, 100)]
        for i, (delta, review, progress) in enumerate(cases, start=1):
            make_task(campaign, i, unit_a, due=TODAY + timedelta(days=delta), review_state=review, progress=progress)
        annotated = {x.pk: x.status_now for x in Task.objects.with_status(TODAY)}
        for task in Task.objects.all():
            assert annotated[task.pk] == task.status(TODAY), task.seq
            for status in Status.values:
                matches = Task.objects.filter(Task.objects.status_q(status, TODAY), pk=task.pk).exists()
                assert matches == (task.status(TODAY) == status), (task.seq, status)
