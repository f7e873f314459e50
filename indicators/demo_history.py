"""After every app has written its demo values (typed and ledger-computed), write the weekly
compliance snapshots the trends, forecasts and past briefings read."""
from datetime import timedelta

from django.utils import timezone

from .demo import WEEKS
from .models import ComplianceSnapshot
from .services import compliance_snapshot_write


def seed(context):
    today = timezone.localdate()
    dates = [today - timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    for campaign in (context["campaign"], context["eco_campaign"]):
        if ComplianceSnapshot.objects.filter(campaign=campaign).exists():
            continue
        for day in dates:
            compliance_snapshot_write(campaign=campaign, on=day)
