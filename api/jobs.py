"""Webhook jobs: one delivery per job, and a schedule that picks up retries that are due."""
import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def deliver_webhook(delivery_id):
    from .webhooks import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id)


@shared_task
def send_due_webhooks():
    from .webhooks import _queue, webhook_due_ids

    ids = webhook_due_ids()
    _queue(ids)
    logger.info("send_due_webhooks: %s queued", len(ids))
    return len(ids)
