from .access import get_access


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from indicators.models import Campaign

    return {
        "access": get_access(request),
        "nav_campaigns": Campaign.objects.filter(is_active=True).only("id", "name"),
        "nav_campaign_id": request.session.get("campaign_id"),
    }
