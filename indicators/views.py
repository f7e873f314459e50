from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from organizations.access import get_access
from organizations.audit import audit_for
from organizations.models import Unit

from .models import Campaign, ComplianceSnapshot, Indicator, IndicatorValue, StandardNode
from .selectors import campaign_compliance, campaign_districts, current_campaign, readiness
from .services import campaigns_using_measure, compliance_recompute_request, indicator_value_record

STATUS_ORDER = {"not_met": 0, "no_data": 1, "met": 2, "not_applicable": 3}


@login_required
@require_GET
def home(request):
    """The dashboard is everybody's home page (scoped to their units for unit staff)."""
    campaign = current_campaign(request)
    if campaign:
        return redirect("dashboard")
    return render(request, "indicators/no_campaign.html")


@login_required
@require_GET
def campaign_overview(request, pk):
    campaign = get_object_or_404(Campaign.objects.select_related("city"), pk=pk)
    request.session["campaign_id"] = campaign.pk
    standards = list(campaign.standards.all())
    standard = next((s for s in standards if s.code == request.GET.get("standard")), standards[0] if standards else None)
    today = timezone.localdate()
    rows = campaign_compliance(campaign, today, standard=standard)
    summary = readiness(rows)

    aspects = list(StandardNode.objects.filter(standard=standard, level=StandardNode.Level.ASPECT)) if standard else []
    aspect = request.GET.get("aspect", "")
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    counts = {s: sum(r.status == s for r in rows) for s in Indicator.Status.values}
    shown = rows
    if aspect:
        shown = [r for r in shown if str(r.indicator.node.aspect.id) == aspect]
    if kind:
        shown = [r for r in shown if r.indicator.kind == kind]
    if status:
        shown = [r for r in shown if r.status == status]

    groups = []
    for row in shown:
        node = row.indicator.node.aspect
        if not groups or groups[-1][0] != node:
            groups.append((node, []))
        groups[-1][1].append(row)

    return render(
        request,
        "indicators/campaign_overview.html",
        {
            "campaign": campaign,
            "campaigns": Campaign.objects.filter(is_active=True),
            "standards": standards,
            "standard": standard,
            "today": today,
            "days_left": (campaign.evaluation_date - today).days if campaign.evaluation_date else None,
            "summary": summary,
            "groups": groups,
            "shown_count": len(shown),
            "total_count": len(rows),
            "counts": counts,
            "aspects": aspects,
            "filters": {"aspect": aspect, "kind": kind, "status": status},
            "kinds": Indicator.Kind.choices,
            "statuses": Indicator.Status.choices,
            "params": campaign.params(),
        },
    )


class ValueForm(forms.Form):
    scope = forms.ModelChoiceField(queryset=Unit.objects.none(), label=gettext_lazy("范围"))
    as_of = forms.DateField(label=gettext_lazy("数据日期"), widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(label=gettext_lazy("数值"), max_digits=14, decimal_places=4)
    note = forms.CharField(label=gettext_lazy("备注 / 依据"), max_length=300, required=False)

    def __init__(self, *args, scopes, qualitative=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = scopes
        if qualitative:
            self.fields["value"] = forms.TypedChoiceField(
                label=gettext_lazy("判定"), choices=[("1", gettext_lazy("达标")), ("0", gettext_lazy("未达标"))],
                coerce=int,
            )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_indicator(request, pk, indicator_pk):
    campaign = get_object_or_404(Campaign.objects.select_related("city"), pk=pk)
    indicator = get_object_or_404(
        Indicator.objects.select_related("measure", "standard", "node__parent").prefetch_related("thresholds"),
        pk=indicator_pk, standard__campaigns=campaign,
    )
    access = get_access(request)
    districts = campaign_districts(campaign)
    scope_ids = [campaign.city_id] + [d.id for d in districts]
    scopes = Unit.objects.filter(id__in=scope_ids)
    form = ValueForm(
        request.POST or None, scopes=scopes, qualitative=indicator.is_qualitative,
        initial={"as_of": timezone.localdate(), "scope": campaign.city_id},
    )
    if request.method == "POST":
        if not access.is_office:
            raise PermissionDenied
        if indicator.measure.is_computed:
            # The page offers no form for it; a hand-made POST gets the service's answer.
            form.is_valid()
            form.add_error(None, _("“%(measure)s”由台账计算，不能手工填报：请上传或更正相应台账。")
                           % {"measure": indicator.measure.name})
        elif form.is_valid():
            with transaction.atomic():
                value = indicator_value_record(
                    measure=indicator.measure, scope=form.cleaned_data["scope"], as_of=form.cleaned_data["as_of"],
                    value=form.cleaned_data["value"], user=request.user, note=form.cleaned_data["note"],
                    provenance={"entered_in": "browser", "indicator": indicator.code, "standard": indicator.standard.code},
                )
                for affected in campaigns_using_measure(measure=value.measure, scope=value.scope):
                    compliance_recompute_request(campaign=affected, reason=f"value {value.pk}")
            messages.success(request, _("数值已记录，达标情况已更新。"))
            return redirect("campaign_indicator", pk=campaign.pk, indicator_pk=indicator.pk)

    row = next(r for r in campaign_compliance(campaign, standard=indicator.standard) if r.indicator.id == indicator.id)
    values = (
        IndicatorValue.objects.filter(measure=indicator.measure, scope_id__in=scope_ids)
        .select_related("scope", "entered_by__person")
        .order_by("-as_of", "scope__sort_order")[:200]
    )
    snapshots = ComplianceSnapshot.objects.filter(campaign=campaign, indicator=indicator, scope=campaign.city).order_by(
        "-date"
    )[:30]
    shared_with = indicator.measure.indicators.exclude(pk=indicator.pk).select_related("standard")
    history = []
    for v in values[:20]:
        for entry in audit_for(v)[:5]:
            entry.scope = v.scope  # the log says which district (or the city) a change was for
            history.append(entry)
    history.sort(key=lambda e: e.at, reverse=True)
    return render(
        request,
        "indicators/campaign_indicator.html",
        {
            "campaign": campaign, "indicator": indicator, "row": row, "values": values, "snapshots": snapshots,
            "form": form, "shared_with": shared_with, "params": campaign.params(), "history": history[:30],
        },
    )
