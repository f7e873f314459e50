"""Outgoing webhooks: emit an event (rows, one per subscribed endpoint) and deliver it.

Signed: `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body with the endpoint's
secret>`, with `X-Webhook-Event` and `X-Webhook-Delivery` (the delivery id, for the receiver's
de-duplication). Each delivery is its own job; a failure is recorded with the response and
retried with exponential backoff (1, 2, 4 … minutes, `WEBHOOK_MAX_ATTEMPTS` tries), so a dead
or slow endpoint only delays its own rows. Emitting is unique per (endpoint, key): a rerun or
retried request delivers nothing twice."""
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

Event = WebhookEndpoint.Event
MAX_ATTEMPTS = getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 8)
CLAIM_TIMEOUT = timedelta(minutes=5)


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_emit(*, event, key, data, active=None):
    """Record one delivery per active endpoint that wants `event`; queue them after commit.
    `active`: the active endpoints, when the caller loaded them once for many events."""
    if active is None:
        active = WebhookEndpoint.objects.filter(is_active=True)
    endpoints = [e for e in active if e.wants(event)]
    if not endpoints:
        return []
    now = timezone.now()
    payload = json.loads(json.dumps({"event": event, "key": key, "occurred_at": now, "data": data},
                                    cls=DjangoJSONEncoder))
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=e, event=event, key=key[:160], payload=payload, next_try_at=now)
         for e in endpoints], ignore_conflicts=True)
    ids = list(WebhookDelivery.objects.filter(key=key[:160], endpoint__in=endpoints, attempts=0,
                                              status=WebhookDelivery.Status.PENDING).values_list("id", flat=True))
    transaction.on_commit(lambda: _queue(ids))
    return ids


def _queue(ids):
    from .jobs import deliver_webhook

    for delivery_id in ids:
        try:
            deliver_webhook.delay(delivery_id)
        except Exception:  # broker down: the every-minute schedule sends them later
            logger.warning("could not queue webhook delivery %s", delivery_id, exc_info=True)


def _claim(delivery_id, now):
    return WebhookDelivery.objects.filter(
        Q(next_try_at__lte=now) | Q(next_try_at__isnull=True), pk=delivery_id,
        status=WebhookDelivery.Status.PENDING,
    ).update(next_try_at=now + CLAIM_TIMEOUT)


def webhook_deliver(*, delivery_id, now=None):
    """Send one delivery if it is due; returns its status afterwards (or None if not ours)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "garden-city-command-webhooks/1",
        "X-Webhook-Event": delivery.event,
        "X-Webhook-Delivery": str(delivery.pk),
        "X-Webhook-Signature": sign(endpoint.secret, body),
    })
    code, text, error = None, "", ""
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:
            code, text = response.status, response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        code, text = exc.code, exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        error = f"HTTP {exc.code}"
    except Exception as exc:  # network errors, timeouts, bad URLs: recorded, retried
        error = str(exc)[:500] or exc.__class__.__name__
    attempts = delivery.attempts + 1
    ok = code is not None and 200 <= code < 300
    fields = {"attempts": attempts, "response_code": code, "response_body": text[:500], "error": error[:500]}
    if ok:
        fields.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=timezone.now(), next_try_at=None)
    elif attempts >= MAX_ATTEMPTS:
        fields.update(status=WebhookDelivery.Status.FAILED, next_try_at=None)
    else:
        fields.update(next_try_at=now + timedelta(minutes=2 ** (attempts - 1)))
    WebhookDelivery.objects.filter(pk=delivery_id).update(**fields)
    if not ok:
        logger.warning("webhook %s to %s failed (attempt %s): %s", delivery_id, endpoint.url, attempts, error)
    return fields.get("status", WebhookDelivery.Status.PENDING)


def webhook_due_ids(*, now=None, limit=500):
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_try_at__lte=now)
                .order_by("next_try_at", "id").values_list("id", flat=True)[:limit])


# Hooks: the small calls other apps make at their event points --------------------------------


def _never_raises(hook):
    """A hook must not break the change that called it: its writes go in a savepoint, and a
    failure is logged, leaving the notification, recompute or briefing as it would be."""
    import functools

    @functools.wraps(hook)
    def wrapper(*args, **kwargs):
        try:
            with transaction.atomic():
                return hook(*args, **kwargs)
        except Exception:
            logger.exception("webhook hook %s failed", hook.__name__)
            return None

    return wrapper



@_never_raises
def on_alert_event(event):
    """notifications: a business event recorded, or a deadline alert that went out."""
    _on_alert_event(event, None)


@_never_raises
def on_alert_events(events):
    """on_alert_event for a batch that send_alerts delivered: the endpoints are read once, so a
    city with no webhooks pays one query per batch."""
    active = list(WebhookEndpoint.objects.filter(is_active=True))
    if not active:
        return
    for event in events:
        _on_alert_event(event, active)


def _on_alert_event(event, active):
    from notifications.models import AlertEvent

    model = event.content_type.model
    kinds = {AlertEvent.Kind.FINDING_ASSIGNED: Event.FINDING_CREATED, AlertEvent.Kind.FINDING_CLOSED:
             Event.FINDING_CLOSED}
    if event.kind == AlertEvent.Kind.DEADLINE:
        if event.level not in (AlertEvent.Level.RED, AlertEvent.Level.ESCALATED):
            return
        name = {"finding": Event.FINDING_OVERDUE, "task": Event.TASK_OVERDUE}.get(model)
    else:
        name = kinds.get(event.kind)
    if not name:
        return
    webhook_emit(event=name, key=f"alert:{event.pk}", data={
        "object": model, "id": event.object_id, "title": event.title, "url": event.url,
        "campaign": event.campaign_id, "unit": event.unit_id, "unit_name": str(event.unit) if event.unit_id else "",
        "deadline": event.deadline, "level": event.level or None, "note": event.note,
    }, active=active)


def compliance_statuses(campaign):
    """{indicator_id: status} of the latest city-scope snapshot per indicator."""
    from django.db.models import Max

    from indicators.models import ComplianceSnapshot

    latest = campaign.snapshots.filter(scope=campaign.city_id).aggregate(d=Max("date"))["d"]
    if latest is None:
        return {}
    return dict(ComplianceSnapshot.objects.filter(campaign=campaign, scope=campaign.city_id, date=latest)
                .values_list("indicator_id", "status"))


@_never_raises
def on_compliance_recomputed(campaign, before):
    """indicators: after a recompute, one event per indicator whose city status changed."""
    after = compliance_statuses(campaign)
    changed = {i: (before.get(i), s) for i, s in after.items() if before.get(i) != s}
    if not changed:
        return
    from indicators.models import Indicator

    names = {i.pk: i for i in Indicator.objects.filter(pk__in=changed).select_related("standard")}
    for indicator_id, (old, new) in changed.items():
        indicator = names[indicator_id]
        webhook_emit(
            event=Event.COMPLIANCE_CHANGED,
            key=f"compliance:{campaign.pk}:{indicator_id}:{timezone.now().isoformat()}",
            data={"campaign": campaign.pk, "indicator": indicator_id, "code": indicator.code,
                  "standard": indicator.standard.code, "name": indicator.name, "from": old, "to": new,
                  "url": f"/api/v1/campaigns/{campaign.pk}/compliance/"})


@_never_raises
def on_briefing_issued(briefing):
    webhook_emit(event=Event.BRIEFING_ISSUED, key=f"briefing:{briefing.pk}:{briefing.number}:{briefing.language}",
                 data={"briefing": briefing.pk, "campaign": briefing.campaign_id, "number": briefing.number,
                       "week_start": briefing.week_start, "language": briefing.language,
                       "pdf": f"/api/v1/briefings/{briefing.pk}/pdf/"})
