"""Deadline arithmetic for alerts: pure, no queries.

A deadline is a calendar date (Asia/Shanghai). Levels:
- blue: assigned, more than `yellow_days` before the deadline;
- yellow: from `yellow_days` before the deadline through the deadline itself;
- red: from the day after the deadline (overdue);
- escalated: once `escalation_days` full days have passed overdue — the responsible leader is told.
With `working_days`, both counts skip weekends and holidays (and count 调休 make-up days).
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

LEVELS = ("blue", "yellow", "red", "escalated")
RANK = {level: i for i, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class AlertPolicy:
    yellow_days: int = 3
    escalation_days: int = 3
    working_days: bool = False
    holidays: frozenset = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if ("workday", day) in self.holidays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def shift(self, day: date, days: int) -> date:
        """`days` days after (or before, if negative) `day`, counting working days if set."""
        if not self.working_days:
            return day + timedelta(days=days)
        step = 1 if days >= 0 else -1
        remaining = abs(days)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def level_starts(self, deadline: date) -> dict:
        """The first day of each level for a deadline."""
        return {
            "blue": date.min,
            "yellow": self.shift(deadline, -self.yellow_days),
            "red": deadline + timedelta(days=1),
            # after `escalation_days` full (working) days overdue
            "escalated": self.shift(deadline, self.escalation_days + 1),
        }

    def level_on(self, deadline: date | None, today: date) -> str | None:
        if deadline is None:
            return None
        starts = self.level_starts(deadline)
        current = "blue"
        for level in LEVELS:
            if today >= starts[level]:
                current = level
        return current

    def next_change(self, deadline: date | None, today: date) -> date | None:
        """The first day after `today` on which the level rises, or None at the top."""
        if deadline is None:
            return None
        starts = self.level_starts(deadline)
        upcoming = [starts[level] for level in LEVELS if starts[level] > today]
        return min(upcoming) if upcoming else None

    def deadline_bounds(self, today: date) -> tuple[date, date]:
        """(the latest deadline already yellow on `today`, the latest already escalated).

        Inverting the policy once lets querysets filter by level in SQL with exactly the
        boundaries of `level_on`, working days included."""
        yellow_until = today  # a deadline of today is always yellow
        for _ in range(400):
            nxt = yellow_until + timedelta(days=1)
            if self.shift(nxt, -self.yellow_days) > today:
                break
            yellow_until = nxt
        escalated_until = today - timedelta(days=1)
        for _ in range(400):
            if self.shift(escalated_until, self.escalation_days + 1) <= today:
                break
            escalated_until -= timedelta(days=1)
        return yellow_until, escalated_until

    def days_overdue(self, deadline: date | None, today: date) -> int:
        return max(0, (today - deadline).days) if deadline else 0


def levels_between(old: str | None, new: str | None):
    """Levels crossed going from `old` to `new`, excluding blue: each gets one alert event."""
    if new is None:
        return []
    start = RANK.get(old, 0) + 1 if old else 1
    return [level for level in LEVELS[start: RANK[new] + 1] if level != "blue"]


def shift_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_dates(campaign, today, **dates):
    """Refuse any date outside campaign.date_bounds(today), naming the field: the one check every
    form, import and service applies before a date is written (9999-12-31 would break the
    deadline arithmetic and every page that shows it)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    low, high = campaign.date_bounds(today)
    errors = {
        name: _("日期 %(value)s 不合理：须在 %(low)s 至 %(high)s 之间。") % {
            "value": value.isoformat(), "low": low.isoformat(), "high": high.isoformat()}
        for name, value in dates.items() if value is not None and not low <= value <= high
    }
    if errors:
        raise ValidationError(errors)

