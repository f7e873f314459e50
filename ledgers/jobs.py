"""Celery jobs for ledgers. They take ids, call one service and own retries."""
import logging

from celery import shared_task

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


@shared_task(acks_late=True)
def parse_ledger_upload(upload_id):
    """Parse and validate an upload for its preview, reporting rows read as it goes."""
    from .models import LedgerUpload
    from .services import ledger_upload_parse

    upload = LedgerUpload.objects.filter(pk=upload_id).first()
    if upload is None or upload.status != LedgerUpload.Status.PARSING:
        return None  # cancelled, or already parsed by an earlier delivery
    upload = ledger_upload_parse(upload=upload, report_progress=True)
    logger.info("parse_ledger_upload upload=%s status=%s rows=%s errors=%s", upload_id, upload.status,
                upload.row_count, upload.error_count)
    return upload.status


@shared_task
def recompute_ledger_values():
    """Nightly, before compliance: ledger values again, in case campaign parameters changed."""
    from .services import ledger_values_recompute_all

    written = ledger_values_recompute_all()
    logger.info("recompute_ledger_values values=%s", written)
    return written
