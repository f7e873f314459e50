"""Reads for the inspection pages, the supervision orders and (later) the jobs and reports."""
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from indicators.states import day_end
from organizations.access import descendant_ids, get_access
from organizations.models import Person, Unit

from .models import (
    AccountabilityRecord,
    ExtensionRequest,
    Finding,
    FindingPhoto,
    InspectionRound,
    InspectionSettings,
    SupervisionOrder,
)

LEVEL_ORDER = [Finding.AlertLevel.ESCALATED, Finding.AlertLevel.RED, Finding.AlertLevel.YELLOW, Finding.AlertLevel.BLUE]


def inspection_settings_for(campaign):
    """The campaign's settings row, or the defaults (unsaved) when the office has not chosen yet."""
    found = InspectionSettings.objects.filter(campaign=campaign).first()
    return found or InspectionSettings(campaign=campaign)


def visible_findings(access, queryset=None):
    """Findings of the user's units, as responsible or as cooperating unit; everything for wide roles."""
    queryset = Finding.objects.all() if queryset is None else queryset
    if access.sees_all:
        return queryset
    ids = access.own_unit_ids
    cooperating = Finding.cooperating_units.through.objects.filter(finding_id=OuterRef("pk"), unit_id__in=ids)
    # Exists rather than a join: a finding with two of the user's units as cooperators
    # must still be one row (counts and pagination).
    return queryset.filter(Q(unit_id__in=ids) | Exists(cooperating))


def filter_units(campaign, access):
    """The unit filter's choices: every unit the user can see findings of — all of the
    campaign's units for wide roles; for unit staff their own units and every unit that
    leads or cooperates on a finding they can see."""
    if access.sees_all:
        return campaign_units(campaign).order_by("sort_order", "id")
    visible = visible_findings(access, Finding.objects.filter(campaign=campaign))
    ids = set(access.own_unit_ids) | set(visible.values_list("unit_id", flat=True))
    ids |= set(Finding.cooperating_units.through.objects.filter(finding__in=visible).values_list("unit_id", flat=True))
    return Unit.objects.filter(id__in=ids).select_related("parent").order_by("sort_order", "id")


def get_finding_for_user(request, pk):
    finding = (
        visible_findings(get_access(request))
        .select_related("campaign", "campaign__office", "round", "unit", "indicator", "created_by__person")
        .filter(pk=pk)
        .first()
    )
    if finding is None:
        raise Http404
    return finding


def get_extension_for_user(request, pk):
    """An extension request of a finding the user sees (the finding's scope is the request's)."""
    extension = (ExtensionRequest.objects.filter(finding__in=visible_findings(get_access(request)))
                 .select_related("finding").filter(pk=pk).first())
    if extension is None:
        raise Http404
    return extension


def get_photo_for_user(request, pk):
    photo = (FindingPhoto.objects.filter(finding__in=visible_findings(get_access(request)))
             .select_related("finding").filter(pk=pk).first())
    if photo is None:
        raise Http404
    return photo


def get_order_for_user(request, pk):
    order = (get_access(request).scope(SupervisionOrder.objects.all())
             .select_related("campaign", "unit").filter(pk=pk).first())
    if order is None:
        raise Http404
    return order


def get_round_for_user(request, pk):
    """Rounds are the office's and the inspectors' (their findings span units): 404 for unit staff."""
    if not get_access(request).sees_all:
        raise Http404
    return get_object_or_404(InspectionRound.objects.select_related("campaign"), pk=pk)


def level_q(level, today, policy=None):
    """The queryset twin of Finding.alert_level_on: one light (blue / yellow / red / escalated)."""
    return Finding.objects.state_q(level, today, policy)


def filter_findings(queryset, filters, today, policy=None, access=None):
    """Apply the list page's cleaned filters (a dict of optional values).

    `unit` is the responsible unit; `role` narrows to findings the chosen unit (or, without
    one, the user's own units) leads ("lead") or only cooperates on ("cooperating")."""
    role = filters.get("role")
    unit = filters.get("unit")
    if role:
        if unit is not None:
            unit_ids = {unit.pk}
        elif access is not None and not access.sees_all:
            unit_ids = access.own_unit_ids
        else:
            unit_ids = None
        if role == "lead" and unit_ids is not None:
            queryset = queryset.filter(unit_id__in=unit_ids)
        elif role == "cooperating":
            cooperating = Finding.cooperating_units.through.objects.filter(finding_id=OuterRef("pk"))
            if unit_ids is not None:
                cooperating = cooperating.filter(unit_id__in=unit_ids)
                queryset = queryset.exclude(unit_id__in=unit_ids)
            queryset = queryset.filter(Exists(cooperating))
    elif unit is not None:
        queryset = queryset.filter(unit=unit)
    if filters.get("state"):
        queryset = queryset.filter(Finding.objects.state_q(filters["state"], today, policy))
    if filters.get("closed_from"):
        queryset = queryset.filter(closed_at__gte=day_end(filters["closed_from"] - timedelta(days=1)))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("level"):
        queryset = queryset.filter(level_q(filters["level"], today, policy))
    if filters.get("indicator"):
        queryset = queryset.filter(indicator=filters["indicator"])
    if filters.get("round"):
        queryset = queryset.filter(round=filters["round"])
    if filters.get("source"):
        queryset = queryset.filter(source=filters["source"])
    if filters.get("date_from"):
        queryset = queryset.filter(found_on__gte=filters["date_from"])
    if filters.get("date_to"):
        queryset = queryset.filter(found_on__lte=filters["date_to"])
    if filters.get("q"):
        queryset = queryset.filter(Q(description__icontains=filters["q"]) | Q(address__icontains=filters["q"]))
    return queryset


def finding_counts(queryset, today, policy=None):
    """Counts by status, by alert level and by state in one query."""
    aggregates = {f"status_{s}": Count("id", filter=Q(status=s)) for s in Finding.Status.values}
    aggregates.update({f"level_{lv}": Count("id", filter=level_q(lv, today, policy)) for lv in LEVEL_ORDER})
    aggregates.update({f"state_{st}": Count("id", filter=Finding.objects.state_q(st, today, policy))
                       for st in Finding.State.values})
    aggregates["total"] = Count("id")
    row = queryset.order_by().aggregate(**aggregates)
    return {
        "total": row["total"],
        "status": {s: row[f"status_{s}"] for s in Finding.Status.values},
        "level": {lv.value: row[f"level_{lv}"] for lv in LEVEL_ORDER},
        "state": {st: row[f"state_{st}"] for st in Finding.State.values},
        "open": row[f"state_{Finding.State.OPEN}"],
    }


def with_list_relations(queryset):
    before = FindingPhoto.objects.filter(kind=FindingPhoto.Kind.BEFORE).only("id", "finding_id", "kind", "thumbnail")
    return queryset.select_related("unit", "round", "indicator").prefetch_related(
        Prefetch("photos", queryset=before, to_attr="before_photos")
    )


def unit_queue(queryset, today):
    """待整改: what the unit must still do, most urgent deadline first."""
    return queryset.filter(Finding.objects.state_q("held", today)).order_by("deadline", "id")


def verification_queue(queryset):
    return queryset.filter(status=Finding.Status.SUBMITTED).order_by("submitted_at", "id")


def finding_detail_parts(finding):
    photos = list(finding.photos.all().select_related("uploaded_by__person"))
    return {
        "before_photos": [p for p in photos if p.kind == FindingPhoto.Kind.BEFORE],
        "after_photos": [p for p in photos if p.kind == FindingPhoto.Kind.AFTER],
        "events": list(finding.events.all()),
        "extensions": list(finding.extension_requests.select_related("requested_by__person", "decided_by__person")),
        "cooperating_units": list(finding.cooperating_units.all()),
        "orders": list(finding.orders.all()),
        "accountability": list(finding.accountability_records.all()),
        "leaders": responsible_leaders(finding.unit),
    }


def responsible_leaders(unit):
    """The people an escalated finding goes to: the unit's 挂钩领导 and its own leaders."""
    return responsible_leaders_for([unit])[unit.pk]


def responsible_leaders_for(units):
    """responsible_leaders for many units in two queries: {unit pk: [Person]}."""
    own = {}
    for person in Person.objects.filter(unit__in=[u.pk for u in units], is_leader=True).select_related("unit"):
        own.setdefault(person.unit_id, []).append(person)
    linked = {p.pk: p for p in Person.objects.filter(
        pk__in={u.responsible_leader_id for u in units if u.responsible_leader_id}).select_related("unit")}
    out = {}
    for unit in units:
        leaders = list(own.get(unit.pk, []))
        if unit.responsible_leader_id in linked and all(p.pk != unit.responsible_leader_id for p in leaders):
            leaders.insert(0, linked[unit.responsible_leader_id])
        out[unit.pk] = leaders
    return out


def campaign_units(campaign):
    """Units that can be responsible for a finding: everything under the city but the office."""
    ids = descendant_ids({campaign.city_id}) - {campaign.city_id}
    return Unit.objects.filter(id__in=ids).exclude(kind=Unit.Kind.OFFICE).select_related("parent")


def frequent_units(campaign, limit=6):
    """The units findings most often go to, for the capture form's quick choice."""
    rows = (
        Finding.objects.filter(campaign=campaign).values("unit").annotate(n=Count("id")).order_by("-n", "unit")[:limit]
    )
    ids = [r["unit"] for r in rows]
    if len(ids) < limit:
        extra = campaign_units(campaign).filter(kind__in=[Unit.Kind.DISTRICT, Unit.Kind.DEPARTMENT]).exclude(id__in=ids)
        ids += list(extra.values_list("id", flat=True)[: limit - len(ids)])
    units = {u.id: u for u in Unit.objects.filter(id__in=ids)}
    return [units[i] for i in ids if i in units]


def round_rows(campaign):
    return (
        InspectionRound.objects.filter(campaign=campaign)
        .annotate(
            n_findings=Count("findings", distinct=True),
            n_closed=Count("findings", filter=Q(findings__status=Finding.Status.CLOSED), distinct=True),
        )
        .prefetch_related("team")
        .order_by("-date", "-id")
    )


def accountability_summary(campaign, access, today, policy=None):
    """Per unit: accountability records by kind and the unit's overdue findings."""
    records = access.scope(AccountabilityRecord.objects.filter(campaign=campaign))
    findings = access.scope(Finding.objects.filter(campaign=campaign))
    per_unit = {}
    for row in records.values("unit", "kind").annotate(n=Count("id")):
        per_unit.setdefault(row["unit"], {"records": {}, "overdue": 0, "open": 0})["records"][row["kind"]] = row["n"]
    for row in findings.values("unit").annotate(
        overdue=Count("id", filter=Finding.objects.state_q(Finding.State.OVERDUE, today, policy)),
        open=Count("id", filter=Finding.objects.state_q(Finding.State.OPEN, today)),
    ):
        entry = per_unit.setdefault(row["unit"], {"records": {}, "overdue": 0, "open": 0})
        entry["overdue"], entry["open"] = row["overdue"], row["open"]
    units = {u.id: u for u in Unit.objects.filter(id__in=per_unit)}
    rows = []
    for unit_id, entry in per_unit.items():
        recs = entry["records"]
        rows.append({
            "unit": units[unit_id],
            "interview": recs.get(AccountabilityRecord.Kind.INTERVIEW, 0),
            "public_criticism": recs.get(AccountabilityRecord.Kind.PUBLIC_CRITICISM, 0),
            "other": recs.get(AccountabilityRecord.Kind.OTHER, 0),
            "records": sum(recs.values()),
            "overdue": entry["overdue"],
            "open": entry["open"],
        })
    rows.sort(key=lambda r: (-r["records"], -r["overdue"], r["unit"].sort_order, r["unit"].id))
    return rows


def unit_accountability(campaign, unit):
    return (
        AccountabilityRecord.objects.filter(campaign=campaign, unit=unit)
        .select_related("created_by__person")
        .prefetch_related("findings")
    )


def visible_orders(access, campaign):
    return access.scope(SupervisionOrder.objects.filter(campaign=campaign)).select_related("unit").annotate(
        n_findings=Count("findings")
    )


def order_for_pdf(order):
    findings = list(
        order.findings.select_related("unit", "round", "indicator").prefetch_related(
            "cooperating_units", Prefetch("photos", queryset=FindingPhoto.objects.order_by("kind", "id"))
        ).order_by("deadline", "id")
    )
    for f in findings:
        f.before_photos = [p for p in f.photos.all() if p.kind == FindingPhoto.Kind.BEFORE]
    return findings


def pending_extensions(queryset):
    return ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING, finding__in=queryset)

