"""Confirmed changes are never lost to a broker outage: the outbox row waits for the drain."""
from decimal import Decimal as D

import pytest
from django.utils import timezone

from indicators.jobs import drain_recompute_requests
from indicators.models import Campaign, ComplianceSnapshot, RecomputeRequest, Tier
from tests.factories import make_indicator, make_standard


@pytest.fixture
def campaign(city):
    standard, node = make_standard()
    indicator = make_indicator(standard, node, "2.2", "建成区绿地率", measure_key="green_space_rate",
                               thresholds=[{"tier": "garden", "comparator": "gte", "value": 31}])
    c = Campaign.objects.create(name="测试", city=city, kind="creation", tier=Tier.GARDEN)
    c.standards.add(standard)
    return c, indicator


class RecomputeOutboxTests:
    def test_a_value_saved_while_the_broker_is_down_is_recomputed_by_the_drain(
        self, client_for, office_admin, campaign, city, dead_broker, django_capture_on_commit_callbacks, caplog
    ):
        c, indicator = campaign
        today = timezone.localdate()
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(office_admin).post(
                f"/campaigns/{c.pk}/indicators/{indicator.pk}/",
                {"scope": city.pk, "as_of": today.isoformat(), "value": "32.5"},
            )
        assert response.status_code == 302  # the office's save succeeds although the broker is down
        assert "broker unavailable" in caplog.text  # the queueing really failed
        pending = RecomputeRequest.objects.get(campaign=c)
        assert pending.done_at is None
        assert not ComplianceSnapshot.objects.filter(campaign=c).exists()

        drain_recompute_requests()  # the scheduled drain, once the broker is back

        pending.refresh_from_db()
        assert pending.done_at is not None
        snap = ComplianceSnapshot.objects.get(campaign=c, indicator=indicator, date=today)
        assert (snap.value, snap.status) == (D("32.5"), "met")
        assert drain_recompute_requests() == 0  # nothing left: a rerun does nothing

    def test_a_request_made_after_a_recompute_started_stays_pending(self, campaign):
        from indicators.services import compliance_recompute

        c, _ = campaign
        later = RecomputeRequest.objects.create(campaign=c, requested_at=timezone.now() + timezone.timedelta(seconds=5))
        compliance_recompute(campaign=c)
        later.refresh_from_db()
        assert later.done_at is None
