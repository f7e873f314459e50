from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from indicators.selectors import current_campaign
from organizations.access import get_access

from .briefing import capped, headline_figures, lead_unit_lists, list_urls, work_links
from .models import RankingEntry
from .selectors import ranking_entries_for

LEVEL_COLORS = {"escalated": "#17202a", "red": "#d93b3b", "yellow": "#e0a100", "blue": "#2468c7"}


def findings_overview(campaign, unit_ids, today):
    from inspections.models import Finding
    from inspections.selectors import finding_counts

    qs = Finding.objects.filter(campaign=campaign)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    counts = finding_counts(qs, today, campaign.alert_policy())
    levels = [
        {"key": key, "label": str(Finding.AlertLevel(key).label), "count": counts["level"][key], "color": color}
        for key, color in LEVEL_COLORS.items()
    ]
    statuses = [(s, str(Finding.Status(s).label), counts["status"][s]) for s in Finding.Status.values]
    return counts, levels, statuses


def latest_ranking(campaign, access):
    latest = RankingEntry.objects.filter(campaign=campaign).order_by("-period_start").values("period_start")[:1]
    entries = list(ranking_entries_for(access, campaign).filter(period_start=latest).select_related("unit")
                   .order_by("rank"))
    return [e for e in entries if e.flag == "red"], [e for e in entries if e.flag == "black"]


@login_required
@require_GET
def dashboard(request):
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    access = get_access(request)
    unit_ids = None if access.sees_all else access.own_unit_ids
    today = timezone.localdate()
    compliance, work, figures = headline_figures(campaign, today, unit_ids)
    counts, levels, statuses = findings_overview(campaign, unit_ids, today)
    red, black = latest_ranking(campaign, access)
    lists = dashboard_lists(campaign, compliance, work, red, black)
    shown_units = lists["overdue_units"].rows
    charts = {
        "met": {
            "dates": [d.isoformat() for d, _, _ in compliance.met_history],
            "met": [met for _, met, _ in compliance.met_history],
            "total": [total for _, _, total in compliance.met_history],
        },
        "levels": [lv for lv in levels if lv["count"]],
        "overdue": {
            "units": [name for name, _, _ in shown_units],
            "findings": [f for _, f, _ in shown_units],
            "tasks": [t for _, _, t in shown_units],
            "labels": [_("逾期问题"), _("逾期任务")],
        },
    }
    return render(
        request,
        "reports/dashboard.html",
        {
            "campaign": campaign,
            "today": today,
            "days_left": figures["days_left"],
            "c": compliance,
            "work": work,
            "figures": figures,
            "finding_counts": counts,
            "levels": levels,
            "statuses": statuses,
            "red": red,
            "black": black,
            "params": campaign.params(),
            "charts": charts,
            "scoped": not access.sees_all,
            "links": work_links(work, scoped=not access.sees_all),
            "lists": lists,
        },
    )


def dashboard_lists(campaign, compliance, work, red, black):
    """The dashboard's panels show the briefing's caps (settings.LIST_LIMITS)."""
    urls = list_urls(campaign)
    not_met = capped("not_met", compliance.not_met, urls["not_met"])
    return {
        "not_met": not_met,
        "lead_units": lead_unit_lists(campaign, compliance, not_met.rows),
        "overdue_units": capped("overdue_units", work.overdue_by_unit, urls["overdue_units"]),
        "red": capped("flags", red, urls["flags"]),
        "black": capped("flags", black, urls["flags"]),
    }


@login_required
@require_GET
def upcoming_list(request):
    """下周到期事项 in full: what the briefing's and dashboard's capped list leads to. A unit
    sees the items its units lead, as on its dashboard."""
    from .selectors import upcoming_deadlines

    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    access = get_access(request)
    today = timezone.localdate()
    rows = upcoming_deadlines(campaign, today, days=7, unit_ids=None if access.sees_all else access.own_unit_ids)
    by_unit = {}
    for row in rows:
        by_unit.setdefault(row.unit, []).append(row)
    return render(request, "reports/upcoming_list.html", {
        "campaign": campaign, "today": today, "rows": rows,
        # grouped by unit, the unit with the earliest deadline first (rows are sorted by date)
        "by_unit": list(by_unit.items()),
    })


@login_required
@require_GET
def overdue_units(request):
    """各单位逾期情况 in full: every unit with overdue findings or tasks, worst first."""
    from .selectors import work_stats

    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    access = get_access(request)
    today = timezone.localdate()
    work = work_stats(campaign, today, None if access.sees_all else access.own_unit_ids)
    return render(request, "reports/overdue_units.html", {
        "campaign": campaign, "today": today, "rows": work.overdue_by_unit,
        "links": work_links(work, scoped=not access.sees_all),
    })


@login_required
@require_GET
def self_evaluation_export(request):
    from .selfeval import self_evaluation_workbook

    access = get_access(request)
    if not (access.is_office or access.is_leader):
        raise PermissionDenied
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    today = timezone.localdate()
    response = HttpResponse(
        self_evaluation_workbook(campaign, today, office=access.is_office),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{campaign.name}-自评表-{today:%Y%m%d}.xlsx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
