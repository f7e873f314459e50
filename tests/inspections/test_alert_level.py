"""Finding.alert_level_on / next_alert_on: pure, on unsaved instances, today as an argument."""
from datetime import date, timedelta

import pytest

from indicators.calendar import AlertPolicy
from inspections.models import Finding
from inspections.selectors import level_q

TODAY = date(2026, 3, 16)  # a Monday
S = Finding.Status


def finding(deadline_offset, status=S.ASSIGNED):
    deadline = None if deadline_offset is None else TODAY + timedelta(days=deadline_offset)
    return Finding(status=status, deadline=deadline, found_on=TODAY - timedelta(days=20))


class AlertLevelTests:
    @pytest.mark.parametrize(
        "offset, level",
        [
            (30, "blue"),
            (4, "blue"),  # one day before the yellow window
            (3, "yellow"),  # exactly yellow_days away
            (1, "yellow"),
            (0, "yellow"),  # due today: still on time
            (-1, "red"),  # the day after the deadline
            (-3, "red"),  # overdue exactly escalate_days: not yet escalated
            (-4, "escalated"),  # overdue for more than escalate_days
            (-60, "escalated"),
            (None, None),  # no deadline: nothing to warn about
        ],
    )
    def test_it_follows_the_boundary_table(self, offset, level):
        assert finding(offset).alert_level_on(TODAY, 3, 3) == level

    @pytest.mark.parametrize("status", [S.ASSIGNED, S.IN_RECTIFICATION, S.RETURNED])
    def test_it_applies_while_the_unit_holds_the_finding(self, status):
        assert finding(-10, status).alert_level_on(TODAY) == "escalated"

    @pytest.mark.parametrize("status", [S.SUBMITTED, S.CLOSED])
    def test_it_stops_the_clock_once_submitted_or_closed(self, status):
        assert finding(-10, status).alert_level_on(TODAY) is None
        assert finding(-10, status).next_alert_on(TODAY) is None

    @pytest.mark.parametrize(
        "yellow, escalate, offset, level",
        [(5, 1, 5, "yellow"), (5, 1, 6, "blue"), (0, 0, 0, "yellow"), (0, 0, 1, "blue"), (0, 0, -1, "escalated"),
         (2, 7, -7, "red"), (2, 7, -8, "escalated")],
    )
    def test_it_takes_the_thresholds_as_arguments(self, yellow, escalate, offset, level):
        assert finding(offset).alert_level_on(TODAY, yellow, escalate) == level

    def test_its_defaults_are_three_and_three(self):
        assert finding(3).alert_level_on(TODAY) == "yellow"
        assert finding(-3).alert_level_on(TODAY) == "red"
        assert finding(-4).alert_level_on(TODAY) == "escalated"

    @pytest.mark.parametrize(
        "offset, next_offset",
        [
            (10, 7),  # blue: turns yellow three days before the deadline
            (3, 4),  # yellow: turns red the day after the deadline
            (0, 1),
            (-1, 3),  # red: escalates on the fourth day overdue
            (-3, 1),
            (-4, None),  # escalated: nothing higher
        ],
    )
    def test_it_knows_when_the_level_next_rises(self, offset, next_offset):
        expected = None if next_offset is None else TODAY + timedelta(days=next_offset)
        assert finding(offset).next_alert_on(TODAY, 3, 3) == expected

    def test_the_next_date_is_the_first_day_of_the_next_level(self):
        f = finding(10)
        day = f.next_alert_on(TODAY)
        assert f.alert_level_on(day - timedelta(days=1)) == "blue"
        assert f.alert_level_on(day) == "yellow"

    def test_it_counts_working_days_with_a_working_day_policy(self):
        policy = AlertPolicy(yellow_days=3, escalation_days=3, working_days=True)
        friday_deadline = Finding(status=S.ASSIGNED, deadline=date(2026, 3, 20))
        # Three working days before Friday is Tuesday; Monday is still blue.
        assert friday_deadline.alert_level_on(date(2026, 3, 16), policy=policy) == "blue"
        assert friday_deadline.alert_level_on(date(2026, 3, 17), policy=policy) == "yellow"
        # Overdue over the weekend does not count towards escalation.
        assert friday_deadline.alert_level_on(date(2026, 3, 25), policy=policy) == "red"
        assert friday_deadline.alert_level_on(date(2026, 3, 26), policy=policy) == "escalated"

    def test_it_runs_no_queries(self, django_assert_num_queries, db):
        f = finding(2)
        with django_assert_num_queries(0):
            f.alert_level_on(TODAY)
            f.next_alert_on(TODAY)


class LevelFilterTests:
    """The list page filters by level in SQL; it must agree with the model's rule."""

    @pytest.mark.parametrize("policy", [AlertPolicy(3, 3), AlertPolicy(5, 1), AlertPolicy(3, 3, working_days=True)])
    def test_it_selects_exactly_what_the_model_says(self, policy, campaign, unit_a):
        statuses = [S.ASSIGNED, S.IN_RECTIFICATION, S.RETURNED, S.SUBMITTED, S.CLOSED]
        rows = []
        for offset in range(-12, 13):
            for status in statuses:
                rows.append(Finding(campaign=campaign, unit=unit_a, status=status, description="x", address="y",
                                    found_on=TODAY - timedelta(days=30), deadline=TODAY + timedelta(days=offset)))
        Finding.objects.bulk_create(rows)
        everything = list(Finding.objects.all())
        for level in ("blue", "yellow", "red", "escalated"):
            expected = {f.pk for f in everything if f.alert_level_on(TODAY, policy=policy) == level}
            selected = set(Finding.objects.filter(level_q(level, TODAY, policy)).values_list("pk", flat=True))
            assert selected == expected, level
            assert expected, f"the table should contain some {level} findings"
