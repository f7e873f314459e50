from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from .models import Campaign


@login_required
@require_GET
def home(request):
    campaign = Campaign.objects.filter(is_active=True).first()
    if campaign:
        return redirect("campaign_overview", pk=campaign.pk)
    return render(request, "indicators/no_campaign.html")


@login_required
@require_GET
def campaign_overview(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    return render(request, "indicators/campaign_overview.html", {"campaign": campaign})
