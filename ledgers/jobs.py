"""Celery jobs for ledgers. They take ids, call one service and own retries."""
import logging
from contextlib import contextmanager

from celery import shared_task
from django.conf import settings

from config.celery import PARSE_HARD_MARGIN_SECONDS

logger = logging.getLogger(__name__)


def enqueue(job, *args):
    """Send a job to the broker; a broker that is down is logged, never raised (returns False).

    Called from transaction.on_commit: what the user did is already committed, and the
    nightly runs catch up with whatever this could not queue.
    """
    try:
        job.apply_async(args=args)
        return True
    except Exception:  # kombu raises several kinds when the broker is unreachable
        logger.exception("could not queue %s%s; the nightly run will catch up", job.name, args)
        return False


@contextmanager
def address_space_limit(megabytes):
    """Cap this process's address space at its current size plus `megabytes` while the block
    runs: an allocation past it raises MemoryError instead of swapping the machine. Linux
    (and other platforms with RLIMIT_AS) only; elsewhere it does nothing."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * resource.getpagesize()
    except (ImportError, OSError, ValueError):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = current + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# Under its own limits: a soft time limit (the parse stops and the upload says why), a hard
# one 30 s later (the worker child is killed; the stuck sweep takes over) and a memory cap.
@shared_task(acks_late=True, soft_time_limit=settings.LEDGER_PARSE_TIME_LIMIT_SECONDS,
             time_limit=settings.LEDGER_PARSE_TIME_LIMIT_SECONDS + PARSE_HARD_MARGIN_SECONDS)
def parse_ledger_upload(upload_id):
    """Parse and validate an upload for its preview, reporting rows read as it goes."""
    from .models import LedgerUpload
    from .services import ledger_upload_parse

    upload = LedgerUpload.objects.filter(pk=upload_id).first()
    if upload is None or upload.status != LedgerUpload.Status.PARSING:
        return None  # cancelled, or already parsed by an earlier delivery
    with address_space_limit(settings.LEDGER_PARSE_MEMORY_MB):
        upload = ledger_upload_parse(upload=upload, report_progress=True)
    logger.info("parse_ledger_upload upload=%s status=%s rows=%s errors=%s attempt=%s", upload_id, upload.status,
                upload.row_count, upload.error_count, upload.parse_attempts)
    return upload.status


@shared_task
def requeue_stuck_uploads():
    """Every minute and when a worker starts: parses that lost their worker, queued again."""
    from .services import ledger_uploads_requeue_stuck

    requeued, failed = ledger_uploads_requeue_stuck()
    for upload_id in requeued:
        enqueue(parse_ledger_upload, upload_id)
    if requeued or failed:
        logger.warning("requeue_stuck_uploads: queued again %s, failed %s", requeued, failed)
    return len(requeued), len(failed)


@shared_task
def recompute_ledger_values():
    """Nightly, before compliance: ledger values again, in case campaign parameters changed."""
    from .services import ledger_values_recompute_all

    written = ledger_values_recompute_all()
    logger.info("recompute_ledger_values values=%s", written)
    return written
