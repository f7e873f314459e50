from decimal import Decimal

from django import template

from indicators.models import format_decimal

register = template.Library()


@register.filter
def km(metres):
    """Metres as kilometres for display (two places)."""
    return format_decimal(Decimal(metres) / 1000) if metres is not None else "—"


@register.filter
def task_status(task, today):
    return task.status(today)
