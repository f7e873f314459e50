from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tasks.models import Review, Status

register = template.Library()

AUDIT_LABELS = {
    "seq": _("序号"), "indicator": _("指标编号"), "content": _("任务内容"), "requirement": _("标准或要求"),
    "measures": _("工作措施"), "lead_unit": _("牵头单位"), "cooperating_units": _("配合单位"),
    "responsible_leader": _("责任领导"), "responsible_person": _("责任人"), "starts_on": _("开始日期"),
    "due_on": _("完成时限"), "progress": _("进度"), "review_state": _("审核状态"), "evidence": _("佐证材料"),
    "contribution": _("配合报送"), "milestone": _("进度节点"), "milestone_done": _("节点完成"), "tasks": _("任务"),
}


@register.filter
def status_badge(status):
    try:
        label = Status(status).label
    except ValueError:
        return ""
    return format_html('<span class="badge st-{}">{}</span>', status, label)


@register.filter
def review_label(state):
    try:
        return Review(state).label
    except ValueError:
        return state


@register.filter
def audit_label(name):
    return AUDIT_LABELS.get(name, name)


@register.filter
def audit_value(value, name):
    if value in (None, "", [], {}):
        return "—"
    if name == "review_state":
        return review_label(value)
    if name == "progress":
        return f"{value}%"
    if name == "milestone_done":
        return _("已完成") if value else _("未完成")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{k} {v}" for k, v in value.items())
    return value


@register.simple_tag
def due_hint(task, today):
    """"还剩 3 天" / "逾期 5 天" / "今天到期" beside a deadline."""
    if not task.is_open:
        return ""
    left = (task.due_on - today).days
    if left < 0:
        return format_html('<span class="due-hint red">{}</span>', ngettext("逾期 %(n)s 天", "逾期 %(n)s 天", -left) % {"n": -left})
    if left == 0:
        return format_html('<span class="due-hint yellow">{}</span>', _("今天到期"))
    if left <= 7:
        return format_html('<span class="due-hint yellow">{}</span>', ngettext("还剩 %(n)s 天", "还剩 %(n)s 天", left) % {"n": left})
    return ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
