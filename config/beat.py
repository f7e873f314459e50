"""Beat's scheduler with a lock per (job, slot), so one schedule runs once however many beats
start (a restart that left one behind, a second host, a second `docker compose up`).

Before sending a due job the scheduler inserts a ScheduledRun row keyed by the job's name
and its slot; the unique constraint lets exactly one beat win, and the others skip the send.
A database row rather than a Redis key: `make run` has no Redis (its broker is the
filesystem), and the row works the same on SQLite and PostgreSQL.

The slot is the same for every beat whatever its start time:
- an interval (every N minutes) slot is the time floored to a multiple of N since the epoch;
  a beat never sends twice in one slot because it waits N after each send;
- a crontab slot is the occurrence being sent: the next one after the entry's last run.
"""
import logging
import os
import socket
from datetime import datetime, timedelta, timezone as dt_timezone

from celery.beat import PersistentScheduler
from celery.schedules import crontab

logger = logging.getLogger(__name__)

KEEP_RUNS = timedelta(days=35)  # longer than the longest schedule (weekly) with room to spare
EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)


def schedule_slot(schedule, last_run_at, now):
    """The slot a send at `now` belongs to (an aware datetime in UTC), or None when the
    schedule is of a kind this does not know (then the job is sent unlocked)."""
    if isinstance(schedule, crontab):
        start, delta, _now = schedule.remaining_delta(last_run_at)
        return (start + delta).astimezone(dt_timezone.utc).replace(second=0, microsecond=0)
    run_every = getattr(schedule, "run_every", None)
    if isinstance(run_every, timedelta) and run_every.total_seconds() >= 1:
        step = int(run_every.total_seconds())
        elapsed = int((now - EPOCH).total_seconds())
        return EPOCH + timedelta(seconds=elapsed - elapsed % step)
    return None


def slot_take(job, slot):
    """Take (job, slot): True for the one caller that inserted the row, False for the rest."""
    from django.db import IntegrityError, close_old_connections, connection, transaction

    from organizations.models import ScheduledRun

    if not connection.in_atomic_block:
        close_old_connections()  # beat lives for weeks; its connection may have timed out
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=job, slot=slot, sent_by=f"{socket.gethostname()}:{os.getpid()}"[:100])
    except IntegrityError:
        return False
    return True


def slots_prune(now):
    from organizations.models import ScheduledRun

    return ScheduledRun.objects.filter(slot__lt=now - KEEP_RUNS).delete()[0]


class SlotLockScheduler(PersistentScheduler):
    def setup_schedule(self):
        import django

        django.setup()  # beat alone does not set Django up; the lock needs the ORM
        super().setup_schedule()

    def apply_entry(self, entry, producer=None):
        now = datetime.now(dt_timezone.utc)
        try:
            slot = schedule_slot(entry.schedule, entry.last_run_at, now)
            taken = slot is None or slot_take(entry.name, slot)
        except Exception:  # the database is down: sending twice beats not sending (jobs are idempotent)
            logger.exception("beat: could not take the slot of %s; sending anyway", entry.name)
            taken, slot = True, None
        if not taken:
            logger.info("beat: %s for slot %s already sent by another beat; skipped", entry.name, slot)
            return
        super().apply_entry(entry, producer=producer)
        if entry.name == PRUNE_WITH:
            try:
                slots_prune(now)
            except Exception:
                logger.exception("beat: could not prune old scheduled runs")


# Old slot rows go with the nightly compliance run (once a day, no schedule of their own).
PRUNE_WITH = "recompute-compliance-nightly"
