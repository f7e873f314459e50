"""Reads for the planner pages: the campaign's compliance (with the dashboard's forecast), the
current ledger rows, and a plan for each indicator that is not met or at risk."""
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from indicators.models import Indicator
from ledgers import formulas as F
from ledgers.services import current_rows
from reports.selectors import compliance_view

from .models import Plan
from .plans import DEFAULT_SITE_AREA_M2, PLANNED_FORMULAS, PLOTS, Goal, current_value, make_plan, what_if

PLAN_LEDGER_TYPES = sorted({t for key in PLANNED_FORMULAS for t in F.FORMULAS[key].reads} | {PLOTS})
NOT_MET, AT_RISK, MET = "not_met", "at_risk", "met"


@dataclass
class PlanView:
    row: object  # indicators.selectors.ComplianceRow
    reason: str  # not_met / at_risk / met
    goal: Goal
    plan: object  # plans.Plan
    value_now: Decimal | None  # from the current ledgers
    value_after: Decimal | None
    evaluation_after: object
    state: Plan | None
    forecast: object = None

    @property
    def indicator(self):
        return self.row.indicator

    @property
    def site_area_m2(self):
        return Decimal(str((self.state.params if self.state else {}).get("site_area_m2") or DEFAULT_SITE_AREA_M2))


def plannable(row):
    threshold = row.evaluation.threshold
    return (row.indicator.measure.formula_key in PLANNED_FORMULAS and threshold is not None
            and threshold.comparator in ("gte", "gt"))


def _reason(row, forecast, outlook):
    if row.status == Indicator.Status.NOT_MET:
        return NOT_MET, Decimal(0)
    if outlook == "at_risk" and forecast is not None and row.value is not None:
        # Met today, the trend misses by the evaluation day: plan for the decline it expects.
        return AT_RISK, max(Decimal(0), Decimal(row.value) - forecast.projected)
    return MET, Decimal(0)


def campaign_plans(campaign, on=None, *, indicator=None):
    """A PlanView per plannable indicator not met or at risk (or just `indicator`, whatever its state)."""
    on = on or timezone.localdate()
    view = compliance_view(campaign, on)
    rows = [r for r in view.rows if plannable(r) and (indicator is None or r.indicator.pk == indicator.pk)]
    if not rows:
        return []
    ledger_rows, _versions, _duplicates = current_rows(campaign.city, PLAN_LEDGER_TYPES)
    states = {p.indicator_id: p for p in Plan.objects.filter(campaign=campaign)}
    params = campaign.params()
    out = []
    for row in rows:
        forecast, outlook = view.forecasts.get(row.indicator.id, (None, None))
        reason, margin = _reason(row, forecast, outlook)
        if reason == MET and indicator is None:
            continue
        goal = Goal(row.indicator, params, campaign.tier, list(row.indicator.thresholds.all()), margin)
        state = states.get(row.indicator.id)
        options = {}
        key = row.indicator.measure.formula_key
        if key == "park_service_coverage" and state is not None:
            options = {"pinned": state.pinned, "excluded": state.excluded,
                       "site_area_m2": Decimal(str(state.params.get("site_area_m2") or DEFAULT_SITE_AREA_M2))}
        plan = make_plan(key, ledger_rows, params, goal, **options)
        value_after, evaluation_after = what_if(plan, params, goal)
        out.append(PlanView(row, reason, goal, plan, current_value(plan, goal), value_after, evaluation_after, state,
                            forecast))
    return out


def converted_items(plan_state):
    if plan_state is None:
        return []
    return list(plan_state.items.select_related("task", "task__lead_unit").order_by("id"))
