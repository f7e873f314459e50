"""The states of anything with a deadline (findings, tasks), defined once.

Both apps describe their rows by three facts on a calendar day `on`: closed, handed in
(submitted, the clock stopped) and otherwise held by the unit; this module turns those
facts and the deadline into the six states every count, list, filter, link, PDF and
export uses. Pages read the facts from the stored status; a past week's briefing passes
`as_at=True` and reads them from the timestamps as at the end of `on` (recorded, handed
in, closed) — for today both readings agree.

- open        not closed (held by the unit or handed in);
- submitted   handed in and waiting for the office or an inspector; the clock stops;
- closed      closed (a finding 销号, a task accepted);
- due_soon    held by the unit, deadline within the policy's yellow days (yellow light);
- overdue     held by the unit, deadline before `on` (red light or escalated);
- escalated   overdue for more than the policy's escalation days (a subset of overdue).

A handed-in item past its deadline is not overdue; if it is sent back with its old
deadline it is overdue again at once.
"""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from .calendar import AlertPolicy

OPEN, DUE_SOON, OVERDUE, ESCALATED, SUBMITTED, CLOSED = "open", "due_soon", "overdue", "escalated", "submitted", "closed"
STATES = (OPEN, DUE_SOON, OVERDUE, ESCALATED, SUBMITTED, CLOSED)
DEADLINE_STATES = (DUE_SOON, OVERDUE, ESCALATED)


def day_end(on):
    """The first instant after the calendar day `on` in the campaign zone (deadlines and
    briefing weeks are local dates; timestamps are UTC instants)."""
    return datetime.combine(on + timedelta(days=1), time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def before(instant, end):
    """A stored timestamp counts as before `end` when it is, or when it is unknown (null).
    Without `end` (today's pages) the stored state is taken as it is."""
    return end is None or instant is None or instant < end


def known_before(instant, end):
    """A stored timestamp known to lie before `end` (null is not known)."""
    return end is None or (instant is not None and instant < end)


def stamped_known_before(field, end):
    if end is None:
        return Q()
    return Q(**{f"{field}__lt": end})


def stamped_before(field, end):
    if end is None:
        return Q()
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": end})


def deadline_q(state, deadline_field, on, policy):
    """The deadline part of a held item's state, the SQL twin of AlertPolicy.level_on."""
    yellow_until, escalated_until = policy.deadline_bounds(on)
    f = deadline_field
    return {
        "blue": Q(**{f"{f}__gt": yellow_until}),
        DUE_SOON: Q(**{f"{f}__gte": on, f"{f}__lte": yellow_until}),
        "yellow": Q(**{f"{f}__gte": on, f"{f}__lte": yellow_until}),
        OVERDUE: Q(**{f"{f}__lt": on}),
        "red": Q(**{f"{f}__lt": on, f"{f}__gt": escalated_until}),
        ESCALATED: Q(**{f"{f}__lte": escalated_until}),
    }[state]


def deadline_matches(state, deadline, on, policy):
    """The pure twin of deadline_q for one held item."""
    level = policy.level_on(deadline, on)
    return {
        "blue": level == "blue", DUE_SOON: level == "yellow", "yellow": level == "yellow",
        OVERDUE: level in ("red", "escalated"), "red": level == "red", ESCALATED: level == "escalated",
    }[state]


def item_in_state(state, *, closed, handed_in, deadline, on, policy):
    """The pure twin of a model's state_q, once closed and handed in are known for one item."""
    if state == CLOSED:
        return closed
    if state == SUBMITTED:
        return handed_in
    if state == OPEN:
        return not closed
    held = not closed and not handed_in
    if state == "held":
        return held
    return held and deadline_matches(state, deadline, on, policy)


def default_policy():
    return AlertPolicy()
