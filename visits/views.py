"""Materials pages: the per-indicator list with completeness, an assignment with its documents
and the upload form, the office's review queue, and the materials package."""
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from indicators.selectors import current_campaign
from organizations.access import get_access, require_office
from organizations.sessions import background_poll

from . import selectors as S
from . import services
from .forms import AssignForm, ReturnForm, ReuploadForm, UploadForm
from .models import MaterialPackage, MaterialRequirement


def _can_upload(access, assignment):
    return access.is_office or assignment.unit_id in access.staff_unit_ids


def _errors(exc):
    return "; ".join(m for msgs in getattr(exc, "message_dict", {"": exc.messages}).values() for m in msgs)


@login_required
@require_GET
def material_list(request):
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    access = get_access(request)
    today = timezone.localdate()
    policy = campaign.alert_policy()
    filters = _list_filters(request)
    visible = S.visible_assignments(access, campaign)
    if filters["unit"]:
        visible = visible.filter(unit_id=filters["unit"])
    if filters["state"]:
        visible = visible.in_state(filters["state"], today, policy)
    assignments = list(visible
                       .select_related("unit", "requirement__indicator")
                       .order_by("requirement__indicator__standard_id", "requirement__indicator__order",
                                 "requirement__order", "unit__sort_order", "id"))
    for a in assignments:
        a.level = a.alert_level_on(today, policy)
    by_requirement = {k: list(g) for k, g in groupby(assignments, key=lambda a: a.requirement_id)}
    requirements = MaterialRequirement.objects.filter(indicator__standard__in=campaign.standards.all()) \
        .select_related("indicator").order_by("indicator__standard_id", "indicator__order", "order", "id")
    if not access.is_office or filters["unit"] or filters["state"]:
        requirements = requirements.filter(pk__in=by_requirement.keys())
    summary = S.campaign_materials(campaign, access, today)
    completeness = {ind.pk: c for ind, c in summary.by_indicator}
    groups = []
    for indicator, reqs in groupby(requirements, key=lambda r: r.indicator):
        rows = [(r, by_requirement.get(r.pk, [])) for r in reqs]
        groups.append({"indicator": indicator, "rows": rows, "completeness": completeness.get(indicator.pk)})
    wanted = request.GET.get("show")
    if wanted == "missing":
        groups = [g for g in groups if g["completeness"] is None or g["completeness"].missing]
    return render(request, "visits/material_list.html", {
        "campaign": campaign, "groups": groups, "summary": summary, "show": wanted, "today": today,
        "filters": filters, "filtered_unit": next((u for u, _c in summary.by_unit if u.pk == filters["unit"]), None),
        "assign_form": AssignForm(initial={"due_on": services.default_due_on(campaign)}) if access.is_office else None,
        "reference_year": services.reference_year(campaign),
    })


LIST_STATES = ("overdue", "due_soon", "submitted", "closed", "held")


def _list_filters(request):
    unit = request.GET.get("unit", "")
    state = request.GET.get("state", "")
    return {"unit": int(unit) if unit.isdigit() and len(unit) < 10 else None,
            "state": state if state in LIST_STATES else None}


@login_required
@require_GET
def material_assignment(request, pk):
    assignment = S.get_assignment_for_user(request, pk)
    access = get_access(request)
    return _assignment_page(request, assignment, access, UploadForm())


def _assignment_page(request, assignment, access, form, status=200):
    today = timezone.localdate()
    year = services.reference_year(assignment.campaign)
    documents = list(assignment.documents.prefetch_related("versions").select_related("reviewed_by"))
    for d in documents:
        d.in_window_now = d.in_window(year)
    can_upload = _can_upload(access, assignment)
    return render(request, "visits/assignment_detail.html", {
        "assignment": assignment, "requirement": assignment.requirement, "campaign": assignment.campaign,
        "documents": documents, "form": form, "can_upload": can_upload and assignment.status != "complete",
        "can_review": access.is_office, "reuploadable": can_upload, "window": assignment.requirement.window(year),
        "level": assignment.alert_level_on(today, assignment.campaign.alert_policy()),
        "return_form": ReturnForm(), "reupload_form": ReuploadForm(),
    }, status=status)


@login_required
@require_POST
def material_upload(request, pk):
    assignment = S.get_assignment_for_user(request, pk)
    access = get_access(request)
    if not _can_upload(access, assignment):
        raise PermissionDenied
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.material_document_upload(
                assignment=assignment, user=request.user, checked=d["file"], title=d["title"],
                doc_number=d["doc_number"], doc_date=d["doc_date"], pages=d["pages"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("已上传，等待创建办审核"))
            return redirect("material_assignment", pk=assignment.pk)
    return _assignment_page(request, assignment, access, form, status=400)


@login_required
@require_POST
def material_document_reupload(request, pk):
    document = S.get_document_for_user(request, pk)
    access = get_access(request)
    if not _can_upload(access, document.assignment):
        raise PermissionDenied
    form = ReuploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
        return redirect("material_assignment", pk=document.assignment_id)
    d = form.cleaned_data
    try:
        services.material_document_reupload(document=document, user=request.user, checked=d["file"],
                                            doc_date=d["doc_date"], pages=d["pages"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("新版本已上传，等待创建办审核"))
    return redirect("material_assignment", pk=document.assignment_id)


@login_required
@require_POST
def material_document_accept(request, pk):
    document = S.get_document_for_user(request, pk)
    require_office(request)
    try:
        services.material_document_accept(document=document, user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("已采用"))
    return _back(request, document)


@login_required
@require_POST
def material_document_return(request, pk):
    document = S.get_document_for_user(request, pk)
    require_office(request)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写退回理由"))
    else:
        try:
            services.material_document_return(document=document, user=request.user,
                                              reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("已退回，单位可在资料页看到退回理由"))
    return _back(request, document)


def _back(request, document):
    """Reviews are made on the assignment page or in the queue; go back where it was made."""
    if request.POST.get("back") == "review":
        return redirect("material_review")
    return redirect("material_assignment", pk=document.assignment_id)


@login_required
@require_GET
def material_file(request, pk):
    version = S.get_material_file_for_user(request, pk)
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = f"{version.document.title}-v{version.number}.{version.extension}"
    return FileResponse(handle, as_attachment=True, filename=name)


@login_required
@require_GET
def material_review(request):
    require_office(request)
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    documents = list(S.review_queue(campaign))
    year = services.reference_year(campaign)
    for d in documents:
        d.in_window_now = d.in_window(year)
        d.latest = max(d.versions.all(), key=lambda v: v.number, default=None)
    return render(request, "visits/review_queue.html", {"campaign": campaign, "documents": documents,
                                                        "return_form": ReturnForm()})


@login_required
@require_POST
def material_assign(request, pk):
    require_office(request)
    requirement = get_object_or_404(MaterialRequirement.objects.select_related("indicator"), pk=pk)
    campaign = current_campaign(request)
    form = AssignForm(request.POST)
    if campaign is None or not form.is_valid():
        messages.error(request, _("请选择单位并填写报送截止日期"))
        return redirect("material_list")
    try:
        services.material_assign(campaign=campaign, requirement=requirement, unit=form.cleaned_data["unit"],
                                 due_on=form.cleaned_data["due_on"], user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("已布置：%(unit)s 报送「%(title)s」") % {
            "unit": form.cleaned_data["unit"].name, "title": requirement.title})
    return redirect("material_list")


# --- the package -----------------------------------------------------------------------------


@login_required
@require_POST
def material_package_create(request):
    require_office(request)
    campaign = current_campaign(request)
    if campaign is None:
        raise Http404
    package = services.material_package_request(campaign=campaign, user=request.user)
    return redirect("material_package", pk=package.pk)


@login_required
@require_GET
def material_packages(request):
    access = get_access(request)
    if not (access.is_office or access.is_leader):
        raise PermissionDenied
    campaign = current_campaign(request)
    if campaign is None:
        return render(request, "indicators/no_campaign.html")
    packages = MaterialPackage.objects.filter(campaign=campaign)[:20]
    return render(request, "visits/package_list.html", {"campaign": campaign, "packages": packages,
                                                        "summary": S.campaign_materials(campaign, access,
                                                                                        timezone.localdate())})


@login_required
@require_GET
def material_package(request, pk):
    package = S.get_package_for_user(request, pk)
    return render(request, "visits/package_detail.html", {"package": package, "campaign": package.campaign})


@background_poll
@login_required
@require_GET
def material_package_progress(request, pk):
    package = S.get_package_for_user(request, pk)
    html = render_to_string("visits/package_progress.html", {"package": package}, request)
    return JsonResponse({"state": package.state, "percent": package.progress_percent,
                         "done": not package.is_running, "html": html})


@login_required
@require_GET
def material_package_download(request, pk):
    package = S.get_package_for_user(request, pk)
    if package.state != MaterialPackage.State.READY or not package.file:
        raise Http404
    try:
        handle = package.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    stamp = timezone.localtime(package.finished_at).strftime("%Y%m%d")
    return FileResponse(handle, as_attachment=True, filename=f"迎检资料包-{stamp}.zip")
