"""Detect deadline alerts and deliver them, exactly once per (object, level, deadline)."""
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.calendar import levels_between
from organizations.models import Membership

from .models import AlertEvent, DeliveryAttempt, Notification
from .registry import ALERTABLE_MODELS

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)  # a claim older than this belonged to a worker that died
MAX_ATTEMPTS = 8


def alert_refresh(*, obj, today=None, policy=None):
    """Bring one object's alert level up to date; create an event for each level crossed.

    Safe to run concurrently and repeatedly: events are unique per (object, level, deadline),
    so the loser of a race gets the existing row and nothing is raised twice; a new deadline
    (an approved extension, a return with a new date) starts a new watch.
    """
    today = today or timezone.localdate()
    campaign = obj.alert_campaign()
    policy = policy or campaign.alert_policy()
    deadline = obj.alert_deadline()
    level = policy.level_on(deadline, today)
    created = []
    content_type = ContentType.objects.get_for_model(obj)
    unit = obj.alert_unit()
    with transaction.atomic():
        for crossed in levels_between(obj.alert_level, level):
            event, was_created = AlertEvent.objects.get_or_create(
                content_type=content_type,
                object_id=obj.pk,
                level=crossed,
                deadline=deadline,
                defaults={
                    "campaign": campaign,
                    "unit": unit,
                    "title": obj.alert_title()[:300],
                    "url": obj.get_absolute_url(),
                },
            )
            if was_created:
                created.append(event)
        type(obj).objects.filter(pk=obj.pk).update(
            alert_level=level if deadline else obj.alert_level,
            next_alert_at=policy.next_change(deadline, today),
        )
    return created


def alerts_detect(*, today=None):
    """Every registered model's objects that are due for a look; returns the events created."""
    today = today or timezone.localdate()
    policies = {}
    created = []
    for model in ALERTABLE_MODELS:
        for obj in model.alert_candidates(today):
            campaign = obj.alert_campaign()
            if campaign.pk not in policies:
                policies[campaign.pk] = campaign.alert_policy()
            try:
                created += alert_refresh(obj=obj, today=today, policy=policies[campaign.pk])
            except Exception:  # one broken row must not wedge the run
                logger.exception("alert_refresh failed for %s %s", model.__name__, obj.pk)
    return created


def alert_recipients(event):
    """Users to notify: the responsible person and the unit's staff; on escalation also the
    responsible leader(s) and the campaign office."""
    User = get_user_model()
    obj = event.target
    person, escalation_people = obj.alert_people() if obj is not None else (None, [])
    q = Q(memberships__unit=event.unit, memberships__role=Membership.Role.UNIT_STAFF) if event.unit_id else Q(pk__in=[])
    if person is not None and person.user_id:
        q |= Q(pk=person.user_id)
    if event.level == AlertEvent.Level.ESCALATED:
        q |= Q(pk__in=[p.user_id for p in escalation_people if p is not None and p.user_id])
        q |= Q(memberships__role=Membership.Role.OFFICE)
    return list(User.objects.filter(q, is_active=True).distinct().select_related("person"))


def _claim(event_id, now):
    stale = now - CLAIM_TIMEOUT
    return AlertEvent.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale), pk=event_id, processed_at__isnull=True
    ).update(claimed_at=now)


def alert_deliver(*, event, now=None):
    """In-app notifications for every recipient, then e-mail where an address is known.
    Raises if any e-mail failed, after recording it; notifications already made stay."""
    now = now or timezone.now()
    users = alert_recipients(event)
    Notification.objects.bulk_create([Notification(user=u, alert=event, created_at=now) for u in users],
                                     ignore_conflicts=True)
    sent = set(event.deliveries.filter(ok=True).values_list("recipient", flat=True))
    failures = []
    for user in users:
        address = user.email or getattr(getattr(user, "person", None), "email", "")
        if not address or address in sent:
            continue
        try:
            send_mail(
                subject=_("【创园预警】%(level)s：%(title)s") % {"level": event.get_level_display(), "title": event.title},
                message=_("截止日期：%(deadline)s\n责任单位：%(unit)s\n查看：%(url)s")
                % {"deadline": event.deadline or "—", "unit": event.unit or "—", "url": event.url},
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[address],
            )
            DeliveryAttempt.objects.create(alert=event, recipient=address, ok=True, at=now)
            sent.add(address)
        except Exception as exc:  # recorded and retried; never blocks the other alerts
            DeliveryAttempt.objects.create(alert=event, recipient=address, ok=False, error=str(exc)[:2000], at=now)
            failures.append(f"{address}: {exc}")
    if failures:
        raise DeliveryFailed("; ".join(failures))


class DeliveryFailed(Exception):
    pass


def alerts_send(*, now=None, limit=500):
    """Deliver pending events. Each is claimed with a conditional UPDATE (the row count says
    who won), so concurrent senders never deliver the same event twice."""
    now = now or timezone.now()
    pending = list(
        AlertEvent.objects.filter(processed_at__isnull=True, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    delivered = 0
    for event_id in pending:
        if not _claim(event_id, now):
            continue
        event = AlertEvent.objects.select_related("unit", "campaign").get(pk=event_id)
        try:
            alert_deliver(event=event, now=now)
        except Exception as exc:
            attempts = event.attempts + 1
            give_up = attempts >= MAX_ATTEMPTS
            AlertEvent.objects.filter(pk=event_id).update(
                attempts=attempts,
                last_error=str(exc)[:2000],
                claimed_at=None,
                next_attempt_at=now + timedelta(minutes=2 ** attempts),
                processed_at=now if give_up else None,
            )
            logger.warning("alert %s delivery failed (attempt %s): %s", event_id, attempts, exc)
            continue
        AlertEvent.objects.filter(pk=event_id).update(processed_at=now, attempts=event.attempts + 1, last_error="")
        delivered += 1
    return delivered


def notification_mark_read(*, user, notification_id=None, now=None):
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=now or timezone.now())
