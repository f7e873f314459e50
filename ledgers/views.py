"""Ledger pages: list, template download, upload, progress, preview, confirm / cancel,
versions with downloads, and the value provenance page ("how this number was made")."""
import logging
from pathlib import PurePath
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.models import IndicatorValue, format_decimal
from indicators.selectors import get_value_for_user
from organizations.access import get_access
from organizations.paging import page_number
from organizations.redirects import safe_next
from organizations.models import Unit
from organizations.sessions import background_poll
from spreadsheets.forms import WorkbookField

from . import selectors as S
from .jobs import enqueue, parse_ledger_upload
from .models import Ledger, LedgerUpload, LedgerVersion
from .schemas import LEDGER_TYPE_CHOICES, LEDGER_TYPES
from . import services
from .services import LedgerError, city_districts
from .validation import rows_refusal
from .workbooks import error_workbook, ledger_workbook

logger = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Files up to this size are parsed within the upload request (well under a second for the
# few thousand rows that fit); bigger ones go to the background job with a progress bar.
DEFAULT_INLINE_PARSE_MAX_BYTES = 256 * 1024
QUEUED_TOO_LONG_SECONDS = 90


def inline_parse_max_bytes():
    return getattr(settings, "LEDGER_INLINE_PARSE_MAX_BYTES", DEFAULT_INLINE_PARSE_MAX_BYTES)


def _download(content, filename, content_type=XLSX):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _limit_text():
    return f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):g} MB"


def _upload_for_user(request, pk):
    return S.get_upload_for_user(request, pk)


def _require_uploader(request, unit_id):
    if not S.can_upload_for(request, unit_id):
        raise PermissionDenied


# --- list and templates -----------------------------------------------------------------


@login_required
@require_GET
def ledger_list(request):
    city, campaign = S.ledger_city(request)
    if city is None:
        raise Http404
    unit_id = request.GET.get("unit") or ""
    ledger_type = request.GET.get("type") or ""
    if ledger_type not in LEDGER_TYPES:
        ledger_type = ""
    with_ledgers = Unit.objects.filter(pk__in=Ledger.objects.filter(city=city).values("unit_id"))
    units = list(get_access(request).scope(with_ledgers, "id").order_by("sort_order", "id"))
    ledgers = S.ledger_list(request, city, unit_id=int(unit_id) if unit_id.isdigit() else None,
                            ledger_type=ledger_type or None)
    upload_units = list(S.upload_units(request, city))
    return render(request, "ledgers/ledger_list.html", {
        "city": city, "campaign": campaign, "ledgers": ledgers, "types": list(LEDGER_TYPES.values()),
        "filter_unit": unit_id, "filter_type": ledger_type, "units": units,
        "can_upload": bool(upload_units), "open_uploads": S.open_uploads(request, city),
    })


@login_required
@require_GET
def ledger_template(request, ledger_type):
    schema = LEDGER_TYPES.get(ledger_type)
    if schema is None:
        raise Http404
    city, _campaign = S.ledger_city(request)
    districts = [d.name for d in city_districts(city)] if city else []
    measures = []
    if ledger_type == "values":
        from indicators.models import Measure

        measures = list(Measure.objects.filter(formula_key="").order_by("key").values_list("name", flat=True))
    content = ledger_workbook(schema, districts=districts, city_name=city.name if city else "", measures=measures)
    return _download(content, f"{schema.label}模板.xlsx")


# --- upload -----------------------------------------------------------------------------


class UploadForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=gettext_lazy("填报单位"), empty_label=None)
    ledger_type = forms.ChoiceField(choices=LEDGER_TYPE_CHOICES, label=gettext_lazy("台账类型"))
    file = WorkbookField(label=gettext_lazy("台账文件（.xlsx）"))
    sheet_name = forms.CharField(label=gettext_lazy("工作表名称（可不填，默认读取第一个符合的工作表）"), required=False,
                                 max_length=100)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        # Not Django's "选择一个有效的选项": say which units this user may upload for.
        names = "、".join(u.name for u in units[:10]).replace("%", "%%")
        self.fields["unit"].error_messages["invalid_choice"] = _(
            "您不能为所选单位上传台账：只能为 %(units)s 上传。如需代其他单位上传，请联系创建办。") % {"units": names}

    def clean(self):
        """Refuse a ledger over LEDGER_MAX_ROWS here, from the gate's row count, before the
        upload is stored and its parse starts."""
        cleaned = super().clean()
        file = cleaned.get("file")
        facts = getattr(file, "facts", None)
        if facts is not None:
            refusal = rows_refusal(facts, PurePath(file.name).name, cleaned.get("sheet_name") or "")
            if refusal:
                self.add_error("file", refusal)
        return cleaned



def queue_parse(upload_id):
    """After commit: parse in the background; with the broker down, parse right here instead."""
    if enqueue(parse_ledger_upload, upload_id):
        return
    upload = LedgerUpload.objects.filter(pk=upload_id).first()
    if upload is not None:
        services.ledger_upload_parse(upload=upload)


def _parse_or_queue(upload, force_inline=False):
    if force_inline or upload.size <= inline_parse_max_bytes():
        return services.ledger_upload_parse(upload=upload)
    upload_id = upload.pk
    transaction.on_commit(lambda: queue_parse(upload_id))
    return upload


@login_required
@require_http_methods(["GET", "POST"])
def ledger_upload(request):
    city, campaign = S.ledger_city(request)
    if city is None:
        raise Http404
    units = S.upload_units(request, city)
    if not units.exists():
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        declared = request.META.get("CONTENT_LENGTH") or "0"
        too_big = _("文件超过 %(limit)s 的上传上限：请删去无关的工作表、图片或空白格式行后再上传。") % {"limit": _limit_text()}
        # Refuse before Django reads the body: a multipart form adds a few KB around the file.
        if declared.isdigit() and int(declared) > settings.UPLOAD_MAX_BYTES + 64 * 1024:
            form = UploadForm(units=units)
            form.errors["file"] = form.error_class([too_big])
            return render(request, "ledgers/upload.html", {"form": form, "city": city}, status=413)
        form = UploadForm(request.POST, request.FILES, units=units)
        uploaded = request.FILES.get("file")
        if uploaded is not None and uploaded.size > settings.UPLOAD_MAX_BYTES:
            form.add_error("file", too_big)
            return render(request, "ledgers/upload.html", {"form": form, "city": city}, status=413)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            _require_uploader(request, unit.pk)
            try:
                with transaction.atomic():
                    upload = services.ledger_upload_create(
                        unit=unit, ledger_type=form.cleaned_data["ledger_type"], file=form.cleaned_data["file"],
                        user=request.user, campaign=campaign, sheet_name=form.cleaned_data["sheet_name"],
                        file_name=PurePath(form.cleaned_data["file"].name).name,
                    )
                    upload = _parse_or_queue(upload)
            except LedgerError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("ledger_upload_detail", pk=upload.pk)
        status = 400
    else:
        form = UploadForm(units=units, initial={"unit": request.GET.get("unit") or units.first().pk,
                                                "ledger_type": request.GET.get("type") or "parks"})
    return render(request, "ledgers/upload.html", {"form": form, "city": city, "limit": _limit_text(),
                                                   "max_rows": f"{settings.LEDGER_MAX_ROWS:,}",
                                                   "types": list(LEDGER_TYPES.values())}, status=status)


def _queued_too_long(upload):
    if not upload.is_parsing or upload.parse_started_at is not None:
        return False
    return (timezone.now() - upload.uploaded_at).total_seconds() > QUEUED_TOO_LONG_SECONDS


@login_required
@require_GET
def ledger_upload_detail(request, pk):
    upload = _upload_for_user(request, pk)
    current = LedgerVersion.objects.filter(ledger=upload.ledger, is_current=True).first()
    preview = S.upload_preview(upload, list_name=request.GET.get("list", ""), page=request.GET.get("page", "")) \
        if upload.status in (LedgerUpload.Status.READY, LedgerUpload.Status.FAILED,
                             LedgerUpload.Status.CANCELLED) else None
    access = get_access(request)
    can_decide = S.can_upload_for(request, upload.ledger.unit_id)
    version = getattr(upload, "version", None) if upload.status == LedgerUpload.Status.CONFIRMED else None
    # The file's unrecognised headers, offered for mapping to whoever may upload for the unit.
    mapping = (upload.result or {}).get("mapping") or {} if can_decide and upload.status in (
        LedgerUpload.Status.READY, LedgerUpload.Status.FAILED) else {}
    stale = upload.is_ready and (current.pk if current else None) != upload.base_version_id
    offer_valid_only = bool(upload.error_count and access.is_office)
    if offer_valid_only:
        blocker = upload.confirm_blocker(valid_rows_only=True)
        decide_message = blocker or _("文件中有错误。作为创建办，你可以选择只导入有效行，跳过有错误的行。")
    else:
        blocker = upload.confirm_blocker()
        decide_message = blocker
    return render(request, "ledgers/upload_detail.html", {
        "upload": upload, "ledger": upload.ledger, "schema": upload.ledger.schema, "preview": preview,
        "current": current, "stale": stale, "can_decide": can_decide, "can_confirm": blocker is None and not stale,
        "decide_message": decide_message, "offer_valid_only": offer_valid_only and blocker is None,
        "version": version, "queued_too_long": _queued_too_long(upload),
        "mapping": mapping, "missing_columns": "、".join(c["label"] for c in mapping.get("columns", ()) if c["required"])
        if mapping else "",
    })


@background_poll
@login_required
@require_GET
def ledger_upload_progress(request, pk):
    upload = S.get_upload_for_user(request, pk, light=True)
    html = render_to_string("ledgers/upload_progress.html", {
        "upload": upload, "queued_too_long": _queued_too_long(upload),
        "can_decide": S.can_upload_for(request, upload.ledger.unit_id)}, request)
    return JsonResponse({"status": upload.status, "rows_read": upload.rows_read, "rows_total": upload.rows_total,
                         "percent": upload.progress_percent, "done": not upload.is_parsing, "html": html})


@login_required
@require_POST
def ledger_upload_confirm(request, pk):
    upload = _upload_for_user(request, pk)
    _require_uploader(request, upload.ledger.unit_id)
    valid_only = request.POST.get("valid_rows_only") == "1"
    if valid_only and not get_access(request).is_office:
        raise PermissionDenied
    try:
        outcome = services.ledger_upload_confirm(upload=upload, user=request.user, valid_rows_only=valid_only)
    except LedgerError as exc:
        messages.error(request, str(exc))
        return redirect("ledger_upload_detail", pk=upload.pk)
    text = ngettext("已确认为 %(ledger)s v%(n)s，共 %(rows)s 行。", "已确认为 %(ledger)s v%(n)s，共 %(rows)s 行。",
                    outcome.version.row_count) % {
        "ledger": upload.ledger, "n": outcome.version.number, "rows": outcome.version.row_count}
    if outcome.values:
        names = "、".join(dict.fromkeys(f"{v.measure.name}" for v in outcome.values))
        text += _("已重新计算：%(names)s。") % {"names": names}
    messages.success(request, text)
    for label, scope, reason in outcome.skipped:
        messages.warning(request, _("未能计算%(scope)s%(label)s：%(reason)s") % {"label": label, "scope": scope.name,
                                                                            "reason": reason})
    return redirect("ledger_version", pk=outcome.version.pk)


@login_required
@require_POST
def ledger_upload_cancel(request, pk):
    upload = _upload_for_user(request, pk)
    _require_uploader(request, upload.ledger.unit_id)
    try:
        services.ledger_upload_cancel(upload=upload, user=request.user)
    except LedgerError as exc:
        messages.error(request, str(exc))
        return redirect("ledger_upload_detail", pk=upload.pk)
    messages.info(request, _("已取消本次上传，台账未作任何改动。"))
    return redirect("ledger_detail", pk=upload.ledger_id)


@login_required
@require_POST
def ledger_upload_reparse(request, pk):
    upload = _upload_for_user(request, pk)
    _require_uploader(request, upload.ledger.unit_id)
    sheet = request.POST.get("sheet")
    try:
        upload = services.ledger_upload_reparse(upload=upload, user=request.user, sheet_name=sheet)
    except LedgerError as exc:
        messages.error(request, str(exc))
        return redirect("ledger_upload_detail", pk=upload.pk)
    _parse_or_queue(upload, force_inline=request.POST.get("now") == "1")
    return redirect("ledger_upload_detail", pk=upload.pk)


@login_required
@require_POST
def ledger_upload_map_headers(request, pk):
    """The preview's header mapping: save the unit's spellings and read the same file again."""
    upload = _upload_for_user(request, pk)
    # Unit staff map only for their own units: another unit's upload is not found at all.
    if not S.can_upload_for(request, upload.ledger.unit_id):
        raise Http404
    offered = (upload.result or {}).get("mapping") or {}
    mapping = {h["text"]: (request.POST.get(f"col_{h['index']}") or "").strip() for h in offered.get("headers", [])}
    try:
        upload = services.header_mapping_save(upload=upload, user=request.user, mapping=mapping)
    except LedgerError as exc:
        messages.error(request, str(exc))
        return redirect("ledger_upload_detail", pk=upload.pk)
    _parse_or_queue(upload)
    messages.success(request, _("已保存表头对应关系（本单位的%(type)s今后按此识别），并重新读取了文件。")
                     % {"type": upload.ledger.get_ledger_type_display()})
    return redirect("ledger_upload_detail", pk=upload.pk)


class HeaderAliasForm(forms.Form):
    header = forms.CharField(label=gettext_lazy("表头写法"), max_length=100)
    column = forms.ChoiceField(label=gettext_lazy("对应的列"))

    def __init__(self, *args, schema, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["column"].choices = [(c.key, c.header) for c in schema.columns]


@login_required
@require_http_methods(["GET", "POST"])
def ledger_header_aliases(request):
    """The office's page of header spellings per ledger type: the city's own (added here) and
    the ones units saved while mapping their files."""
    if not get_access(request).is_office:
        raise PermissionDenied
    city, _campaign = S.ledger_city(request)
    if city is None:
        raise Http404
    ledger_type = request.POST.get("ledger_type") or request.GET.get("type") or ""
    if ledger_type not in LEDGER_TYPES:
        ledger_type = next(iter(LEDGER_TYPES))
    schema = LEDGER_TYPES[ledger_type]
    status = 200
    if request.method == "POST":
        form = HeaderAliasForm(request.POST, schema=schema)
        if form.is_valid():
            try:
                alias = services.header_alias_add(city=city, ledger_type=ledger_type, header=form.cleaned_data["header"],
                                                  column=form.cleaned_data["column"], user=request.user)
            except LedgerError as exc:
                form.add_error("header", str(exc))
            else:
                messages.success(request, _("已添加全市表头写法「%(header)s」→「%(label)s」。")
                                 % {"header": alias.header, "label": alias.column_label})
                return redirect(f"{reverse('ledger_header_aliases')}?type={ledger_type}")
        status = 400
    else:
        form = HeaderAliasForm(schema=schema)
    aliases = list(S.header_aliases(city, ledger_type))
    columns = [{"column": c, "spellings": list(dict.fromkeys(str(a) for a in (c.label, c.header, *c.aliases))),
                "aliases": [a for a in aliases if a.column == c.key]} for c in schema.columns]
    return render(request, "ledgers/header_aliases.html", {
        "city": city, "schema": schema, "types": list(LEDGER_TYPES.values()), "columns": columns, "form": form,
        "alias_count": len(aliases)}, status=status)


@login_required
@require_POST
def ledger_header_alias_delete(request, pk):
    if not get_access(request).is_office:
        raise PermissionDenied
    city, _campaign = S.ledger_city(request)
    alias = S.get_header_alias_for_office(city, pk)
    ledger_type = alias.ledger_type
    services.header_alias_delete(alias=alias, user=request.user)
    messages.info(request, _("已删除表头写法「%(header)s」。") % {"header": alias.header})
    return redirect(f"{reverse('ledger_header_aliases')}?type={ledger_type}")


@login_required
@require_GET
def ledger_upload_file(request, pk):
    upload = _upload_for_user(request, pk)
    return FileResponse(upload.file.open("rb"), as_attachment=True, filename=upload.original_name, content_type=XLSX)


@login_required
@require_GET
def ledger_upload_errors(request, pk):
    upload = _upload_for_user(request, pk)
    if not upload.error_count:
        raise Http404
    stem = PurePath(upload.original_name).stem
    return _download(error_workbook(upload), f"{stem}-未导入的行.xlsx")


# --- ledgers and versions ---------------------------------------------------------------


@login_required
@require_GET
def ledger_detail(request, pk):
    ledger = S.get_ledger_for_user(request, pk)
    versions = list(ledger.versions.select_related("confirmed_by__person", "upload__uploaded_by__person"))
    current = next((v for v in versions if v.is_current), None)
    uploads = list(ledger.uploads.select_related("uploaded_by__person").defer("result")[:30])
    columns, rows, total = S.version_rows(current, page_size=50) if current else ([], [], 0)
    return render(request, "ledgers/ledger_detail.html", {
        "ledger": ledger, "schema": ledger.schema, "versions": versions, "current": current, "uploads": uploads,
        "columns": columns, "rows": rows, "total": total, "can_upload": S.can_upload_for(request, ledger.unit_id),
    })


@login_required
@require_GET
def ledger_version(request, pk):
    version = S.get_version_for_user(request, pk)
    page_size = 100
    highlight = request.GET.get("row", "")
    if not (highlight.isdigit() and len(highlight) <= 12):
        highlight = ""
    total = version.row_count
    page = request.GET.get("page", "")
    if highlight and not page:
        page = S.page_of_row(version, int(highlight), page_size)
    page = page_number(page, total, page_size)
    columns, rows, total = S.version_rows(version, page_size=page_size, page=page)
    pages = max(1, (total + page_size - 1) // page_size)
    # Values made from this version: ledger values dated from its confirmation on, in its city.
    candidates = IndicatorValue.objects.filter(
        source=IndicatorValue.Source.LEDGER, as_of__gte=timezone.localdate(version.confirmed_at),
        scope__in=[version.ledger.city_id, *[d.pk for d in city_districts(version.ledger.city)]],
    ).order_by("-as_of", "measure__key").values(
        "pk", "value", "as_of", "measure__name", "measure__unit", "scope__name", "provenance__versions")[:500]
    values = [v for v in candidates if any(x.get("id") == version.pk for x in (v["provenance__versions"] or []))][:60]
    return render(request, "ledgers/version_detail.html", {
        "version": version, "ledger": version.ledger, "columns": columns, "rows": rows, "total": total,
        "page": page, "pages": pages, "highlight": int(highlight) if highlight.isdigit() else None, "values": values,
    })


@login_required
@require_GET
def ledger_version_file(request, pk):
    version = S.get_version_for_user(request, pk)
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=version.original_name, content_type=XLSX)


@login_required
@require_POST
def ledger_recompute(request):
    """The office recomputes every ledger value of the city (after changing campaign parameters)."""
    if not get_access(request).is_office:
        raise PermissionDenied
    city, campaign = S.ledger_city(request)
    if city is None:
        raise Http404
    with transaction.atomic():
        written, skipped = services.ledger_values_recompute(city=city, campaign=campaign, user=request.user)
        services.compliance_requests(city=city, reason=_("按当前台账重新计算"))
    messages.success(request, ngettext("已按当前台账重新计算 %(n)s 个指标数值。", "已按当前台账重新计算 %(n)s 个指标数值。",
                                               len(written)) % {"n": len(written)})
    for label, scope, reason in skipped:
        messages.warning(request, _("未能计算%(scope)s%(label)s：%(reason)s") % {"label": label, "scope": scope.name,
                                                                            "reason": reason})
    return redirect("ledger_list")


# --- values -----------------------------------------------------------------------------


@login_required
@require_GET
def ledger_value(request, pk):
    """How one indicator value was made: formula, inputs, ledger versions and rows."""
    value = get_value_for_user(request, pk)
    context = S.value_provenance(value, request)
    back = safe_next(request)
    context.update({"value": value, "value_text": format_decimal(value.value) if value.value is not None else "—",
                    "back": back, "ledger_list_url": reverse("ledger_list")})
    return render(request, "ledgers/value_detail.html", context)
