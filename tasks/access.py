"""Who may do what to a task.

A task is visible to the units that lead it or cooperate on it (and to office admins,
leaders and inspectors, who see every unit). Invisible tasks are 404; visible tasks with a
forbidden action are 403.
"""
from django.core.exceptions import PermissionDenied
from django.http import Http404

from organizations.access import get_access

from .models import Task


def staff_unit_ids(access):
    """Units the user works in as unit staff: a leader's city membership does not make them
    the lead unit of every task."""
    return access.staff_unit_ids


OFFICE, LEAD, COOPERATING, READER = "office", "lead", "cooperating", "reader"


def task_role(access, task):
    """office / lead / cooperating / reader, or None when the task is not the user's to see."""
    if access.is_office:
        return OFFICE
    own = staff_unit_ids(access)
    if task.lead_unit_id in own:
        return LEAD
    if any(u.id in own for u in task.cooperating_units.all()):
        return COOPERATING
    if access.sees_all:
        return READER
    return None


def acting_unit(access, task, role):
    """The unit an update is recorded for: the lead unit, the user's cooperating unit, the office."""
    if role == LEAD:
        return task.lead_unit
    if role == COOPERATING:
        own = staff_unit_ids(access)
        return next((u for u in task.cooperating_units.all() if u.id in own), None)
    if role == OFFICE:
        return task.campaign.office
    return None


def get_task_for_user(request, pk):
    task = (
        Task.objects.visible_to(get_access(request))
        .select_related("campaign", "campaign__office", "indicator", "indicator__standard", "indicator__node__parent",
                        "lead_unit", "responsible_leader__unit", "responsible_person__unit")
        .prefetch_related("cooperating_units")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404
    return task


def require_role(role, *allowed):
    if role not in allowed:
        raise PermissionDenied
