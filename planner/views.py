"""The planner pages: the office plans (pins, exclusions, tasks); leaders and inspectors read."""
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from indicators.models import Campaign, Indicator
from indicators.selectors import current_campaign
from organizations.access import get_access, require_office

from . import services
from .models import CityMap
from .selectors import AT_RISK, NOT_MET, campaign_plans, converted_items

SHOWN_CANDIDATES = 15


def require_reader(request):
    """City-wide plans are the office's, the leaders' and the inspectors' to read; not a unit's."""
    if not get_access(request).sees_all:
        raise PermissionDenied


def _campaign_and_indicator(campaign_pk, indicator_pk):
    campaign = Campaign.objects.select_related("city", "office").filter(pk=campaign_pk).first()
    indicator = (Indicator.objects.filter(pk=indicator_pk, standard__campaigns=campaign).select_related("measure")
                 .first() if campaign else None)
    if indicator is None:
        raise Http404
    return campaign, indicator


def _plan_view(campaign, indicator):
    views = campaign_plans(campaign, indicator=indicator)
    if not views:
        raise Http404  # not an indicator the ledgers compute with a numeric bar
    return views[0]


@login_required
@require_GET
def planner_index(request):
    require_reader(request)
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    plans = campaign_plans(campaign)
    return render(request, "planner/index.html", {
        "campaign": campaign, "plans": plans, "params": campaign.params(), "NOT_MET": NOT_MET, "AT_RISK": AT_RISK})


def default_due_on(campaign, today):
    if campaign.evaluation_date and campaign.evaluation_date > today + timedelta(days=30):
        return campaign.evaluation_date - timedelta(days=30)
    return today + timedelta(days=30)


@login_required
@require_GET
def plan_detail(request, campaign_pk, indicator_pk):
    require_reader(request)
    campaign, indicator = _campaign_and_indicator(campaign_pk, indicator_pk)
    view = _plan_view(campaign, indicator)
    plan = view.plan
    chosen = {i.key for i in plan.items}
    excluded = set(view.state.excluded) if view.state else set()
    others = sorted(((s, plan.gains.get(s.key, 0)) for s in plan.candidates
                     if s.key not in chosen and s.key not in excluded), key=lambda pair: -pair[1])
    converted = converted_items(view.state)
    done_keys = {c.key for c in converted if c.task_id}
    districts = []
    if view.goal.by_district:
        districts = [(scope, plan.before.get(scope), plan.after.get(scope)) for scope in plan.before if scope]
    today = timezone.localdate()
    return render(request, "planner/plan.html", {
        "campaign": campaign, "indicator": indicator, "view": view, "plan": plan, "params": campaign.params(),
        "can_edit": get_access(request).is_office, "others": others[:SHOWN_CANDIDATES],
        "others_more": max(0, len(others) - SHOWN_CANDIDATES),
        "excluded_sites": [s for s in plan.candidates if s.key in excluded], "converted": converted,
        "open_items": [i for i in plan.items if i.key not in done_keys], "districts": districts, "today": today,
        "due_on": default_due_on(campaign, today), "is_coverage": plan.formula == "park_service_coverage",
        "uses_plots": any(s.key.startswith("plot:") for s in plan.candidates),
        "NOT_MET": NOT_MET, "AT_RISK": AT_RISK,
    })


@login_required
@require_POST
def plan_sites(request, campaign_pk, indicator_pk):
    """Pin, unpin, exclude or restore one candidate site, or set the assumed pocket-park area; then recompute."""
    require_office(request)
    campaign, indicator = _campaign_and_indicator(campaign_pk, indicator_pk)
    view = _plan_view(campaign, indicator)
    action, key = request.POST.get("action", ""), request.POST.get("key", "")
    known = {s.key for s in view.plan.candidates}
    pinned = list(view.state.pinned) if view.state else []
    excluded = list(view.state.excluded) if view.state else []
    try:
        if action == "area":
            try:
                area = Decimal(request.POST.get("site_area_m2", "").strip())
            except InvalidOperation:
                area = None
            if area is None or not area.is_finite():
                raise ValidationError(_("请填写口袋公园面积（m²）。"))
            services.plan_state_save(campaign=campaign, indicator=indicator, user=request.user, site_area_m2=area)
        elif action in ("pin", "unpin", "exclude", "include") and (key in known or key in pinned + excluded):
            if action == "pin":
                services.plan_state_save(campaign=campaign, indicator=indicator, user=request.user,
                                         pinned=pinned + [key])
            elif action == "unpin":
                services.plan_state_save(campaign=campaign, indicator=indicator, user=request.user,
                                         pinned=[k for k in pinned if k != key])
            elif action == "exclude":
                services.plan_state_save(campaign=campaign, indicator=indicator, user=request.user,
                                         excluded=excluded + [key])
            else:
                services.plan_state_save(campaign=campaign, indicator=indicator, user=request.user,
                                         excluded=[k for k in excluded if k != key])
        else:
            messages.error(request, _("没有这个候选地块。"))
            return redirect("plan_detail", campaign.pk, indicator.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已重新测算。"))
    return redirect("plan_detail", campaign.pk, indicator.pk)


@login_required
@require_POST
def plan_tasks(request, campaign_pk, indicator_pk):
    require_office(request)
    campaign, indicator = _campaign_and_indicator(campaign_pk, indicator_pk)
    view = _plan_view(campaign, indicator)
    due_on = parse_date(request.POST.get("due_on", "") or "")
    if due_on is None:
        messages.error(request, _("请填写完成时限。"))
        return redirect("plan_detail", campaign.pk, indicator.pk)
    try:
        made = services.plan_tasks_create(campaign=campaign, indicator=indicator, plan=view.plan, user=request.user,
                                          due_on=due_on)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if made:
            messages.success(request, _("已转为 %(n)s 项任务。") % {"n": len(made)})
        else:
            messages.info(request, _("没有尚未转为任务的事项。"))
    return redirect("plan_detail", campaign.pk, indicator.pk)


@login_required
@require_GET
def planner_map(request):
    """The city map: parks and their radii, compounds covered or not, the plan's pocket parks."""
    require_reader(request)
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    from ledgers.services import current_rows

    from .map import alert_layers, map_layers
    from .selectors import PLAN_LEDGER_TYPES

    rows, _versions, _duplicates = current_rows(campaign.city, PLAN_LEDGER_TYPES)
    coverage = next((v for v in campaign_plans(campaign) if v.plan.formula == "park_service_coverage"), None)
    plan_url = reverse("plan_detail", args=[campaign.pk, coverage.indicator.pk]) if coverage else ""
    layers = map_layers(rows, campaign.params(), coverage.plan if coverage else None, plan_url)
    access = get_access(request)
    # Findings and points are read through their apps' scoped lookups: a wide role sees every
    # unit's (the page is refused to unit staff), and nothing here widens that.
    layers.update(alert_layers(campaign, access, timezone.localdate()))
    city_map = CityMap.objects.filter(city=campaign.city).first()
    layers["outlines"] = city_map.outlines if city_map else []
    labels = {"districts": _("城区边界"), "parks": _("公园及服务半径"), "covered": _("已覆盖的居住区"), "uncovered": _("未覆盖的居住区"),
              "sites": _("规划口袋公园"), "radius": _("服务半径"), "area": _("面积"), "after": _("建成后覆盖率"),
              "roads": _("道路林荫"), "findings": _("未销号问题"), "points": _("迎检点位"), "length": _("长度"),
              "shaded": _("林荫路长度"), "open": _("未整改问题")}
    return render(request, "planner/map.html", {
        "campaign": campaign, "layers": layers, "labels": {k: str(v) for k, v in labels.items()},
        "coverage": coverage, "city_map": city_map, "can_edit": access.is_office,
        "counts": {"parks": len(layers["parks"]), "covered": sum(c["covered"] for c in layers["compounds"]),
                   "uncovered": sum(not c["covered"] for c in layers["compounds"]), "sites": len(layers["sites"]),
                   "roads": len(layers["roads"]), "roads_missing": layers["roads_missing"],
                   "findings": len(layers["findings"]), "findings_missing": layers["findings_missing"],
                   "points": len(layers["points"]), "points_missing": layers["points_missing"]},
    })


@login_required
@require_POST
def planner_map_outlines(request):
    """Upload the city's district outlines (GeoJSON, WGS 84); a bad file is refused with its problems named."""
    require_office(request)
    campaign = current_campaign(request)
    upload = request.FILES.get("file")
    if campaign is None or upload is None:
        messages.error(request, _("请选择 GeoJSON 文件。"))
        return redirect("planner_map")
    try:
        city_map = services.city_map_upload(city=campaign.city, file=upload, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已更新城区边界：%(n)s 个城区。") % {"n": len(city_map.outlines)})
    return redirect("planner_map")
