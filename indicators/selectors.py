"""Reads for the overview, the dashboard, the briefing and the API: one query path for all."""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from organizations.models import Unit

from .models import ComplianceSnapshot, Evaluation, Indicator, IndicatorValue


def get_value_for_user(request, pk):
    """Values are everybody's (the overview shows every value and district to every user), so
    this lookup does not narrow by unit; what a value page shows of the ledgers behind it is
    scoped in ledgers.selectors.value_provenance."""
    value = IndicatorValue.objects.select_related("measure", "scope", "entered_by__person").filter(pk=pk).first()
    if value is None:
        raise Http404
    return value


@dataclass
class DistrictResult:
    scope: Unit
    value: Decimal | None
    evaluation: Evaluation
    value_row: IndicatorValue | None = None


@dataclass
class ComplianceRow:
    indicator: Indicator
    value: Decimal | None
    evaluation: Evaluation
    value_row: IndicatorValue | None = None
    districts: list = field(default_factory=list)
    previous_value: Decimal | None = None
    previous_status: str | None = None

    @property
    def status(self):
        return self.evaluation.status

    @property
    def trend(self):
        """'up' / 'down' / 'flat' / None, in the direction that matters for this indicator."""
        if self.value is None or self.previous_value is None:
            return None
        if self.value == self.previous_value:
            return "flat"
        threshold = self.evaluation.threshold
        lower_is_better = threshold is not None and threshold.comparator in ("lte", "lt")
        rising = self.value > self.previous_value
        return "up" if rising != lower_is_better else "down"

    @property
    def weakest_district(self):
        with_values = [d for d in self.districts if d.value is not None]
        return min(with_values, key=lambda d: d.value) if with_values else None


@dataclass
class Readiness:
    veto_failed: list
    veto_no_data: list
    basic_met: int
    basic_total: int
    improvement_met: int
    improvement_total: int
    not_met: int
    no_data: int
    veto_total: int = 0

    # Summaries of a kind appear only where the standard has indicators of that kind (the
    # eco-garden standard has no veto and no improvement indicators).
    @property
    def has_veto(self):
        return self.veto_total > 0

    @property
    def has_improvement(self):
        return self.improvement_total > 0

    @property
    def ready(self):
        return not self.veto_failed and not self.veto_no_data and self.basic_met == self.basic_total


def campaign_districts(campaign):
    return list(Unit.objects.filter(parent=campaign.city, kind=Unit.Kind.DISTRICT).order_by("sort_order", "id"))


def campaign_indicators(campaign, standard=None):
    qs = Indicator.objects.filter(standard__campaigns=campaign)
    if standard is not None:
        qs = qs.filter(standard=standard)
    return list(
        qs.select_related("standard", "measure", "node", "node__parent").prefetch_related("thresholds").order_by(
            "standard__code", "order", "id"
        )
    )


def latest_values(measure_ids, scope_ids, on):
    """The latest value on or before `on` per (measure, scope).

    Two index-only steps over the (measure, scope, as_of) unique index: the latest date per
    pair, then the rows on those few dates — cheap however long the history grows.
    """
    latest = {
        (r["measure_id"], r["scope_id"]): r["d"]
        for r in IndicatorValue.objects.filter(measure_id__in=measure_ids, scope_id__in=scope_ids, as_of__lte=on)
        .values("measure_id", "scope_id")
        .annotate(d=Max("as_of"))
        .order_by()
    }
    if not latest:
        return {}
    rows = IndicatorValue.objects.filter(
        measure_id__in=measure_ids, scope_id__in=scope_ids, as_of__in=set(latest.values())
    ).only("id", "measure_id", "scope_id", "as_of", "value", "source", "provenance", "entered_at")
    return {
        (row.measure_id, row.scope_id): row
        for row in rows
        if latest.get((row.measure_id, row.scope_id)) == row.as_of
    }


def previous_snapshots(campaign, before):
    """City-scope snapshots of the most recent snapshot date strictly before `before`."""
    last = campaign.snapshots.filter(date__lt=before, scope=campaign.city_id).aggregate(d=Max("date"))["d"]
    if last is None:
        return None, {}
    snaps = ComplianceSnapshot.objects.filter(campaign=campaign, scope=campaign.city_id, date=last)
    return last, {s.indicator_id: s for s in snaps}


def campaign_compliance(campaign, on=None, *, standard=None, with_trend=True):
    on = on or timezone.localdate()
    params = campaign.params()
    indicators = campaign_indicators(campaign, standard)
    districts = campaign_districts(campaign)
    scope_ids = [campaign.city_id] + [d.id for d in districts]
    values = latest_values({i.measure_id for i in indicators}, scope_ids, on)
    _, previous = previous_snapshots(campaign, on) if with_trend else (None, {})

    rows = []
    for indicator in indicators:
        if indicator.aggregation == Indicator.Aggregation.DISTRICT_MIN:
            district_results = []
            for d in districts:
                vrow = values.get((indicator.measure_id, d.id))
                v = vrow.value if vrow else None
                district_results.append(
                    DistrictResult(d, v, indicator.evaluate(v, params, tier=campaign.tier), value_row=vrow)
                )
            known = [r.value for r in district_results if r.value is not None]
            # The minimum is only meaningful once every district reports.
            value = min(known) if known and len(known) == len(districts) else None
            row = ComplianceRow(indicator, value, indicator.evaluate(value, params, tier=campaign.tier))
            row.districts = district_results
        else:
            vrow = values.get((indicator.measure_id, campaign.city_id))
            value = vrow.value if vrow else None
            row = ComplianceRow(indicator, value, indicator.evaluate(value, params, tier=campaign.tier), value_row=vrow)
        snap = previous.get(indicator.id)
        if snap is not None:
            row.previous_value, row.previous_status = snap.value, snap.status
        rows.append(row)
    return rows


def readiness(rows):
    S, K = Indicator.Status, Indicator.Kind
    applicable = [r for r in rows if r.status != S.NOT_APPLICABLE]
    basic = [r for r in applicable if r.indicator.kind in (K.BASIC, K.VETO)]
    improvement = [r for r in applicable if r.indicator.kind == K.IMPROVEMENT]
    return Readiness(
        veto_failed=[r for r in applicable if r.indicator.is_veto and r.status == S.NOT_MET],
        veto_no_data=[r for r in applicable if r.indicator.is_veto and r.status == S.NO_DATA],
        basic_met=sum(r.status == S.MET for r in basic),
        basic_total=len(basic),
        improvement_met=sum(r.status == S.MET for r in improvement),
        improvement_total=len(improvement),
        not_met=sum(r.status == S.NOT_MET for r in applicable),
        no_data=sum(r.status == S.NO_DATA for r in applicable),
        veto_total=sum(r.indicator.is_veto for r in applicable),
    )


def current_campaign(request):
    """The campaign a page works in: ?campaign=<id>, else the one last chosen, else the first active."""
    from .models import Campaign

    active = Campaign.objects.filter(is_active=True).select_related("city")
    wanted = request.GET.get("campaign") or request.session.get("campaign_id")
    campaign = None
    if wanted and str(wanted).isdigit():
        campaign = active.filter(pk=int(wanted)).first()
    campaign = campaign or active.first()
    if campaign is not None and request.session.get("campaign_id") != campaign.pk:
        request.session["campaign_id"] = campaign.pk
    return campaign
