"""Writes for values and compliance. Jobs and views call these; models only hold rules."""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.audit import actor_of, audit_record
from organizations.models import AuditEntry

from .models import ComplianceSnapshot, IndicatorValue, RecomputeRequest
from .selectors import campaign_compliance


def indicator_value_record(*, measure, scope, as_of, value, user=None, source=IndicatorValue.Source.MANUAL,
                           provenance=None, note="", evidence=None):
    """Create or replace the value of a measure in a scope for a date; audited old → new, and
    whenever the person answering for it (填报人) changes, so the value and its log agree."""
    value = None if value is None else Decimal(value)
    if measure.is_computed and source not in (IndicatorValue.Source.LEDGER, IndicatorValue.Source.DEMO):
        raise ValidationError(_("“%(measure)s”由台账计算，不能手工填报：请上传或更正相应台账。") % {"measure": measure.name})
    with transaction.atomic():
        row = (IndicatorValue.objects.select_for_update(of=("self",)).select_related("entered_by")
               .filter(measure=measure, scope=scope, as_of=as_of).first())
        old = row.value if row else None
        old_by = row.entered_by if row else None
        created = row is None
        if created:
            row = IndicatorValue(measure=measure, scope=scope, as_of=as_of)
        row.value = value
        row.source = source
        row.provenance = provenance or {}
        row.note = note
        row.entered_by = user if user is not None and user.is_authenticated else None
        if evidence is not None:
            row.evidence = evidence
        row.full_clean()
        row.save()
        changes = {"value": [old, value]} if created or old != value else {}
        if not created and old_by != row.entered_by:
            changes["entered_by"] = [_name(old_by), _name(row.entered_by)]
        if changes:
            audit_record(
                obj=row,
                action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                user=user,
                changes=changes,
                note=str(row.get_source_display()),
            )
    return row


def _name(user):
    return actor_of(user)["actor_name"] or None


def compliance_snapshot_write(*, campaign, on=None):
    """Write the day's snapshots for every indicator and scope; a rerun updates, never duplicates.

    One transaction, so a worker killed mid-job leaves the previous state, not half a day.
    """
    on = on or timezone.localdate()
    rows = campaign_compliance(campaign, on, with_trend=False)
    written = 0
    with transaction.atomic():
        for row in rows:
            scoped = [(campaign.city_id, row.value, row.evaluation)]
            scoped += [(d.scope.id, d.value, d.evaluation) for d in row.districts]
            for scope_id, value, ev in scoped:
                ComplianceSnapshot.objects.update_or_create(
                    campaign=campaign,
                    indicator=row.indicator,
                    scope_id=scope_id,
                    date=on,
                    defaults={"value": value, "target": ev.target, "gap": ev.gap, "status": ev.status},
                )
                written += 1
    return written


def compliance_recompute_request(*, campaign, reason=""):
    """Record that `campaign` needs recomputing and queue the job once the transaction commits.

    If the broker is down the request row stays pending and `drain_recompute_requests`
    (scheduled) or the nightly run completes it: confirmed work is never lost."""
    from .jobs import queue_recompute

    request = RecomputeRequest.objects.create(campaign=campaign, reason=reason[:200])
    transaction.on_commit(lambda: queue_recompute(campaign.pk))
    return request


def compliance_recompute(*, campaign, on=None):
    """Write today's snapshots and mark the requests made before we started as done."""
    from api.webhooks import compliance_statuses, on_compliance_recomputed  # webhook hook (issue #14)

    started = timezone.now()
    before = compliance_statuses(campaign)
    written = compliance_snapshot_write(campaign=campaign, on=on)
    RecomputeRequest.objects.filter(campaign=campaign, done_at__isnull=True, requested_at__lte=started).update(
        done_at=timezone.now()
    )
    on_compliance_recomputed(campaign, before)
    return written


def campaigns_using_measure(*, measure, scope):
    """Active campaigns of the scope's city whose standards use the measure."""
    from .models import Campaign

    city_id = scope.id if scope.parent_id is None or scope.kind == "city" else scope.parent_id
    return Campaign.objects.filter(
        is_active=True, city_id=city_id, standards__indicators__measure=measure
    ).distinct()
