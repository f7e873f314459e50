from datetime import date, timedelta
from decimal import Decimal

import pytest

from indicators.models import Campaign, IndicatorValue, Tier
from inspections.models import Finding
from tasks.models import Task
from tests.factories import make_indicator, make_standard

SUNDAY = date(2026, 6, 7)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def campaign(city, office_unit, districts):
    standard, node = make_standard()
    green = make_indicator(standard, node, "2.2", "建成区绿地率", measure_key="green_space_rate", kind="veto",
                           thresholds=[{"tier": "garden", "comparator": "gte", "value": 31}], order=1)
    make_indicator(standard, node, "2.10", "园林式居住区达标率", kind="improvement",
                   thresholds=[{"tier": "garden", "comparator": "gte", "value": 50}], order=2)
    c = Campaign.objects.create(name="测试市国家园林城市复查", city=city, office=office_unit, kind="re_inspection",
                                tier=Tier.GARDEN, evaluation_date=SUNDAY + timedelta(days=40))
    c.standards.add(standard)
    IndicatorValue.objects.create(measure=green.measure, scope=city, as_of=SUNDAY - timedelta(days=10),
                                  value=Decimal("30.4"))
    return c


def add_finding(campaign, unit, *, found, deadline, status=Finding.Status.ASSIGNED, closed=None):
    from django.utils import timezone

    f = Finding.objects.create(campaign=campaign, unit=unit, found_on=found, deadline=deadline, status=status,
                               description=f"问题{unit.name}{found}", address="人民路")
    created = timezone.make_aware(timezone.datetime.combine(found, timezone.datetime.min.time()))
    Finding.objects.filter(pk=f.pk).update(created_at=created + timedelta(hours=9), closed_at=closed)
    return f


def add_task(campaign, unit, seq, *, due, accepted=None):
    from django.utils import timezone

    t = Task.objects.create(campaign=campaign, seq=seq, content=f"任务{seq}", lead_unit=unit, due_on=due,
                            review_state="accepted" if accepted else "draft", accepted_at=accepted)
    Task.objects.filter(pk=t.pk).update(created_at=timezone.make_aware(timezone.datetime(2026, 5, 1, 9)))
    return t
