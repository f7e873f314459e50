from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Finding
from ..services import short_unit_name

register = template.Library()

LEVEL_CLASSES = {"blue": "blue", "yellow": "yellow", "red": "red", "escalated": "red escalated"}
LEVEL_HINTS = {
    "blue": lambda: _("按期推进"),
    "yellow": lambda: _("临近整改期限"),
    "red": lambda: _("已逾期"),
    "escalated": lambda: _("逾期已升级，报责任领导"),
}


@register.simple_tag
def level_badge(level):
    if not level:
        return ""
    hint = LEVEL_HINTS.get(level, lambda: "")()
    return format_html('<span class="badge lamp {}" title="{}"><i></i>{}</span>', LEVEL_CLASSES.get(level, ""),
                       hint, Finding.AlertLevel(level).label)


@register.simple_tag
def status_badge(status):
    return format_html('<span class="badge st-{}">{}</span>', status, Finding.Status(status).label)


@register.simple_tag
def days_left(finding):
    """剩 5 天 / 今天到期 / 逾期 2 天, for an open finding decorated with days_left."""
    n = getattr(finding, "days_left", None)
    if n is None or not finding.unit_holds_it:
        return ""
    if n > 0:
        return format_html('<span class="days">{}</span>', ngettext("剩 %(n)s 天", "剩 %(n)s 天", n) % {"n": n})
    if n == 0:
        return format_html('<span class="days due">{}</span>', _("今天到期"))
    return format_html('<span class="days late">{}</span>', ngettext("逾期 %(n)s 天", "逾期 %(n)s 天", -n) % {"n": -n})


@register.simple_tag
def photo_url(photo, variant="thumb"):
    return reverse("finding_photo", args=[photo.pk, variant])


@register.filter
def short_unit(unit):
    return short_unit_name(unit) if unit else ""
