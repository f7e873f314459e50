"""The indicator library: browse standards (everybody), edit and import them (the office).

Excel import is two steps. The upload is parsed and applied as a dry run; a file with changes
becomes a StagedImport (spreadsheets.models) holding the file, its SHA-256 and the fingerprint
of the previewed change set. Confirm, by the staged import's pk, re-parses that stored file and
applies it; if the database changed since the preview (the fingerprint differs) nothing is
written and the user is asked to upload again. The view keeps nothing itself.
"""
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, Prefetch, Q, When
from django.forms import inlineformset_factory
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organizations.access import get_access
from organizations.audit import audit_for
from organizations.models import AuditEntry
from spreadsheets.models import StagedImport
from spreadsheets.services import (
    StagedImportError,
    staged_import_cancel,
    staged_import_close,
    staged_import_content,
    staged_import_create,
)

from .models import Indicator, Standard, Threshold, Tier, Verification
from .standard_excel import max_rows, standard_workbook, standard_workbook_parse
from .standards import (
    THRESHOLD_DECIMALS,
    THRESHOLD_FIELDS,
    StandardDataError,
    change_rows,
    decimal_text,
    indicator_update,
    standard_apply,
    threshold_data,
    threshold_display,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_office(request):
    if not get_access(request).is_office:
        raise PermissionDenied


def _thresholds_prefetch():
    return Prefetch("thresholds", queryset=Threshold.objects.order_by("order", "id"))


# --- browsing ---------------------------------------------------------------------------


@login_required
@require_GET
def standard_list(request):
    standards = Standard.objects.annotate(
        aspect_count=Count("nodes", filter=Q(nodes__level=1), distinct=True),
        item_count=Count("nodes", filter=Q(nodes__level=2), distinct=True),
        indicator_count=Count("indicators", distinct=True),
        unverified_count=Count(
            "indicators", filter=Q(indicators__verification=Verification.UNVERIFIED), distinct=True
        ),
        veto_count=Count("indicators", filter=Q(indicators__kind=Indicator.Kind.VETO), distinct=True),
    ).order_by(Case(When(tier=Tier.GARDEN, then=0), default=1), "code")
    return render(request, "indicators/standard_list.html", {"standards": standards})


@login_required
@require_GET
def standard_detail(request, code):
    standard = get_object_or_404(Standard, code=code)
    nodes = list(standard.nodes.order_by("order", "id"))
    aspects = [n for n in nodes if n.level == 1]
    indicators = list(
        standard.indicators.select_related("node", "node__parent", "measure")
        .prefetch_related(_thresholds_prefetch())
        .order_by("order", "id")
    )
    tiers = [t for t in Tier.values if any(th.tier == t for i in indicators for th in i.thresholds.all())]

    f_aspect = request.GET.get("aspect", "")
    f_kind = request.GET.get("kind", "") if request.GET.get("kind") in Indicator.Kind.values else ""
    f_ver = request.GET.get("verification", "") if request.GET.get("verification") in Verification.values else ""
    if f_aspect not in {a.code for a in aspects}:
        f_aspect = ""
    shown = [
        i for i in indicators
        if (not f_aspect or i.node.aspect.code == f_aspect)
        and (not f_kind or i.kind == f_kind)
        and (not f_ver or i.verification == f_ver)
    ]

    tier_labels = dict(Tier.choices)
    # A flat list of rows (aspect, item, indicator) in tree order keeps the template simple.
    by_node = {}
    for i in shown:
        by_node.setdefault(i.node_id, []).append(i)
    rows = []
    for aspect in aspects:
        children = [n for n in nodes if n.parent_id == aspect.id]
        leaf_nodes = children or [aspect]
        count = sum(len(by_node.get(n.id, [])) for n in leaf_nodes)
        if not count:
            continue
        rows.append({"type": "aspect", "node": aspect, "count": count})
        for node in leaf_nodes:
            items = by_node.get(node.id, [])
            if not items:
                continue
            if node is not aspect:
                rows.append({"type": "item", "node": node, "count": len(items)})
            for ind in items:
                rows.append({
                    "type": "indicator",
                    "indicator": ind,
                    "tiers": [
                        {
                            "label": tier_labels[tier],
                            "items": [
                                threshold_display(threshold_data(t), ind.unit)
                                for t in ind.thresholds.all()
                                if t.tier == tier
                            ],
                        }
                        for tier in tiers
                    ],
                })

    stats = {
        "aspects": len(aspects),
        "items": sum(1 for n in nodes if n.level == 2),
        "indicators": len(indicators),
        "unverified": sum(1 for i in indicators if i.verification == Verification.UNVERIFIED),
        "veto": sum(1 for i in indicators if i.kind == Indicator.Kind.VETO),
    }
    return render(request, "indicators/standard_detail.html", {
        "standard": standard,
        "rows": rows,
        "tiers": [(t, dict(Tier.choices)[t]) for t in tiers],
        "aspects": aspects,
        "stats": stats,
        "shown_count": len(shown),
        "filters": {"aspect": f_aspect, "kind": f_kind, "verification": f_ver},
        "filtered": bool(f_aspect or f_kind or f_ver),
        "kind_choices": Indicator.Kind.choices,
        "verification_choices": Verification.choices,
    })


@login_required
@require_GET
def standard_export(request, code):
    standard = get_object_or_404(Standard, code=code)
    content = standard_workbook(standard)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{standard.code}-{stamp}.xlsx"'
    return response


# --- editing one indicator --------------------------------------------------------------


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["name", "unit", "kind", "verification", "source", "evidence_requirements"]
        widgets = {
            "name": forms.TextInput(),
            "source": forms.Textarea(attrs={"rows": 2}),
            "evidence_requirements": forms.Textarea(attrs={"rows": 3}),
        }


class ThresholdForm(forms.ModelForm):
    class Meta:
        model = Threshold
        fields = list(THRESHOLD_FIELDS)
        widgets = {
            "value": forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
            "condition_min": forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
            "condition_max": forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
            "historic_adjustment": forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
            "note": forms.TextInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # show 7.5, not the database's 7.5000
            for name in THRESHOLD_DECIMALS:
                self.initial[name] = decimal_text(getattr(self.instance, name))


ThresholdFormSet = inlineformset_factory(
    Indicator, Threshold, form=ThresholdForm, extra=2, can_delete=True, max_num=30, validate_max=True
)


@login_required
@require_http_methods(["GET", "POST"])
def standard_indicator_edit(request, code, indicator_code):
    _require_office(request)
    standard = get_object_or_404(Standard, code=code)
    indicator = get_object_or_404(
        Indicator.objects.select_related("node", "node__parent", "measure"), standard=standard, code=indicator_code
    )
    queryset = indicator.thresholds.order_by("order", "id")
    problems = []
    if request.method == "POST":
        # Forms write into their instances while validating; the service compares against a fresh copy.
        form = IndicatorForm(request.POST, instance=Indicator.objects.get(pk=indicator.pk))
        formset = ThresholdFormSet(request.POST, instance=indicator, queryset=queryset, prefix="thresholds")
        if form.is_valid() and formset.is_valid():
            # Saved rows stay unless ticked for deletion; blank extra rows only count once filled in.
            kept = [
                f for f in formset.forms
                if (f.instance.pk or f.has_changed()) and not f.cleaned_data.get("DELETE")
            ]
            thresholds = [{name: f.cleaned_data.get(name) for name in THRESHOLD_FIELDS} for f in kept]
            try:
                changes = indicator_update(
                    indicator=indicator,
                    values=form.cleaned_data,
                    thresholds=thresholds,
                    user=request.user,
                    note=_("网页编辑"),
                )
            except StandardDataError as exc:
                problems = exc.errors
            else:
                if changes:
                    messages.success(request, _("已保存指标「%(code)s %(name)s」的修改") % {
                        "code": indicator.code, "name": indicator.name})
                else:
                    messages.info(request, _("没有需要保存的修改"))
                return redirect("standard_indicator_edit", code=standard.code, indicator_code=indicator.code)
    else:
        form = IndicatorForm(instance=indicator)
        formset = ThresholdFormSet(instance=indicator, queryset=queryset, prefix="thresholds")
    history = [
        {"entry": entry, "rows": change_rows(entry.changes, indicator.unit)}
        for entry in audit_for(indicator)[:50]
    ]
    status = 200 if not (form.errors or formset.total_error_count() or problems) else 400
    return render(request, "indicators/standard_indicator_edit.html", {
        "standard": standard,
        "indicator": indicator,
        "form": form,
        "formset": formset,
        "problems": problems,
        "history": history,
    }, status=status)


# --- Excel import -----------------------------------------------------------------------


def _limit_text():
    return _("%(mb)s MB") % {"mb": f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):g}"}


def _render_import(request, standard, *, errors=(), status=200, changeset=None, staged=None, filename=""):
    return render(request, "indicators/standard_import.html", {
        "standard": standard,
        "errors": errors,
        "changeset": changeset,
        "staged": staged,
        "filename": filename,
        "limit": _limit_text(),
        "max_rows": max_rows(),
    }, status=status)


def _staged_for_user(request, standard):
    """The open standards preview named by the form's `staged` pk, if it is this user's and this
    standard's (office admins each confirm their own previews); else None."""
    pk = request.POST.get("staged", "")
    if not (pk.isdigit() and len(pk) <= 12):
        return None
    return StagedImport.objects.filter(pk=int(pk), kind=StagedImport.Kind.STANDARD, reference=standard.code,
                                       owner=request.user, status=StagedImport.Status.PREVIEW).first()


@login_required
@require_http_methods(["GET", "POST"])
def standard_import(request, code):
    _require_office(request)
    standard = get_object_or_404(Standard, code=code)
    if request.method == "GET":
        return _render_import(request, standard)

    too_big = [_("文件超过 %(limit)s 的上传上限，请删除多余内容后再上传") % {"limit": _limit_text()}]
    # Refuse before Django reads the body: a multipart form adds a few KB around the file.
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.UPLOAD_MAX_BYTES + 64 * 1024:
        return _render_import(request, standard, errors=too_big, status=413)
    upload = request.FILES.get("file")
    if upload is None:
        return _render_import(request, standard, errors=[_("请选择要上传的 .xlsx 文件")], status=400)
    if upload.size > settings.UPLOAD_MAX_BYTES:
        return _render_import(request, standard, errors=too_big, status=413)
    content = upload.read()
    filename = Path(upload.name or "upload.xlsx").name
    parsed = standard_workbook_parse(content=content, filename=filename, standard=standard)
    if not parsed.ok:
        errors = [str(e) for e in parsed.errors]
        if parsed.truncated:
            errors.append(_("错误过多，仅列出前 %(n)s 条") % {"n": len(parsed.errors)})
        return _render_import(request, standard, errors=errors, filename=filename, status=400)
    try:
        changeset = standard_apply(data=parsed.data, user=request.user, dry_run=True)
    except StandardDataError as exc:
        errors = [_("文件 %(file)s：%(message)s") % {"file": filename, "message": e} for e in exc.errors]
        return _render_import(request, standard, errors=errors, filename=filename, status=400)

    staged = None
    if changeset.has_changes:
        # The file waits in a staged import (not in the session, not in a loose file); confirm
        # finds it by pk and applies it only if the standard is still as previewed.
        staged = staged_import_create(kind=StagedImport.Kind.STANDARD, reference=standard.code, content=content,
                                      original_name=filename, user=request.user,
                                      base_fingerprint=changeset.fingerprint(), summary=changeset.counts())
    return _render_import(request, standard, changeset=changeset, staged=staged, filename=filename)


@login_required
@require_POST
def standard_import_confirm(request, code):
    _require_office(request)
    standard = get_object_or_404(Standard, code=code)
    staged = _staged_for_user(request, standard)
    if staged is None or staged.is_expired():
        if staged is not None:
            staged_import_cancel(staged=staged, user=request.user, note=_("预览已过期"))
        messages.error(request, _("导入预览已失效，请重新上传文件"))
        return redirect("standard_import", code=standard.code)
    try:
        content = staged_import_content(staged)
    except StagedImportError as exc:
        staged_import_cancel(staged=staged, user=request.user, note=str(exc))
        messages.error(request, str(exc))
        return redirect("standard_import", code=standard.code)
    parsed = standard_workbook_parse(content=content, filename=staged.original_name, standard=standard)
    if not parsed.ok:
        staged_import_cancel(staged=staged, user=request.user, note=_("文件已无法通过校验"))
        messages.error(request, _("文件已无法通过校验，请重新上传"))
        return redirect("standard_import", code=standard.code)
    stale = closed = False
    try:
        with transaction.atomic():
            changeset = standard_apply(
                data=parsed.data,
                user=request.user,
                note=_("Excel 导入：%(file)s") % {"file": staged.original_name},
                update_action=AuditEntry.Action.IMPORT,
            )
            if changeset.fingerprint() != staged.base_fingerprint:
                stale = True
                transaction.set_rollback(True)
            else:
                # In the same transaction: a second click (or tab) finds it closed and writes nothing.
                closed = staged_import_close(staged=staged, user=request.user, status=StagedImport.Status.CONFIRMED,
                                             note=_("已导入"))
                if not closed:
                    transaction.set_rollback(True)
    except StandardDataError as exc:
        staged_import_cancel(staged=staged, user=request.user, note="；".join(exc.errors)[:200])
        messages.error(request, _("导入未写入：%(errors)s") % {"errors": "；".join(exc.errors)})
        return redirect("standard_import", code=standard.code)
    if stale:
        staged_import_cancel(staged=staged, user=request.user, note=_("预览之后标准数据已被修改"))
        messages.error(request, _("预览之后标准数据已被修改，本次导入未写入；请重新上传以查看最新的变更"))
        return redirect("standard_import", code=standard.code)
    if not closed:
        messages.error(request, _("导入预览已失效，请重新上传文件"))
        return redirect("standard_import", code=standard.code)
    counts = changeset.counts()
    messages.success(request, _(
        "已导入「%(file)s」：新增 %(new)s 项，修改 %(changed)s 项，未变 %(unchanged)s 项"
    ) % {"file": staged.original_name, **counts})
    return redirect("standard_detail", code=standard.code)


@login_required
@require_POST
def standard_import_cancel(request, code):
    _require_office(request)
    standard = get_object_or_404(Standard, code=code)
    staged = _staged_for_user(request, standard)
    if staged is not None:
        staged_import_cancel(staged=staged, user=request.user, note=_("放弃导入"))
        messages.info(request, _("已放弃本次导入，标准数据未作任何改动。"))
    return redirect("standard_import", code=standard.code)
