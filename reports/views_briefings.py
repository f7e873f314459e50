from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from indicators.calendar import check_dates
from indicators.selectors import current_campaign
from organizations.access import get_access
from organizations.pdf import render_pdf

from .models import Briefing, RankingEntry
from .selectors import ranking_entries_for, week_bounds
from .services import briefing_build, ranking_rule_for
from .services import briefing_preview as services_preview


def _require_reader(request):
    access = get_access(request)
    if not (access.is_office or access.is_leader or request.user.is_superuser):
        raise PermissionDenied


@login_required
@require_GET
def briefing_list(request):
    _require_reader(request)
    campaign = current_campaign(request)
    briefings = Briefing.objects.filter(campaign=campaign).order_by("-week_start", "language") if campaign else []
    weeks = {}
    for b in briefings:
        weeks.setdefault((b.week_start, b.number), []).append(b)
    last_week = week_bounds(timezone.localdate())[0]
    return render(request, "reports/briefing_list.html", {
        "campaign": campaign, "weeks": weeks, "default_week": last_week, "languages": settings.LANGUAGES,
    })


@login_required
@require_GET
def briefing_preview(request):
    """The current week as at today, unnumbered: leaders need not wait for the office.
    The page links each figure to its list; ?format=pdf gives the same as a PDF."""
    _require_reader(request)
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    today = timezone.localdate()
    if request.GET.get("format") == "pdf":
        context = services_preview(campaign=campaign, today=today, language=translation.get_language())
        pdf = render_pdf("reports/briefing_pdf.html", context)
        name = f"创园工作简报-预览-{today:%Y%m%d}.pdf"
        return HttpResponse(pdf, content_type="application/pdf",
                            headers={"Content-Disposition": content_disposition_header(False, name)})
    context = services_preview(campaign=campaign, today=today, language=translation.get_language(), links=True)
    return render(request, "reports/briefing_preview.html", context)


@login_required
@require_GET
def briefing_download(request, pk):
    _require_reader(request)
    briefing = get_object_or_404(Briefing, pk=pk)
    if not briefing.pdf:
        raise Http404
    name = f"创园工作简报-第{briefing.number}期-{briefing.week_start:%Y%m%d}-{briefing.language}.pdf"
    return FileResponse(briefing.pdf.open("rb"), content_type="application/pdf", filename=name)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(content, name):
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_GET
def briefing_appendix(request, pk):
    """The full lists behind a numbered briefing's capped ones, as at the same date."""
    from .appendix import briefing_appendix_workbook
    from .briefing import briefing_context
    from .services import briefing_as_of

    _require_reader(request)
    briefing = get_object_or_404(Briefing.objects.select_related("campaign"), pk=pk)
    on = briefing_as_of(briefing.week_start, timezone.localdate())
    with translation.override(briefing.language):
        context = briefing_context(briefing.campaign, on, number=briefing.number)
        content = briefing_appendix_workbook(context)
    return _xlsx_response(content, f"创园工作简报-第{briefing.number}期-附表-{briefing.week_start:%Y%m%d}.xlsx")


@login_required
@require_GET
def briefing_preview_appendix(request):
    from .appendix import briefing_appendix_workbook

    _require_reader(request)
    campaign = current_campaign(request)
    if campaign is None:
        raise Http404
    today = timezone.localdate()
    context = services_preview(campaign=campaign, today=today, language=translation.get_language())
    return _xlsx_response(briefing_appendix_workbook(context), f"创园工作简报-预览-附表-{today:%Y%m%d}.xlsx")


@login_required
@require_POST
def briefing_create(request):
    if not get_access(request).is_office:
        raise PermissionDenied
    campaign = current_campaign(request)
    try:
        week = date.fromisoformat(request.POST.get("week", ""))
    except ValueError:
        messages.error(request, _("请选择有效的日期。"))
        return redirect("briefing_list")
    if campaign is None:
        raise Http404
    if week > timezone.localdate():
        messages.error(request, _("不能生成未来周次的简报。"))
        return redirect("briefing_list")
    try:
        check_dates(campaign, timezone.localdate(), week=week)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("briefing_list")
    languages = [request.POST["language"]] if request.POST.get("language") in dict(settings.LANGUAGES) else [
        code for code, _ in settings.LANGUAGES]
    for language in languages:
        briefing = briefing_build(campaign=campaign, week_start=week, language=language, user=request.user)
    messages.success(request, _("第%(n)s期简报已生成。") % {"n": briefing.number})
    return redirect("briefing_list")


@login_required
@require_GET
def ranking(request):
    campaign = current_campaign(request)
    rule = ranking_rule_for(campaign)
    # README: office, leaders (and inspectors, who see every unit) read the whole ranking; unit
    # staff see their own units' lines only: another unit's score is not theirs to read.
    entries = list(ranking_entries_for(get_access(request), campaign).filter(period=rule.period)
                   .select_related("unit").order_by("-period_start", "rank"))
    periods = []
    for e in entries:
        if not periods or periods[-1][0] != e.period_start:
            periods.append((e.period_start, []))
        periods[-1][1].append(e)
    history = {}
    for start, rows in periods:
        for e in rows:
            history.setdefault(e.unit, []).append((start, e.flag))
    flagged = {u: h for u, h in history.items() if any(flag for _, flag in h)}
    return render(request, "reports/ranking.html", {
        "campaign": campaign, "rule": rule, "current": periods[0] if periods else None,
        "history": flagged, "period_starts": [p for p, _ in periods][:8],
    })
