"""Who may push an indicator value over the API.

The pages let only the office type a value; a department system pushes the figures of the
indicators its unit answers for. "Answers for" is the task table: staff of a unit that leads
or cooperates on a task bound to an indicator of the same measure in that campaign."""
from tasks.models import Task


def can_report_value(access, campaign, indicator):
    if access.is_office:
        return True
    units = access.staff_unit_ids
    if not units:
        return False
    tasks = Task.objects.filter(campaign=campaign, indicator__measure_id=indicator.measure_id)
    return (tasks.filter(lead_unit_id__in=units).exists()
            or tasks.filter(cooperating_units__in=units).exists())
