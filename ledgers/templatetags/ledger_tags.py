from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from ledgers.schemas import LEDGER_TYPES

register = template.Library()

STATUS_BADGES = {"parsing": "blue", "ready": "warn", "failed": "bad", "confirmed": "good", "cancelled": "no_data"}


@register.filter
def person_name(user):
    if user is None:
        return _("系统")
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


@register.filter
def stored_text(text):
    """A label a job stored in a value's provenance, in the reader's language.

    Jobs run in the default language, so what they stored is a Chinese msgid: looking it
    up again translates it; anything else (a filled-in sentence) reads as stored."""
    return gettext(str(text)) if text else text


@register.filter
def type_label(key):
    t = LEDGER_TYPES.get(key)
    return t.label if t else key


@register.filter
def status_badge(status):
    return STATUS_BADGES.get(status, "")


@register.filter
def short_hash(text):
    return (text or "")[:12]


@register.filter
def filesize(n):
    n = n or 0
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


@register.filter
def isotime(text):
    """An ISO timestamp stored in provenance, shown in local time."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text or ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


@register.filter
def grouped(text):
    """12345678.5 → 12,345,678.5 (provenance inputs are canonical decimal text)."""
    try:
        number = Decimal(str(text))
    except (InvalidOperation, ValueError, TypeError):
        return text
    if abs(number) < 10000:
        return text
    whole, _sep, frac = str(text).partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


@register.filter
def is_number(column):
    return getattr(column, "kind", "") in ("decimal", "lat", "lng", "value")
