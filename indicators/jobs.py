"""Celery jobs for compliance. They take ids, call one service and own retries."""
import logging
from datetime import date

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(Exception,), retry_backoff=30, max_retries=5)
def recompute_compliance(campaign_id, on=None):
    from .models import Campaign
    from .services import compliance_recompute

    campaign = Campaign.objects.get(pk=campaign_id)
    written = compliance_recompute(campaign=campaign, on=date.fromisoformat(on) if on else None)
    logger.info("recompute_compliance campaign=%s snapshots=%s", campaign_id, written)
    return written


@shared_task
def recompute_all_compliance():
    from .models import Campaign

    for campaign_id in Campaign.objects.filter(is_active=True).values_list("id", flat=True):
        try:
            recompute_compliance(campaign_id)
        except Exception:  # one failing campaign must not wedge the others
            logger.exception("recompute_compliance failed for campaign %s", campaign_id)


@shared_task
def drain_recompute_requests():
    """Recompute every campaign with a pending request (their queued job never ran)."""
    from .models import RecomputeRequest

    campaign_ids = set(RecomputeRequest.objects.filter(done_at__isnull=True).values_list("campaign_id", flat=True))
    for campaign_id in sorted(campaign_ids):
        try:
            recompute_compliance(campaign_id)
        except Exception:
            logger.exception("drain: recompute failed for campaign %s", campaign_id)
    return len(campaign_ids)


def queue_recompute(campaign_id):
    """Queue the job; with the broker down, log and leave the request row for the drain."""
    try:
        recompute_compliance.delay(campaign_id)
    except Exception:
        logger.warning("broker unavailable: recompute of campaign %s left to the drain job", campaign_id,
                       exc_info=True)
