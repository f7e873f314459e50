"""A real Celery worker, a real broker, the real database: a job driven end to end.

Runs where CELERY_BROKER_URL points at Redis and the database is PostgreSQL (CI sets both
and REQUIRE_SERVICES=1, which turns a skip into a failure). The worker is a separate
`celery worker` process on a queue of its own, reading the test database.
"""
import os
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


@pytest.fixture
def worker():
    reason = _services_ready()
    if reason:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but the worker test {reason}", pytrace=False)
        pytest.skip(reason)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    s = connection.settings_dict
    env = {
        **os.environ,
        "CELERY_CATCH_UP_ON_START": "0",  # the start-up catch-up would go to the default queue
        "DATABASE_URL": f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
    }
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    proc = subprocess.Popen(
        [celery, "-A", "config", "worker", "--pool=solo", "-Q", queue, "-n", f"{queue}@%h", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"worker exited: {proc.stdout.read()}")
            if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
                break
        else:
            pytest.fail("worker did not answer a ping within 60 s")
        yield queue
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        print(out[-4000:])


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
