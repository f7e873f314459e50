"""The materials panel of the dashboard and the briefing: one tag, so neither page's view
changes (reports owns them); both read visits.selectors.campaign_materials."""
from django import template
from django.utils import timezone

from organizations.access import get_access

from ..selectors import EveryUnit, campaign_materials

register = template.Library()

UNIT_ROWS = 8


@register.inclusion_tag("visits/materials_panel.html", takes_context=True)
def materials_panel(context, campaign):
    request = context.get("request")
    access = get_access(request)
    summary = campaign_materials(campaign, access, timezone.localdate())
    return {"summary": summary, "units": summary.by_unit[:UNIT_ROWS],
            "more_units": max(0, len(summary.by_unit) - UNIT_ROWS), "request": request}


@register.inclusion_tag("visits/materials_briefing.html")
def materials_briefing(campaign, on):
    summary = campaign_materials(campaign, EveryUnit(), on, as_at=True)
    lagging = [(u, c) for u, c in summary.by_unit if c.missing][:UNIT_ROWS]
    return {"summary": summary, "lagging": lagging,
            "more_units": max(0, len([1 for _, c in summary.by_unit if c.missing]) - UNIT_ROWS)}
