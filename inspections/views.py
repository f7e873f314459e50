"""Thin views over selectors (reads) and services (writes).

Access: findings outside the user's units (as responsible or cooperating unit) are 404;
actions a role may not take on a visible finding are 403; actions the finding's state
forbids are 409; invalid input is 400 with the form shown again.
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.selectors import current_campaign
from organizations.access import get_access, get_unit_for_user
from organizations.models import Unit
from organizations.paging import paginate
from organizations.pdf import render_pdf

from . import services
from .forms import (
    AccountabilityForm,
    BatchOrderForm,
    CloseForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    FilterForm,
    FindingForm,
    ReturnForm,
    RoundForm,
    SettingsForm,
    StartForm,
    SubmitForm,
)
from .models import ExtensionRequest, Finding, SupervisionOrder
from .photos import photo_max_bytes
from .selectors import (
    get_extension_for_user,
    get_order_for_user,
    get_photo_for_user,
    get_round_for_user,
    LEVEL_ORDER,
    accountability_summary,
    campaign_units,
    filter_findings,
    filter_units,
    finding_counts,
    finding_detail_parts,
    frequent_units,
    get_finding_for_user,
    inspection_settings_for,
    order_for_pdf,
    pending_extensions,
    round_rows,
    unit_accountability,
    unit_queue,
    verification_queue,
    visible_findings,
    visible_orders,
    with_list_relations,
)
from .services import TransitionNotAllowed, can_act_for_unit, can_decide_extensions, can_record, can_verify

PAGE_SIZE = 50


def _no_campaign(request):
    return render(request, "indicators/no_campaign.html")


def _too_large(request):
    """413 before the view touches the files: the site-wide upload cap."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= settings.UPLOAD_MAX_BYTES:
        return None
    return render(request, "inspections/upload_too_large.html",
                  {"cap_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}, status=413)


def _decorate(findings, today, policy, access=None):
    """Level and days left as of today, computed by the model's pure rules; for unit staff,
    whether their unit leads the finding or only cooperates on it."""
    own = None if access is None or access.sees_all else access.own_unit_ids
    for f in findings:
        f.level = f.alert_level_on(today, policy=policy)
        f.days_left = f.days_left_on(today)
        f.viewer_role = None if own is None else ("lead" if f.unit_id in own else "cooperating")
    return findings


def _role_flags(request):
    access = get_access(request)
    return {
        "can_record": can_record(request.user),
        "can_verify": can_verify(request.user),
        "is_office": access.is_office,
        "sees_all": access.sees_all,
    }


# Findings: list, queue, capture ----------------------------------------------------------


@login_required
@require_GET
def finding_list(request):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    access = get_access(request)
    today = timezone.localdate()
    policy = campaign.alert_policy()
    base = visible_findings(access, Finding.objects.filter(campaign=campaign))
    form = FilterForm(request.GET or None, campaign=campaign, units=filter_units(campaign, access))
    filters = form.filters()
    # Chips count within the other filters, so each chip says what clicking it would show.
    counts = finding_counts(filter_findings(base, {k: v for k, v in filters.items()
                                                   if k not in ("status", "level", "state")}, today, policy, access),
                            today, policy)
    shown = filter_findings(base, filters, today, policy, access)
    order = "deadline" if request.GET.get("sort") == "deadline" else "-found_on"
    page = paginate(with_list_relations(shown).order_by(order, "-id"), PAGE_SIZE, request.GET.get("page"))
    _decorate(page.object_list, today, policy, access)
    return render(request, "inspections/finding_list.html", {
        "campaign": campaign, "form": form, "filters": filters, "counts": counts, "page": page,
        "shown_count": page.paginator.count, "today": today, "statuses": Finding.Status.choices,
        "states": Finding.State.choices,
        "levels": [(lv.value, lv.label) for lv in LEVEL_ORDER], "sources": Finding.Source.choices,
        "sort": order,
        **_role_flags(request),
    })


@login_required
@require_GET
def finding_export(request):
    """The list as .xlsx with the page's filters: what the office forwards or prints."""
    from .export import findings_workbook

    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    access = get_access(request)
    today = timezone.localdate()
    policy = campaign.alert_policy()
    base = visible_findings(access, Finding.objects.filter(campaign=campaign))
    form = FilterForm(request.GET or None, campaign=campaign, units=filter_units(campaign, access))
    shown = filter_findings(base, form.filters(), today, policy, access)
    findings = _decorate(list(shown.select_related("unit", "round", "indicator").order_by("-found_on", "-id")),
                         today, policy, access)
    content = findings_workbook(campaign, findings, today, {lv.value: str(lv.label) for lv in LEVEL_ORDER},
                                with_roles=not access.sees_all)
    response = HttpResponse(content,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"督查问题-{today:%Y%m%d}.xlsx")
    return response


@login_required
@require_GET
def finding_queue(request):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    access = get_access(request)
    today = timezone.localdate()
    policy = campaign.alert_policy()
    base = visible_findings(access, Finding.objects.filter(campaign=campaign))
    if not access.sees_all:
        # Unit staff's queue is what their own units must do, not what they cooperate on.
        base = base.filter(unit_id__in=access.own_unit_ids)
    unit = None
    if access.sees_all and request.GET.get("unit", "").isdigit():
        unit = campaign_units(campaign).filter(pk=int(request.GET["unit"])).first()
        if unit is not None:
            base = base.filter(unit=unit)
    todo = _decorate(list(with_list_relations(unit_queue(base, today))), today, policy)
    to_verify = _decorate(list(with_list_relations(verification_queue(base)))[:100], today, policy) \
        if can_verify(request.user) or not access.sees_all else []
    extensions = []
    if can_decide_extensions(request.user):
        extensions = list(pending_extensions(base).select_related("finding", "finding__unit", "requested_by__person"))
    return render(request, "inspections/finding_queue.html", {
        "campaign": campaign, "todo": todo, "to_verify": to_verify, "extensions": extensions, "today": today,
        "unit": unit, "units": campaign_units(campaign).order_by("sort_order", "id") if access.sees_all else [],
        "overdue": sum(1 for f in todo if f.level in ("red", "escalated")),
        **_role_flags(request),
    })


@login_required
@require_http_methods(["GET", "POST"])
def finding_create(request):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    if not can_record(request.user):
        raise PermissionDenied(_("只有创建办或督查人员可以登记问题。"))
    too_large = _too_large(request)
    if too_large:
        return too_large
    options = inspection_settings_for(campaign)
    kwargs = {"campaign": campaign, "strip_location": options.strip_photo_location,
              "default_deadline_days": options.default_deadline_days}
    status = 200
    if request.method == "POST":
        form = FindingForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                finding = services.finding_create(
                    campaign=campaign, user=request.user, unit=data["unit"], description=data["description"],
                    address=data["address"], deadline=data["deadline"], found_on=data.get("found_on"),
                    round=data.get("round"), source=data["source"], category=data["category"],
                    severity=data["severity"], indicator=data.get("indicator"), latitude=data.get("latitude"),
                    longitude=data.get("longitude"), cooperating_units=data.get("cooperating_units") or [],
                    photos=data["processed_photos"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("问题 #%(pk)s 已登记并交办给%(unit)s。") % {"pk": finding.pk,
                                                                              "unit": finding.unit.name})
                return redirect("finding_detail", pk=finding.pk)
        status = 400
    else:
        initial = {}
        if request.GET.get("round", "").isdigit():  # "登记问题" from a round's page
            initial["round"] = int(request.GET["round"])
        form = FindingForm(initial=initial, **kwargs)
    return render(request, "inspections/finding_form.html", {
        "campaign": campaign, "form": form, "quick_units": frequent_units(campaign),
        "photo_cap_mb": photo_max_bytes() // (1024 * 1024), "strip_location": options.strip_photo_location,
    }, status=status)


def _form_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# One finding: the page and its actions ---------------------------------------------------


def _detail_context(request, finding, **forms):
    user = request.user
    today = timezone.localdate()
    finding.level = finding.alert_level_on(today, policy=finding.campaign.alert_policy())
    finding.days_left = finding.days_left_on(today)
    parts = finding_detail_parts(finding)
    unit_staff = can_act_for_unit(user, finding)
    verifier = can_verify(user)
    pending = next((e for e in parts["extensions"] if e.status == ExtensionRequest.Status.PENDING), None)
    options = inspection_settings_for(finding.campaign)
    context = {
        "finding": finding, "today": today, **parts, "pending_extension": pending,
        "can_start": unit_staff and finding.can("start"),
        "can_submit": unit_staff and finding.can("submit"),
        "can_request_extension": unit_staff and finding.unit_holds_it and pending is None
                                 and finding.days_left is not None and finding.days_left >= 0,
        "can_close": verifier and finding.can("close"),
        "can_return": verifier and finding.can("return"),
        "can_decide_extension": can_decide_extensions(user) and pending is not None and not finding.is_closed,
        "is_unit_staff": unit_staff, "photo_cap_mb": photo_max_bytes() // (1024 * 1024),
        "strip_location": options.strip_photo_location,
        "start_form": forms.get("start_form") or StartForm(),
        "submit_form": forms.get("submit_form") or SubmitForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "return_form": forms.get("return_form") or ReturnForm(),
        "extension_form": forms.get("extension_form") or ExtensionRequestForm(),
        "decision_form": forms.get("decision_form") or ExtensionDecisionForm(
            initial={"deadline": pending.requested_deadline if pending else None}),
        "action_error": forms.get("action_error"),
        **_role_flags(request),
    }
    return context


def _render_detail(request, finding, status=200, **forms):
    return render(request, "inspections/finding_detail.html", _detail_context(request, finding, **forms),
                  status=status)


@login_required
@require_GET
def finding_detail(request, pk):
    finding = get_finding_for_user(request, pk)
    return _render_detail(request, finding)


def _run(request, finding, call, form_name, form, success):
    """Call a service; 409 when the state forbids it, 400 when the input is wrong."""
    try:
        call()
    except TransitionNotAllowed as exc:
        return _render_detail(request, finding, status=409, action_error=" ".join(exc.messages))
    except ValidationError as exc:
        _form_errors(form, exc)
        return _render_detail(request, finding, status=400, **{form_name: form})
    messages.success(request, success)
    return redirect("finding_detail", pk=finding.pk)


def _precheck(request, finding, action):
    """Role first (403), then state (409), before any upload is processed."""
    try:
        services.finding_check_action(finding=finding, user=request.user, action=action)
    except TransitionNotAllowed as exc:
        return _render_detail(request, finding, status=409, action_error=" ".join(exc.messages))
    return None


@login_required
@require_POST
def finding_start(request, pk):
    finding = get_finding_for_user(request, pk)
    blocked = _precheck(request, finding, "start")
    if blocked:
        return blocked
    form = StartForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(request, finding, lambda: services.finding_start(finding=finding, user=request.user, note=note),
                "start_form", form, _("已开始整改。"))


@login_required
@require_POST
def finding_submit(request, pk):
    finding = get_finding_for_user(request, pk)
    blocked = _precheck(request, finding, "submit")
    if blocked:
        return blocked
    too_large = _too_large(request)
    if too_large:
        return too_large
    strip = inspection_settings_for(finding.campaign).strip_photo_location
    form = SubmitForm(request.POST, request.FILES, strip_location=strip)
    if not form.is_valid():
        return _render_detail(request, finding, status=400, submit_form=form)
    data = form.cleaned_data
    return _run(request, finding, lambda: services.finding_submit(
        finding=finding, user=request.user, note=data["note"], photos=data["processed_photos"]),
        "submit_form", form, _("整改结果已提交，等待复核。"))


@login_required
@require_POST
def finding_close(request, pk):
    finding = get_finding_for_user(request, pk)
    blocked = _precheck(request, finding, "close")
    if blocked:
        return blocked
    form = CloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(request, finding, lambda: services.finding_close(finding=finding, user=request.user, note=note),
                "close_form", form, _("问题已销号。"))


@login_required
@require_POST
def finding_return(request, pk):
    finding = get_finding_for_user(request, pk)
    blocked = _precheck(request, finding, "return")
    if blocked:
        return blocked
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, finding, status=400, return_form=form)
    data = form.cleaned_data
    return _run(request, finding, lambda: services.finding_return(
        finding=finding, user=request.user, reason=data["reason"], new_deadline=data["new_deadline"]),
        "return_form", form, _("已退回整改。"))


@login_required
@require_POST
def finding_extension_request(request, pk):
    finding = get_finding_for_user(request, pk)
    if not can_act_for_unit(request.user, finding):
        raise PermissionDenied(_("只有责任单位可以申请延期。"))
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, finding, status=400, extension_form=form)
    data = form.cleaned_data
    return _run(request, finding, lambda: services.extension_request_create(
        finding=finding, user=request.user, requested_deadline=data["requested_deadline"], reason=data["reason"]),
        "extension_form", form, _("延期申请已提交，等待创建办审批。"))


@login_required
@require_POST
def finding_extension_decide(request, pk):
    extension = get_extension_for_user(request, pk)
    finding = get_finding_for_user(request, extension.finding_id)
    if not can_decide_extensions(request.user):
        raise PermissionDenied(_("只有创建办可以审批延期申请。"))
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, finding, status=400, decision_form=form)
    data = form.cleaned_data
    if data["decision"] == "approve":
        def call():
            services.extension_request_approve(extension=extension, user=request.user, deadline=data["deadline"],
                                               note=data["note"])
        done = _("已同意延期，整改期限已调整。")
    else:
        def call():
            services.extension_request_reject(extension=extension, user=request.user, note=data["note"])
        done = _("已驳回延期申请。")
    return _run(request, finding, call, "decision_form", form, done)


@login_required
@require_GET
def finding_photo(request, pk, variant):
    photo = get_photo_for_user(request, pk)
    field = photo.thumbnail if variant == "thumb" else photo.image
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/png" if field.name.endswith(".png") else "image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response


# Supervision orders ------------------------------------------------------------------------


@login_required
@require_GET
def finding_order_list(request):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    orders = visible_orders(get_access(request), campaign)
    kind = request.GET.get("kind", "")
    if kind in SupervisionOrder.Kind.values:
        orders = orders.filter(kind=kind)
    page = paginate(orders.order_by("-year", "-seq"), PAGE_SIZE, request.GET.get("page"))
    return render(request, "inspections/order_list.html", {
        "campaign": campaign, "page": page, "kind": kind,
        "batch_form": BatchOrderForm(campaign=campaign) if can_record(request.user) else None,
        **_role_flags(request),
    })


@login_required
@require_POST
def finding_order_batch(request):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    if not can_record(request.user):
        raise PermissionDenied(_("只有创建办或督查人员可以下发督办单。"))
    form = BatchOrderForm(request.POST, campaign=campaign)
    if not form.is_valid():
        messages.error(request, _("请选择责任单位。"))
        return redirect("finding_order_list")
    unit = form.cleaned_data["unit"]
    findings = Finding.objects.filter(campaign=campaign, unit=unit).in_state("held", timezone.localdate())
    try:
        order = services.supervision_order_issue(campaign=campaign, unit=unit, findings=findings, user=request.user,
                                                 kind=SupervisionOrder.Kind.BATCH)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("finding_order_list")
    n = order.findings.count()
    messages.success(request, ngettext("已生成 %(number)s，共 %(n)s 个问题。", "已生成 %(number)s，共 %(n)s 个问题。", n)
                     % {"number": order.number, "n": n})
    return redirect("finding_order_list")


@login_required
@require_GET
def finding_order_pdf(request, pk):
    order = get_order_for_user(request, pk)
    findings = order_for_pdf(order)
    # An order goes to a Chinese government unit: always in Chinese, whatever the UI language.
    with translation.override("zh-hans"):
        pdf = render_pdf("inspections/supervision_order_pdf.html", {
            "order": order, "findings": findings, "campaign": order.campaign, "today": timezone.localdate(),
            "issued_on": timezone.localtime(order.issued_at).date(),
        })
    response = HttpResponse(pdf, content_type="application/pdf")
    download = request.GET.get("download") == "1"
    response["Content-Disposition"] = content_disposition_header(download, f"督办单-{order.number}.pdf")
    return response


# Rounds --------------------------------------------------------------------------------------


def _require_wide(request):
    # Rounds (above all unannounced ones, with their routes) are the inspectors' business:
    # unit staff never see them.
    if not get_access(request).sees_all:
        raise PermissionDenied(_("督查轮次仅对创建办、督查人员和领导开放。"))


@login_required
@require_GET
def round_list(request):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    _require_wide(request)
    return render(request, "inspections/round_list.html", {
        "campaign": campaign, "rounds": round_rows(campaign), **_role_flags(request),
    })


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    if not can_record(request.user):
        raise PermissionDenied(_("只有创建办或督查人员可以安排督查。"))
    status = 200
    if request.method == "POST":
        form = RoundForm(request.POST, campaign=campaign)
        if form.is_valid():
            data = form.cleaned_data
            try:
                round_ = services.inspection_round_create(
                    campaign=campaign, user=request.user, date=data["date"], kind=data["kind"], title=data["title"],
                    area=data["area"], route=data["route"], note=data["note"], team=data["team"],
                    standards=data["standards"])
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("督查轮次已保存。"))
                return redirect("round_detail", pk=round_.pk)
        status = 400
    else:
        form = RoundForm(campaign=campaign)
    return render(request, "inspections/round_form.html", {"campaign": campaign, "form": form}, status=status)


@login_required
@require_GET
def round_detail(request, pk):
    round_ = get_round_for_user(request, pk)
    today = timezone.localdate()
    findings = _decorate(list(with_list_relations(round_.findings.all()).order_by("deadline", "id")), today,
                         round_.campaign.alert_policy())
    closed = sum(1 for f in findings if f.is_closed)
    return render(request, "inspections/round_detail.html", {
        "round": round_, "findings": findings, "today": today, "closed": closed,
        "team": round_.team.select_related("unit"), "standards": round_.standards.all(),
        "by_unit": round_.findings.values("unit__name").annotate(n=Count("id")).order_by("-n", "unit__name"),
        **_role_flags(request),
    })


# Accountability ------------------------------------------------------------------------------


@login_required
@require_GET
def finding_accountability_list(request):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    today = timezone.localdate()
    rows = accountability_summary(campaign, get_access(request), today, campaign.alert_policy())
    return render(request, "inspections/accountability_list.html", {
        "campaign": campaign, "rows": rows, "today": today, **_role_flags(request),
    })


def _accountability_unit_context(request, campaign, unit, form=None):
    today = timezone.localdate()
    findings = Finding.objects.filter(campaign=campaign, unit=unit)
    policy = campaign.alert_policy()
    overdue = _decorate(list(with_list_relations(findings.overdue(today, policy)).order_by("deadline")), today,
                        policy)
    is_office = get_access(request).is_office
    return {
        "campaign": campaign, "unit": unit, "records": unit_accountability(campaign, unit), "overdue": overdue,
        "today": today, "form": form or (AccountabilityForm(campaign=campaign, unit=unit) if is_office else None),
        "stats": findings.aggregate(total=Count("id"),
                                    closed=Count("id", filter=Finding.objects.state_q(Finding.State.CLOSED, today))),
        **_role_flags(request),
    }


@login_required
@require_GET
def finding_accountability_unit(request, pk):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    unit = get_unit_for_user(request, pk)
    return render(request, "inspections/accountability_unit.html",
                  _accountability_unit_context(request, campaign, unit))


@login_required
@require_POST
def finding_accountability_create(request, pk):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    unit = get_unit_for_user(request, pk)
    if not get_access(request).is_office:
        raise PermissionDenied(_("只有创建办可以登记问责。"))
    form = AccountabilityForm(request.POST, campaign=campaign, unit=unit)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.accountability_record_create(
                campaign=campaign, unit=unit, user=request.user, kind=data["kind"], date=data["date"],
                title=data["title"], people=data["people"], detail=data["detail"], findings=data["findings"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("问责记录已登记。"))
            return redirect("finding_accountability_unit", pk=unit.pk)
    return render(request, "inspections/accountability_unit.html",
                  _accountability_unit_context(request, campaign, unit, form), status=400)


# Settings --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def finding_settings(request):
    campaign = current_campaign(request)
    if campaign is None:
        return _no_campaign(request)
    if not get_access(request).is_office:
        raise PermissionDenied(_("只有创建办可以修改督查设置。"))
    current = inspection_settings_for(campaign)
    status = 200
    if request.method == "POST":
        form = SettingsForm(request.POST, instance=current)
        if form.is_valid():
            services.inspection_settings_update(campaign=campaign, user=request.user, **{
                k: form.cleaned_data[k] for k in services.SETTINGS_FIELDS})
            messages.success(request, _("督查设置已保存。"))
            return redirect("finding_settings")
        status = 400
    else:
        form = SettingsForm(instance=current)
    return render(request, "inspections/settings.html", {"campaign": campaign, "form": form, **_role_flags(request)},
                  status=status)
