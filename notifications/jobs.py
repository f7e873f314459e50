"""Alert jobs. Both are idempotent: rerunning either is always safe."""
import logging

from celery import shared_task
from django.db import transaction

logger = logging.getLogger(__name__)


@shared_task
def detect_overdue():
    from .services import DetectResult, alerts_detect

    result = DetectResult()
    created = alerts_detect(result=result)
    if created:
        transaction.on_commit(queue_send)
    logger.info("detect_overdue: %s new alert events, %s objects updated", len(created), result.updated)
    return len(created)


@shared_task
def send_alerts():
    from .services import alerts_send

    delivered = alerts_send()
    logger.info("send_alerts: %s delivered", delivered)
    return delivered


def queue_send():
    try:
        send_alerts.delay()
    except Exception:  # broker down: the every-minute schedule delivers them later
        logger.warning("could not queue send_alerts; the schedule will pick the events up", exc_info=True)
