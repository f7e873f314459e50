"""The alert job's first pass must cost a bounded number of queries, whatever the number of
open findings and tasks (issue 13: 766 985 queries for 110 000 objects before it was set-based)."""
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks import benchmark


def _city(tag, findings, tasks):
    from indicators.models import Campaign, Tier
    from inspections.models import Finding
    from organizations.models import Unit
    from tasks.models import Task

    city = Unit.objects.create(name=f"预警基准市{tag}", kind=Unit.Kind.CITY)
    units = [Unit.objects.create(name=f"{tag}单位{i}", kind=Unit.Kind.DEPARTMENT, parent=city) for i in range(20)]
    campaign = Campaign.objects.create(name=f"预警基准{tag}", city=city, kind="creation", tier=Tier.GARDEN)
    today = timezone.localdate()
    # Deadlines from 15 days overdue to 15 days ahead: every level, catch-ups of up to three events.
    Finding.objects.bulk_create([
        Finding(campaign=campaign, unit=units[i % 20], found_on=today - timedelta(days=30),
                deadline=today + timedelta(days=(i % 31) - 15), description=f"问题{i}", address="人民路",
                status=["assigned", "in_rectification", "returned"][i % 3])
        for i in range(findings)
    ], batch_size=2000)
    Task.objects.bulk_create([
        Task(campaign=campaign, seq=i + 1, content=f"任务{i}", lead_unit=units[i % 20],
             due_on=today + timedelta(days=(i % 31) - 15))
        for i in range(tasks)
    ], batch_size=2000)
    return campaign


def _reset(campaign):
    from inspections.models import Finding
    from notifications.models import AlertEvent
    from tasks.models import Task

    AlertEvent.objects.filter(campaign=campaign).delete()
    Finding.objects.filter(campaign=campaign).update(alert_level=None, next_alert_at=None)
    Task.objects.filter(campaign=campaign).update(alert_level=None, next_alert_at=None)


@benchmark("detect_overdue", "detect_overdue first pass: 1 000 + 100 vs 100 000 + 10 000 open findings + tasks; "
                             "queries flat")
def detect_overdue(timer):
    from notifications.services import DetectResult, alerts_detect

    alerts_detect()  # settle whatever earlier benchmarks left open, so each pass sees only its city
    for tag, findings, tasks in (("a1000", 1000, 100), ("a100000", 100000, 10000)):
        campaign = _city(tag, findings, tasks)
        _reset(campaign)
        result = DetectResult()
        with CaptureQueriesContext(connection) as first:
            seconds = timer.measure(f"first pass, {findings} findings + {tasks} tasks",
                                    lambda: alerts_detect(result=result), repeat=1)
        rerun = DetectResult()
        with CaptureQueriesContext(connection) as again:
            alerts_detect(result=rerun)
        timer.note(f"  {tag} first pass", f"{len(first)} queries, {len(result.created)} events inserted + "
                                          f"{result.updated} objects updated = {result.rows_written} rows")
        timer.note(f"  {tag} rerun", f"{len(again)} queries, {rerun.rows_written} rows written")
        timer.figure(f"detect_{tag}", seconds=seconds, queries=len(first), rows=result.rows_written,
                     rerun_queries=len(again), rerun_rows=rerun.rows_written)
