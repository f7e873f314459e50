from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from indicators.models import format_decimal

register = template.Library()


@register.filter
def dec(value):
    """A Decimal for display: at most two places, no trailing zeros."""
    return format_decimal(value)


@register.filter
def threshold_text(evaluation_or_threshold, params=None):
    threshold = getattr(evaluation_or_threshold, "threshold", evaluation_or_threshold)
    if threshold is None:
        return "—"
    return threshold.describe(params)


@register.simple_tag
def trend_arrow(row):
    trend = row.trend
    if trend is None:
        return ""
    symbol = {"up": "▲", "down": "▼", "flat": "–"}[trend]
    title = {"up": _("较上期改善"), "down": _("较上期下降"), "flat": _("与上期持平")}[trend]
    return format_html('<span class="trend {}" title="{}">{}</span>', trend, title, symbol)


@register.filter
def value_text(value, indicator):
    if value is None:
        return "—"
    if indicator.is_qualitative:
        return _("达标") if value >= 1 else _("未达标")
    return f"{format_decimal(value)}"


@register.filter
def status_label(status):
    from indicators.models import Indicator

    try:
        return Indicator.Status(status).label
    except ValueError:
        return status
