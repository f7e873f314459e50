"""Reads for the dashboard and the weekly briefing: one set of queries serves both, so the
PDF's figures equal the page's for the same date."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from indicators.models import ComplianceSnapshot, Indicator
from indicators.selectors import campaign_compliance, campaign_districts, readiness

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


def lead_units_by_indicator(campaign):
    """Indicator id → lead unit names from the task table (empty before it exists)."""
    try:
        from tasks.models import Task
    except ImportError:  # pragma: no cover - the tasks app is always installed
        return {}
    result = defaultdict(list)
    for indicator_id, name in (
        Task.objects.filter(campaign=campaign, indicator__isnull=False)
        .values_list("indicator_id", "lead_unit__name")
        .order_by("lead_unit__sort_order")
        .distinct()
    ):
        if name not in result[indicator_id]:
            result[indicator_id].append(name)
    return dict(result)


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
        f = linear_forecast(points, target_day) if target_day >= on else None
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
