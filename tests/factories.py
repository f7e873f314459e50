"""Small builders for tests that need a standard without loading the shipped fixtures."""
from datetime import timedelta
from decimal import Decimal

from indicators.models import Indicator, Measure, Standard, StandardNode, Threshold


def make_standard(code="test-std", title="测试标准"):
    standard = Standard.objects.create(code=code, title=title, version="v1")
    aspect = StandardNode.objects.create(standard=standard, level=1, code="1", name="绿地建设")
    return standard, aspect


def make_indicator(standard, node, code, name, *, measure_key=None, unit="%", kind=Indicator.Kind.BASIC,
                   aggregation=Indicator.Aggregation.CITY, thresholds=(), qualitative=False, order=0):
    measure, _ = Measure.objects.get_or_create(
        key=measure_key or f"m_{code.replace('.', '_')}", defaults={"name": name, "unit": unit, "is_qualitative": qualitative}
    )
    indicator = Indicator.objects.create(
        standard=standard, node=node, code=code, name=name, unit=unit, kind=kind, measure=measure,
        aggregation=aggregation, order=order,
    )
    for i, spec in enumerate(thresholds):
        spec = dict(spec)
        if spec.get("value") is not None:
            spec["value"] = Decimal(str(spec["value"]))
        Threshold.objects.create(indicator=indicator, order=i, **spec)
    return indicator


def make_work(campaign, today, *, lead, other, cooperating_with=None, seq_start=1):
    """Demo-like findings and tasks in every state as at `today`, for the unit `lead`
    (with `other` leading a few that `lead` cooperates on). Written with the ORM directly
    (fast); the timestamps agree with the statuses as the services write them.

    Returns {"findings": [...], "tasks": [...]}.
    """
    from datetime import datetime, time

    from django.utils import timezone

    from inspections.models import Finding, FindingEvent
    from tasks.models import Review, Task

    def at(day, hour=10):
        return timezone.make_aware(datetime.combine(day, time(hour)))

    def days(n):
        return today + timedelta(days=n)

    S = Finding.Status
    finding_specs = [
        # (unit, status, found, deadline, submitted, closed)
        (lead, S.ASSIGNED, days(-1), days(6), None, None),           # blue, new this week
        (lead, S.IN_RECTIFICATION, days(-5), days(1), None, None),   # due soon
        (lead, S.ASSIGNED, days(-9), days(-1), None, None),          # overdue (red)
        (lead, S.RETURNED, days(-20), days(-8), days(-10), None),    # returned, escalated
        (lead, S.SUBMITTED, days(-12), days(-2), days(-3), None),    # submitted past its deadline: clock stopped
        (lead, S.CLOSED, days(-15), days(-5), days(-7), days(0)),    # closed today
        (lead, S.CLOSED, days(-40), days(-30), days(-31), days(-29)),  # closed long ago
        (lead, S.IN_RECTIFICATION, days(-14), days(3), None, None),  # extended: was days(-4), now days(3)
        (other, S.ASSIGNED, days(-6), days(-2), None, None),         # lead only cooperates, overdue
        (other, S.SUBMITTED, days(-6), days(2), days(-1), None),     # lead only cooperates, submitted
    ]
    findings = []
    for unit, status, found, deadline, submitted, closed in finding_specs:
        f = Finding.objects.create(campaign=campaign, unit=unit, found_on=found, deadline=deadline, status=status,
                                   description=f"{unit.name}问题{len(findings) + 1}", address="人民路")
        Finding.objects.filter(pk=f.pk).update(created_at=at(found, 9), submitted_at=submitted and at(submitted),
                                               closed_at=closed and at(closed, 8))
        if unit != lead:
            f.cooperating_units.add(lead)
        elif cooperating_with is not None:
            f.cooperating_units.add(cooperating_with)
        findings.append(f)
    extended = findings[7]
    FindingEvent.objects.create(finding=extended, kind=FindingEvent.Kind.EXTENSION_APPROVED, at=at(days(-4), 8),
                                deadline_before=days(-4), deadline_after=days(3))

    R = Review
    task_specs = [
        # (unit, review, due, submitted, accepted, progress)
        (lead, R.DRAFT, days(10), None, None, 0),            # not started
        (lead, R.DRAFT, days(2), None, None, 40),            # due soon
        (lead, R.DRAFT, days(-2), None, None, 60),           # overdue
        (lead, R.CHANGES_REQUESTED, days(-9), days(-12), None, 80),  # sent back, escalated
        (lead, R.SUBMITTED, days(-3), days(-4), None, 100),  # submitted past its due date
        (lead, R.ACCEPTED, days(-6), days(-8), days(-7), 100),  # done
        (other, R.DRAFT, days(-1), None, None, 10),          # lead only cooperates, overdue
    ]
    tasks = []
    for i, (unit, review, due, submitted, accepted, progress) in enumerate(task_specs):
        t = Task.objects.create(campaign=campaign, seq=seq_start + i, content=f"{unit.name}任务{i + 1}",
                                lead_unit=unit, due_on=due, review_state=review, progress=progress,
                                submitted_at=submitted and at(submitted), accepted_at=accepted and at(accepted))
        if unit != lead:
            t.cooperating_units.add(lead)
        elif cooperating_with is not None:
            t.cooperating_units.add(cooperating_with)
        tasks.append(t)
    return {"findings": findings, "tasks": tasks}
