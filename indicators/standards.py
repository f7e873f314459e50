"""A standard as data: validate, compare, apply and export a whole indicator standard.

One structure (see fixtures/standards/*.json) is shared by the JSON fixtures, the Excel
round trip and the browser editor, so every write goes through the same comparison and
the same audit trail. Shape:

    {"code", "title", "title_en", "version", "source", "tier",
     "nodes": [{"level", "code", "name", "name_en", "parent"}],
     "indicators": [{"code", "node", "name", "name_en", "unit", "kind", "measure", "aggregation",
                     "verification", "source", "evidence_requirements",
                     "thresholds": [{"tier", "comparator", "value", "condition_param",
                                     "condition_min", "condition_max",
                                     "historic_adjustment", "note"}]}]}

Indicators hang on the deepest node level present (category for the two-level garden
standard, item for the three-level eco standard), so an indicator's "node" is a code at
that level. English names (title_en, name_en) are optional keys: data without them leaves
the stored English names as they are, so an older file never blanks them. Decimals travel as canonical strings ("7.5", not "7.50"), so an export of
what was applied is identical to the input.
"""
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.audit import audit_record
from organizations.models import AuditEntry

from .models import Indicator, Measure, Standard, StandardNode, Threshold, Tier, Verification

STANDARD_FIELDS = ("title", "title_en", "version", "source", "tier")
NODE_FIELDS = ("name", "name_en", "parent")
INDICATOR_FIELDS = (
    "node",
    "name",
    "name_en",
    "unit",
    "kind",
    "measure",
    "aggregation",
    "verification",
    "source",
    "evidence_requirements",
)
THRESHOLD_FIELDS = (
    "tier",
    "comparator",
    "value",
    "condition_param",
    "condition_min",
    "condition_max",
    "historic_adjustment",
    "note",
)
THRESHOLD_DECIMALS = ("value", "condition_min", "condition_max", "historic_adjustment")
MEASURE_FIELDS = ("name", "name_en", "unit", "is_qualitative", "formula_key")

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"

# Names and units for describing a threshold's condition in words ("人均建设用地 80–100 m²/人").
CONDITION_WORDS = {
    Threshold.Param.PER_CAPITA_LAND: (gettext_lazy("人均建设用地"), "m²/人"),
    Threshold.Param.HISTORIC_SHARE: (gettext_lazy("历史文化街区占建成区比例"), "%"),
    Threshold.Param.POPULATION: (gettext_lazy("城区人口"), gettext_lazy("万人")),
    Threshold.Param.NORTHERN_HEATING: (gettext_lazy("北方采暖地区"), ""),
}


class StandardDataError(Exception):
    def __init__(self, errors):
        self.errors = [str(e) for e in errors]
        super().__init__("\n".join(self.errors))


# --- decimals ---------------------------------------------------------------------------


def decimal_text(value):
    """Canonical text of a decimal: no exponent, no trailing zeros ("100", "7.5", "-0.5")."""
    if value is None or value == "":
        return None
    d = Decimal(value)
    if d == 0:
        return "0"
    text = format(d.normalize(), "f")
    return text


def parse_decimal(raw):
    """A Decimal from a data value (string, int, float, Decimal); None for blank. ValueError otherwise."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool):
        raise ValueError(raw)
    try:
        d = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(raw) from None
    if not d.is_finite():
        raise ValueError(raw)
    return d


# --- canonical forms --------------------------------------------------------------------


def threshold_canonical(t):
    """A threshold dict with every key present, decimals as canonical text."""
    out = {}
    for f in THRESHOLD_FIELDS:
        value = t.get(f)
        if f in THRESHOLD_DECIMALS:
            value = decimal_text(parse_decimal(value))
        elif value is None:
            value = ""
        else:
            value = str(value)
        out[f] = value
    return out


def threshold_data(obj):
    return {
        "tier": obj.tier,
        "comparator": obj.comparator,
        "value": decimal_text(obj.value),
        "condition_param": obj.condition_param or "",
        "condition_min": decimal_text(obj.condition_min),
        "condition_max": decimal_text(obj.condition_max),
        "historic_adjustment": decimal_text(obj.historic_adjustment),
        "note": obj.note or "",
    }


def _indicator_state(ind):
    return {
        "node": ind.node.code,
        "name": ind.name,
        "name_en": ind.name_en,
        "unit": ind.unit,
        "kind": ind.kind,
        "measure": ind.measure.key,
        "aggregation": ind.aggregation,
        "verification": ind.verification,
        "source": ind.source,
        "evidence_requirements": ind.evidence_requirements,
    }


def _text(value):
    return "" if value is None else str(value)


# --- describing thresholds and changes --------------------------------------------------


def condition_text(param, cmin, cmax):
    """A threshold's condition in words; "" when unconditional."""
    if not param:
        return ""
    cmin, cmax = decimal_text(parse_decimal(cmin)), decimal_text(parse_decimal(cmax))
    if param == Threshold.Param.NORTHERN_HEATING:
        if cmin is not None and Decimal(cmin) >= 1 and cmax is None:
            return _("仅适用于北方采暖地区")
        if cmax is not None and Decimal(cmax) <= 1 and (cmin is None or Decimal(cmin) <= 0):
            return _("仅适用于非北方采暖地区")
    name, unit = CONDITION_WORDS.get(param, (param, ""))
    unit = f" {unit}" if unit else ""
    if cmin is not None and cmax is not None:
        return f"{name} {cmin}–{cmax}{unit}"
    if cmin is not None:
        return f"{name} ≥ {cmin}{unit}"
    if cmax is not None:
        return f"{name} < {cmax}{unit}"
    return str(name)


def adjustment_text(adjustment):
    text = decimal_text(parse_decimal(adjustment))
    if text is None or Decimal(text) == 0:
        return ""
    if not text.startswith("-"):
        text = "+" + text
    return _("历史街区占比超 50%% 时 %(adjustment)s") % {"adjustment": text}


def threshold_display(t, unit=""):
    """Pieces for showing one canonical threshold dict: main text, condition, adjustment."""
    t = threshold_canonical(t)
    if t["comparator"] == Threshold.Comparator.QUALITATIVE:
        main = _("定性（达标 / 未达标）")
    else:
        symbol = dict(Threshold.Comparator.choices).get(t["comparator"], t["comparator"])
        main = f"{symbol} {t['value']}" + (f" {unit}" if unit else "")
    return {
        "qualitative": t["comparator"] == Threshold.Comparator.QUALITATIVE,
        "tier": t["tier"],
        "tier_label": str(dict(Tier.choices).get(t["tier"], t["tier"])),
        "main": main,
        "condition": condition_text(t["condition_param"], t["condition_min"], t["condition_max"]),
        "adjustment": adjustment_text(t["historic_adjustment"]),
        "note": t["note"],
    }


def threshold_label(t, unit=""):
    d = threshold_display(t, unit)
    extra = "；".join(x for x in (d["condition"], d["adjustment"]) if x)
    text = f"{d['tier_label']} {d['main']}"
    if extra:
        text += f"（{extra}）"
    if d["note"]:
        text += " · " + _("说明：%(note)s") % {"note": d["note"]}
    return text


FIELD_LABELS = {
    "title": gettext_lazy("名称"),
    "version": gettext_lazy("版本"),
    "tier": gettext_lazy("默认层级"),
    "parent": gettext_lazy("上级大类"),
    "node": gettext_lazy("所属大类 / 大项"),
    "name": gettext_lazy("名称"),
    "name_en": gettext_lazy("英文名称"),
    "title_en": gettext_lazy("英文名称"),
    "unit": gettext_lazy("计量单位"),
    "kind": gettext_lazy("指标类型"),
    "measure": gettext_lazy("度量"),
    "aggregation": gettext_lazy("取值范围"),
    "verification": gettext_lazy("核实状态"),
    "source": gettext_lazy("来源"),
    "evidence_requirements": gettext_lazy("佐证材料要求"),
    "thresholds": gettext_lazy("达标阈值"),
    "is_qualitative": gettext_lazy("定性"),
    "formula_key": gettext_lazy("计算公式"),
}
CHOICE_LABELS = {
    "kind": dict(Indicator.Kind.choices),
    "aggregation": dict(Indicator.Aggregation.choices),
    "verification": dict(Verification.choices),
    "tier": dict(Tier.choices),
}


@dataclass
class ChangeRow:
    field: str
    label: str
    old: list
    new: list


def change_rows(changes, unit=""):
    """Display rows for a {field: [old, new]} dict (a change set's or an audit entry's)."""
    rows = []
    for name, pair in changes.items():
        old, new = pair
        if name == "thresholds":
            old_lines = [threshold_label(t, unit) for t in (old or [])]
            new_lines = [threshold_label(t, unit) for t in (new or [])]
            # Show only the lines that differ: a one-value edit in a six-row band reads as one line.
            removed = [x for x in old_lines if x not in new_lines]
            added = [x for x in new_lines if x not in old_lines]
            if not removed and not added:  # same rows, different order
                removed, added = old_lines, new_lines
            rows.append(ChangeRow(name, str(FIELD_LABELS[name]), removed or ["—"], added or ["—"]))
            continue
        labels = CHOICE_LABELS.get(name, {})

        def show(v):
            if v is None or v == "":
                return "—"
            return str(labels.get(v, v))

        rows.append(ChangeRow(name, str(FIELD_LABELS.get(name, name)), [show(old)], [show(new)]))
    return rows


# --- change set -------------------------------------------------------------------------


@dataclass
class ItemChange:
    kind: str  # "standard" / "node" / "indicator"
    code: str
    name: str
    status: str
    changes: dict = field(default_factory=dict)
    unit: str = ""
    level: int | None = None

    @property
    def rows(self):
        return change_rows(self.changes, self.unit)


@dataclass
class StandardChangeSet:
    code: str
    standard: ItemChange
    nodes: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # (code, name) in the database but not in the data: kept
    dry_run: bool = False

    def _indicators(self, status):
        return [c for c in self.indicators if c.status == status]

    @property
    def new(self):
        return self._indicators(NEW)

    @property
    def changed(self):
        return self._indicators(CHANGED)

    @property
    def unchanged(self):
        return self._indicators(UNCHANGED)

    @property
    def nodes_new(self):
        return [c for c in self.nodes if c.status == NEW]

    @property
    def nodes_changed(self):
        return [c for c in self.nodes if c.status == CHANGED]

    @property
    def has_changes(self):
        return self.standard.status != UNCHANGED or any(c.status != UNCHANGED for c in self.nodes + self.indicators)

    def counts(self):
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "nodes_new": len(self.nodes_new),
            "nodes_changed": len(self.nodes_changed),
            "missing": len(self.missing),
        }

    def fingerprint(self):
        """Identifies what would be written, so a confirm can refuse when the database moved on."""
        items = [self.standard, *self.nodes, *self.indicators]
        payload = [(c.kind, c.code, c.status, c.changes) for c in items if c.status != UNCHANGED]
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


# --- validation -------------------------------------------------------------------------


def _leaf_level(nodes):
    return max((n.get("level") for n in nodes if n.get("level") in (1, 2)), default=1)


def standard_data_validate(data, *, measures=None):
    """Problems with a standard's data as Chinese messages; [] when it can be applied.

    `measures` maps key → is_qualitative; read from the database when not given.
    """
    errors = []
    if not isinstance(data, dict):
        return [_("标准数据应为对象")]
    if measures is None:
        measures = dict(Measure.objects.values_list("key", "is_qualitative"))
    if not str(data.get("code") or "").strip():
        errors.append(_("缺少标准代码"))
    if not str(data.get("title") or "").strip():
        errors.append(_("缺少标准名称"))
    if data.get("tier") not in Tier.values:
        errors.append(_("默认层级「%(value)s」无效") % {"value": data.get("tier")})
    nodes = data.get("nodes") or []
    indicators = data.get("indicators") or []
    seen_nodes = set()
    aspect_codes = {str(n.get("code")) for n in nodes if n.get("level") == 1}
    for n in nodes:
        level, code = n.get("level"), str(n.get("code") or "").strip()
        where = _("节点「%(code)s」") % {"code": code}
        if level not in (1, 2):
            errors.append(_("%(where)s：层级应为 1 或 2") % {"where": where})
            continue
        if not code or not str(n.get("name") or "").strip():
            errors.append(_("%(where)s：编号和名称不能为空") % {"where": where})
        if (level, code) in seen_nodes:
            errors.append(_("%(where)s：编号重复") % {"where": where})
        seen_nodes.add((level, code))
        if level == 2 and str(n.get("parent") or "") not in aspect_codes:
            errors.append(_("%(where)s：上级大类「%(parent)s」不存在") % {"where": where, "parent": n.get("parent")})
        if level == 1 and n.get("parent"):
            errors.append(_("%(where)s：大类不应有上级") % {"where": where})
    leaf = _leaf_level(nodes)
    seen_codes = set()
    for ind in indicators:
        code = str(ind.get("code") or "").strip()
        where = _("指标「%(code)s」") % {"code": code}
        if not code:
            errors.append(_("指标编号不能为空"))
        elif code in seen_codes:
            errors.append(_("%(where)s：编号重复") % {"where": where})
        seen_codes.add(code)
        if not str(ind.get("name") or "").strip():
            errors.append(_("%(where)s：名称不能为空") % {"where": where})
        if (leaf, str(ind.get("node"))) not in seen_nodes:
            errors.append(_("%(where)s：所属节点「%(node)s」不存在") % {"where": where, "node": ind.get("node")})
        for name, choices in (
            ("kind", Indicator.Kind.values),
            ("aggregation", Indicator.Aggregation.values),
            ("verification", Verification.values),
        ):
            if ind.get(name) not in choices:
                errors.append(
                    _("%(where)s：%(field)s「%(value)s」无效")
                    % {"where": where, "field": FIELD_LABELS[name], "value": ind.get(name)}
                )
        key = ind.get("measure")
        if key not in measures:
            errors.append(_("%(where)s：度量键「%(key)s」不存在") % {"where": where, "key": key})
        for i, t in enumerate(ind.get("thresholds") or [], start=1):
            errors += [
                _("%(where)s第 %(n)s 个阈值：%(message)s") % {"where": where, "n": i, "message": m}
                for m in threshold_problems(t, qualitative=measures.get(key))
            ]
    return errors


def threshold_problems(t, *, qualitative=None):
    problems = []
    if t.get("tier") not in Tier.values:
        problems.append(_("层级「%(value)s」无效") % {"value": t.get("tier")})
    comparator = t.get("comparator")
    if comparator not in Threshold.Comparator.values:
        problems.append(_("比较方式「%(value)s」无效") % {"value": comparator})
    numbers = {}
    for f in THRESHOLD_DECIMALS:
        try:
            numbers[f] = parse_decimal(t.get(f))
        except ValueError:
            problems.append(_("%(field)s应为数字，实际为「%(value)s」") % {"field": f, "value": t.get(f)})
            numbers[f] = None
    param = t.get("condition_param") or ""
    if param not in Threshold.Param.values:
        problems.append(_("条件参数「%(value)s」无效") % {"value": param})
    is_qual = comparator == Threshold.Comparator.QUALITATIVE
    if is_qual and numbers["value"] is not None:
        problems.append(_("定性阈值不应填写阈值"))
    if comparator in Threshold.Comparator.values and not is_qual and numbers["value"] is None:
        problems.append(_("数值型阈值必须填写阈值"))
    if param and numbers["condition_min"] is None and numbers["condition_max"] is None:
        problems.append(_("设置了条件参数时须填写上限或下限"))
    if not param and (numbers["condition_min"] is not None or numbers["condition_max"] is not None):
        problems.append(_("填写了条件上下限时须选择条件参数"))
    if (
        numbers["condition_min"] is not None
        and numbers["condition_max"] is not None
        and numbers["condition_min"] >= numbers["condition_max"]
    ):
        problems.append(_("条件下限应小于条件上限"))
    if qualitative is True and comparator in Threshold.Comparator.values and not is_qual:
        problems.append(_("该指标的度量为定性度量，比较方式应为「定性」"))
    if qualitative is False and is_qual:
        problems.append(_("该指标的度量为数值度量，比较方式不能为「定性」"))
    return problems


# --- loading and applying ---------------------------------------------------------------


def standard_data_load(path):
    with Path(path).open(encoding="utf-8") as fh:
        return json.load(fh)


def _full_clean(obj, where, exclude=None):
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        messages = []
        for name, errs in exc.message_dict.items():
            label = FIELD_LABELS.get(name, name)
            messages += [f"{label}：{e}" for e in errs]
        raise StandardDataError([f"{where}：{'；'.join(messages)}"]) from None


def standard_apply(*, data, user=None, dry_run=False, note="", update_action=AuditEntry.Action.UPDATE):
    """Create or update a standard from data, in one transaction; never duplicates.

    Nodes match by level + code, indicators by code within the standard, measures must
    already exist (apply measures first). An indicator's thresholds are compared as a
    list and rewritten in place only when they differ, so unchanged rows keep their ids.
    Indicators that exist but are absent from the data are kept and reported as missing:
    deleting would cascade to compliance history. With dry_run everything is computed by
    the same code and rolled back, so the preview is exactly what a confirm writes.
    `update_action` labels the audit entries of changed rows (an Excel import passes IMPORT).
    """
    errors = standard_data_validate(data)
    if errors:
        raise StandardDataError(errors)
    with transaction.atomic():
        changeset = _apply(data, user=user, note=note, action=update_action)
        if dry_run:
            transaction.set_rollback(True)
    changeset.dry_run = dry_run
    return changeset


def _apply(data, *, user, note, action):
    code = data["code"].strip()
    standard = Standard.objects.filter(code=code).first()
    meta = {f: _text(data.get(f)).strip() for f in STANDARD_FIELDS}
    if "title_en" not in data and standard is not None:
        meta["title_en"] = standard.title_en
    if standard is None:
        standard = Standard(code=code, **meta)
        _full_clean(standard, _("标准「%(code)s」") % {"code": code})
        standard.save()
        audit_record(obj=standard, action=AuditEntry.Action.CREATE, user=user,
                     changes={f: [None, v] for f, v in meta.items()}, note=note)
        std_change = ItemChange("standard", code, meta["title"], NEW)
    else:
        changes = {f: [getattr(standard, f), v] for f, v in meta.items() if getattr(standard, f) != v}
        if changes:
            for f, (_old, new) in changes.items():
                setattr(standard, f, new)
            _full_clean(standard, _("标准「%(code)s」") % {"code": code})
            standard.save()
            audit_record(obj=standard, action=action, user=user, changes=changes, note=note)
        std_change = ItemChange("standard", code, meta["title"], CHANGED if changes else UNCHANGED, changes)

    nodes_data = data.get("nodes") or []
    existing_nodes = {(n.level, n.code): n for n in standard.nodes.select_related("parent")}
    node_changes = []
    # Aspects first so items can find their parent; order is the position in the data.
    for position, nd in sorted(enumerate(nodes_data, start=1), key=lambda p: p[1]["level"]):
        level, ncode, name = nd["level"], str(nd["code"]).strip(), nd["name"].strip()
        parent = existing_nodes[(1, str(nd["parent"]))] if level == 2 else None
        node = existing_nodes.get((level, ncode))
        name_en = _text(nd["name_en"]).strip() if "name_en" in nd else (node.name_en if node else "")
        where = _("节点「%(code)s」") % {"code": ncode}
        if node is None:
            node = StandardNode(standard=standard, level=level, code=ncode, name=name, name_en=name_en, parent=parent,
                                order=position)
            _full_clean(node, where)
            node.save()
            existing_nodes[(level, ncode)] = node
            audit_record(obj=node, action=AuditEntry.Action.CREATE, user=user,
                         changes={"name": [None, name], "name_en": [None, name_en],
                                  "parent": [None, parent.code if parent else None]}, note=note)
            node_changes.append(ItemChange("node", ncode, name, NEW, level=level))
            continue
        old_parent = node.parent.code if node.parent_id else None
        new_parent = parent.code if parent else None
        changes = {}
        if node.name != name:
            changes["name"] = [node.name, name]
        if node.name_en != name_en:
            changes["name_en"] = [node.name_en, name_en]
        if old_parent != new_parent:
            changes["parent"] = [old_parent, new_parent]
        if changes or node.order != position:
            node.name, node.name_en, node.parent, node.order = name, name_en, parent, position
            _full_clean(node, where)
            node.save()
        if changes:
            audit_record(obj=node, action=action, user=user, changes=changes, note=note)
        node_changes.append(ItemChange("node", ncode, name, CHANGED if changes else UNCHANGED, changes, level=level))

    leaf = _leaf_level(nodes_data)
    measures = {m.key: m for m in Measure.objects.filter(key__in={i["measure"] for i in data.get("indicators") or []})}
    existing = {
        i.code: i
        for i in standard.indicators.select_related("node", "measure").prefetch_related(
            Prefetch("thresholds", queryset=Threshold.objects.order_by("order", "id"))
        )
    }
    indicator_changes = []
    seen = set()
    for position, d in enumerate(data.get("indicators") or [], start=1):
        icode = str(d["code"]).strip()
        seen.add(icode)
        values = {
            "node": existing_nodes[(leaf, str(d["node"]))],
            "name": d["name"].strip(),
            "unit": _text(d.get("unit")).strip(),
            "kind": d["kind"],
            "measure": measures[d["measure"]],
            "aggregation": d["aggregation"],
            "verification": d["verification"],
            "source": _text(d.get("source")).strip(),
            "evidence_requirements": _text(d.get("evidence_requirements")).strip(),
        }
        thresholds = [threshold_canonical(t) for t in d.get("thresholds") or []]
        ind = existing.get(icode)
        if "name_en" in d or ind is None:
            values["name_en"] = _text(d.get("name_en")).strip()
        if ind is None:
            ind = Indicator(standard=standard, code=icode, order=position, **values)
            _full_clean(ind, _("指标「%(code)s」") % {"code": icode})
            ind.save()
            _thresholds_sync(ind, [], thresholds)
            state = _indicator_state(ind)
            changes = {f: [None, state[f]] for f in INDICATOR_FIELDS}
            changes["thresholds"] = [[], thresholds]
            audit_record(obj=ind, action=AuditEntry.Action.CREATE, user=user, changes=changes, note=note)
            # What a preview shows for a new row: its type, measure and thresholds.
            summary = {f: [None, state[f]] for f in ("kind", "measure", "aggregation", "verification")}
            summary["thresholds"] = [[], thresholds]
            indicator_changes.append(ItemChange("indicator", icode, ind.name, NEW, summary, unit=ind.unit))
            continue
        changes = indicator_sync(ind, values=values, thresholds=thresholds, order=position)
        if changes:
            audit_record(obj=ind, action=action, user=user, changes=changes, note=note)
        indicator_changes.append(
            ItemChange("indicator", icode, ind.name, CHANGED if changes else UNCHANGED, changes, unit=ind.unit)
        )
    missing = [(c, i.name) for c, i in existing.items() if c not in seen]
    return StandardChangeSet(code, std_change, node_changes, indicator_changes, missing)


def indicator_sync(indicator, *, values, thresholds, order=None):
    """Bring one saved indicator to `values` (model field values) and canonical `thresholds`.

    Returns {field: [old, new]} of what changed (thresholds as lists of canonical dicts);
    writes nothing when nothing differs. The caller audits.
    """
    before = _indicator_state(indicator)
    old_objs = list(indicator.thresholds.order_by("order", "id"))
    old_thresholds = [threshold_data(t) for t in old_objs]
    for name, value in values.items():
        setattr(indicator, name, value)
    after = _indicator_state(indicator)
    changes = {f: [before[f], after[f]] for f in after if before[f] != after[f]}
    order_moved = order is not None and indicator.order != order
    if order is not None:
        indicator.order = order
    if changes or order_moved:
        _full_clean(indicator, _("指标「%(code)s」") % {"code": indicator.code})
        indicator.save()
    if old_thresholds != thresholds:
        _thresholds_sync(indicator, old_objs, thresholds)
        changes["thresholds"] = [old_thresholds, thresholds]
    return changes


def _thresholds_sync(indicator, old_objs, thresholds):
    # Rewrite in place row by row so an unchanged position keeps its id.
    for position, t in enumerate(thresholds, start=1):
        obj = old_objs[position - 1] if position <= len(old_objs) else Threshold(indicator=indicator)
        if obj.pk and threshold_data(obj) == t and obj.order == position:
            continue
        for f in THRESHOLD_FIELDS:
            setattr(obj, f, parse_decimal(t[f]) if f in THRESHOLD_DECIMALS else t[f])
        obj.order = position
        _full_clean(obj, _("指标「%(code)s」第 %(n)s 个阈值") % {"code": indicator.code, "n": position})
        obj.save()
    for obj in old_objs[len(thresholds):]:
        obj.delete()


def indicator_update(*, indicator, values, thresholds, user=None, note=""):
    """The browser editor's write: fields and the whole threshold list, one audit entry."""
    canonical = [threshold_canonical(t) for t in thresholds]
    qualitative = indicator.measure.is_qualitative
    problems = [
        _("第 %(n)s 个阈值：%(message)s") % {"n": i, "message": m}
        for i, t in enumerate(canonical, start=1)
        for m in threshold_problems(t, qualitative=qualitative)
    ]
    if problems:
        raise StandardDataError(problems)
    with transaction.atomic():
        changes = indicator_sync(indicator, values=values, thresholds=canonical)
        if changes:
            audit_record(obj=indicator, action=AuditEntry.Action.UPDATE, user=user, changes=changes, note=note)
    return changes


# --- export -----------------------------------------------------------------------------


def standard_export_data(standard):
    nodes = list(standard.nodes.select_related("parent").order_by("order", "id"))
    indicators = standard.indicators.select_related("node", "measure").prefetch_related(
        Prefetch("thresholds", queryset=Threshold.objects.order_by("order", "id"))
    ).order_by("order", "id")
    return {
        "code": standard.code,
        "title": standard.title,
        "title_en": standard.title_en,
        "version": standard.version,
        "source": standard.source,
        "tier": standard.tier,
        "nodes": [
            {"level": n.level, "code": n.code, "name": n.name, "name_en": n.name_en,
             "parent": n.parent.code if n.parent_id else None}
            for n in nodes
        ],
        "indicators": [
            {
                "code": i.code,
                "node": i.node.code,
                "name": i.name,
                "name_en": i.name_en,
                "unit": i.unit,
                "kind": i.kind,
                "measure": i.measure.key,
                "aggregation": i.aggregation,
                "verification": i.verification,
                "source": i.source,
                "evidence_requirements": i.evidence_requirements,
                "thresholds": [threshold_data(t) for t in i.thresholds.all()],
            }
            for i in indicators
        ],
    }


# --- measures ---------------------------------------------------------------------------


def measures_apply(*, data, user=None, note=""):
    """Create or update measures by key (never deletes). Returns {"new", "changed", "unchanged"} counts."""
    counts = {NEW: 0, CHANGED: 0, UNCHANGED: 0}
    existing = {m.key: m for m in Measure.objects.all()}
    with transaction.atomic():
        for row in data:
            key = str(row["key"]).strip()
            measure = existing.get(key)
            values = {
                "name": _text(row.get("name")).strip(),
                "name_en": _text(row.get("name_en")).strip() if "name_en" in row else (measure.name_en if measure else ""),
                "unit": _text(row.get("unit")).strip(),
                "is_qualitative": bool(row.get("is_qualitative")),
                "formula_key": _text(row.get("formula_key")).strip(),
            }
            where = _("度量「%(key)s」") % {"key": key}
            if measure is None:
                measure = Measure(key=key, **values)
                _full_clean(measure, where)
                measure.save()
                existing[key] = measure
                audit_record(obj=measure, action=AuditEntry.Action.CREATE, user=user,
                             changes={f: [None, v] for f, v in values.items()}, note=note)
                counts[NEW] += 1
                continue
            changes = {f: [getattr(measure, f), v] for f, v in values.items() if getattr(measure, f) != v}
            if changes:
                for f, v in values.items():
                    setattr(measure, f, v)
                _full_clean(measure, where)
                measure.save()
                audit_record(obj=measure, action=AuditEntry.Action.UPDATE, user=user, changes=changes, note=note)
                counts[CHANGED] += 1
            else:
                counts[UNCHANGED] += 1
    return counts
