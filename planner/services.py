"""Writes of the planner: the office's pins and exclusions, and plan items turned into tasks.
Both audited; tasks are made by tasks.services.task_create (audited, alert fields set)."""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ledgers.services import city_districts
from organizations.audit import audit_record
from organizations.models import AuditEntry
from tasks.models import Task
from tasks.selectors import lead_units_by_indicator
from tasks.services import task_create

from .models import Plan, PlanItem

SITE_AREA_MIN, SITE_AREA_MAX = Decimal(1000), Decimal(1_000_000)
MAX_GEOJSON_BYTES = 5 * 1024 * 1024


def _state(campaign, indicator, user):
    plan, created = Plan.objects.select_for_update().get_or_create(
        campaign=campaign, indicator=indicator, defaults={"created_by": user if user.is_authenticated else None})
    return plan, created


def plan_state_save(*, campaign, indicator, user, pinned=None, excluded=None, site_area_m2=None):
    """Pin or exclude candidate sites, or set the pocket-park area assumed on a compound's point.
    A site is pinned or excluded, never both: the last word wins."""
    with transaction.atomic():
        plan, created = _state(campaign, indicator, user)
        before = {"pinned": list(plan.pinned), "excluded": list(plan.excluded),
                  "site_area_m2": plan.params.get("site_area_m2", "")}
        if pinned is not None:
            plan.pinned = list(dict.fromkeys(pinned))
            plan.excluded = [k for k in plan.excluded if k not in plan.pinned]
        if excluded is not None:
            plan.excluded = list(dict.fromkeys(excluded))
            plan.pinned = [k for k in plan.pinned if k not in plan.excluded]
        if site_area_m2 is not None:
            if not SITE_AREA_MIN <= site_area_m2 <= SITE_AREA_MAX:
                raise ValidationError({"site_area_m2": _("口袋公园面积须在 1000 至 1000000 m² 之间。")})
            plan.params = {**plan.params, "site_area_m2": str(site_area_m2)}
        plan.full_clean()
        plan.save()
        after = {"pinned": plan.pinned, "excluded": plan.excluded, "site_area_m2": plan.params.get("site_area_m2", "")}
        changes = {k: ["、".join(before[k]) if isinstance(before[k], list) else before[k],
                       "、".join(v) if isinstance(v, list) else v] for k, v in after.items() if before[k] != v}
        if changes or created:
            audit_record(obj=plan, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                         user=user, changes=changes)
    return plan


def _content(indicator, item):
    where = f"（{item.district}）" if item.district else ""
    quantity = f"{item.quantity.normalize():f} {item.unit}"
    return _("【达标规划】%(indicator)s：%(label)s%(where)s %(quantity)s") % {
        "indicator": indicator.name, "label": item.label, "where": where, "quantity": quantity}


def plan_tasks_create(*, campaign, indicator, plan, user, due_on, keys=None):
    """Turn the plan's items (those with `keys`, or all) into tasks for their lead units: the
    indicator's lead unit in the task table, else the item's district, else the campaign office;
    the district cooperates. An item already turned into a task is not turned again."""
    lead = (lead_units_by_indicator(campaign).get(indicator.pk) or [None])[0]
    districts = {u.name: u for u in city_districts(campaign.city)}
    with transaction.atomic():
        state, created = _state(campaign, indicator, user)
        done = set(state.items.filter(task__isnull=False).values_list("key", flat=True))
        chosen = [i for i in plan.items if (keys is None or i.key in keys) and i.key not in done]
        seq = (Task.objects.filter(campaign=campaign).order_by("-seq").values_list("seq", flat=True).first() or 0)
        made = []
        for item in chosen:
            district = districts.get(item.district)
            lead_unit = lead or district or campaign.office
            if lead_unit is None:
                raise ValidationError(_("没有可牵头的单位：请先在任务分解表中为该指标指定牵头单位。"))
            seq += 1
            requirement = ""
            if item.value_after is not None:
                requirement = _("完成后%(indicator)s预计为 %(value)s %(unit)s") % {
                    "indicator": indicator.name, "value": f"{item.value_after.normalize():f}", "unit": indicator.unit}
            task = task_create(campaign=campaign, user=user, seq=seq, content=_content(indicator, item),
                               lead_unit=lead_unit, due_on=due_on, indicator=indicator, requirement=requirement,
                               measures=item.detail, cooperating_units=[district] if district else ())
            made.append(PlanItem.objects.create(
                plan=state, kind=item.kind, label=item.label[:200], district=item.district, key=item.key[:400],
                quantity=item.quantity, unit=item.unit, value_after=item.value_after, task=task,
                created_by=user if user.is_authenticated else None))
        if made:
            audit_record(obj=state, action=AuditEntry.Action.UPDATE, user=user,
                         changes={"tasks": ["", "、".join(str(m.task.seq) for m in made)]},
                         note=_("转为任务"))
    return made


def city_map_upload(*, city, file, user):
    """Replace the city's district outlines with a validated GeoJSON file; a bad file changes nothing."""
    from ledgers.services import city_districts

    from .geo import OutlineError, validate_outlines
    from .models import CityMap

    content = file.read(MAX_GEOJSON_BYTES + 1)
    try:
        outlines = validate_outlines(content, [d.name for d in city_districts(city)])
    except OutlineError as exc:
        raise ValidationError(exc.messages)
    name = (getattr(file, "name", "") or "")[:200]
    with transaction.atomic():
        city_map, created = CityMap.objects.select_for_update().get_or_create(city=city)
        old = city_map.original_name
        city_map.outlines, city_map.original_name = outlines, name
        city_map.uploaded_by = user if user.is_authenticated else None
        city_map.full_clean()
        city_map.save()
        audit_record(obj=city_map, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                     user=user, changes={"file": [old, name], "districts": ["", "、".join(o["name"] for o in outlines)]})
    return city_map
