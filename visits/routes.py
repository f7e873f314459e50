"""Points and routes (点位、迎检线路): writes (audited) and the readiness reads of the route board.

Readiness of a point on a day, one definition (Point.readiness_of): red while a finding linked
to it is open (inspections.states: not closed, handed in included); amber when nobody has
looked at it for READY_DAYS (a linked finding recorded or closed, or the owner's
confirmation); otherwise green.
"""
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import states
from organizations.access import get_access
from organizations.audit import audit_record
from organizations.models import AuditEntry, Unit

from .models import Point, PointConfirmation, PointFinding, Route, RouteStop

LEDGER_KINDS = {"parks": Point.Kind.PARK, "roads": Point.Kind.ROAD, "compounds": Point.Kind.COMPOUND}


# --- writes -----------------------------------------------------------------------------------


def point_create(*, campaign, user, name, owner, kind=Point.Kind.OTHER, address="", district=None, latitude=None,
                 longitude=None, leader=None, source=""):
    point = Point(campaign=campaign, name=name, owner=owner, kind=kind, address=address, district=district,
                  latitude=latitude, longitude=longitude, leader=leader, source=source or _("手工添加"))
    point.full_clean()
    point.save()
    audit_record(obj=point, action=AuditEntry.Action.CREATE, user=user,
                 changes={"name": [None, name], "owner": [None, owner.name]})
    return point


def _decimal(text):
    try:
        return Decimal(str(text)).quantize(Decimal("0.000001")) if text not in (None, "") else None
    except InvalidOperation:
        return None


def points_from_ledger(*, campaign, version, user):
    """Every row of a ledger version (parks, roads, compounds) becomes a point owned by the
    ledger's unit, in one step; rows already made into points are skipped. Returns the new points."""
    kind = LEDGER_KINDS.get(version.ledger.ledger_type)
    if kind is None:
        raise ValidationError(_("只有公园、道路、小区台账可以生成点位"))
    districts = {u.name: u for u in Unit.objects.filter(kind=Unit.Kind.DISTRICT)}
    existing = set(Point.objects.filter(campaign=campaign).values_list("name", "district_id"))
    new = []
    for row in version.rows.all().order_by("row_number"):
        data = row.data
        name = (data.get("name") or "").strip()[:200]
        if data.get("segment"):
            name = f"{name}（{data['segment']}）"[:200]
        district = districts.get(data.get("district") or "")
        if not name or (name, district.pk if district else None) in existing:
            continue
        existing.add((name, district.pk if district else None))
        new.append(Point(campaign=campaign, name=name, kind=kind, district=district, owner=version.ledger.unit,
                         latitude=_decimal(data.get("lat")), longitude=_decimal(data.get("lng")),
                         source=f"{version.ledger} v{version.number} #{row.row_number}"[:200]))
    with transaction.atomic():
        Point.objects.bulk_create(new, batch_size=500)
        audit_record(obj=version, action=AuditEntry.Action.UPDATE, user=user,
                     changes={"points": [None, len(new)]}, note=_("由台账生成点位"))
    return new


def point_link_finding(*, point, finding, user):
    if finding.campaign_id != point.campaign_id:
        raise ValidationError(_("问题与点位不属于同一创建活动"))
    link, created = PointFinding.objects.get_or_create(finding=finding, defaults={"point": point})
    if not created and link.point_id != point.pk:
        raise ValidationError(_("该问题已关联到其他点位"))
    if created:
        audit_record(obj=point, action=AuditEntry.Action.UPDATE, user=user,
                     changes={"findings": [None, f"#{finding.pk}"]})
    return link


def point_confirm(*, point, user, note=""):
    confirmation = PointConfirmation.objects.create(point=point, by=user, note=note[:300])
    audit_record(obj=point, action=AuditEntry.Action.UPDATE, user=user, changes={"confirmed": [None, True]},
                 note=note)
    return confirmation


def route_create(*, campaign, user, name, purpose=Route.Purpose.VISIT, planned_on=None):
    route = Route(campaign=campaign, name=name, purpose=purpose, planned_on=planned_on)
    route.full_clean()
    route.save()
    audit_record(obj=route, action=AuditEntry.Action.CREATE, user=user, changes={"name": [None, name]})
    return route


def route_add_stop(*, route, point, user, planned_time=None, minutes=15):
    if point.campaign_id != route.campaign_id:
        raise ValidationError(_("点位与线路不属于同一创建活动"))
    with transaction.atomic():
        last = route.stops.select_for_update().aggregate(m=Max("order"))["m"] or 0
        stop = RouteStop.objects.create(route=route, point=point, order=last + 1, planned_time=planned_time,
                                        minutes=minutes)
    audit_record(obj=route, action=AuditEntry.Action.UPDATE, user=user,
                 changes={"stops": [None, f"{stop.order}. {point.name}"]})
    return stop


# --- reads ------------------------------------------------------------------------------------


def visible_points(access, campaign=None):
    qs = Point.objects.all()
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return access.scope(qs, field="owner")


def get_point_for_user(request, pk):
    point = (visible_points(get_access(request)).select_related("campaign", "owner", "district", "leader")
             .filter(pk=pk).first())
    if point is None:
        raise Http404
    return point


def get_route_for_user(request, pk):
    """Routes cross units: the office's, the leaders' and the inspectors' (404 for unit staff)."""
    if not get_access(request).sees_all:
        raise Http404
    route = Route.objects.select_related("campaign").filter(pk=pk).first()
    if route is None:
        raise Http404
    return route


def require_route_editor(request):
    if not get_access(request).is_office:
        raise PermissionDenied


def readiness(points, today):
    """{point pk: (readiness, open findings, last seen date)} in three queries, whatever the number."""
    from inspections.models import Finding

    ids = [p.pk for p in points]
    links = PointFinding.objects.filter(point_id__in=ids)
    open_ids = set(Finding.objects.in_state(states.OPEN, today).filter(point_link__in=links)
                   .values_list("pk", flat=True))
    open_count, last_seen = {}, {}
    for point_id, finding_id, found_on, closed_at in links.values_list(
            "point_id", "finding_id", "finding__found_on", "finding__closed_at"):
        if finding_id in open_ids:
            open_count[point_id] = open_count.get(point_id, 0) + 1
        seen = max(d for d in (found_on, closed_at and timezone.localtime(closed_at).date()) if d)
        last_seen[point_id] = max(last_seen.get(point_id, seen), seen)
    for point_id, at in PointConfirmation.objects.filter(point_id__in=ids).values("point_id").annotate(
            at=Max("at")).values_list("point_id", "at"):
        seen = timezone.localtime(at).date()
        last_seen[point_id] = max(last_seen.get(point_id, seen), seen)
    return {pk: (Point.readiness_of(open_findings=open_count.get(pk, 0), last_seen=last_seen.get(pk), today=today),
                 open_count.get(pk, 0), last_seen.get(pk)) for pk in ids}
