"""The Celery app and the whole beat schedule.

Job modules are named jobs.py (the word "task" belongs to the task table).
"""
import os
from datetime import timedelta
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("garden_city")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")

app.conf.timezone = "Asia/Shanghai"
app.conf.enable_utc = True
app.conf.task_ignore_result = True
app.conf.task_acks_late = True
app.conf.task_reject_on_worker_lost = True
app.conf.worker_prefetch_multiplier = 1
# Without timeouts a Redis that accepts connections but never answers blocks .delay() for
# more than a minute (tech-notes): fail fast and let the nightly run catch up.
app.conf.broker_connection_timeout = 5
app.conf.broker_connection_retry_on_startup = True
app.conf.broker_transport_options = {
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}

if app.conf.broker_url.startswith("filesystem://"):
    from django.conf import settings

    base = Path(getattr(settings, "CELERY_FILESYSTEM_DIR", "var/broker"))
    for sub in ("in", "processed", "control"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    app.conf.broker_transport_options = {
        "data_folder_in": str(base / "in"),
        "data_folder_out": str(base / "in"),
        "processed_folder": str(base / "processed"),
        "control_folder": str(base / "control"),
        "store_processed": False,
    }
    app.conf.beat_schedule_filename = str(base / "celerybeat-schedule")

app.conf.beat_schedule = {
    # Findings and tasks that crossed into yellow, red or escalation since the last run.
    "detect-overdue": {
        "task": "notifications.jobs.detect_overdue",
        "schedule": timedelta(minutes=15),
    },
    # Deliver pending alert events (in-app, e-mail); failed deliveries retry with backoff.
    "send-alerts": {
        "task": "notifications.jobs.send_alerts",
        "schedule": timedelta(minutes=1),
    },
    # Monday 08:00 Asia/Shanghai: last week's ranking and numbered briefing for each campaign.
    "build-weekly-briefings": {
        "task": "reports.jobs.build_all_weekly_briefings",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
    },
    # Compliance recomputes requested while the broker was unreachable (the outbox).
    "drain-recompute-requests": {
        "task": "indicators.jobs.drain_recompute_requests",
        "schedule": timedelta(minutes=5),
    },
    # Nightly: ledger-computed values again, for changed campaign parameters (writes only changes).
    "recompute-ledger-values-nightly": {
        "task": "ledgers.jobs.recompute_ledger_values",
        "schedule": crontab(hour=1, minute=15),
    },
    # Nightly: write one compliance snapshot per campaign, indicator and scope for today.
    "recompute-compliance-nightly": {
        "task": "indicators.jobs.recompute_all_compliance",
        "schedule": crontab(hour=1, minute=30),
    },
}


@worker_ready.connect
def catch_up_on_start(sender, **kwargs):
    """A worker that was down has missed schedule ticks: detect alerts and drain pending
    recomputes right away instead of waiting for the next tick (both are idempotent)."""
    if os.environ.get("CELERY_CATCH_UP_ON_START", "1") != "1":
        return
    sender.app.send_task("notifications.jobs.detect_overdue")
    sender.app.send_task("indicators.jobs.drain_recompute_requests")
