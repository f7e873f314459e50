"""One schedule runs once however many beats start: the (job, slot) lock of config/beat.py."""
from collections import Counter
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from celery.beat import Scheduler
from celery.schedules import crontab, schedule

from config.beat import SlotLockScheduler, schedule_slot, slot_take
from config.celery import app
from organizations.models import ScheduledRun

UTC = dt_timezone.utc


class ScheduleSlotTests:
    def test_it_puts_two_beats_sends_of_an_interval_job_in_one_slot(self):
        every = schedule(timedelta(minutes=15))
        first = schedule_slot(every, None, datetime(2026, 3, 2, 10, 15, 3, tzinfo=UTC))
        second = schedule_slot(every, None, datetime(2026, 3, 2, 10, 29, 58, tzinfo=UTC))
        assert first == second == datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
        assert schedule_slot(every, None, datetime(2026, 3, 2, 10, 30, 0, tzinfo=UTC)) != first

    def test_a_crontab_slot_is_the_occurrence_sent_whenever_each_beat_last_ran(self):
        monday_8 = crontab(hour=8, minute=0, day_of_week="mon", app=app)  # Asia/Shanghai
        now = datetime(2026, 3, 2, 0, 0, 2, tzinfo=UTC)  # Monday 08:00:02 in Shanghai
        a = schedule_slot(monday_8, datetime(2026, 2, 23, 0, 0, 1, tzinfo=UTC), now)
        b = schedule_slot(monday_8, datetime(2026, 2, 28, 9, 0, tzinfo=UTC), now)
        assert a == b == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@pytest.mark.django_db
class SlotTakeTests:
    def test_only_the_first_taker_of_a_slot_sends(self):
        slot = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
        assert [slot_take("send-alerts", slot), slot_take("send-alerts", slot), slot_take("detect-overdue", slot)] == [
            True, False, True]
        assert ScheduledRun.objects.count() == 2


@pytest.mark.django_db
class TwoSchedulersTests:
    def test_two_beats_ticking_through_two_hours_send_each_job_once_per_slot(self, tmp_path, monkeypatch):
        sent = []
        monkeypatch.setattr(Scheduler, "apply_async",
                            lambda self, entry, producer=None, advance=True, **kw: sent.append(
                                (entry.name, datetime.now(UTC))))
        monkeypatch.setattr(Scheduler, "producer", None)  # no broker connection under frozen time
        start = datetime(2026, 3, 1, 16, 0, 7, tzinfo=UTC)  # Monday 00:00:07 in Shanghai, then two hours
        with time_machine.travel(start, tick=False) as traveller:
            first = SlotLockScheduler(app=app, schedule_filename=str(tmp_path / "a"), lazy=False)
            traveller.shift(timedelta(minutes=7, seconds=31))  # the second beat starts later (a restart)
            second = SlotLockScheduler(app=app, schedule_filename=str(tmp_path / "b"), lazy=False)
            for _step in range(2 * 3600 // 10):
                traveller.shift(timedelta(seconds=10))
                for beat in (first, second):
                    for _due in range(20):  # a tick sends one due entry and returns 0 while more are due
                        if beat.tick() != 0:
                            break
        by_job = Counter(name for name, _at in sent)
        # Each job once per slot: as many sends as slots taken, and none of them twice.
        assert by_job == Counter(ScheduledRun.objects.values_list("job", flat=True))
        # Every minute from 16:07 to 18:07 (no beat ticked before 16:07:48), every 5 and 15 minutes,
        # and the two nightly runs of 01:15 and 01:30 Shanghai once each.
        assert by_job == {"send-alerts": 121, "requeue-stuck-uploads": 121, "send-due-webhooks": 121,
                          "drain-recompute-requests": 25,
                          "detect-overdue": 8, "recompute-ledger-values-nightly": 1, "recompute-compliance-nightly": 1}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
class BeatProcessTests:
    def test_two_beat_processes_send_each_due_job_once(self, tmp_path):
        import json
        import os
        import subprocess
        import sys
        import time
        import uuid

        from celery.beat import PersistentScheduler

        from tests.test_worker import require_services, service_env, stop

        require_services()
        queue = f"test-{uuid.uuid4().hex[:8]}"
        # Two schedule files whose every entry last ran 8 days ago: each beat finds all due at once.
        files = []
        for name in ("a", "b"):
            scheduler = PersistentScheduler(app=app, schedule_filename=str(tmp_path / name), lazy=False)
            for entry in scheduler.schedule.values():
                entry.last_run_at = datetime.now(UTC) - timedelta(days=8)
            scheduler.sync()
            scheduler.close()
            files.append(str(tmp_path / name))
        due = set(app.conf.beat_schedule)
        celery = os.path.join(os.path.dirname(sys.executable), "celery")
        beats = [subprocess.Popen([celery, "-A", "config", "beat", "-s", f, "--loglevel=INFO"],
                                  env=service_env(CELERY_QUEUE=queue), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, start_new_session=True) for f in files]
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and ScheduledRun.objects.count() < len(due):
                time.sleep(0.3)
            time.sleep(3)  # time for the slower beat to try (and skip) every entry
        finally:
            for beat in beats:
                stop(beat)
        with app.connection_for_write() as conn:
            client = conn.default_channel.client
            messages = [json.loads(m) for m in client.lrange(queue, 0, -1)]
            client.delete(queue)
        sent = Counter(m["headers"]["task"] for m in messages)
        # Once per slot (two beats starting either side of a minute may each own one slot of an
        # every-minute job): every job sent, and exactly as often as slots were taken for it.
        tasks = {name: entry["task"] for name, entry in app.conf.beat_schedule.items()}
        assert sent == Counter(tasks[job] for job in ScheduledRun.objects.values_list("job", flat=True))
        assert set(ScheduledRun.objects.values_list("job", flat=True)) == due
