import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from indicators.selectors import current_campaign
from organizations.access import get_access

from .selectors import compliance_view


@login_required
@require_GET
def dashboard(request):
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    today = timezone.localdate()
    compliance = compliance_view(campaign, today)
    chart = {
        "dates": [d.isoformat() for d, _, _ in compliance.met_history],
        "met": [met for _, met, _ in compliance.met_history],
        "total": [total for _, _, total in compliance.met_history],
    }
    return render(
        request,
        "reports/dashboard.html",
        {
            "campaign": campaign,
            "today": today,
            "days_left": (campaign.evaluation_date - today).days if campaign.evaluation_date else None,
            "c": compliance,
            "params": campaign.params(),
            "chart_json": json.dumps(chart),
            "scoped": not get_access(request).sees_all,
        },
    )
