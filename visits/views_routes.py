"""Points and routes: the point list and page (readiness, linked findings, owner's
confirmation), and the route board: every stop green / amber / red, on desktop and phone."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_time
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from indicators import states
from indicators.selectors import current_campaign
from organizations.access import get_access
from organizations.models import Unit
from organizations.paging import paginate

from . import routes as R
from .models import Point, Route


POINTS_PER_PAGE = 50


def _errors(exc):
    return "; ".join(exc.messages)


@login_required
@require_GET
def point_list(request):
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    access = get_access(request)
    today = timezone.localdate()
    points = list(R.visible_points(access, campaign).select_related("owner", "district", "leader"))
    ready = R.readiness(points, today)
    for p in points:
        p.ready, p.open_count, p.last_seen = ready[p.pk]
    wanted = request.GET.get("readiness")
    if wanted in ("green", "amber", "red"):
        points = [p for p in points if p.ready == wanted]
    # Red first, then amber: the points that need someone today.
    rank = {"red": 0, "amber": 1, "green": 2}
    points.sort(key=lambda p: (rank[p.ready], p.district.sort_order if p.district else 99, p.name))
    page = paginate(points, POINTS_PER_PAGE, request.GET.get("page"))
    ledgers = []
    if access.is_office:
        from ledgers.models import LedgerVersion

        ledgers = list(LedgerVersion.objects.filter(is_current=True, ledger__ledger_type__in=R.LEDGER_KINDS)
                       .select_related("ledger__unit"))
    return render(request, "visits/point_list.html", {
        "campaign": campaign, "page": page, "wanted": wanted, "ledgers": ledgers,
        "kinds": Point.Kind.choices, "units": Unit.objects.exclude(kind=Unit.Kind.CITY) if access.is_office else [],
        "routes": Route.objects.filter(campaign=campaign) if access.sees_all else [],
    })


@login_required
@require_POST
def point_create(request):
    R.require_route_editor(request)
    campaign = current_campaign(request)
    owner = Unit.objects.filter(pk=request.POST.get("owner") or 0).first()
    name = (request.POST.get("name") or "").strip()
    if campaign is None or owner is None or not name:
        messages.error(request, _("请填写点位名称并选择责任单位"))
        return redirect("point_list")
    kind = request.POST.get("kind") if request.POST.get("kind") in Point.Kind.values else Point.Kind.OTHER
    try:
        R.point_create(campaign=campaign, user=request.user, name=name[:200], owner=owner, kind=kind,
                       address=(request.POST.get("address") or "")[:300])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("point_list")


@login_required
@require_POST
def points_from_ledger(request):
    R.require_route_editor(request)
    from ledgers.models import LedgerVersion

    campaign = current_campaign(request)
    version = LedgerVersion.objects.filter(pk=request.POST.get("version") or 0, is_current=True).select_related(
        "ledger__unit").first()
    if campaign is None or version is None:
        messages.error(request, _("请选择台账"))
        return redirect("point_list")
    try:
        new = R.points_from_ledger(campaign=campaign, version=version, user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("已由台账生成 %(n)s 个点位") % {"n": len(new)})
    return redirect("point_list")


@login_required
@require_GET
def point_detail(request, pk):
    point = R.get_point_for_user(request, pk)
    access = get_access(request)
    today = timezone.localdate()
    ready, open_count, last_seen = R.readiness([point], today)[point.pk]
    findings = [link.finding for link in point.finding_links.select_related("finding__unit")]
    for f in findings:
        f.is_open = f.in_state(states.OPEN, today)
    linkable = []
    if access.is_office or access.is_inspector:
        from inspections.models import Finding

        linkable = (Finding.objects.in_state(states.OPEN, today)
                    .filter(campaign=point.campaign, unit=point.owner, point_link__isnull=True)[:50])
    return render(request, "visits/point_detail.html", {
        "point": point, "ready": ready, "open_count": open_count, "last_seen": last_seen, "findings": findings,
        "linkable": linkable, "can_confirm": access.is_office or point.owner_id in access.staff_unit_ids,
        "confirmations": point.confirmations.select_related("by")[:5], "stops": point.stops.select_related("route"),
    })


@login_required
@require_POST
def point_confirm(request, pk):
    point = R.get_point_for_user(request, pk)
    access = get_access(request)
    if not (access.is_office or point.owner_id in access.staff_unit_ids):
        raise PermissionDenied
    R.point_confirm(point=point, user=request.user, note=request.POST.get("note") or "")
    messages.success(request, _("已确认点位就绪"))
    return redirect("point_detail", pk=point.pk)


@login_required
@require_POST
def point_link_finding(request, pk):
    point = R.get_point_for_user(request, pk)
    access = get_access(request)
    if not (access.is_office or access.is_inspector):
        raise PermissionDenied
    from inspections.models import Finding

    finding = get_object_or_404(Finding, pk=request.POST.get("finding") or 0, campaign=point.campaign)
    try:
        R.point_link_finding(point=point, finding=finding, user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("point_detail", pk=point.pk)


@login_required
@require_GET
def route_list(request):
    if not get_access(request).sees_all:
        raise PermissionDenied
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    routes = list(Route.objects.filter(campaign=campaign).prefetch_related("stops__point"))
    points = {s.point for r in routes for s in r.stops.all()}
    ready = R.readiness(list(points), timezone.localdate())
    for r in routes:
        r.lights = [ready[s.point_id][0] for s in r.stops.all()]
        r.red = r.lights.count("red")
        r.amber = r.lights.count("amber")
    return render(request, "visits/route_list.html", {"campaign": campaign, "routes": routes,
                                                      "purposes": Route.Purpose.choices})


@login_required
@require_POST
def route_create(request):
    R.require_route_editor(request)
    campaign = current_campaign(request)
    name = (request.POST.get("name") or "").strip()[:200]
    if campaign is None or not name:
        messages.error(request, _("请填写线路名称"))
        return redirect("route_list")
    purpose = request.POST.get("purpose")
    purpose = purpose if purpose in Route.Purpose.values else Route.Purpose.VISIT
    try:
        planned_on = parse_date(request.POST.get("planned_on") or "")
    except ValueError:
        planned_on = None
    if planned_on is not None:
        start, end = campaign.date_bounds(timezone.localdate())
        planned_on = planned_on if start <= planned_on <= end else None
    route = R.route_create(campaign=campaign, user=request.user, name=name, purpose=purpose, planned_on=planned_on)
    return redirect("route_board", pk=route.pk)


@login_required
@require_GET
def route_board(request, pk):
    route = R.get_route_for_user(request, pk)
    today = timezone.localdate()
    stops = list(route.stops.select_related("point__owner", "point__leader", "point__district"))
    ready = R.readiness([s.point for s in stops], today)
    for s in stops:
        s.ready, s.open_count, s.last_seen = ready[s.point_id]
    counts = {k: sum(1 for s in stops if s.ready == k) for k in ("green", "amber", "red")}
    candidates = (R.visible_points(get_access(request), route.campaign).exclude(stops__route=route)
                  .order_by("name")[:300]) if get_access(request).is_office else []
    return render(request, "visits/route_board.html", {"route": route, "stops": stops, "counts": counts,
                                                       "candidates": candidates, "today": today})


@login_required
@require_POST
def route_stop_add(request, pk):
    route = R.get_route_for_user(request, pk)
    R.require_route_editor(request)
    point = R.visible_points(get_access(request), route.campaign).filter(pk=request.POST.get("point") or 0).first()
    if point is None:
        messages.error(request, _("请选择点位"))
        return redirect("route_board", pk=route.pk)
    raw_time = request.POST.get("planned_time") or ""
    try:
        planned = parse_time(raw_time) if raw_time else None
    except ValueError:
        planned = None
    try:
        R.route_add_stop(route=route, point=point, user=request.user, planned_time=planned)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("route_board", pk=route.pk)
