"""Alert titles: stored once in the site's language (the alert job and the external channels
write and send them that way), shown in the reader's language.

Each title is made from one of the templates below. Showing it in another language matches the
stored text against the template in the site's language, takes the parts back out (a finding's
number and description, a task's number and content, …) and fills the translated template
with them: no query, and titles written before a translation existed are shown translated too.
A title made from none of these (an older wording) is shown as stored.
"""
import re
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

FINDING = gettext_noop("督查问题 #%(pk)s：%(text)s")
TASK = gettext_noop("任务 %(seq)s：%(text)s")
LEDGER_CONFIRMED = gettext_noop("%(ledger)s v%(n)s 已由%(who)s代为确认")
MATERIAL = gettext_noop("迎检资料：%(title)s")

TEMPLATES = (FINDING, TASK, LEDGER_CONFIRMED, MATERIAL)

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def render(template, **parts):
    """The title in the active language (the writers wrap this in the site's language)."""
    return gettext(template) % parts


def render_sql(template, **parts):
    """render() as a SQL expression over the parts' expressions: the detect job writes titles
    with INSERT … SELECT (the writers wrap this in the site's language too)."""
    from .registry import format_sql

    return format_sql(gettext(template), **parts)


@lru_cache(maxsize=None)
def _pattern(template):
    """The template as the site's language writes it, as a regex with one group per part."""
    with translation.override(settings.LANGUAGE_CODE):
        written = gettext(template)
    out, pos = [], 0
    for m in _PLACEHOLDER.finditer(written):
        out.append(re.escape(written[pos:m.start()]))
        out.append(f"(?P<{m.group(1)}>.*?)")
        pos = m.end()
    out.append(re.escape(written[pos:]))
    return re.compile("".join(out) + r"\Z", re.S)


def shown(title):
    """The stored title in the active language."""
    lang = translation.get_language() or settings.LANGUAGE_CODE
    if not title or translation.get_supported_language_variant(lang) == settings.LANGUAGE_CODE:
        return title
    for template in TEMPLATES:
        m = _pattern(template).match(title)
        if m:
            return gettext(template) % m.groupdict()
    return title
