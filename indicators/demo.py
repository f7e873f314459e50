"""Demo campaigns for 示例市 with twelve weeks of values: most indicators pass, some miss
narrowly, one veto (城市污水处理率) fails, and 城北区 drags a lowest-district indicator down."""
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from organizations.models import Unit

from .models import Campaign, Indicator, IndicatorValue, Phase, Standard, Tier

WEEKS = 12

# Final (today's) city values by garden-standard indicator name; everything else is derived
# from its threshold so that it passes with a small margin.
CITY_FINAL = {
    "建成区绿化覆盖率": "38.9",
    "建成区绿地率": "33.6",
    "城市人均公园绿地面积": "9.12",
    "公园绿地服务半径覆盖率": "79.2",  # misses 80 % narrowly
    "万人拥有综合公园指数": "0.065",
    "城市道路绿化普及率": "96.3",
    "园林式居住区（单位）达标率": "48.5",  # improvement item, narrowly short
    "林荫路推广率": "71.4",
    "建成区绿化覆盖面积中乔、灌木所占比率": "63.2",
    "万人拥有绿道长度": "0.62",
    "本地木本植物指数": "0.83",
    "城市热岛效应强度": "2.8",
    "城市污水处理率": "94.2",  # the failing veto
    "城市生活垃圾无害化处理率": "100",
    "公众对城市园林绿化的满意率": "86.5",
    "城市园林绿化综合评价值": "8.4",
    "城市容貌评价值": "8.2",
}
QUALITATIVE_NOT_MET = {"立体绿化推广"}
DISTRICT_FINAL = {  # measure of 建成区绿地率 / 城市人均公园绿地面积 per district
    "建成区绿地率": {"城东区": "35.1", "城西区": "31.8", "城南区": "33.0", "城北区": "24.6"},
    "城市人均公园绿地面积": {"城东区": "10.2", "城西区": "8.7", "城南区": "9.5", "城北区": "5.3"},
}


def _default_final(indicator, params):
    threshold = indicator.applicable_threshold(params, tier=Tier.GARDEN)
    if threshold is None or threshold.value is None:
        return None
    v = threshold.effective_value(params)
    if threshold.comparator == "eq":
        return v
    if threshold.comparator in ("lte", "lt"):
        return (v * Decimal("0.9")).quantize(Decimal("0.01"))
    bumped = v * Decimal("1.04") if v < 1 else v + max(Decimal("0.5"), v * Decimal("0.03"))
    if indicator.unit == "%":
        bumped = min(bumped, Decimal("100"))
    return bumped.quantize(Decimal("0.001") if v < 1 else Decimal("0.1"))


def _history(final, weeks, lower_is_better):
    """Weekly values ending at `final`, improving over time."""
    step = abs(final) * Decimal("0.006")
    out = []
    for k in range(weeks - 1, -1, -1):
        drift = step * k
        v = final + drift if lower_is_better else final - drift
        out.append(v.quantize(Decimal("0.001")))
    return out


@transaction.atomic
def seed(context):
    city = context["city"]
    office = Unit.objects.get(name="创园办")
    today = timezone.localdate()
    garden = Standard.objects.get(code="garden-city-2016")
    eco = Standard.objects.get(code="eco-garden-2022")
    common = {
        "city": city, "office": office, "built_up_area_km2": Decimal("68.50"), "urban_population": Decimal("52.30"),
        "per_capita_construction_land": Decimal("92.00"), "northern_heating": False,
        "historic_district_share": Decimal("8.00"),
    }
    reinspection, created = Campaign.objects.get_or_create(
        name="示例市国家园林城市复查",
        defaults={**common, "kind": Campaign.Kind.RE_INSPECTION, "tier": Tier.GARDEN,
                  "data_cutoff": today + timedelta(days=14), "materials_deadline": today + timedelta(days=21),
                  "submission_deadline": today + timedelta(days=30), "evaluation_date": today + timedelta(days=52)},
    )
    eco_campaign, _ = Campaign.objects.get_or_create(
        name="示例市创建国家生态园林城市",
        defaults={**common, "kind": Campaign.Kind.CREATION, "tier": Tier.ECO, "is_active": True,
                  "submission_deadline": today + timedelta(days=200), "evaluation_date": today + timedelta(days=260)},
    )
    context.update(campaign=reinspection, eco_campaign=eco_campaign)
    if not created:
        return
    reinspection.standards.set([garden])
    eco_campaign.standards.set([eco])
    start = today - timedelta(weeks=WEEKS)
    for i, (name, a, b) in enumerate([
        ("重点攻坚", start, today - timedelta(days=30)),
        ("全面达标", today - timedelta(days=29), today + timedelta(days=20)),
        ("巩固提高", today + timedelta(days=21), reinspection.evaluation_date),
    ]):
        Phase.objects.create(campaign=reinspection, name=name, starts_on=a, ends_on=b, order=i)
    Phase.objects.create(campaign=eco_campaign, name="准备", starts_on=start, ends_on=today + timedelta(days=60), order=0)
    Phase.objects.create(campaign=eco_campaign, name="推进实施", starts_on=today + timedelta(days=61),
                         ends_on=eco_campaign.evaluation_date, order=1)

    params = reinspection.params()
    dates = [today - timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    districts = {d.name: d for d in Unit.objects.filter(parent=city, kind=Unit.Kind.DISTRICT)}
    measures_done = set()
    values = []
    indicators = list(Indicator.objects.filter(standard__in=[garden, eco]).select_related("measure")
                      .prefetch_related("thresholds").order_by("-standard__code"))  # garden first
    for indicator in indicators:
        measure = indicator.measure
        if measure.id in measures_done:
            continue
        measures_done.add(measure.id)
        if measure.formula_key:
            continue  # computed from the demo ledgers (ledgers/demo.py), with provenance down to rows
        if measure.is_qualitative:
            final = Decimal(0) if indicator.name in QUALITATIVE_NOT_MET else Decimal(1)
            series = [final] * WEEKS
        else:
            raw = CITY_FINAL.get(indicator.name)
            final = Decimal(raw) if raw else _default_final(indicator, params)
            if final is None:
                continue
            lower = any(t.comparator in ("lte", "lt") for t in indicator.thresholds.all())
            series = _history(final, WEEKS, lower)
        values += [IndicatorValue(measure=measure, scope=city, as_of=d, value=v, source=IndicatorValue.Source.DEMO,
                                  provenance={"demo": True}) for d, v in zip(dates, series)]
        for dname, raw in DISTRICT_FINAL.get(indicator.name, {}).items():
            series = _history(Decimal(raw), WEEKS, False)
            values += [IndicatorValue(measure=measure, scope=districts[dname], as_of=d, value=v,
                                      source=IndicatorValue.Source.DEMO, provenance={"demo": True})
                       for d, v in zip(dates, series)]
    IndicatorValue.objects.bulk_create(values)
