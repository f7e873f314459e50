"""Writes for inspections: every state change is a guarded transition that locks the
finding, records a FindingEvent for the timeline and an AuditEntry, and refreshes the
stored alert level.

Roles: the office and inspectors record, verify, close and return findings; only staff of
the responsible unit (or of the district above a street) start, submit and ask for more
time; only the office decides extensions and records accountability. Nothing happens to a
closed finding.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.calendar import check_dates
from organizations.access import Access
from organizations.audit import audit_record, diff, snapshot_fields
from organizations.models import AuditEntry

from .models import (
    AccountabilityRecord,
    ExtensionRequest,
    Finding,
    FindingEvent,
    FindingPhoto,
    InspectionRound,
    InspectionSettings,
    OrderSequence,
    SupervisionOrder,
)


class TransitionNotAllowed(ValidationError):
    """The finding's state forbids the action (views answer 409)."""


# Role checks -------------------------------------------------------------------------


def access_of(user):
    # One Access (and one memberships query) per user object: a page asks several times.
    cached = getattr(user, "_inspections_access", None)
    if cached is None:
        cached = Access(user)
        try:
            user._inspections_access = cached
        except AttributeError:  # AnonymousUser and the like
            pass
    return cached


def can_record(user):
    access = access_of(user)
    return access.is_office or access.is_inspector


def can_verify(user):
    return can_record(user)


def can_decide_extensions(user):
    return access_of(user).is_office


def can_act_for_unit(user, finding):
    return finding.unit_id in access_of(user).staff_unit_ids


def _require(allowed, message):
    if not allowed:
        raise PermissionDenied(message)


def short_unit_name(unit):
    names = [n for n in (unit.short_name, unit.name) if n]
    return min(names, key=len)


def formal_unit_name(unit):
    names = [n for n in (unit.short_name, unit.name) if n]
    return max(names, key=len)


def actor_name(user):
    if user is None or not user.is_authenticated:
        return ""
    person = getattr(user, "person", None)
    if person is not None:
        return f"{person.name}（{short_unit_name(person.unit)}）"
    return user.get_full_name() or user.username


def _status_label(status):
    return str(Finding.Status(status).label)


ACTION_VERBS = {
    "start": gettext_lazy("开始整改"),
    "submit": gettext_lazy("提交复核"),
    "close": gettext_lazy("销号"),
    "return": gettext_lazy("退回整改"),
}
ACTION_ROLES = {
    "start": (lambda user, finding: can_act_for_unit(user, finding), gettext_lazy("只有责任单位可以开始整改。")),
    "submit": (lambda user, finding: can_act_for_unit(user, finding), gettext_lazy("只有责任单位可以提交整改结果。")),
    "close": (lambda user, finding: can_verify(user), gettext_lazy("只有督查人员或创建办可以复核销号。")),
    "return": (lambda user, finding: can_verify(user), gettext_lazy("只有督查人员或创建办可以退回整改。")),
}


def finding_check_action(*, finding, user, action):
    """Raise PermissionDenied for the wrong role or unit, TransitionNotAllowed for the wrong state."""
    allowed, message = ACTION_ROLES[action]
    _require(allowed(user, finding), str(message))
    _check_state(finding, action)


def _check_state(finding, action):
    verb = ACTION_VERBS[action]
    if finding.is_closed:
        raise TransitionNotAllowed(_("该问题已销号，不能再%(verb)s。") % {"verb": verb}, code="closed")
    if not finding.can(action):
        raise TransitionNotAllowed(
            _("问题当前为“%(status)s”，不能%(verb)s。") % {"status": _status_label(finding.status), "verb": verb},
            code="state",
        )


def _lock(finding):
    # Two people pressing "close" and "return" at once: the second waits and re-checks.
    return Finding.objects.select_for_update().select_related("unit", "campaign").get(pk=finding.pk)


def _event(finding, kind, user, *, from_status="", to_status="", note="", deadline_before=None, deadline_after=None,
           at=None):
    return FindingEvent.objects.create(
        finding=finding, kind=kind, at=at or timezone.now(), actor=user if user and user.is_authenticated else None,
        actor_name=actor_name(user), from_status=from_status, to_status=to_status, note=note,
        deadline_before=deadline_before, deadline_after=deadline_after,
    )


def _sync(instance, target):
    """Copy the saved state back onto the caller's instance."""
    for field in ("status", "deadline", "alert_level", "next_alert_at", "submitted_at", "closed_at"):
        setattr(target, field, getattr(instance, field))
    return target


# Alert level -----------------------------------------------------------------------------


def finding_refresh_alert(*, finding, today=None, policy=None):
    """Store the finding's alert level and next alert date, the campaign's policy applied.

    This goes through the alert service of the notifications app, the one writer of these
    two fields: were they written here, a level crossed during a transition (say a return
    after the deadline) would already be stored, and the detect job would never raise its
    alert. Returns the alert events raised (one per level crossed)."""
    from notifications.services import alert_refresh

    policy = policy or finding.campaign.alert_policy()
    raised = alert_refresh(obj=finding, today=today or timezone.localdate(), policy=policy)
    finding.refresh_from_db(fields=["alert_level", "next_alert_at"])
    return raised


def _notify(finding, kind, user, *, key, note="", deadline=None):
    """Tell the finding's unit (the notifications app delivers it); once per key."""
    from notifications.services import event_record

    event_record(kind=kind, key=key, target=finding, unit=finding.unit, campaign=finding.campaign, actor=user,
                 note=note, deadline=deadline)


def _last_event_key(finding, kind):
    return f"findingevent:{finding.events.filter(kind=kind).latest('id').pk}"


# Photos ----------------------------------------------------------------------------------


def _store_photos(finding, kind, processed, user):
    stored = []
    for item in processed:
        photo = FindingPhoto(
            finding=finding, kind=kind, original_name=item.original_name, size=len(item.content),
            taken_at=item.taken_at, location_stripped=item.location_stripped, width=item.width, height=item.height,
            uploaded_by=user if user and user.is_authenticated else None,
        )
        photo.image.save(f"photo.{item.extension}", ContentFile(item.content), save=False)
        photo.thumbnail.save("thumb.jpg", ContentFile(item.thumbnail), save=False)
        photo.save()
        stored.append(photo)
    return stored


# Supervision orders ---------------------------------------------------------------------


def order_number_allocate(*, campaign, year):
    """The next number for (campaign, year), never handed out twice.

    The UPDATE comes before the read: it takes the row lock (PostgreSQL) or the database
    write lock (SQLite) first, so a concurrent issuer waits and then sees our increment.
    """
    with transaction.atomic():
        sequence, _created = OrderSequence.objects.get_or_create(campaign=campaign, year=year)
        OrderSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
        return OrderSequence.objects.values_list("last", flat=True).get(pk=sequence.pk)


def format_order_number(prefix, year, seq):
    return f"{prefix}〔{year}〕第{seq}号"


def issuer_name_for(campaign):
    office = campaign.office
    if office is None:
        return str(_("创建国家园林城市工作指挥部办公室"))
    return formal_unit_name(office)


def supervision_order_issue(*, campaign, unit, findings, user, kind=SupervisionOrder.Kind.SINGLE, at=None):
    """Number and record a 督办单 for the given findings of one unit."""
    _require(can_record(user), _("只有创建办或督查人员可以下发督办单。"))
    findings = list(findings)
    if not findings:
        raise ValidationError(_("该单位没有需要督办的问题。"), code="empty")
    if any(f.unit_id != unit.pk or f.campaign_id != campaign.pk for f in findings):
        raise ValidationError(_("督办单中的问题必须属于同一责任单位。"), code="unit")
    at = at or timezone.now()
    year = timezone.localtime(at).year
    settings_row = InspectionSettings.objects.filter(campaign=campaign).first()
    prefix = settings_row.order_prefix if settings_row else InspectionSettings._meta.get_field("order_prefix").default
    with transaction.atomic():
        seq = order_number_allocate(campaign=campaign, year=year)
        order = SupervisionOrder(
            campaign=campaign, year=year, seq=seq, number=format_order_number(prefix, year, seq), kind=kind,
            unit=unit, issuer_name=issuer_name_for(campaign), issued_by=user, issued_by_name=actor_name(user),
            issued_at=at,
        )
        order.full_clean()
        order.save()
        order.findings.set(findings)
        if kind == SupervisionOrder.Kind.BATCH:
            for f in findings:
                _event(f, FindingEvent.Kind.ORDER_ISSUED, user, note=order.number, at=at)
        audit_record(obj=order, action=AuditEntry.Action.CREATE, user=user,
                     changes={"number": [None, order.number], "findings": [None, [f.pk for f in findings]]})
    return order


# Findings --------------------------------------------------------------------------------

CREATE_FIELDS = ["round", "source", "found_on", "description", "address", "latitude", "longitude", "indicator",
                 "category", "severity", "unit", "deadline"]


def finding_create(*, campaign, user, unit, description, address, deadline, found_on=None, round=None,
                   source=Finding.Source.INSPECTION, category=Finding.Category.OTHER,
                   severity=Finding.Severity.MINOR, indicator=None, latitude=None, longitude=None,
                   cooperating_units=(), photos=()):
    """Record a finding, send it to the unit (已交办) with a numbered supervision order."""
    _require(can_record(user), _("只有创建办或督查人员可以登记问题。"))
    if round is not None and round.campaign_id != campaign.pk:
        raise ValidationError({"round": _("督查轮次不属于当前创建活动。")})
    today = timezone.localdate()
    check_dates(campaign, today, deadline=deadline, found_on=found_on)
    if deadline < today:
        raise ValidationError({"deadline": _("整改期限不能早于今天。")})
    with transaction.atomic():
        finding = Finding(
            campaign=campaign, round=round, source=source, found_on=found_on or today, description=description,
            address=address, latitude=latitude, longitude=longitude, indicator=indicator, category=category,
            severity=severity, unit=unit, deadline=deadline, status=Finding.Status.ASSIGNED, created_by=user,
        )
        finding.full_clean()
        finding.save()
        finding.cooperating_units.set([u for u in cooperating_units if u.pk != unit.pk])
        _store_photos(finding, FindingPhoto.Kind.BEFORE, photos, user)
        order = supervision_order_issue(campaign=campaign, unit=unit, findings=[finding], user=user)
        _event(finding, FindingEvent.Kind.CREATED, user, to_status=Finding.Status.ASSIGNED,
               note=_("督办单 %(number)s") % {"number": order.number}, deadline_after=deadline)
        audit_record(obj=finding, action=AuditEntry.Action.CREATE, user=user,
                     changes={f: [None, v] for f, v in snapshot_fields(finding, CREATE_FIELDS).items()
                              if v not in (None, "")})
        finding_refresh_alert(finding=finding, today=today)
        _notify(finding, "finding_assigned", user, key=f"finding:{finding.pk}:assigned", deadline=deadline)
    return finding


def _transition(finding, locked, *, user, to_status, event_kind, note="", deadline=None, extra_changes=None):
    from_status = locked.status
    old_deadline = locked.deadline
    locked.status = to_status
    now = timezone.now()
    if to_status == Finding.Status.SUBMITTED:
        locked.submitted_at = now
    if to_status == Finding.Status.CLOSED:
        locked.closed_at = now
    if deadline is not None:
        locked.deadline = deadline
    locked.full_clean()
    locked.save()
    changes = {"status": [from_status, to_status]}
    if locked.deadline != old_deadline:
        changes["deadline"] = [old_deadline, locked.deadline]
    changes.update(extra_changes or {})
    _event(locked, event_kind, user, from_status=from_status, to_status=to_status, note=note,
           deadline_before=old_deadline if locked.deadline != old_deadline else None,
           deadline_after=locked.deadline if locked.deadline != old_deadline else None, at=now)
    audit_record(obj=locked, action=AuditEntry.Action.TRANSITION, user=user, changes=changes, note=note)
    finding_refresh_alert(finding=locked)
    return _sync(locked, finding)


def finding_start(*, finding, user, note=""):
    """已交办 / 退回整改 → 整改中, by the responsible unit."""
    allowed, message = ACTION_ROLES["start"]
    _require(allowed(user, finding), str(message))
    with transaction.atomic():
        locked = _lock(finding)
        _check_state(locked, "start")
        return _transition(finding, locked, user=user, to_status=Finding.Status.IN_RECTIFICATION,
                           event_kind=FindingEvent.Kind.STARTED, note=note.strip())


def finding_submit(*, finding, user, note, photos):
    """整改中 / 退回整改 → 待复核: a note and at least one new after-photo, by the responsible unit."""
    allowed, message = ACTION_ROLES["submit"]
    _require(allowed(user, finding), str(message))
    note = (note or "").strip()
    errors = {}
    if not note:
        errors["note"] = _("请填写整改情况说明。")
    if not photos:
        errors["photos"] = _("请至少上传一张整改后照片。")
    with transaction.atomic():
        locked = _lock(finding)
        _check_state(locked, "submit")
        if errors:
            raise ValidationError(errors)
        stored = _store_photos(locked, FindingPhoto.Kind.AFTER, photos, user)
        return _transition(finding, locked, user=user, to_status=Finding.Status.SUBMITTED,
                           event_kind=FindingEvent.Kind.SUBMITTED, note=note,
                           extra_changes={"after_photos": [None, [p.pk for p in stored]]})


def finding_close(*, finding, user, note=""):
    """待复核 → 已销号, by an inspector or the office."""
    allowed, message = ACTION_ROLES["close"]
    _require(allowed(user, finding), str(message))
    with transaction.atomic():
        locked = _lock(finding)
        _check_state(locked, "close")
        result = _transition(finding, locked, user=user, to_status=Finding.Status.CLOSED,
                             event_kind=FindingEvent.Kind.CLOSED, note=(note or "").strip())
        # A pending extension means nothing once the problem is closed.
        for pending in locked.extension_requests.filter(status=ExtensionRequest.Status.PENDING):
            pending.status = ExtensionRequest.Status.REJECTED
            pending.decision_note = str(_("问题已销号，延期申请自动作废。"))
            pending.decided_by, pending.decided_at = user, timezone.now()
            pending.save()
            audit_record(obj=pending, action=AuditEntry.Action.TRANSITION, user=user,
                         changes={"status": ["pending", "rejected"]}, note=pending.decision_note)
        _notify(locked, "finding_closed", user, key=_last_event_key(locked, FindingEvent.Kind.CLOSED),
                note=(note or "").strip())
        return result


def finding_return(*, finding, user, reason, new_deadline=None):
    """待复核 → 退回整改 with a reason, optionally with a new deadline, by an inspector or the office."""
    allowed, message = ACTION_ROLES["return"]
    _require(allowed(user, finding), str(message))
    reason = (reason or "").strip()
    today = timezone.localdate()
    check_dates(finding.campaign, today, new_deadline=new_deadline)
    with transaction.atomic():
        locked = _lock(finding)
        _check_state(locked, "return")
        if not reason:
            raise ValidationError({"reason": _("退回整改须说明理由。")})
        if new_deadline is not None and new_deadline < today:
            raise ValidationError({"new_deadline": _("新的整改期限不能早于今天。")})
        result = _transition(finding, locked, user=user, to_status=Finding.Status.RETURNED,
                             event_kind=FindingEvent.Kind.RETURNED, note=reason, deadline=new_deadline)
        _notify(locked, "finding_returned", user, key=_last_event_key(locked, FindingEvent.Kind.RETURNED),
                note=reason, deadline=locked.deadline)
        return result


# Extensions ------------------------------------------------------------------------------


def extension_request_create(*, finding, user, requested_deadline, reason):
    """延期申请: by the responsible unit, on or before the deadline, for a later date."""
    _require(can_act_for_unit(user, finding), _("只有责任单位可以申请延期。"))
    reason = (reason or "").strip()
    today = timezone.localdate()
    check_dates(finding.campaign, today, requested_deadline=requested_deadline)
    with transaction.atomic():
        locked = _lock(finding)
        if locked.is_closed:
            raise TransitionNotAllowed(_("该问题已销号，不能再申请延期。"), code="closed")
        if not locked.unit_holds_it:
            raise TransitionNotAllowed(
                _("问题当前为“%(status)s”，不能申请延期。") % {"status": _status_label(locked.status)}, code="state")
        if today > locked.deadline:
            raise TransitionNotAllowed(_("已超过整改期限，不能再申请延期。"), code="overdue")
        if locked.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
            raise TransitionNotAllowed(_("已有一份延期申请在等待审批。"), code="pending")
        if not reason:
            raise ValidationError({"reason": _("请填写延期理由。")})
        extension = ExtensionRequest(
            finding=locked, current_deadline=locked.deadline, requested_deadline=requested_deadline, reason=reason,
            requested_by=user, requested_at=timezone.now(),
        )
        extension.full_clean()
        extension.save()
        _event(locked, FindingEvent.Kind.EXTENSION_REQUESTED, user, note=reason,
               deadline_before=locked.deadline, deadline_after=requested_deadline)
        audit_record(obj=extension, action=AuditEntry.Action.CREATE, user=user,
                     changes={"requested_deadline": [locked.deadline, requested_deadline]}, note=reason)
    return extension


def _lock_extension(extension):
    return ExtensionRequest.objects.select_for_update().get(pk=extension.pk)


def extension_request_approve(*, extension, user, deadline=None, note=""):
    """The office agrees: the finding's deadline moves (to the requested date unless another is given)."""
    _require(can_decide_extensions(user), _("只有创建办可以审批延期申请。"))
    check_dates(extension.finding.campaign, timezone.localdate(), deadline=deadline)
    with transaction.atomic():
        locked_ext = _lock_extension(extension)
        finding = _lock(locked_ext.finding)
        if locked_ext.status != ExtensionRequest.Status.PENDING:
            raise TransitionNotAllowed(_("该延期申请已经审批过了。"), code="decided")
        if finding.is_closed:
            raise TransitionNotAllowed(_("该问题已销号，不能再延期。"), code="closed")
        new_deadline = deadline or locked_ext.requested_deadline
        if new_deadline <= finding.deadline:
            raise ValidationError({"deadline": _("批准的期限须晚于原整改期限。")})
        old_deadline = finding.deadline
        finding.deadline = new_deadline
        finding.full_clean()
        finding.save(update_fields=["deadline"])
        locked_ext.status = ExtensionRequest.Status.APPROVED
        locked_ext.approved_deadline = new_deadline
        locked_ext.decided_by, locked_ext.decided_at, locked_ext.decision_note = user, timezone.now(), note.strip()
        locked_ext.full_clean()
        locked_ext.save()
        _event(finding, FindingEvent.Kind.EXTENSION_APPROVED, user, note=locked_ext.decision_note,
               deadline_before=old_deadline, deadline_after=new_deadline)
        audit_record(obj=finding, action=AuditEntry.Action.UPDATE, user=user,
                     changes={"deadline": [old_deadline, new_deadline]}, note=str(_("同意延期")))
        audit_record(obj=locked_ext, action=AuditEntry.Action.TRANSITION, user=user,
                     changes={"status": ["pending", "approved"]}, note=locked_ext.decision_note)
        finding_refresh_alert(finding=finding)
        _notify(finding, "extension_approved", user, key=f"extension:{locked_ext.pk}:decided",
                note=locked_ext.decision_note, deadline=new_deadline)
        _sync(finding, extension.finding)
    extension.status, extension.approved_deadline = locked_ext.status, new_deadline
    return locked_ext


def extension_request_reject(*, extension, user, note):
    _require(can_decide_extensions(user), _("只有创建办可以审批延期申请。"))
    note = (note or "").strip()
    with transaction.atomic():
        locked_ext = _lock_extension(extension)
        if locked_ext.status != ExtensionRequest.Status.PENDING:
            raise TransitionNotAllowed(_("该延期申请已经审批过了。"), code="decided")
        if not note:
            raise ValidationError({"note": _("不同意延期须说明理由。")})
        locked_ext.status = ExtensionRequest.Status.REJECTED
        locked_ext.decided_by, locked_ext.decided_at, locked_ext.decision_note = user, timezone.now(), note
        locked_ext.save()
        _event(locked_ext.finding, FindingEvent.Kind.EXTENSION_REJECTED, user, note=note)
        audit_record(obj=locked_ext, action=AuditEntry.Action.TRANSITION, user=user,
                     changes={"status": ["pending", "rejected"]}, note=note)
        _notify(locked_ext.finding, "extension_rejected", user, key=f"extension:{locked_ext.pk}:decided", note=note,
                deadline=locked_ext.finding.deadline)
    extension.status = locked_ext.status
    return locked_ext


# Rounds, accountability, settings --------------------------------------------------------


def inspection_round_create(*, campaign, user, date, kind, title="", area="", route="", note="", team=(),
                            standards=()):
    _require(can_record(user), _("只有创建办或督查人员可以安排督查。"))
    check_dates(campaign, timezone.localdate(), date=date)
    with transaction.atomic():
        round_ = InspectionRound(campaign=campaign, date=date, kind=kind, title=title, area=area, route=route,
                                 note=note, created_by=user)
        round_.full_clean()
        round_.save()
        round_.team.set(team)
        round_.standards.set(standards)
        audit_record(obj=round_, action=AuditEntry.Action.CREATE, user=user,
                     changes={"date": [None, date], "kind": [None, kind], "area": [None, area]})
    return round_


def accountability_record_create(*, campaign, unit, user, kind, date, title, people="", detail="", findings=()):
    _require(access_of(user).is_office, _("只有创建办可以登记问责。"))
    check_dates(campaign, timezone.localdate(), date=date)
    findings = list(findings)
    if any(f.unit_id != unit.pk or f.campaign_id != campaign.pk for f in findings):
        raise ValidationError({"findings": _("相关问题必须是该单位在本次创建活动中的问题。")})
    with transaction.atomic():
        record = AccountabilityRecord(campaign=campaign, unit=unit, kind=kind, date=date, title=title, people=people,
                                      detail=detail, created_by=user)
        record.full_clean()
        record.save()
        record.findings.set(findings)
        for f in findings:
            _event(f, FindingEvent.Kind.ACCOUNTABILITY, user, note=f"{record.get_kind_display()}：{title}")
        audit_record(obj=record, action=AuditEntry.Action.CREATE, user=user,
                     changes={"kind": [None, kind], "unit": [None, unit], "title": [None, title]})
    return record


SETTINGS_FIELDS = ["strip_photo_location", "order_prefix", "default_deadline_days"]


def inspection_settings_update(*, campaign, user, **values):
    _require(access_of(user).is_office, _("只有创建办可以修改督查设置。"))
    with transaction.atomic():
        row, created = InspectionSettings.objects.select_for_update().get_or_create(campaign=campaign)
        before = snapshot_fields(row, SETTINGS_FIELDS)
        for field in SETTINGS_FIELDS:
            if field in values:
                setattr(row, field, values[field])
        row.full_clean()
        row.save()
        changes = diff(before, snapshot_fields(row, SETTINGS_FIELDS))
        if changes:
            audit_record(obj=row, action=AuditEntry.Action.UPDATE, user=user, changes=changes)
    return row
