from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.utils import timezone


def login_unlock_at(request, credentials):
    """When a locked-out login may try again: for each lockout key (user name, address) over
    the limit, the attempt at which the most recent failures reach the limit, plus the
    cool-off — once it ages out, the count within the window drops below the limit."""
    cool_off, limit = get_cool_off(request), get_failure_limit(request, credentials)
    unlock_at = None
    for attempts in AxesDatabaseHandler().get_user_attempts(request, credentials):
        total = 0
        for attempt_time, failures in attempts.order_by("-attempt_time").values_list("attempt_time", "failures_since_start"):
            total += failures
            if total >= limit:
                candidate = attempt_time + cool_off
                unlock_at = candidate if unlock_at is None else max(unlock_at, candidate)
                break
    return unlock_at or timezone.now() + (cool_off or timedelta(0))
