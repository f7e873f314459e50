"""The /api/v1/ endpoints. Thin: each fetches through its app's scoped lookup
(`get_<thing>_for_user`, `visible_*`), validates with the page's form, and calls the same
service the page calls. Errors become the one error format in api/errors.py."""
import json
from pathlib import PurePath

from django import forms
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from indicators.models import Campaign, ComplianceSnapshot, Indicator, IndicatorValue, Standard, StandardNode
from indicators.selectors import campaign_compliance, campaign_districts, get_value_for_user, readiness
from indicators.services import campaigns_using_measure, compliance_recompute_request, indicator_value_record
from indicators.standards import indicator_update
from indicators.views import ValueForm
from inspections import services as finding_services
from inspections.forms import (
    CloseForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    FindingForm,
    ReturnForm,
    StartForm,
)
from inspections.forms import SubmitForm as FindingSubmitForm
from inspections.models import Finding
from inspections.selectors import (
    get_extension_for_user,
    get_finding_for_user,
    get_photo_for_user,
    inspection_settings_for,
    visible_findings,
)
from ledgers import services as ledger_services
from ledgers.models import LedgerRow, LedgerUpload
from ledgers.selectors import (
    can_upload_for,
    get_upload_for_user,
    get_version_for_user,
    ledger_city,
    upload_preview,
    upload_units,
    value_provenance,
    visible_ledgers,
    visible_uploads,
    visible_versions,
)
from ledgers.views import UploadForm as LedgerUploadForm
from ledgers.views import inline_parse_max_bytes, queue_parse
from notifications.models import Notification
from notifications.services import notification_mark_read
from organizations.access import get_access
from organizations.audit import audit_for
from organizations.models import Person, Unit
from reports.models import Briefing
from tasks.access import COOPERATING, LEAD, OFFICE, acting_unit, get_task_for_user, require_role, task_role
from tasks.forms import AcceptForm, EvidenceField, ProgressForm, SendBackForm
from tasks.forms import SubmitForm as TaskSubmitForm
from tasks.models import Task
from tasks.services import task_accept, task_progress_report, task_send_back, task_submit

from . import serializers as s
from .errors import Conflict
from .forms import form_serializer, run_form
from .permissions import can_report_value

PARSERS = [JSONParser, FormParser, MultiPartParser]
BOTH = ["application/json", "multipart/form-data"]


def _body(serializer_class):
    return {media: serializer_class for media in BOTH}


def _multipart(serializer_class):
    return {"multipart/form-data": serializer_class}


def _file(field, content_type):
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, content_type=content_type)


def _pk(value):
    # A path id that is not a number is a 404, never a 500.
    if not str(value).isdigit():
        raise Http404
    return int(value)


# Standards, nodes, indicators ------------------------------------------------------------


class StandardViewSet(viewsets.ReadOnlyModelViewSet):
    """The indicator library: everybody reads it."""

    queryset = Standard.objects.order_by("code")
    serializer_class = s.StandardSerializer
    filterset_fields = ["code", "tier"]
    ordering_fields = ["code", "id"]


class NodeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = StandardNode.objects.order_by("standard_id", "order", "id")
    serializer_class = s.NodeSerializer
    filterset_fields = ["standard", "level", "parent"]
    ordering_fields = ["order", "code", "id"]


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = (Indicator.objects.select_related("measure").prefetch_related("thresholds")
                .order_by("standard_id", "order", "id"))
    serializer_class = s.IndicatorSerializer
    filterset_fields = ["standard", "node", "kind", "aggregation", "measure"]
    ordering_fields = ["order", "code", "id"]

    @extend_schema(request=_body(s.ThresholdListInputSerializer), responses=s.IndicatorSerializer,
                   description="The office replaces an indicator's thresholds (the standards editor's service, "
                               "audited).")
    @action(detail=True, methods=["put"], url_path="thresholds", parser_classes=PARSERS)
    def thresholds(self, request, pk=None):
        if not get_access(request).is_office:
            raise exceptions.PermissionDenied(_("只有创建办可以修改阈值。"))
        indicator = self.get_object()
        data = s.ThresholdListInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = [{k: ("" if v is None else v) for k, v in t.items()} for t in data.validated_data["thresholds"]]
        indicator_update(indicator=indicator, values={}, thresholds=rows, user=request.user,
                         note=data.validated_data.get("note", "") or "api")
        indicator = self.get_queryset().get(pk=indicator.pk)
        return Response(s.IndicatorSerializer(indicator).data)


# Campaigns, compliance, values -----------------------------------------------------------


def _dec(value):
    # Decimals as strings, as the model serializers write them: no float rounding on the way.
    return None if value is None else format(value, "f")


def _row_json(row):
    ev = row.evaluation
    return {
        "indicator": row.indicator.id, "code": row.indicator.code, "name": row.indicator.name,
        "standard": row.indicator.standard.code, "kind": row.indicator.kind, "unit": row.indicator.unit,
        "status": row.status, "value": _dec(row.value), "target": _dec(ev.target), "gap": _dec(ev.gap),
        "trend": row.trend,
        "previous_status": row.previous_status,
        "value_id": row.value_row.pk if row.value_row else None,
        "districts": [{"scope": d.scope.id, "name": d.scope.name, "value": _dec(d.value),
                       "status": d.evaluation.status, "gap": _dec(d.evaluation.gap)} for d in row.districts],
    }


ComplianceRowSchema = inline_serializer("ComplianceRow", {
    "indicator": serializers.IntegerField(), "code": serializers.CharField(), "name": serializers.CharField(),
    "standard": serializers.CharField(), "kind": serializers.CharField(), "unit": serializers.CharField(),
    "status": serializers.ChoiceField(choices=Indicator.Status.choices),
    "value": serializers.CharField(allow_null=True, help_text="decimal"),
    "target": serializers.CharField(allow_null=True, help_text="decimal"),
    "gap": serializers.CharField(allow_null=True, help_text="decimal"),
    "trend": serializers.CharField(allow_null=True), "previous_status": serializers.CharField(allow_null=True),
    "value_id": serializers.IntegerField(allow_null=True),
    "districts": serializers.ListField(child=serializers.DictField()),
})
ComplianceSchema = inline_serializer("CampaignCompliance", {
    "campaign": serializers.IntegerField(), "date": serializers.DateField(),
    "summary": serializers.DictField(), "counts": serializers.DictField(child=serializers.IntegerField()),
    "indicators": ComplianceRowSchema.__class__(many=True),
})
IndicatorStatusSchema = inline_serializer("CampaignIndicator", {
    "row": ComplianceRowSchema, "history": serializers.ListField(child=serializers.DictField()),
    "values": s.ValueSerializer(many=True), "audit": serializers.ListField(child=serializers.DictField()),
})


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Campaigns are everybody's (as the overview page)."""

    queryset = Campaign.objects.prefetch_related("standards").order_by("-is_active", "id")
    serializer_class = s.CampaignSerializer
    filterset_fields = ["is_active", "kind", "tier", "city"]
    ordering_fields = ["id", "evaluation_date", "name"]

    @extend_schema(
        parameters=[OpenApiParameter("standard", str, description="standard code"),
                    OpenApiParameter("status", str, enum=Indicator.Status.values),
                    OpenApiParameter("kind", str, enum=Indicator.Kind.values)],
        responses=ComplianceSchema,
        description="The overview page's figures: readiness summary and every indicator's status, value, "
                    "gap and trend, per district where the indicator is judged on the lowest district.")
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def compliance(self, request, pk=None):
        campaign = self.get_object()
        standards = list(campaign.standards.all())
        code = request.query_params.get("standard")
        standard = next((x for x in standards if x.code == code), None) if code else None
        if code and standard is None:
            raise exceptions.ValidationError({"standard": [_("该创建活动没有这个标准。")]})
        today = timezone.localdate()
        rows = campaign_compliance(campaign, today, standard=standard)
        summary = readiness(rows)
        shown = [r for r in rows
                 if (not request.query_params.get("status") or r.status == request.query_params["status"])
                 and (not request.query_params.get("kind") or r.indicator.kind == request.query_params["kind"])]
        return Response({
            "campaign": campaign.pk, "date": today,
            "summary": {"ready": summary.ready, "basic_met": summary.basic_met, "basic_total": summary.basic_total,
                        "improvement_met": summary.improvement_met,
                        "improvement_total": summary.improvement_total, "not_met": summary.not_met,
                        "no_data": summary.no_data, "veto_total": summary.veto_total,
                        "veto_failed": [r.indicator.code for r in summary.veto_failed],
                        "veto_no_data": [r.indicator.code for r in summary.veto_no_data]},
            "counts": {st: sum(r.status == st for r in rows) for st in Indicator.Status.values},
            "indicators": [_row_json(r) for r in shown],
        })

    @extend_schema(responses=IndicatorStatusSchema,
                   parameters=[OpenApiParameter("indicator_pk", int, OpenApiParameter.PATH)],
                   description="One indicator in the campaign: status, snapshot history (city scope), values "
                               "per scope with their provenance, and the audit trail of the values.")
    @action(detail=True, methods=["get"], url_path=r"indicators/(?P<indicator_pk>[^/.]+)", filter_backends=[],
            pagination_class=None)
    def indicator(self, request, pk=None, indicator_pk=None):
        campaign = self.get_object()
        indicator = get_object_or_404(Indicator.objects.select_related("measure", "standard"),
                                      pk=_pk(indicator_pk), standard__campaigns=campaign)
        row = next(r for r in campaign_compliance(campaign, standard=indicator.standard)
                   if r.indicator.id == indicator.id)
        scope_ids = [campaign.city_id] + [d.id for d in campaign_districts(campaign)]
        values = list(IndicatorValue.objects.filter(measure=indicator.measure, scope_id__in=scope_ids)
                      .order_by("-as_of", "scope__sort_order")[:200])
        history = ComplianceSnapshot.objects.filter(campaign=campaign, indicator=indicator,
                                                    scope=campaign.city).order_by("-date")[:60]
        audit = []
        for v in values[:20]:
            for entry in audit_for(v)[:5]:
                audit.append({"at": entry.at, "value": v.pk, "scope": v.scope_id, "action": entry.action,
                              "actor": entry.actor_name, "changes": entry.changes, "note": entry.note})
        audit.sort(key=lambda e: e["at"], reverse=True)
        return Response({
            "row": _row_json(row),
            "history": [{"date": h.date, "status": h.status, "value": _dec(h.value), "target": _dec(h.target),
                         "gap": _dec(h.gap)} for h in history],
            "values": s.ValueSerializer(values, many=True).data,
            "audit": audit[:30],
        })


ValueInput = type("ValueInput", (serializers.Serializer,), {
    "campaign": serializers.IntegerField(),
    "indicator": serializers.IntegerField(),
    **form_serializer(ValueForm, "ValueFormFields", scopes=Unit.objects.none())._declared_fields,
    "evidence": serializers.FileField(required=False, help_text="佐证材料 (multipart only)"),
    "provenance": serializers.JSONField(required=False, help_text="Where the figure comes from (a JSON object: "
                                                                 "system, query, report id …)"),
})


class ValueFilter(filters.FilterSet):
    as_of_from = filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_to = filters.DateFilter(field_name="as_of", lookup_expr="lte")

    class Meta:
        model = IndicatorValue
        fields = ["measure", "scope", "source", "as_of"]


class ValueViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Values are everybody's (the overview shows them all); what a value's provenance shows of
    the ledgers behind it is scoped to the ledgers the user may open."""

    queryset = IndicatorValue.objects.order_by("-as_of", "id")
    serializer_class = s.ValueSerializer
    filterset_class = ValueFilter
    ordering_fields = ["as_of", "id", "entered_at"]
    parser_classes = PARSERS

    def get_object(self):
        return get_value_for_user(self.request, _pk(self.kwargs["pk"]))

    @extend_schema(responses=inline_serializer("ValueDetail", {
        "value": s.ValueSerializer(), "provenance": serializers.DictField(),
        "versions": serializers.ListField(child=serializers.DictField()),
        "groups": serializers.ListField(child=serializers.DictField()),
    }))
    def retrieve(self, request, pk=None):
        value = self.get_object()
        parts = value_provenance(value, request)
        groups = [{"label": g.label, "role": g.role, "count": g.count, "ledger_type": g.ledger_type,
                   "hidden": g.hidden, "truncated": g.truncated,
                   "rows": [{"version": vid, "row_number": n, "cells": [str(c) for c in cells], "detail": d}
                            for vid, n, cells, d in g.rows]}
                  for g in parts["groups"]]
        return Response({"value": s.ValueSerializer(value).data, "provenance": parts["provenance"],
                         "versions": parts["versions"], "groups": groups})

    @extend_schema(request={"application/json": ValueInput, "multipart/form-data": ValueInput},
                   responses={201: s.ValueSerializer},
                   description="Record a value (with evidence and provenance) for a campaign's indicator. The "
                               "office, or staff of a unit that leads or cooperates on the indicator's task in "
                               "that campaign. Refused for measures computed from ledgers.")
    def create(self, request):
        data = request.data
        campaign = get_object_or_404(Campaign, pk=_pk(data.get("campaign", "")))
        indicator = get_object_or_404(Indicator.objects.select_related("measure", "standard"),
                                      pk=_pk(data.get("indicator", "")), standard__campaigns=campaign)
        if not can_report_value(get_access(request), campaign, indicator):
            raise exceptions.PermissionDenied(_("只有创建办或该指标任务的牵头、配合单位可以填报数值。"))
        scope_ids = [campaign.city_id] + [d.id for d in campaign_districts(campaign)]
        cleaned = run_form(ValueForm, request, scopes=Unit.objects.filter(id__in=scope_ids),
                           qualitative=indicator.is_qualitative)
        provenance = data.get("provenance") or {}
        if isinstance(provenance, str):
            try:
                provenance = json.loads(provenance)
            except ValueError:
                raise exceptions.ValidationError({"provenance": [_("计算依据须为 JSON 对象。")]}) from None
        if not isinstance(provenance, dict):
            raise exceptions.ValidationError({"provenance": [_("计算依据须为 JSON 对象。")]})
        evidence = request.FILES.get("evidence")
        if evidence is not None:
            # The task table's evidence rules (file types, size): one set for every evidence upload.
            try:
                EvidenceField().clean([evidence])
            except forms.ValidationError as exc:
                raise exceptions.ValidationError({"evidence": exc.messages}) from None
        token = request.auth if hasattr(request.auth, "prefix") else None
        full = {"entered_in": "api", "indicator": indicator.code, "standard": indicator.standard.code,
                **({"token": token.prefix} if token else {}), "reported": provenance}
        with transaction.atomic():
            value = indicator_value_record(
                measure=indicator.measure, scope=cleaned["scope"], as_of=cleaned["as_of"], value=cleaned["value"],
                user=request.user, note=cleaned["note"], provenance=full, evidence=evidence)
            for affected in campaigns_using_measure(measure=value.measure, scope=value.scope):
                compliance_recompute_request(campaign=affected, reason=f"value {value.pk}")
        return Response(s.ValueSerializer(value).data, status=status.HTTP_201_CREATED)


# Units and people ------------------------------------------------------------------------


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.UnitSerializer
    filterset_fields = ["kind", "parent"]
    ordering_fields = ["sort_order", "id", "name"]

    def get_queryset(self):
        return get_access(self.request).scope(Unit.objects.order_by("sort_order", "id"), "id")


class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.PersonSerializer
    filterset_fields = ["unit"]
    ordering_fields = ["id", "name"]

    def get_queryset(self):
        return get_access(self.request).scope(Person.objects.order_by("unit_id", "id"), "unit")


# Notifications and briefings ---------------------------------------------------------------


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.NotificationSerializer
    ordering_fields = ["created_at", "id"]

    class Filter(filters.FilterSet):
        unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

        class Meta:
            model = Notification
            fields = ["unread"]

    filterset_class = Filter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user).select_related("alert").order_by("-created_at",
                                                                                                    "-id")

    @extend_schema(request=None, responses=s.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db()
        return Response(s.NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notification_mark_read(user=request.user)})


class BriefingViewSet(viewsets.ReadOnlyModelViewSet):
    """Leaders and the office read briefings (as on the pages); others see none."""

    serializer_class = s.BriefingSerializer
    filterset_fields = ["campaign", "language", "week_start"]
    ordering_fields = ["week_start", "number", "id"]

    def get_queryset(self):
        access = get_access(self.request)
        qs = Briefing.objects.order_by("-week_start", "language", "id")
        return qs if access.is_office or access.is_leader else qs.none()

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filter_backends=[])
    def pdf(self, request, pk=None):
        return _file(self.get_object().pdf, "application/pdf")


# Tasks ---------------------------------------------------------------------------------------

ProgressInput = form_serializer(ProgressForm, "TaskProgressInput")
TaskSubmitInput = form_serializer(TaskSubmitForm, "TaskSubmitInput")
AcceptInput = form_serializer(AcceptForm, "TaskAcceptInput")
SendBackInput = form_serializer(SendBackForm, "TaskSendBackInput")


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.TaskSerializer
    filterset_fields = ["campaign", "lead_unit", "review_state", "indicator", "alert_level"]
    ordering_fields = ["due_on", "seq", "id", "progress"]
    parser_classes = PARSERS

    def get_queryset(self):
        return (Task.objects.visible_to(get_access(self.request)).prefetch_related("cooperating_units")
                .order_by("campaign_id", "seq", "id"))

    def get_object(self):
        return get_task_for_user(self.request, _pk(self.kwargs["pk"]))

    def get_serializer_class(self):
        return s.TaskDetailSerializer if self.action == "retrieve" else s.TaskSerializer

    def _act(self, request, allowed, form_class, call):
        task = self.get_object()
        access = get_access(request)
        role = task_role(access, task)
        require_role(role, *allowed)
        data = run_form(form_class, request)
        call(task, acting_unit(access, task, role), data)
        return Response(s.TaskDetailSerializer(get_task_for_user(request, task.pk)).data)

    @extend_schema(request=_multipart(ProgressInput), responses=s.TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        return self._act(request, (LEAD, OFFICE), ProgressForm, lambda t, u, d: task_progress_report(
            task=t, user=request.user, unit=u, text=d["text"], progress=d["progress"], files=d["files"]))

    @extend_schema(request=_body(TaskSubmitInput), responses=s.TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(request, (LEAD, OFFICE), TaskSubmitForm,
                         lambda t, u, d: task_submit(task=t, user=request.user, unit=u, note=d["note"]))

    @extend_schema(request=_body(AcceptInput), responses=s.TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, (OFFICE,), AcceptForm,
                         lambda t, u, d: task_accept(task=t, user=request.user, unit=u, note=d["note"]))

    @extend_schema(request=_body(SendBackInput), responses=s.TaskDetailSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        return self._act(request, (OFFICE,), SendBackForm,
                         lambda t, u, d: task_send_back(task=t, user=request.user, unit=u, reason=d["reason"]))


# Findings ------------------------------------------------------------------------------------

_NO_CAMPAIGN = Campaign(pk=0)
FindingInput = type("FindingInput", (serializers.Serializer,), {
    "campaign": serializers.IntegerField(),
    **form_serializer(FindingForm, "FindingFormFields", exclude=("album_photos",), campaign=_NO_CAMPAIGN)
    ._declared_fields,
})
FindingSubmitInput = form_serializer(FindingSubmitForm, "FindingSubmitInput")
StartInput = form_serializer(StartForm, "FindingStartInput")
CloseInput = form_serializer(CloseForm, "FindingCloseInput")
ReturnInput = form_serializer(ReturnForm, "FindingReturnInput")
ExtensionInput = form_serializer(ExtensionRequestForm, "ExtensionRequestInput")
DecisionInput = form_serializer(ExtensionDecisionForm, "ExtensionDecisionInput")


class FindingFilter(filters.FilterSet):
    deadline_from = filters.DateFilter(field_name="deadline", lookup_expr="gte")
    deadline_to = filters.DateFilter(field_name="deadline", lookup_expr="lte")

    class Meta:
        model = Finding
        fields = ["campaign", "unit", "status", "category", "severity", "source", "round", "indicator",
                  "alert_level"]


class FindingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.FindingSerializer
    filterset_class = FindingFilter
    ordering_fields = ["deadline", "created_at", "id", "found_on"]
    parser_classes = PARSERS

    def get_queryset(self):
        return (visible_findings(get_access(self.request)).prefetch_related("cooperating_units")
                .order_by("-created_at", "-id"))

    def get_object(self):
        return get_finding_for_user(self.request, _pk(self.kwargs["pk"]))

    def get_serializer_class(self):
        return s.FindingDetailSerializer if self.action == "retrieve" else s.FindingSerializer

    def _detail(self, finding):
        return Response(s.FindingDetailSerializer(get_finding_for_user(self.request, finding.pk)).data)

    @extend_schema(request=_multipart(FindingInput), responses={201: s.FindingDetailSerializer},
                   description="An inspector or the office records a finding with photos (`photos`, repeated); "
                               "it is sent to the unit with a numbered supervision order, as on the page.")
    def create(self, request):
        if not finding_services.can_record(request.user):
            raise exceptions.PermissionDenied(_("只有创建办或督查人员可以登记问题。"))
        campaign = get_object_or_404(Campaign.objects.select_related("city"), pk=_pk(request.data.get("campaign", "")))
        options = inspection_settings_for(campaign)
        data = run_form(FindingForm, request, campaign=campaign, strip_location=options.strip_photo_location,
                        default_deadline_days=options.default_deadline_days)
        finding = finding_services.finding_create(
            campaign=campaign, user=request.user, unit=data["unit"], description=data["description"],
            address=data["address"], deadline=data["deadline"], found_on=data.get("found_on"),
            round=data.get("round"), source=data["source"], category=data["category"], severity=data["severity"],
            indicator=data.get("indicator"), latitude=data.get("latitude"), longitude=data.get("longitude"),
            cooperating_units=data.get("cooperating_units") or [], photos=data["processed_photos"])
        response = self._detail(finding)
        response.status_code = status.HTTP_201_CREATED
        return response

    def _transition(self, request, action_name, form_class, call, **form_kwargs):
        finding = self.get_object()
        # Role first (403), then state (409), before any upload is processed: as the page.
        finding_services.finding_check_action(finding=finding, user=request.user, action=action_name)
        data = run_form(form_class, request, **form_kwargs)
        call(finding, data)
        return self._detail(finding)

    @extend_schema(request=_body(StartInput), responses=s.FindingDetailSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition(request, "start", StartForm, lambda f, d: finding_services.finding_start(
            finding=f, user=request.user, note=d["note"]))

    @extend_schema(request=_multipart(FindingSubmitInput), responses=s.FindingDetailSerializer,
                   description="The unit hands in the fix: a note and at least one after-photo.")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        finding = self.get_object()
        strip = inspection_settings_for(finding.campaign).strip_photo_location
        return self._transition(request, "submit", FindingSubmitForm, lambda f, d: finding_services.finding_submit(
            finding=f, user=request.user, note=d["note"], photos=d["processed_photos"]), strip_location=strip)

    @extend_schema(request=_body(CloseInput), responses=s.FindingDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(request, "close", CloseForm, lambda f, d: finding_services.finding_close(
            finding=f, user=request.user, note=d["note"]))

    @extend_schema(request=_body(ReturnInput), responses=s.FindingDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._transition(request, "return", ReturnForm, lambda f, d: finding_services.finding_return(
            finding=f, user=request.user, reason=d["reason"], new_deadline=d["new_deadline"]))

    @extend_schema(request=_body(ExtensionInput), responses=s.FindingDetailSerializer)
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, pk=None):
        finding = self.get_object()
        if not finding_services.can_act_for_unit(request.user, finding):
            raise exceptions.PermissionDenied(_("只有责任单位可以申请延期。"))
        data = run_form(ExtensionRequestForm, request)
        finding_services.extension_request_create(finding=finding, user=request.user,
                                                  requested_deadline=data["requested_deadline"],
                                                  reason=data["reason"])
        return self._detail(finding)

    @extend_schema(request=_body(DecisionInput), responses=s.FindingDetailSerializer,
                   parameters=[OpenApiParameter("extension_pk", int, OpenApiParameter.PATH)])
    @action(detail=True, methods=["post"], url_path=r"extensions/(?P<extension_pk>[^/.]+)/decide")
    def decide_extension(self, request, pk=None, extension_pk=None):
        finding = self.get_object()
        extension = get_extension_for_user(request, _pk(extension_pk))
        if extension.finding_id != finding.pk:
            raise Http404
        if not finding_services.can_decide_extensions(request.user):
            raise exceptions.PermissionDenied(_("只有创建办可以审批延期申请。"))
        data = run_form(ExtensionDecisionForm, request)
        if data["decision"] == "approve":
            finding_services.extension_request_approve(extension=extension, user=request.user,
                                                       deadline=data["deadline"], note=data["note"])
        else:
            finding_services.extension_request_reject(extension=extension, user=request.user, note=data["note"])
        return self._detail(finding)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
                   parameters=[OpenApiParameter("photo_pk", int, OpenApiParameter.PATH)])
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_pk>[^/.]+)", url_name="photo",
            filter_backends=[])
    def photo(self, request, pk=None, photo_pk=None):
        photo = get_photo_for_user(request, _pk(photo_pk))
        if photo.finding_id != _pk(pk):
            raise Http404
        name = photo.image.name or ""
        return _file(photo.image, "image/png" if name.endswith(".png") else "image/jpeg")


# Ledgers (read) ------------------------------------------------------------------------------


class LedgerViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.LedgerSerializer
    filterset_fields = ["unit", "city", "ledger_type"]
    ordering_fields = ["id", "ledger_type"]

    def get_queryset(self):
        return visible_ledgers(get_access(self.request)).order_by("unit_id", "ledger_type", "id")


class LedgerVersionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.LedgerVersionSerializer
    filterset_fields = ["ledger"]
    ordering_fields = ["id", "number"]

    def get_queryset(self):
        return visible_versions(get_access(self.request)).order_by("ledger_id", "-number", "id")

    def get_object(self):
        return get_version_for_user(self.request, _pk(self.kwargs["pk"]))

    @extend_schema(responses=s.LedgerRowSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def rows(self, request, pk=None):
        version = self.get_object()
        qs = LedgerRow.objects.filter(version=version).order_by("row_number")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.LedgerRowSerializer(page, many=True).data)


# Ledger uploads: the browser's staged flow (upload → parse → preview → confirm / cancel) ------

UploadInput = form_serializer(LedgerUploadForm, "LedgerUploadInput", units=Unit.objects.none())
UploadDetail = inline_serializer("LedgerUploadDetail", {
    "upload": s.LedgerUploadSerializer(), "preview": serializers.DictField(allow_null=True),
    "confirm_blocker": serializers.CharField(allow_null=True),
})


def _preview_json(upload, request=None):
    """The preview as the page shows it: each list's exact total and one page of rows
    (`?list=added|changed|removed|errors|skipped&page=N` pages one list, as on the page)."""
    if upload.status not in (LedgerUpload.Status.READY, LedgerUpload.Status.FAILED, LedgerUpload.Status.CANCELLED):
        return None
    query = request.query_params if request is not None else {}
    p = upload_preview(upload, list_name=query.get("list", ""), page=query.get("page", ""))

    def paged(lst, items):
        return {"total": lst.total, "page": lst.page, "pages": lst.pages, "items": items}

    return {
        "columns": [str(getattr(c, "label", c)) for c in p.columns],
        "added": paged(p.added, [{"row": n, "cells": [str(c) for c in cells]} for n, cells in p.added.items]),
        "changed": paged(p.changed, p.changed.items),
        "removed": paged(p.removed, [{"old_row": n, "cells": [str(c) for c in cells], "has_error": e}
                                     for n, cells, e in p.removed.items]),
        "errors": paged(p.errors, p.errors.items),
        "skipped": paged(p.skipped, [{"row": n, "reason": str(r)} for n, r in p.skipped.items]),
        "file_errors": p.file_errors, "notes": p.notes, "sheets": p.sheets,
    }


class LedgerUploadViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A ledger file goes through the same stages as in the browser: small files are parsed in
    the request, bigger ones by the parse job (poll the upload until its status leaves
    "parsing"); the preview (rows added, changed, removed, errors) comes back as JSON; the
    unit (or the office) then confirms or cancels."""

    serializer_class = s.LedgerUploadSerializer
    filterset_fields = ["ledger", "status"]
    ordering_fields = ["id", "uploaded_at"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return visible_uploads(get_access(self.request)).defer("result").order_by("-uploaded_at", "-id")

    def get_object(self):
        return get_upload_for_user(self.request, _pk(self.kwargs["pk"]))

    def _detail(self, upload, status_code=200):
        upload = get_upload_for_user(self.request, upload.pk)
        valid_only = bool(upload.error_count and get_access(self.request).is_office)
        blocker = upload.confirm_blocker(valid_rows_only=valid_only)
        return Response({"upload": s.LedgerUploadSerializer(upload).data, "preview": _preview_json(upload, self.request),
                         "confirm_blocker": str(blocker) if blocker else None}, status=status_code)

    @extend_schema(responses=UploadDetail)
    def retrieve(self, request, pk=None):
        return self._detail(self.get_object())

    @extend_schema(request=_multipart(UploadInput), responses={201: UploadDetail})
    def create(self, request):
        city, campaign = ledger_city(request)
        units = upload_units(request, city) if city is not None else Unit.objects.none()
        data = run_form(LedgerUploadForm, request, units=units)
        if not can_upload_for(request, data["unit"].pk):
            raise exceptions.PermissionDenied
        try:
            with transaction.atomic():
                upload = ledger_services.ledger_upload_create(
                    unit=data["unit"], ledger_type=data["ledger_type"], file=data["file"], user=request.user,
                    campaign=campaign, sheet_name=data["sheet_name"], file_name=PurePath(data["file"].name).name)
                if upload.size <= inline_parse_max_bytes():
                    upload = ledger_services.ledger_upload_parse(upload=upload)
                else:
                    upload_id = upload.pk
                    transaction.on_commit(lambda: queue_parse(upload_id))
        except ledger_services.LedgerError as exc:
            raise exceptions.ValidationError({"": [str(exc)]}) from None
        return self._detail(upload, status.HTTP_201_CREATED)

    @extend_schema(request=_body(inline_serializer("LedgerConfirmInput", {
        "valid_rows_only": serializers.BooleanField(required=False, help_text="office only: skip rows in error")})),
        responses=s.LedgerVersionSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        upload = self.get_object()
        if not can_upload_for(request, upload.ledger.unit_id):
            raise exceptions.PermissionDenied
        valid_only = str(request.data.get("valid_rows_only", "")).lower() in ("1", "true")
        if valid_only and not get_access(request).is_office:
            raise exceptions.PermissionDenied
        try:
            outcome = ledger_services.ledger_upload_confirm(upload=upload, user=request.user,
                                                            valid_rows_only=valid_only)
        except ledger_services.LedgerError as exc:
            raise Conflict(str(exc)) from None
        return Response(s.LedgerVersionSerializer(outcome.version).data)

    @extend_schema(request=None, responses=UploadDetail)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        upload = self.get_object()
        if not can_upload_for(request, upload.ledger.unit_id):
            raise exceptions.PermissionDenied
        try:
            ledger_services.ledger_upload_cancel(upload=upload, user=request.user)
        except ledger_services.LedgerError as exc:
            raise Conflict(str(exc)) from None
        return self._detail(upload)
