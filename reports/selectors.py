"""Reads for the dashboard and the weekly briefing: one set of queries serves both, so the
PDF's figures equal the page's for the same date."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from indicators import states
from indicators.models import ComplianceSnapshot, Indicator
from indicators.selectors import campaign_compliance, campaign_districts, readiness

from tasks.selectors import lead_units_by_indicator

from .forecast import forecast_outlook, linear_forecast

TREND_WEEKS = 12


@dataclass
class ComplianceView:
    on: date
    rows: list
    summary: object
    not_met: list
    districts: list
    district_rows: list
    forecasts: dict = field(default_factory=dict)
    lead_units: dict = field(default_factory=dict)
    met_history: list = field(default_factory=list)

    @property
    def at_risk(self):
        return [r for r in self.rows if self.forecasts.get(r.indicator.id, (None, None))[1] == "at_risk"]


def snapshot_series(campaign, on, weeks=TREND_WEEKS):
    """City-scope snapshots of the last `weeks` weeks up to `on`: indicator id → [(date, value, status)]."""
    series = defaultdict(list)
    for indicator_id, day, value, status in (
        ComplianceSnapshot.objects.filter(
            campaign=campaign, scope_id=campaign.city_id, date__lte=on, date__gt=on - timedelta(weeks=weeks)
        )
        .order_by("date")
        .values_list("indicator_id", "date", "value", "status")
    ):
        series[indicator_id].append((day, value, status))
    return series


def compliance_view(campaign, on):
    rows = campaign_compliance(campaign, on)
    summary = readiness(rows)
    params = campaign.params()
    series = snapshot_series(campaign, on)
    target_day = campaign.evaluation_date or on
    forecasts = {}
    for row in rows:
        points = [(d, v) for d, v, _ in series.get(row.indicator.id, [])]
        if row.value is not None and (not points or points[-1][0] != on):
            points.append((on, row.value))
        bounds = (0, 100) if row.indicator.unit == "%" else None
        f = linear_forecast(points, target_day, bounds=bounds) if target_day >= on else None
        outlook = forecast_outlook(row.indicator, row.evaluation, f, params, campaign.tier)
        forecasts[row.indicator.id] = (f, outlook)
    not_met = [r for r in rows if r.status == Indicator.Status.NOT_MET]
    not_met.sort(key=lambda r: (not r.indicator.is_veto, -(r.evaluation.relative_gap or 0), r.indicator.order))
    district_rows = [r for r in rows if r.indicator.aggregation == Indicator.Aggregation.DISTRICT_MIN]
    by_date = defaultdict(lambda: [0, 0])
    for points in series.values():
        for d, _, status in points:
            if status != Indicator.Status.NOT_APPLICABLE:
                by_date[d][1] += 1
                by_date[d][0] += status == Indicator.Status.MET
    return ComplianceView(
        on=on,
        rows=rows,
        summary=summary,
        not_met=not_met,
        districts=campaign_districts(campaign),
        district_rows=district_rows,
        forecasts=forecasts,
        lead_units=lead_units_by_indicator(campaign),
        met_history=[(d, met, total) for d, (met, total) in sorted(by_date.items())],
    )


# --- findings, tasks and units as of a date ---------------------------------------------

def week_bounds(day):
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def day_end(day):
    """The first instant after `day` in the site's zone (deadlines are local calendar dates)."""
    return states.day_end(day)


@dataclass
class WorkStats:
    """What the dashboard and the briefing both show for a date. Every figure is a state of
    indicators.states (through the models' querysets), as at the end of `on`, so a past
    week's figures are those at its end and today's equal the lists they link to."""

    on: date
    week_start: date
    findings_new: int
    findings_closed: int
    findings_open: int
    findings_overdue: int
    tasks_overdue: int
    tasks_total: int
    tasks_done: int
    overdue_by_unit: list  # [(unit name, findings overdue, tasks overdue)] worst first

    def as_dict(self):
        return {
            "on": self.on.isoformat(), "week_start": self.week_start.isoformat(),
            "findings_new": self.findings_new, "findings_closed": self.findings_closed,
            "findings_open": self.findings_open, "findings_overdue": self.findings_overdue,
            "tasks_overdue": self.tasks_overdue, "tasks_total": self.tasks_total, "tasks_done": self.tasks_done,
            "overdue_by_unit": [list(row) for row in self.overdue_by_unit],
        }


def _findings(campaign, unit_ids):
    from inspections.models import Finding

    qs = Finding.objects.filter(campaign=campaign)
    return qs if unit_ids is None else qs.filter(unit_id__in=unit_ids)


def _tasks(campaign, unit_ids):
    from tasks.models import Task

    qs = Task.objects.filter(campaign=campaign)
    return qs if unit_ids is None else qs.filter(lead_unit_id__in=unit_ids)


def work_stats(campaign, on, unit_ids=None):
    """`unit_ids`: the findings those units answer for and the tasks they lead (None: all)."""
    from django.db.models import Count, Q

    from inspections.models import Finding
    from tasks.models import Task

    policy = campaign.alert_policy()
    start, _ = week_bounds(on)
    end = day_end(on)
    findings = _findings(campaign, unit_ids)
    overdue_f = Finding.objects.state_q(states.OVERDUE, on, policy, as_at=True)
    f = findings.aggregate(
        new=Count("id", filter=Q(found_on__gte=start, found_on__lte=on, created_at__lt=end)),
        closed=Count("id", filter=Finding.objects.state_q(states.CLOSED, on, as_at=True)
                     & Q(closed_at__gte=day_end(start - timedelta(days=1)))),
        open=Count("id", filter=Finding.objects.state_q(states.OPEN, on, as_at=True)),
        overdue=Count("id", filter=overdue_f),
    )
    tasks = _tasks(campaign, unit_ids)
    overdue_t = Task.objects.state_q(states.OVERDUE, on, policy, as_at=True)
    t = tasks.aggregate(
        total=Count("id"),
        done=Count("id", filter=Task.objects.state_q(states.CLOSED, on, as_at=True)),
        overdue=Count("id", filter=overdue_t),
    )
    by_unit = defaultdict(lambda: [0, 0])
    for name, n in findings.filter(overdue_f).values_list("unit__name").annotate(n=Count("id")).order_by():
        by_unit[name][0] = n
    for name, n in tasks.filter(overdue_t).values_list("lead_unit__name").annotate(n=Count("id")).order_by():
        by_unit[name][1] = n
    rows = sorted(((name, a, b) for name, (a, b) in by_unit.items()), key=lambda r: (-(r[1] + r[2]), r[0]))
    return WorkStats(on, start, f["new"], f["closed"], f["open"], f["overdue"], t["overdue"], t["total"],
                     t["done"], rows)


@dataclass(frozen=True)
class Due:
    """One row of next week's list: a finding or a task the units still hold."""

    due: date
    kind: str  # "finding" or "task"
    text: str
    unit: str
    pk: int

    def __iter__(self):  # (due, kind, text, unit), as stored in a briefing's figures
        return iter((self.due, self.kind, self.text, self.unit))


def upcoming_deadlines(campaign, on, days=7, unit_ids=None):
    """Findings and tasks the units still hold, due in the `days` after `on`: next week's
    list, most urgent (earliest deadline) first."""
    findings = (_findings(campaign, unit_ids).due_within(on, days, as_at=True)
                .values_list("deadline", "description", "unit__name", "id"))
    tasks = (_tasks(campaign, unit_ids).due_within(on, days, as_at=True)
             .values_list("due_on", "content", "lead_unit__name", "id"))
    rows = [Due(d, "finding", text, unit, pk) for d, text, unit, pk in findings]
    rows += [Due(d, "task", text, unit, pk) for d, text, unit, pk in tasks]
    rows.sort(key=lambda r: (r.due, r.kind, r.unit, r.pk))
    return rows


def ranking_metrics(campaign, start, end):
    """Per-unit metrics for the period [start, end] (dates), from timestamps only."""
    from django.db.models import Count, F, Q

    from inspections.models import Finding, FindingEvent
    from organizations.models import Unit
    from tasks.models import Task

    from .ranking import UnitMetrics

    period_end = day_end(end)
    period_start = day_end(start - timedelta(days=1))
    findings = _findings(campaign, None).filter(created_at__lt=period_end)
    due_q = Q(deadline__gte=start, deadline__lte=end) | Q(closed_at__gte=period_start, closed_at__lt=period_end)
    metrics = {}

    def m(unit_id):
        return metrics.setdefault(unit_id, {})

    for row in findings.values("unit_id").annotate(
        due=Count("id", filter=due_q),
        # closed_at is an instant; "on time" means closed before the deadline day ended
        on_time=Count("id", filter=due_q & Q(closed_at__lt=period_end, closed_at__date__lte=F("deadline"))),
        overdue=Count("id", filter=Finding.objects.state_q(states.OVERDUE, end, as_at=True)),
    ).order_by():
        m(row["unit_id"]).update(findings_due=row["due"], findings_on_time=row["on_time"], f_overdue=row["overdue"])
    # Tasks by their real dates (due, handed in, accepted), not the day they were imported.
    tasks = _tasks(campaign, None)
    for row in tasks.values("lead_unit_id").annotate(
        due=Count("id", filter=Q(due_on__lte=end)),
        done=Count("id", filter=Q(due_on__lte=end) & Task.objects.state_q(states.CLOSED, end, as_at=True)),
        overdue=Count("id", filter=Task.objects.state_q(states.OVERDUE, end, as_at=True)),
    ).order_by():
        m(row["lead_unit_id"]).update(tasks_due=row["due"], tasks_done=row["done"], t_overdue=row["overdue"])
    for row in (
        FindingEvent.objects.filter(finding__campaign=campaign, kind=FindingEvent.Kind.RETURNED,
                                    at__gte=period_start, at__lt=period_end)
        .values("finding__unit_id").annotate(n=Count("id")).order_by()
    ):
        m(row["finding__unit_id"])["returned"] = row["n"]
    units = {u.id: u for u in Unit.objects.filter(id__in=metrics)}
    result = []
    for unit_id, data in metrics.items():
        unit = units[unit_id]
        result.append(UnitMetrics(
            unit_id=unit_id, unit_name=unit.short_name or unit.name, sort_order=unit.sort_order,
            findings_due=data.get("findings_due", 0), findings_on_time=data.get("findings_on_time", 0),
            overdue=data.get("f_overdue", 0) + data.get("t_overdue", 0), tasks_due=data.get("tasks_due", 0),
            tasks_done=data.get("tasks_done", 0), returned=data.get("returned", 0),
        ))
    return result


def ranking_entries_for(access, campaign):
    """The ranking lines a user may read: every unit's for wide roles, their own units' otherwise."""
    from .models import RankingEntry

    return access.scope(RankingEntry.objects.filter(campaign=campaign))
