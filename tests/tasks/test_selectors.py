"""Reads other parts of the system use: per-unit counts, overdue tasks, lead units."""
from datetime import date, timedelta

import time_machine
from django.utils import timezone

from tasks.models import Review
from tasks.selectors import lead_units_by_indicator, overdue_tasks, unit_task_counts
from tests.tasks.conftest import make_task


class UnitTaskCountsTests:
    def test_it_counts_led_cooperating_done_submitted_and_overdue_per_unit(self, campaign, unit_a, unit_b, unit_c,
                                                                          django_assert_num_queries):
        on = date(2024, 8, 20)
        make_task(campaign, 1, unit_a, coop=[unit_b, unit_c], due=date(2024, 8, 19))  # overdue
        make_task(campaign, 2, unit_a, due=date(2024, 8, 20))  # due today: not overdue
        make_task(campaign, 3, unit_a, due=date(2024, 8, 1), review_state=Review.ACCEPTED)
        make_task(campaign, 4, unit_a, due=date(2024, 8, 1), review_state=Review.SUBMITTED)
        make_task(campaign, 5, unit_b, coop=[unit_a], due=date(2024, 8, 1), review_state=Review.CHANGES_REQUESTED)
        with django_assert_num_queries(3):
            rows = unit_task_counts(campaign, on)
        got = {r.unit.name: (r.led, r.cooperating, r.done, r.submitted, r.overdue) for r in rows}
        assert got == {"市住建局": (4, 1, 1, 1, 1), "市城管执法局": (1, 1, 0, 0, 1), "市水务局": (0, 1, 0, 0, 0)}
        a = next(r for r in rows if r.unit == unit_a)
        assert a.open == 2 and a.done_percent == 25

    def test_it_can_be_limited_to_some_units(self, campaign, unit_a, unit_b):
        make_task(campaign, 1, unit_a, coop=[unit_b])
        assert [r.unit for r in unit_task_counts(campaign, unit_ids={unit_b.id})] == [unit_b]

    def test_it_ignores_other_campaigns(self, campaign, unit_a, city):
        from indicators.models import Campaign

        other = Campaign.objects.create(name="另一个", city=city, kind="creation", tier="eco")
        make_task(other, 1, unit_a)
        assert unit_task_counts(campaign) == []


class OverdueTasksTests:
    def test_it_lists_open_tasks_past_their_deadline_oldest_first(self, campaign, unit_a):
        make_task(campaign, 1, unit_a, due=date(2024, 8, 10))
        make_task(campaign, 2, unit_a, due=date(2024, 8, 5), review_state=Review.CHANGES_REQUESTED)
        make_task(campaign, 3, unit_a, due=date(2024, 8, 1), review_state=Review.SUBMITTED)
        make_task(campaign, 4, unit_a, due=date(2024, 8, 1), review_state=Review.ACCEPTED)
        make_task(campaign, 5, unit_a, due=date(2024, 8, 20))
        assert [t.seq for t in overdue_tasks(campaign, date(2024, 8, 20))] == [2, 1]
        assert [t.seq for t in overdue_tasks(campaign, date(2024, 8, 21))] == [2, 1, 5]

    def test_a_task_goes_overdue_overnight_without_any_write(self, client_for, office_admin, campaign, unit_a):
        with time_machine.travel(date(2024, 8, 20), tick=False):
            task = make_task(campaign, 1, unit_a, due=timezone.localdate())
            body = client_for(office_admin).get("/tasks/").content.decode()
            assert 'data-status="not_started"' in body
        with time_machine.travel(date(2024, 8, 21), tick=False):
            body = client_for(office_admin).get("/tasks/").content.decode()
            assert 'data-status="overdue"' in body and "逾期 1 天" in body
            assert task.alert_level_on(timezone.localdate()) == "red"


def test_lead_units_by_indicator(campaign, unit_a, unit_b, standard):
    ind = standard.indicators.get(code="2.1")
    make_task(campaign, 1, unit_a, indicator=ind)
    make_task(campaign, 2, unit_b, indicator=ind)
    make_task(campaign, 3, unit_a, indicator=ind)
    make_task(campaign, 4, unit_b)
    assert lead_units_by_indicator(campaign) == {ind.id: [unit_a, unit_b]}


def test_overdue_tasks_are_a_queryset_for_the_jobs(campaign, unit_a):
    make_task(campaign, 1, unit_a, due=timezone.localdate() - timedelta(days=1))
    qs = overdue_tasks(campaign, timezone.localdate())
    assert qs.filter(seq=1).exists()
