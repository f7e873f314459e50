"""A real Celery worker, a real broker, the real database: a job driven end to end.

Runs where CELERY_BROKER_URL points at Redis and the database is PostgreSQL (CI sets both
and REQUIRE_SERVICES=1, which turns a skip into a failure). The worker is a separate
`celery worker` process on a queue of its own, reading the test database.
"""
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _services_ready():
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis://") and connection.vendor == "postgresql":
        return None
    return "needs CELERY_BROKER_URL=redis://… and a PostgreSQL DATABASE_URL"


def require_services():
    reason = _services_ready()
    if reason:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but the worker test {reason}", pytrace=False)
        pytest.skip(reason)


def service_env(**extra):
    """The environment of a celery process reading the test database."""
    s = connection.settings_dict
    return {
        **os.environ,
        "CELERY_CATCH_UP_ON_START": "0",  # the start-up catch-up would go to the default queue
        "DATABASE_URL": f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        **extra,
    }


def start_worker(queue, **extra_env):
    """A `celery worker` on a queue of its own, in a process group of its own (so a test can
    kill it whole, as a crash or `docker kill` would); returns once it answers a ping."""
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    proc = subprocess.Popen(
        [celery, "-A", "config", "worker", "--pool=solo", "-Q", queue, "-n", f"{queue}@%h", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        env=service_env(**extra_env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    from tests.conftest import _reset_connections

    _reset_connections(app)  # fresh broker connections: an earlier test may have closed the pooled ones
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"worker exited: {proc.stdout.read()}")
        if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
            return proc
    stop(proc)
    pytest.fail("worker did not answer a ping within 60 s")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    print(out[-4000:])


@pytest.fixture
def worker():
    require_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    proc = start_worker(queue)
    try:
        yield queue
    finally:
        stop(proc)


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


class WorkerTests:
    def test_jobs_run_through_the_broker_in_a_real_worker(self, worker, city, lead_staff, unit_a):
        from indicators.jobs import recompute_compliance
        from indicators.models import Campaign, ComplianceSnapshot, IndicatorValue, Tier
        from notifications.jobs import detect_overdue
        from notifications.models import AlertEvent
        from tasks.models import Task
        from tests.factories import make_indicator, make_standard

        standard, node = make_standard()
        indicator = make_indicator(standard, node, "2.2", "建成区绿地率",
                                   thresholds=[{"tier": "garden", "comparator": "gte", "value": 31}])
        campaign = Campaign.objects.create(name="队列测试", city=city, kind="creation", tier=Tier.GARDEN)
        campaign.standards.add(standard)
        today = timezone.localdate()
        IndicatorValue.objects.create(measure=indicator.measure, scope=city, as_of=today, value=Decimal("30"))
        Task.objects.create(campaign=campaign, seq=1, content="逾期任务", lead_unit=unit_a,
                            due_on=today - timedelta(days=2))

        recompute_compliance.apply_async(args=[campaign.pk], queue=worker)
        assert wait_for(lambda: ComplianceSnapshot.objects.filter(campaign=campaign, date=today).exists())
        snap = ComplianceSnapshot.objects.get(campaign=campaign, indicator=indicator, date=today)
        assert (snap.value, snap.status) == (Decimal("30"), "not_met")

        detect_overdue.apply_async(queue=worker)
        assert wait_for(lambda: AlertEvent.objects.filter(level="red").exists())
        assert sorted(AlertEvent.objects.values_list("level", flat=True)) == ["red", "yellow"]


def parks_workbook(rows):
    """A parks ledger of `rows` valid rows, written streaming (a few seconds to parse)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("公园")
    ws.append(["公园名称", "所在城区", "公园类型", "面积", "纬度", "经度", "免费开放", "具备应急避险功能"])
    for i in range(rows):
        ws.append([f"公园{i}", "城东区", "综合公园", 1000 + i, 32.05, 118.78, "是", "否"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class WorkerKillTests:
    def test_an_upload_whose_worker_is_killed_mid_parse_finishes_after_a_restart(
            self, city, districts, unit_a, lead_staff, settings, tmp_path):
        from ledgers.jobs import parse_ledger_upload
        from ledgers.models import LedgerUpload
        from ledgers.services import ledger_upload_create
        from organizations.models import AuditEntry

        require_services()
        settings.MEDIA_ROOT = tmp_path
        queue = f"test-{uuid.uuid4().hex[:8]}"
        # The new worker's start-up catch-up goes to this test's queue, and a parse silent
        # for 2 s counts as stranded (120 s in production).
        env = {"DJANGO_MEDIA_ROOT": str(tmp_path), "CELERY_QUEUE": queue, "LEDGER_PARSE_STALE_SECONDS": "2"}
        upload = ledger_upload_create(unit=unit_a, ledger_type="parks", user=lead_staff, file_name="公园.xlsx",
                                      file=parks_workbook(20_000))

        first = start_worker(queue, **env)
        try:
            parse_ledger_upload.apply_async(args=[upload.pk], queue=queue)
            assert wait_for(lambda: LedgerUpload.objects.filter(pk=upload.pk, rows_read__gt=0).exists(), 120)
            os.killpg(first.pid, signal.SIGKILL)  # the worker and anything it started, mid-parse
        finally:
            stop(first)
        upload.refresh_from_db()
        assert (upload.status, upload.parse_attempts) == ("parsing", 1), "parsed before the kill: use more rows"
        assert 0 < upload.rows_read < 20_000

        settings.LEDGER_PARSE_STALE_SECONDS = 2
        assert wait_for(lambda: LedgerUpload.objects.stuck().filter(pk=upload.pk).exists(), 10)  # stranded
        second = start_worker(queue, **{**env, "CELERY_CATCH_UP_ON_START": "1"})
        try:
            assert wait_for(lambda: LedgerUpload.objects.get(pk=upload.pk).status != "parsing", 120)
        finally:
            stop(second)
        upload.refresh_from_db()
        assert (upload.status, upload.row_count, upload.error_count, upload.parse_attempts) == ("ready", 20_000, 0, 2)
        assert AuditEntry.objects.filter(object_id=str(upload.pk), note__contains="已自动重新排队").exists()
