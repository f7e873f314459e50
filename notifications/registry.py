"""Models that raise deadline alerts register here (from their AppConfig.ready).

An alertable model provides:
- fields `alert_level` (CharField, null: not evaluated yet) and `next_alert_at`
  (DateField, null: nothing pending) that only the alert services write;
- `alert_candidates(today)` (classmethod): a plain queryset (no joins needed) of the objects
  the unit holds with `next_alert_at <= today` or `alert_level` null — "due by now and not
  yet alerted", never an exact date, so a missed run catches up;
- the names of its columns, so the detect job can work on all candidates in SQL:
  `alert_deadline_field` (the deadline date), `alert_campaign_field` and `alert_unit_field`
  (foreign keys to the campaign and the responsible unit);
- `alert_deadline()` → date, or None once closed/done; `alert_campaign()`, `alert_unit()`,
  `alert_people()` → (responsible person or None, [extra Persons to tell on escalation]);
  `alert_title()` and `get_absolute_url()`, which must not query;
- `alert_title_sql()` (classmethod): the same title as a SQL expression (see `format_sql`),
  since the detect job writes events with INSERT … SELECT and never loads a candidate.
Every candidate is held by its unit (`alert_deadline()` is its deadline column).
"""
import re

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

ALERTABLE_MODELS = []


def register(model):
    if model not in ALERTABLE_MODELS:
        ALERTABLE_MODELS.append(model)
    return model


# The detect job writes titles and links in SQL, for every candidate at once. A model also
# provides `alert_title_sql()` (classmethod): an expression equal to `alert_title()` (both
# built from one template with `format_sql`; tests compare them), and its
# `get_absolute_url()` must depend on the pk alone (`pk_url_sql`).

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def format_sql(template, **parts):
    """`template % parts` as a SQL expression: "%(name)s" placeholders become the expressions
    given for them, the text around them literal values ("%%" is a literal "%")."""
    pieces, end = [], 0
    for match in PLACEHOLDER.finditer(template):
        pieces += [Value(template[end:match.start()].replace("%%", "%")), parts[match.group(1)]]
        end = match.end()
    pieces.append(Value(template[end:].replace("%%", "%")))
    pieces = [p for p in pieces if not (isinstance(p, Value) and p.value == "")]
    return pieces[0] if len(pieces) == 1 else Concat(*pieces, output_field=CharField())


def pk_url_sql(model):
    """The object's link as a SQL expression, from the link of an unsaved object with a
    sentinel pk: the text either side of it is fixed, the pk goes in between."""
    sentinel = 987654321987
    url = model(pk=sentinel).get_absolute_url()
    head, found, tail = url.partition(str(sentinel))
    if not found or str(sentinel) in tail:
        raise ValueError(f"{model.__name__}.get_absolute_url() does not depend on the pk alone: {url}")
    return Concat(Value(head), Cast("pk", CharField()), Value(tail), output_field=CharField())
