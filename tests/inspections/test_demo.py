"""The demo: rounds every ten days, ~200 findings in every state and level, idempotent."""
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from inspections import demo
from inspections.models import (
    AccountabilityRecord,
    ExtensionRequest,
    Finding,
    FindingEvent,
    InspectionRound,
    SupervisionOrder,
)


@pytest.fixture
def demo_context(db):
    from indicators import demo as indicators_demo
    from organizations import demo as organizations_demo

    call_command("load_standards", verbosity=0)
    context = {}
    organizations_demo.seed(context)
    indicators_demo.seed(context)
    return context


class DemoTests:
    def test_it_covers_every_state_and_level_and_runs_once(self, demo_context):
        demo.seed(demo_context)
        campaign = demo_context["campaign"]
        findings = list(Finding.objects.filter(campaign=campaign).prefetch_related("events", "photos"))
        assert 180 <= len(findings) <= 230
        assert set(Counter(f.status for f in findings)) == set(Finding.Status.values)
        policy = campaign.alert_policy()
        today = timezone.localdate()
        levels = Counter(f.alert_level_on(today, policy=policy) for f in findings)
        assert all(levels[level] >= 3 for level in ("blue", "yellow", "red", "escalated")), levels
        assert all(f.alert_level == f.alert_level_on(today, policy=policy) for f in findings
                   if f.status in Finding.UNIT_STATUSES)

        rounds = list(InspectionRound.objects.filter(campaign=campaign).order_by("date"))
        assert len(rounds) >= 8 and {r.kind for r in rounds} == {"open", "unannounced"}
        assert all((b.date - a.date).days == 10 for a, b in zip(rounds, rounds[1:]))

        now = timezone.now()
        for f in findings:
            events = list(f.events.all())
            assert events[0].kind == "created"
            assert [e for e in events if e.to_status][-1].to_status == f.status, f.pk
            assert [e.at for e in events] == sorted(e.at for e in events) and events[-1].at <= now
            kinds = {p.kind for p in f.photos.all()}
            assert "before" in kinds
            if f.status in (Finding.Status.SUBMITTED, Finding.Status.CLOSED):
                assert "after" in kinds
        assert set(ExtensionRequest.objects.values_list("status", flat=True)) == {"pending", "approved", "rejected"}
        assert AccountabilityRecord.objects.filter(campaign=campaign).count() >= 3
        assert SupervisionOrder.objects.filter(campaign=campaign, kind="batch").exists()
        assert SupervisionOrder.objects.filter(campaign=campaign).values("year", "seq").distinct().count() == \
            SupervisionOrder.objects.filter(campaign=campaign).count()

        counts = (Finding.objects.count(), FindingEvent.objects.count(), SupervisionOrder.objects.count())
        demo.seed(demo_context)
        assert (Finding.objects.count(), FindingEvent.objects.count(), SupervisionOrder.objects.count()) == counts
