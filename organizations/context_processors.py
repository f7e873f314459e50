from .access import get_access


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from indicators.models import Campaign

    campaigns = list(Campaign.objects.filter(is_active=True).only("id", "name"))
    chosen = request.session.get("campaign_id")
    # The sidebar's 达标总览 opens the overview of the campaign the user works in (the one last
    # chosen, else the first active), as current_campaign() picks it, without writing the session.
    current = next((c for c in campaigns if c.id == chosen), campaigns[0] if campaigns else None)
    return {
        "access": get_access(request),
        "nav_campaigns": campaigns,
        "nav_campaign_id": chosen,
        "nav_overview_campaign": current,
    }
