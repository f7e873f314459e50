from datetime import date, timedelta

import pytest

from indicators.calendar import AlertPolicy, levels_between

MON = date(2026, 6, 1)  # a Monday
D = timedelta


class CalendarDaysTests:
    P = AlertPolicy(yellow_days=3, escalation_days=3)

    @pytest.mark.parametrize(
        "today, level",
        [
            (MON - D(4), "blue"),
            (MON - D(3), "yellow"),  # three days before the deadline
            (MON, "yellow"),  # the deadline day itself is still on time
            (MON + D(1), "red"),  # the day after
            (MON + D(3), "red"),
            (MON + D(4), "escalated"),  # three full days overdue
        ],
    )
    def test_it_gives_the_level_on_each_boundary(self, today, level):
        assert self.P.level_on(MON, today) == level

    def test_it_names_the_next_change(self):
        assert self.P.next_change(MON, MON - D(10)) == MON - D(3)
        assert self.P.next_change(MON, MON - D(3)) == MON + D(1)
        assert self.P.next_change(MON, MON + D(1)) == MON + D(4)
        assert self.P.next_change(MON, MON + D(4)) is None

    def test_no_deadline_means_no_level(self):
        assert self.P.level_on(None, MON) is None and self.P.next_change(None, MON) is None


class WorkingDaysTests:
    def test_yellow_and_escalation_skip_weekends(self):
        p = AlertPolicy(yellow_days=3, escalation_days=3, working_days=True)
        starts = p.level_starts(MON)
        assert starts["yellow"] == MON - D(5)  # Wed before: Thu, Fri, Mon are the three working days
        assert starts["red"] == MON + D(1)
        assert starts["escalated"] == MON + D(4)  # Tue, Wed, Thu overdue; Fri escalates

    def test_holidays_and_make_up_days_count(self):
        fri = MON + D(4)
        p = AlertPolicy(yellow_days=1, escalation_days=1, working_days=True,
                        holidays=frozenset({MON + D(2), ("workday", MON + D(5))}))
        assert p.is_working_day(MON + D(5))  # a Saturday made a working day
        assert not p.is_working_day(MON + D(2))
        assert p.shift(MON + D(1), 1) == MON + D(3)  # skips the holiday Wednesday
        assert p.shift(fri, 1) == MON + D(5)


class LevelsBetweenTests:
    @pytest.mark.parametrize(
        "old, new, crossed",
        [
            (None, "blue", []),
            ("blue", "yellow", ["yellow"]),
            ("blue", "escalated", ["yellow", "red", "escalated"]),  # catch-up after downtime
            ("red", "red", []),
            ("yellow", "red", ["red"]),
            (None, "red", ["yellow", "red"]),
        ],
    )
    def test_it_lists_each_level_crossed_once(self, old, new, crossed):
        assert levels_between(old, new) == crossed
