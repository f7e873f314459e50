"""Detect deadline alerts, record events, and deliver both on every channel, exactly once per
(object, level, deadline) for alerts and once per key for events."""
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from dataclasses import dataclass
from dataclasses import field as dc_field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, CharField, DateField, F, IntegerField, Q, Value, When
from django.db.models.functions import Cast, Left
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from indicators import states
from indicators.calendar import levels_between
from organizations.audit import audit_record, diff, snapshot_fields
from organizations.models import AuditEntry, Membership, Unit

from .channels import Message, RobotChannel, enabled_channels, preferences_for, quiet_until, robots_for
from .models import AlertEvent, DeliveryAttempt, Notification, NotificationPreference, UnitChannel
from .registry import ALERTABLE_MODELS, pk_url_sql

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)  # a claim older than this belonged to a worker that died
MAX_ATTEMPTS = 8


# Objects looked at per batch of the detect job: a batch costs four queries (tune, lock,
# insert the events, update the alert fields), so 100 000 candidates take ten batches.
DETECT_BATCH = 10000
# The levels an event can be raised for, by rank (blue, 0, raises nothing).
EVENT_LEVELS = ((AlertEvent.Level.YELLOW, 1), (AlertEvent.Level.RED, 2), (AlertEvent.Level.ESCALATED, 3))


def _look(*, obj, level, deadline, policy, today):
    """What one look at an object writes: the levels crossed (one event each), the level to
    store and the day of the next look. A closed object keeps its level and is not looked at
    again; an object back at blue (a new deadline) is watched again from the start."""
    return (levels_between(obj.alert_level, level), level if deadline else obj.alert_level,
            policy.next_change(deadline, today))


def _deadline_events(*, obj, levels, deadline, content_type, campaign_id, unit_id, now):
    if not levels:
        return []
    # Titles are stored once, in the site's language: callers hold translation.override.
    title, url = str(obj.alert_title())[:300], obj.get_absolute_url()
    return [AlertEvent(kind=AlertEvent.Kind.DEADLINE, content_type=content_type, object_id=obj.pk, level=level,
                       deadline=deadline, campaign_id=campaign_id, unit_id=unit_id, title=title, url=url,
                       created_at=now, next_attempt_at=now) for level in levels]


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
    crossed, level, next_at = _look(obj=obj, level=policy.level_on(deadline, today), deadline=deadline,
                                    policy=policy, today=today)
    content_type = ContentType.objects.get_for_model(obj)
    unit = obj.alert_unit()
    with translation.override(settings.LANGUAGE_CODE):
        events = _deadline_events(obj=obj, levels=crossed, deadline=deadline, content_type=content_type,
                                  campaign_id=campaign.pk, unit_id=unit.pk if unit else None, now=timezone.now())
    created = []
    with transaction.atomic():
        for event in events:
            event, was_created = AlertEvent.objects.get_or_create(
                kind=AlertEvent.Kind.DEADLINE, content_type=content_type, object_id=obj.pk, level=event.level,
                deadline=deadline,
                defaults={"campaign": campaign, "unit": unit, "title": event.title, "url": event.url},
            )
            if was_created:
                created.append(event)
        type(obj).objects.filter(pk=obj.pk).update(alert_level=level, next_alert_at=next_at)
    return created


def _level_sql(model, policies, today, *, rank=False):
    """The level (blue / yellow / red / escalated, or its rank 0–3) of every held candidate, in
    SQL: the states' own SQL twin of AlertPolicy.level_on (indicators.states.deadline_q), with
    each campaign's policy."""
    field, campaign = model.alert_deadline_field, f"{model.alert_campaign_field}_id"
    whens = []
    for campaign_id, policy in policies.items():
        ours = Q(**{campaign: campaign_id})
        # Escalated is a subset of overdue: the first match wins.
        whens += [When(ours & states.deadline_q(state, field, today, policy), then=Value(rank_ if rank else level))
                  for state, level, rank_ in ((states.ESCALATED, "escalated", 3), (states.OVERDUE, "red", 2),
                                              (states.DUE_SOON, "yellow", 1))]
    if rank:
        return Case(*whens, default=Value(0), output_field=IntegerField())
    return Case(*whens, default=Value("blue"), output_field=CharField())


def _stored_rank_sql():
    """The rank of the level already alerted (null: never looked at, like blue)."""
    return Case(*[When(alert_level=level, then=Value(rank)) for level, rank in EVENT_LEVELS],
                default=Value(0), output_field=IntegerField())


@dataclass(frozen=True)
class CreatedEvent:
    id: int
    object_id: int
    level: str


@dataclass
class DetectResult:
    created: list = dc_field(default_factory=list)
    updated: int = 0

    @property
    def rows_written(self):
        return len(self.created) + self.updated


def alerts_detect(*, today=None, result=None):
    """Every registered model's objects that are due for a look; returns the events created
    (CreatedEvent: id, object and level). Set-based: four queries per batch of DETECT_BATCH
    candidates, whatever their number, and nothing is loaded into Python but their keys; pass
    a DetectResult to also learn how many objects were updated."""
    today = today or timezone.localdate()
    result = result if result is not None else DetectResult()
    for model in ALERTABLE_MODELS:
        _detect_model(model, today, result)
    return result.created


def _detect_model(model, today, result):
    candidates = model.alert_candidates(today).select_related(None).order_by()
    campaign_attr = f"{model.alert_campaign_field}_id"
    Campaign = model._meta.get_field(model.alert_campaign_field).related_model
    policies = {c.pk: c.alert_policy() for c in Campaign.objects.filter(pk__in=candidates.values(campaign_attr))}
    if not policies:
        return  # nothing due: one query
    content_type = ContentType.objects.get_for_model(model)
    with translation.override(settings.LANGUAGE_CODE):  # titles are stored in the site's language
        title_sql = Left(model.alert_title_sql(), AlertEvent._meta.get_field("title").max_length)
    after = 0
    while True:
        keys = None
        try:
            with transaction.atomic():
                _tune_batch_transaction()
                # Locked (PostgreSQL) in pk order: a deadline written meanwhile (alert_refresh)
                # waits for this batch; a second detect run waits, then skips the rows this one
                # moved on (its UPDATE re-reads them and they are no longer candidates).
                keys = list(candidates.filter(pk__gt=after).order_by("pk").select_for_update()
                            .values_list("pk", campaign_attr, model.alert_deadline_field)[:DETECT_BATCH])
                if not keys:
                    return
                batch = candidates.filter(pk__gt=after, pk__lte=keys[-1][0])
                after = keys[-1][0]
                created = _insert_events(model, batch, policies, today, content_type, title_sql)
                updated = _update_alert_fields(model, batch, keys, policies, today)
            # Counted once committed: a batch rolled back created nothing.
            result.created += created
            result.updated += updated
        except Exception:
            if keys is None:
                raise  # the select itself failed: no way past it
            # One broken batch must not wedge the run; its objects are looked at again next run.
            logger.exception("detect_overdue failed for %s %s..%s", model.__name__, keys[0][0], keys[-1][0])


def _tune_batch_transaction():
    """PostgreSQL, for this transaction only: no JIT (it compiles each batch's CASE anew, for
    longer than the batch runs) and an asynchronous commit. The latter is safe for an
    idempotent job: a crash can lose only the last moments of batches, which the next run redoes;
    a delivery of their events commits synchronously, flushing them first."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', 'off', true), set_config('synchronous_commit', 'off', true)")


def _insert_events(model, batch, policies, today, content_type, title_sql):
    """One INSERT … SELECT: an event for each level each candidate crossed since its stored
    level, with ON CONFLICT DO NOTHING — the unique constraint keeps each (object, level,
    deadline) once whatever else runs at the same time."""
    rows = batch.annotate(
        det_pk=F("pk"), det_deadline=F(model.alert_deadline_field),
        det_campaign=F(f"{model.alert_campaign_field}_id"), det_unit=F(f"{model.alert_unit_field}_id"),
        det_old=_stored_rank_sql(), det_new=_level_sql(model, policies, today, rank=True),
        det_title=title_sql, det_url=pk_url_sql(model),
    ).values("det_pk", "det_deadline", "det_campaign", "det_unit", "det_old", "det_new", "det_title", "det_url")
    select_sql, select_params = rows.query.sql_with_params()
    levels = " UNION ALL ".join("SELECT %s AS lv_level, %s AS lv_rank" for _ in EVENT_LEVELS)
    level_params = [v for level, rank in EVENT_LEVELS for v in (str(level), rank)]
    table = connection.ops.quote_name(AlertEvent._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())  # raw SQL: as Django stores it
    # WHERE 1 = 1 before ON CONFLICT: SQLite would read the ON as a join's otherwise.
    sql = (f"INSERT INTO {table} (kind, key, actor_id, note, content_type_id, object_id, level, campaign_id, "
           f"unit_id, deadline, title, url, created_at, claimed_at, processed_at, next_attempt_at, attempts, "
           f"last_error) "
           f"SELECT %s, NULL, NULL, '', %s, c.det_pk, lv.lv_level, c.det_campaign, c.det_unit, c.det_deadline, "
           f"c.det_title, c.det_url, %s, NULL, NULL, %s, 0, '' "
           f"FROM ({select_sql}) c INNER JOIN ({levels}) lv ON lv.lv_rank > c.det_old AND lv.lv_rank <= c.det_new "
           f"WHERE 1 = 1 ORDER BY c.det_pk, lv.lv_rank "
           f"ON CONFLICT DO NOTHING RETURNING id, object_id, level")
    # The select's parameters come before the levels': the FROM clause precedes the JOIN.
    params = [AlertEvent.Kind.DEADLINE.value, content_type.pk, now, now, *select_params, *level_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [CreatedEvent(*row) for row in cursor.fetchall()]


def _update_alert_fields(model, batch, keys, policies, today):
    """One UPDATE: the level from the same SQL as the insert, the next look by (campaign,
    deadline) — a batch has far fewer distinct deadlines than rows. Every candidate changes
    (its level was null or its next look is due), so every one is written."""
    campaign_attr, deadline_field = f"{model.alert_campaign_field}_id", model.alert_deadline_field
    next_looks = {}
    for _pk, campaign_id, deadline in keys:
        if (campaign_id, deadline) not in next_looks:
            next_looks[(campaign_id, deadline)] = policies[campaign_id].next_change(deadline, today)
    # Cast: a batch whose objects are all escalated has only NULLs, which PostgreSQL types as text.
    next_sql = Cast(Case(*[When(Q(**{campaign_attr: campaign_id, deadline_field: deadline}),
                                then=Value(next_at, output_field=DateField()))
                           for (campaign_id, deadline), next_at in next_looks.items()],
                         default=Value(None, output_field=DateField()), output_field=DateField()),
                    output_field=DateField())
    return batch.update(alert_level=_level_sql(model, policies, today), next_alert_at=next_sql)


def event_record(*, kind, key, target, unit, campaign, actor=None, title=None, url=None, note="", deadline=None):
    """Record an event its unit must be told about (a finding returned, a task accepted …)
    and queue its delivery after commit. Unique by `key`: emitting the same event twice (a
    retried request, a replayed job) records it once and returns None the second time.

    Titles are written in the site's language (Chinese), whatever the actor's UI language,
    as the alert job writes them."""
    with translation.override(settings.LANGUAGE_CODE):
        title = title if title is not None else target.alert_title()
        url = url if url is not None else target.get_absolute_url()
    with transaction.atomic():
        event, created = AlertEvent.objects.get_or_create(
            key=key,
            defaults={
                "kind": kind, "content_type": ContentType.objects.get_for_model(target), "object_id": target.pk,
                "unit": unit, "campaign": campaign, "actor": actor if actor is not None and actor.pk else None,
                "title": str(title)[:300], "url": url, "note": (note or "")[:2000], "deadline": deadline,
            },
        )
    if not created:
        return None
    from .jobs import queue_send

    transaction.on_commit(queue_send)
    return event


def _unit_staff(unit):
    """Staff of the unit; for a street, also the district's staff who act for it."""
    units = [unit.pk]
    if unit.kind == Unit.Kind.STREET and unit.parent_id:
        units.append(unit.parent_id)
    return Q(memberships__unit__in=units, memberships__role=Membership.Role.UNIT_STAFF)


def alert_recipients(event):
    """Users to notify.

    Deadline alerts: the responsible person and the unit's staff; on escalation also the
    responsible leader(s) and the campaign office. Events: the unit's staff and the
    object's responsible person. Never the person whose action caused the event."""
    User = get_user_model()
    obj = event.target
    person, escalation_people = obj.alert_people() if hasattr(obj, "alert_people") else (None, [])
    q = _unit_staff(event.unit) if event.unit_id else Q(pk__in=[])
    if person is not None and person.user_id:
        q |= Q(pk=person.user_id)
    if event.is_alert and event.level == AlertEvent.Level.ESCALATED:
        q |= Q(pk__in=[p.user_id for p in escalation_people if p is not None and p.user_id])
        q |= Q(memberships__role=Membership.Role.OFFICE)
    users = User.objects.filter(q, is_active=True).distinct().select_related("person")
    if event.actor_id:
        users = users.exclude(pk=event.actor_id)
    return list(users)


def _same_object(event):
    return {"alert__content_type_id": event.content_type_id, "alert__object_id": event.object_id}


def _in_app(event, users, now):
    """Make the in-app notifications and retire the ones this event makes moot. Returns
    False when the event itself is moot and nothing goes out on the other channels.

    Runs with the object's row locked, so two senders handling two levels of one object at
    once cannot each leave an unread item: the second sees the first's rows."""
    model = event.content_type.model_class()
    if event.is_alert and model in ALERTABLE_MODELS:
        obj = model._default_manager.select_for_update().filter(pk=event.object_id).first()
        if obj is None or obj.alert_deadline() != event.deadline:
            return False  # handed in, closed or given a new deadline since: a stale alert says nothing
        higher = (AlertEvent.objects.filter(kind=AlertEvent.Kind.DEADLINE, content_type_id=event.content_type_id,
                                            object_id=event.object_id, deadline=event.deadline,
                                            level__in=event.higher_levels())
                  .order_by("-created_at", "-id").first())
        if higher is not None:
            # A catch-up raised a higher level too: keep this one in the history, already moot.
            Notification.objects.bulk_create(
                [Notification(user=u, alert=event, created_at=now, read_at=now, superseded_by=higher) for u in users],
                ignore_conflicts=True)
            return False
    Notification.objects.bulk_create([Notification(user=u, alert=event, created_at=now) for u in users],
                                     ignore_conflicts=True)
    moot = None
    if event.is_alert:  # the lower levels, and alerts about a deadline no longer in force
        moot = Q(alert__kind=AlertEvent.Kind.DEADLINE) & (
            Q(alert__level__in=event.lower_levels()) | ~Q(alert__deadline=event.deadline))
    elif event.kind in AlertEvent.ENDS_ALERTS:  # closed / accepted: everything unread about it
        moot = Q()
    if moot is not None:
        (Notification.objects.filter(moot, read_at__isnull=True, **_same_object(event))
         .exclude(alert=event).update(read_at=now, superseded_by=event))
    return True


def _link(url):
    return f"{settings.NOTIFY_SITE_URL}{url}" if url.startswith("/") else url


def message_for(event):
    """The text every external channel sends, in the site's language, naming the campaign."""
    with translation.override(settings.LANGUAGE_CODE):
        prefix = _("【创园预警】") if event.is_alert else _("【创园通知】")
        campaign = str(event.campaign) if event.campaign_id else "—"
        facts = [(_("创建活动"), campaign), (_("责任单位"), str(event.unit) if event.unit_id else "—")]
        if event.deadline:
            facts.append((_("截止日期"), event.deadline.isoformat()))
        if event.note:
            facts.append((_("说明"), event.note))
        link = _link(event.url) if event.url else ""
        subject = _("%(prefix)s%(label)s：%(title)s") % {"prefix": prefix, "label": event.label, "title": event.title}
        lines = [subject] + [f"{k}：{v}" for k, v in facts] + ([_("查看：%(url)s") % {"url": link}] if link else [])
        color = "warning" if event.is_alert else "info"
        markdown = "\n".join(
            [f'### <font color="{color}">{event.label}</font> · {campaign}', f"**{event.title}**"]
            + [f"> {k}：{v}" for k, v in facts] + ([f"[{_('查看详情')}]({link})"] if link else []))
    return Message(subject=f"{subject}（{campaign}）"[:250], text="\n".join(lines), markdown=markdown)


@dataclass
class Outcome:
    moot: bool = False
    held_until: object = None
    failures: list = dc_field(default_factory=list)


def alert_deliver(*, event, now=None):
    """In-app notifications first (they are the record and nothing external can stop them),
    then every external channel. A failing channel is recorded (DeliveryAttempt) and retried
    later; successful deliveries are never repeated. Non-urgent messages wait for the end of
    the recipient's quiet hours; escalations go through."""
    now = now or timezone.now()
    users = alert_recipients(event)
    with transaction.atomic():
        if not _in_app(event, users, now):
            return Outcome(moot=True)
        # Webhook hook (issue #14): finding created / closed, finding and task overdue. Unique per
        # (endpoint, event), so a retried delivery emits nothing twice.
        from api.webhooks import on_alert_event

        on_alert_event(event)
    prefs = preferences_for(users)
    message = message_for(event)
    done = set(event.deliveries.filter(ok=True).values_list("channel", "recipient"))
    outcome = Outcome()
    for channel in enabled_channels():
        try:
            deliveries = channel.deliveries(event, users, prefs)
        except Exception as exc:  # a broken channel never blocks the others
            outcome.failures.append(f"{channel.name}: {exc}")
            continue
        for delivery in deliveries:
            if (channel.name, delivery.recipient) in done:
                continue
            until = None if event.urgent else quiet_until(delivery.quiet, now)
            if until is not None:
                outcome.held_until = min(outcome.held_until or until, until)
                continue
            try:
                channel.send(message, delivery.target)
            except Exception as exc:  # recorded and retried; never blocks the other channels
                DeliveryAttempt.objects.create(alert=event, channel=channel.name, recipient=delivery.recipient,
                                               ok=False, error=str(exc)[:2000], at=now)
                outcome.failures.append(f"{channel.name} {delivery.recipient}: {exc}")
                continue
            DeliveryAttempt.objects.create(alert=event, channel=channel.name, recipient=delivery.recipient, ok=True,
                                           at=now)
            done.add((channel.name, delivery.recipient))
    return outcome


# Events claimed and delivered together: each batch costs a fixed number of queries. Small
# enough that a batch is delivered well within CLAIM_TIMEOUT even when channels time out.
SEND_BATCH = 100


def alerts_send(*, now=None, limit=500):
    """Deliver pending events, SEND_BATCH at a time. A batch is claimed with one conditional
    UPDATE of rows locked with SKIP LOCKED, so concurrent senders never deliver the same event
    twice; its recipients, preferences, robots and earlier deliveries are loaded once, its
    in-app notifications written in one transaction, its outcomes in a few UPDATEs. Returns
    how many were finished (moot ones included)."""
    now = now or timezone.now()
    finished = 0
    while limit > 0:
        events = _claim_batch(now, min(limit, SEND_BATCH))
        if not events:
            break
        limit -= len(events)
        finished += _finish(events, _deliver_batch(events, now), now)
    return finished


def _claim_batch(now, size):
    stale = now - CLAIM_TIMEOUT
    with transaction.atomic():
        ids = list(AlertEvent.objects.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale),
                                             processed_at__isnull=True, next_attempt_at__lte=now)
                   .order_by("next_attempt_at", "id").select_for_update(skip_locked=True)
                   .values_list("id", flat=True)[:size])
        if not ids:
            return []
        AlertEvent.objects.filter(pk__in=ids).update(claimed_at=now)
    return list(AlertEvent.objects.filter(pk__in=ids).select_related("unit", "campaign", "content_type")
                .order_by("next_attempt_at", "id"))


def _objects_q(events, prefix=""):
    q = Q(pk__in=[])
    by_type = {}
    for event in events:
        by_type.setdefault(event.content_type_id, set()).add(event.object_id)
    for content_type_id, ids in by_type.items():
        q |= Q(**{f"{prefix}content_type_id": content_type_id, f"{prefix}object_id__in": ids})
    return q


def _people_batch(events):
    """{(content type, object): (responsible person, escalation people)}, per model at once."""
    people = {}
    by_type = {}
    for event in events:
        by_type.setdefault(event.content_type, set()).add(event.object_id)
    for content_type, ids in by_type.items():
        model = content_type.model_class()
        if hasattr(model, "alert_people_for"):
            found = model.alert_people_for(ids)
        elif hasattr(model, "alert_people"):  # not batched: a model without the bulk twin
            found = {obj.pk: obj.alert_people() for obj in model._default_manager.filter(pk__in=ids)}
        else:
            found = {}
        people.update({(content_type.pk, pk): value for pk, value in found.items()})
    return people


def _recipients_batch(events):
    """alert_recipients for every event of a batch, in a fixed number of queries."""
    User = get_user_model()
    people = _people_batch(events)
    units = set()
    for event in events:
        if event.unit_id:
            units.add(event.unit_id)
            if event.unit.kind == Unit.Kind.STREET and event.unit.parent_id:
                units.add(event.unit.parent_id)
    staff = {}
    for unit_id, user_id in Membership.objects.filter(unit__in=units, role=Membership.Role.UNIT_STAFF).values_list(
            "unit_id", "user_id"):
        staff.setdefault(unit_id, set()).add(user_id)
    office = set(Membership.objects.filter(role=Membership.Role.OFFICE).values_list("user_id", flat=True))
    wanted = {}
    for event in events:
        ids = set()
        if event.unit_id:
            ids |= staff.get(event.unit_id, set())
            if event.unit.kind == Unit.Kind.STREET and event.unit.parent_id:
                ids |= staff.get(event.unit.parent_id, set())
        person, escalation_people = people.get((event.content_type_id, event.object_id), (None, []))
        if person is not None and person.user_id:
            ids.add(person.user_id)
        if event.is_alert and event.level == AlertEvent.Level.ESCALATED:
            ids |= {p.user_id for p in escalation_people if p is not None and p.user_id}
            ids |= office
        ids.discard(event.actor_id)
        wanted[event.pk] = ids
    users = {u.pk: u for u in User.objects.filter(pk__in=set().union(*wanted.values()), is_active=True)
             .select_related("person")}
    return {pk: [users[i] for i in sorted(ids) if i in users] for pk, ids in wanted.items()}


def _in_app_batch(events, recipients, now):
    """_in_app for a batch, in one transaction with the objects of its deadline alerts locked
    (pk order): the notifications to make, the moot ones among them, and the unread items the
    batch's events supersede, worked out in event order as one event at a time would. Returns
    the ids of the moot events."""
    deadlines = {}
    by_model = {}
    for event in events:
        model = event.content_type.model_class()
        if event.is_alert and model in ALERTABLE_MODELS:
            by_model.setdefault(model, set()).add(event.object_id)
    for model, ids in by_model.items():
        content_type_id = ContentType.objects.get_for_model(model).pk
        for obj in model._default_manager.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"):
            deadlines[(content_type_id, obj.pk)] = obj.alert_deadline()
    alerts = {}
    for row in (AlertEvent.objects.filter(_objects_q(events), kind=AlertEvent.Kind.DEADLINE)
                .order_by("-created_at", "-id").values("id", "content_type_id", "object_id", "level", "deadline")):
        alerts.setdefault((row["content_type_id"], row["object_id"]), []).append(row)
    unread = {}  # (content type, object) → [[notification or id, alert id, kind, level, deadline]]
    for n in (Notification.objects.filter(_objects_q(events, "alert__"), read_at__isnull=True)
              .values("id", "alert_id", "alert__kind", "alert__level", "alert__deadline",
                      "alert__content_type_id", "alert__object_id")):
        unread.setdefault((n["alert__content_type_id"], n["alert__object_id"]), []).append(
            [n["id"], n["alert_id"], n["alert__kind"], n["alert__level"], n["alert__deadline"]])
    moot, made, superseded = set(), [], {}
    for event in events:
        key = (event.content_type_id, event.object_id)
        users = recipients[event.pk]
        if event.is_alert and event.content_type.model_class() in ALERTABLE_MODELS:
            if key not in deadlines or deadlines[key] != event.deadline:
                moot.add(event.pk)  # handed in, closed or given a new deadline since
                continue
            higher = next((a for a in alerts.get(key, []) if a["deadline"] == event.deadline
                           and a["level"] in event.higher_levels()), None)
            if higher is not None:  # a catch-up raised a higher level too: history, already moot
                made += [Notification(user=u, alert=event, created_at=now, read_at=now,
                                      superseded_by_id=higher["id"]) for u in users]
                moot.add(event.pk)
                continue
        fresh = [Notification(user=u, alert=event, created_at=now) for u in users]
        made += fresh
        if event.is_alert:  # the lower levels, and alerts about a deadline no longer in force
            lower = set(event.lower_levels())
            is_moot = lambda kind, level, deadline: kind == AlertEvent.Kind.DEADLINE and (  # noqa: E731
                level in lower or deadline != event.deadline)
        elif event.kind in AlertEvent.ENDS_ALERTS:  # closed / accepted: everything unread about it
            is_moot = lambda kind, level, deadline: True  # noqa: E731
        else:
            is_moot = None
        items = unread.setdefault(key, [])
        if is_moot is not None:
            for item in items:
                if item[1] != event.pk and is_moot(*item[2:]):
                    if isinstance(item[0], Notification):
                        item[0].read_at, item[0].superseded_by_id = now, event.pk
                    else:
                        superseded[item[0]] = event.pk
            items[:] = [i for i in items if not (isinstance(i[0], Notification) and i[0].read_at)
                        and i[0] not in superseded]
        items += [[n, event.pk, event.kind, event.level, event.deadline] for n in fresh]
    Notification.objects.bulk_create(made, ignore_conflicts=True)
    Notification.objects.bulk_update(
        [Notification(pk=pk, read_at=now, superseded_by_id=by) for pk, by in superseded.items()],
        ["read_at", "superseded_by"])
    return moot


def _deliver_batch(events, now):
    """{event id: Outcome}. In-app first for the whole batch; if that fails, one event at a
    time (alert_deliver), so a broken event fails alone."""
    try:
        recipients = _recipients_batch(events)
        with transaction.atomic():
            moot = _in_app_batch(events, recipients, now)
            # Webhook hook (issue #14), as in alert_deliver: once per batch, in its own savepoint.
            from api.webhooks import on_alert_events

            on_alert_events([e for e in events if e.pk not in moot])
    except Exception:
        logger.exception("alert batch %s..%s: delivering one at a time", events[0].pk, events[-1].pk)
        return {event.pk: _deliver_one(event, now) for event in events}
    prefs = preferences_for(list({u.pk: u for us in recipients.values() for u in us}.values()))
    done = set(DeliveryAttempt.objects.filter(alert__in=events, ok=True).values_list("alert_id", "channel",
                                                                                     "recipient"))
    robots = robots_for({unit for e in events for unit in RobotChannel.units(e)})
    outcomes, attempts = {}, []
    try:
        for event in events:
            if event.pk in moot:
                outcomes[event.pk] = Outcome(moot=True)
                continue
            try:
                outcomes[event.pk] = _external(event, recipients[event.pk], prefs, robots, done, attempts, now)
            except Exception as exc:  # one broken event must not wedge the batch
                outcomes[event.pk] = Outcome(failures=[str(exc)])
    finally:
        DeliveryAttempt.objects.bulk_create(attempts)
    return outcomes


def _deliver_one(event, now):
    try:
        return alert_deliver(event=event, now=now)
    except Exception as exc:  # one broken event must not wedge the run
        return Outcome(failures=[str(exc)])


def _external(event, users, prefs, robots, done, attempts, now):
    """Every external channel for one event; attempts are collected for one INSERT per batch."""
    message = message_for(event)
    outcome = Outcome()
    for channel in enabled_channels():
        try:
            deliveries = channel.deliveries(event, users, prefs, robots=robots)
        except Exception as exc:  # a broken channel never blocks the others
            outcome.failures.append(f"{channel.name}: {exc}")
            continue
        for delivery in deliveries:
            if (event.pk, channel.name, delivery.recipient) in done:
                continue
            until = None if event.urgent else quiet_until(delivery.quiet, now)
            if until is not None:
                outcome.held_until = min(outcome.held_until or until, until)
                continue
            try:
                channel.send(message, delivery.target)
            except Exception as exc:  # recorded and retried; never blocks the other channels
                attempts.append(DeliveryAttempt(alert=event, channel=channel.name, recipient=delivery.recipient,
                                                ok=False, error=str(exc)[:2000], at=now))
                outcome.failures.append(f"{channel.name} {delivery.recipient}: {exc}")
                continue
            attempts.append(DeliveryAttempt(alert=event, channel=channel.name, recipient=delivery.recipient,
                                            ok=True, at=now))
            done.add((event.pk, channel.name, delivery.recipient))
    return outcome


def _finish(events, outcomes, now):
    """Outcomes in at most three UPDATEs: finished, held for quiet hours, failed (backoff)."""
    finished, later = [], []
    for event in events:
        outcome = outcomes[event.pk]
        if outcome.failures:
            event.attempts += 1
            retry_at = now + timedelta(minutes=2 ** event.attempts)
            if outcome.held_until is not None:
                retry_at = min(retry_at, outcome.held_until)
            event.last_error = "; ".join(outcome.failures)[:2000]
            event.claimed_at, event.next_attempt_at = None, retry_at
            event.processed_at = now if event.attempts >= MAX_ATTEMPTS else None
            later.append(event)
            logger.warning("alert %s delivery failed (attempt %s): %s", event.pk, event.attempts, outcome.failures)
        elif outcome.held_until is not None:  # quiet hours: try again when they end
            event.claimed_at, event.next_attempt_at = None, outcome.held_until
            later.append(event)
        else:
            finished.append(event.pk)
    if finished:
        AlertEvent.objects.filter(pk__in=finished).update(processed_at=now, attempts=F("attempts") + 1,
                                                          last_error="")
    AlertEvent.objects.bulk_update(later, ["attempts", "last_error", "claimed_at", "next_attempt_at",
                                           "processed_at"])
    return len(finished)


def notification_mark_read(*, user, notification_id=None, now=None):
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=now or timezone.now())


PREFERENCE_FIELDS = ["email", "sms", "quiet_start", "quiet_end"]
CHANNEL_FIELDS = ["unit", "kind", "msgtype", "url", "enabled"]  # the secret is never written to the trail


def notification_preference_update(*, user, email, sms, quiet_start=None, quiet_end=None):
    """A user's channels and quiet hours. SMS needs a phone number on the user's person."""
    pref = NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
    before = snapshot_fields(pref, PREFERENCE_FIELDS) if pref.pk else {}
    pref.email, pref.sms, pref.quiet_start, pref.quiet_end = email, sms, quiet_start, quiet_end
    errors = {}
    if sms and not getattr(getattr(user, "person", None), "phone", ""):
        errors["sms"] = [_("请先在个人资料中登记手机号码，才能接收短信。")]
    try:
        pref.full_clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        pref.save()
        audit_record(obj=pref, action=AuditEntry.Action.UPDATE, user=user,
                     changes=diff(before, snapshot_fields(pref, PREFERENCE_FIELDS)))
    return pref


def unit_channel_save(*, user, channel=None, **fields):
    """Add or change a unit's group robot (the office). A blank secret keeps the stored one."""
    channel = channel or UnitChannel()
    before = snapshot_fields(channel, CHANNEL_FIELDS) if channel.pk else {}
    secret = fields.pop("secret", "")
    for name, value in fields.items():
        setattr(channel, name, value)
    if secret:
        channel.secret = secret
    channel.full_clean()
    created = channel.pk is None
    with transaction.atomic():
        channel.save()
        changes = diff(before, snapshot_fields(channel, CHANNEL_FIELDS))
        if secret:
            changes["secret"] = ["—", "******"]
        audit_record(obj=channel, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                     user=user, changes=changes)
    return channel


def unit_channel_delete(*, user, channel):
    with transaction.atomic():
        audit_record(obj=channel, action=AuditEntry.Action.DELETE, user=user,
                     changes={k: [v, None] for k, v in snapshot_fields(channel, CHANNEL_FIELDS).items()})
        channel.delete()
