"""The parse job under its limits, and uploads whose parse lost its worker (the stuck sweep)."""
from datetime import timedelta

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from ledgers import jobs
from ledgers import services as S
from ledgers.models import LedgerUpload
from organizations.models import AuditEntry

from .conftest import park, template_with


def new_upload(unit, user, rows=3):
    return S.ledger_upload_create(unit=unit, ledger_type="parks", user=user, file_name="公园.xlsx",
                                  file=template_with("parks", [park(name=f"公园{i}") for i in range(rows)]))


def die_mid_parse(upload):
    """What a worker killed mid-parse leaves behind: claimed, progress under way, then silence."""
    assert S._claim(upload.pk)
    LedgerUpload.objects.filter(pk=upload.pk).update(rows_read=2, rows_total=20)


def audit_notes(upload):
    return list(AuditEntry.objects.filter(object_id=str(upload.pk), content_type__model="ledgerupload")
                .order_by("id").values_list("note", flat=True))


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr("ledgers.jobs.enqueue", lambda job, *args: sent.append((job.name, args)) or True)
    return sent


class StuckUploadTests:
    def test_it_queues_again_an_upload_whose_worker_died(self, campaign, unit_a, lead_staff, queued):
        upload = new_upload(unit_a, lead_staff)
        die_mid_parse(upload)
        later = timezone.now() + timedelta(minutes=3)
        with time_machine.travel(later):
            assert jobs.requeue_stuck_uploads() == (1, 0)
        upload.refresh_from_db()
        assert upload.heartbeat_at >= later  # the next sweep waits for a new stale interval
        assert queued == [("ledgers.jobs.parse_ledger_upload", (upload.pk,))]
        assert (upload.status, upload.parse_started_at, upload.parse_attempts) == ("parsing", None, 1)
        assert "已自动重新排队" in audit_notes(upload)[-1]

    def test_the_next_delivery_takes_the_requeued_upload_and_finishes_it(self, campaign, unit_a, lead_staff, queued):
        upload = new_upload(unit_a, lead_staff)
        die_mid_parse(upload)
        with time_machine.travel(timezone.now() + timedelta(minutes=3)):
            jobs.requeue_stuck_uploads()
            assert jobs.parse_ledger_upload(upload.pk) == LedgerUpload.Status.READY
        upload.refresh_from_db()
        assert (upload.row_count, upload.parse_attempts) == (3, 2)

    def test_a_parse_with_a_fresh_heartbeat_is_left_alone(self, campaign, unit_a, lead_staff, queued):
        upload = new_upload(unit_a, lead_staff)
        die_mid_parse(upload)
        with time_machine.travel(timezone.now() + timedelta(seconds=60)):
            assert jobs.requeue_stuck_uploads() == (0, 0)
            assert S.ledger_upload_parse(upload=upload).status == LedgerUpload.Status.PARSING  # claimed elsewhere
        assert queued == []

    def test_a_rerun_of_the_sweep_queues_nothing_twice(self, campaign, unit_a, lead_staff, queued):
        upload = new_upload(unit_a, lead_staff)
        die_mid_parse(upload)
        with time_machine.travel(timezone.now() + timedelta(minutes=3)):
            jobs.requeue_stuck_uploads()
            assert jobs.requeue_stuck_uploads() == (0, 0)
        assert len(queued) == 1

    def test_it_fails_the_upload_after_the_last_attempt(self, campaign, unit_a, lead_staff, queued, settings):
        settings.LEDGER_PARSE_MAX_ATTEMPTS = 2
        upload = new_upload(unit_a, lead_staff)
        now = timezone.now()
        for attempt in range(2):
            now += timedelta(minutes=3)
            with time_machine.travel(now):
                jobs.requeue_stuck_uploads()
                die_mid_parse(upload)
        with time_machine.travel(now + timedelta(minutes=3)):
            assert jobs.requeue_stuck_uploads() == (0, 1)
        upload.refresh_from_db()
        assert (upload.status, upload.parse_attempts, upload.is_retryable) == ("failed", 2, True)
        assert "解析了 2 次都未能完成" in upload.result["errors"][0]["message"]
        assert "标记为无法读取" in audit_notes(upload)[-1]

    def test_a_cancelled_upload_stops_its_running_parse_and_stays_cancelled(self, campaign, unit_a, lead_staff,
                                                                            monkeypatch):
        upload = new_upload(unit_a, lead_staff, rows=600)
        real = S.validate_workbook

        def cancel_meanwhile(fh, schema, ctx):
            S.ledger_upload_cancel(upload=upload, user=lead_staff)
            return real(fh, schema, ctx)

        monkeypatch.setattr(S, "validate_workbook", cancel_meanwhile)
        assert jobs.parse_ledger_upload(upload.pk) == LedgerUpload.Status.CANCELLED
        upload.refresh_from_db()
        assert (upload.status, upload.row_count, upload.result) == ("cancelled", 0, {})


class ParseLimitTests:
    def test_the_parse_job_runs_under_its_time_limits(self, settings):
        assert (jobs.parse_ledger_upload.soft_time_limit, jobs.parse_ledger_upload.time_limit) == (
            settings.LEDGER_PARSE_TIME_LIMIT_SECONDS, settings.LEDGER_PARSE_TIME_LIMIT_SECONDS + 30)

    def test_a_parse_past_its_soft_time_limit_fails_with_a_reason(self, campaign, unit_a, lead_staff, monkeypatch):
        upload = new_upload(unit_a, lead_staff)

        def slow(*args):
            raise SoftTimeLimitExceeded()

        monkeypatch.setattr(S, "validate_workbook", slow)
        assert jobs.parse_ledger_upload(upload.pk) == LedgerUpload.Status.FAILED
        upload.refresh_from_db()
        assert "解析超过 300 秒仍未完成" in upload.result["errors"][0]["message"] and upload.is_retryable

    def test_a_parse_past_its_memory_cap_fails_with_a_reason(self, campaign, unit_a, lead_staff, monkeypatch,
                                                             settings):
        pytest.importorskip("resource")
        settings.LEDGER_PARSE_MEMORY_MB = 64
        upload = new_upload(unit_a, lead_staff)

        def greedy(*args):
            return bytearray(512 * 1024 * 1024)

        monkeypatch.setattr(S, "validate_workbook", greedy)
        assert jobs.parse_ledger_upload(upload.pk) == LedgerUpload.Status.FAILED
        upload.refresh_from_db()
        assert "所需内存超过上限" in upload.result["errors"][0]["message"]
        assert bytearray(256 * 1024 * 1024)  # the cap is lifted after the parse
