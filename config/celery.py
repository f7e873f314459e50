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
# One job at a time per worker process: a long parse must not hold other jobs prefetched
# (and unacknowledged) behind it.
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


def _job_limits():
    """Time and memory limits of every job, and the Redis visibility timeout fitted to them."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    hard = settings.JOBS_TIME_LIMIT_SECONDS
    app.conf.task_time_limit = hard
    app.conf.task_soft_time_limit = max(1, hard - 30)
    app.conf.worker_max_memory_per_child = settings.JOBS_MAX_MEMORY_PER_CHILD_MB * 1024  # KiB
    # A job still running, or waiting out a retry countdown, must not be handed to a second
    # worker: the visibility timeout outlasts the longest of them.
    longest = max(hard, settings.LEDGER_PARSE_TIME_LIMIT_SECONDS + PARSE_HARD_MARGIN_SECONDS,
                  RETRY_BACKOFF_MAX_SECONDS)
    visibility = settings.CELERY_VISIBILITY_TIMEOUT or longest + 5 * 60
    if visibility <= longest:
        raise ImproperlyConfigured(
            f"CELERY_VISIBILITY_TIMEOUT={visibility} must be longer than the longest job ({longest} s): "
            "a running job would be delivered to a second worker")
    return visibility


# The hard limit of a parse is its soft limit plus this: time to write the failure.
PARSE_HARD_MARGIN_SECONDS = 30
# Celery's default retry_backoff_max: the longest countdown of an automatic retry.
RETRY_BACKOFF_MAX_SECONDS = 600
app.conf.broker_transport_options["visibility_timeout"] = _job_limits()

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

# However many beats run (a restart that left one behind, two hosts), each scheduled job is
# sent once per slot: the scheduler takes a (job, slot) row in the database before sending.
app.conf.beat_scheduler = "config.beat:SlotLockScheduler"

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
    # Ledger uploads whose parse lost its worker: queued again, failed after the last attempt.
    "requeue-stuck-uploads": {
        "task": "ledgers.jobs.requeue_stuck_uploads",
        "schedule": timedelta(minutes=1),
    },
    # Webhook deliveries whose retry is due (and any the broker missed); issue #14.
    "send-due-webhooks": {
        "task": "api.jobs.send_due_webhooks",
        "schedule": timedelta(minutes=1),
    },
    # Nightly: write one compliance snapshot per campaign, indicator and scope for today.
    "recompute-compliance-nightly": {
        "task": "indicators.jobs.recompute_all_compliance",
        "schedule": crontab(hour=1, minute=30),
    },
}


@worker_ready.connect
def catch_up_on_start(sender, **kwargs):
    """A worker that was down has missed schedule ticks: detect alerts, drain pending
    recomputes and queue again the parses its predecessor stranded, right away instead of
    waiting for the next tick (all three are idempotent)."""
    if os.environ.get("CELERY_CATCH_UP_ON_START", "1") != "1":
        return
    sender.app.send_task("notifications.jobs.detect_overdue")
    sender.app.send_task("indicators.jobs.drain_recompute_requests")
    sender.app.send_task("ledgers.jobs.requeue_stuck_uploads")
