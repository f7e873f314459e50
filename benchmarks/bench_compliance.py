"""Compliance over a campaign: cost must follow the number of indicators, not the history."""
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.test import Client
from django.utils import timezone

from benchmarks import benchmark
from indicators.models import Campaign, Indicator, IndicatorValue, Measure, Standard, StandardNode, Threshold, Tier
from organizations.models import Membership, Unit


def build(tag, indicators, weeks):
    """A city with four districts, `indicators` numeric indicators and `weeks` of weekly values."""
    with transaction.atomic():
        city = Unit.objects.create(name=f"基准市{tag}", kind=Unit.Kind.CITY)
        districts = [Unit.objects.create(name=f"{tag}区{i}", kind=Unit.Kind.DISTRICT, parent=city) for i in range(4)]
        standard = Standard.objects.create(code=f"bench-{tag}", title="基准标准", version="v1")
        node = StandardNode.objects.create(standard=standard, level=1, code="1", name="绿地建设")
        today = timezone.localdate()
        values = []
        for i in range(indicators):
            measure = Measure.objects.create(key=f"bench_{tag}_{i}", name=f"度量{i}")
            ind = Indicator.objects.create(
                standard=standard, node=node, code=f"{i}", name=f"指标{i}", measure=measure, order=i,
                aggregation=Indicator.Aggregation.DISTRICT_MIN if i % 5 == 0 else Indicator.Aggregation.CITY,
            )
            Threshold.objects.create(indicator=ind, tier=Tier.GARDEN, comparator="gte", value=Decimal(50))
            for w in range(weeks):
                as_of = today - timedelta(weeks=w)
                for scope in [city, *districts]:
                    values.append(IndicatorValue(measure=measure, scope=scope, as_of=as_of, value=Decimal(40 + w % 20)))
        IndicatorValue.objects.bulk_create(values, batch_size=2000)
        campaign = Campaign.objects.create(name=f"基准{tag}", city=city, kind="creation", tier=Tier.GARDEN)
        campaign.standards.add(standard)
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user(username=f"bench{tag}", password="x")
        Membership.objects.create(user=user, unit=city, role=Membership.Role.LEADER)
    return campaign, user


@benchmark("compliance_history", "overview page: 66 indicators, 12 weeks vs 120 weeks of values (should stay flat)")
def compliance_history(timer):
    for tag, weeks in (("h12", 12), ("h120", 120)):
        campaign, user = build(tag, 66, weeks)
        client = Client()
        client.force_login(user)
        url = f"/campaigns/{campaign.pk}/"  # the overview of exactly this campaign
        assert client.get(url).status_code == 200
        timer.measure(f"GET overview, {weeks} weeks of history", lambda: client.get(url), repeat=7)


@benchmark("compliance_size", "snapshot write: 25 vs 250 indicators (should grow about linearly)")
def compliance_size(timer):
    from indicators.services import compliance_snapshot_write

    for tag, n in (("s25", 25), ("s250", 250)):
        campaign, _ = build(tag, n, 4)
        timer.measure(f"compliance_snapshot_write, {n} indicators",
                      lambda: compliance_snapshot_write(campaign=campaign), repeat=3)
