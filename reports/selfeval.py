"""The self-evaluation form (自评表): every indicator with requirement, current value, met or
not, evidence and lead unit — the file the city submits before the experts come."""
import io
from collections import defaultdict

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from indicators.models import Indicator, IndicatorValue
from organizations.excel import BORDER, TITLE_FONT, WRAP, set_text, write_header

from .selectors import compliance_view

STATUS_FILLS = {"met": "E3F3EA", "not_met": "FDECEC", "no_data": "EDF0F3"}


def evidence_by_indicator(campaign):
    from tasks.models import TaskEvidence

    names = defaultdict(list)
    for indicator_id, name in (
        TaskEvidence.objects.filter(task__campaign=campaign, task__indicator__isnull=False)
        .values_list("task__indicator_id", "name").order_by("id")
    ):
        names[indicator_id].append(name)
    return names


def self_evaluation_workbook(campaign, on, *, office=False):
    """Names in the current language; verification marks in full for the office only,
    everybody else sees 待核对 on unverified rows (the same rule as the pages)."""
    from openpyxl.styles import PatternFill

    view = compliance_view(campaign, on)
    evidence = evidence_by_indicator(campaign)
    value_files = {
        (v.measure_id, v.scope_id): v.evidence.name.rsplit("/", 1)[-1]
        for v in IndicatorValue.objects.filter(id__in=[r.value_row.id for r in view.rows if r.value_row])
        if v.evidence
    }
    params = campaign.params()
    wb = Workbook()
    wb.remove(wb.active)
    headers = [_("序号"), _("指标编号"), _("指标名称"), _("指标类型"), _("达标要求"), _("当前值"), _("计量单位"),
               _("是否达标"), _("差距"), _("数据日期"), _("数据来源"), _("佐证材料"), _("牵头单位"), _("核实状态")]
    widths = [6, 9, 34, 9, 16, 10, 9, 9, 9, 12, 12, 40, 22, 10]
    by_standard = defaultdict(list)
    for row in view.rows:
        by_standard[row.indicator.standard].append(row)
    for standard, rows in by_standard.items():
        ws = wb.create_sheet(title=standard.code[:31])
        set_text(ws.cell(row=1, column=1), _("%(campaign)s 自评表") % {"campaign": campaign.name}).font = TITLE_FONT
        set_text(ws.cell(row=2, column=1), _("%(standard)s；数据截至 %(date)s；评价层级：%(tier)s") % {
            "standard": f"{standard.display_title}（{standard.version}）", "date": on.isoformat(), "tier": campaign.get_tier_display()})
        write_header(ws, 4, headers, widths)
        r = 5
        aspect = None
        for i, row in enumerate(rows, start=1):
            ind = row.indicator
            if ind.node.aspect != aspect:
                aspect = ind.node.aspect
                cell = set_text(ws.cell(row=r, column=1), aspect.display_name)
                cell.font = Font(bold=True)
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(headers))
                r += 1
            ev = row.evaluation
            files = evidence.get(ind.id, [])
            if row.value_row and (ind.measure_id, row.value_row.scope_id) in value_files:
                files = [value_files[(ind.measure_id, row.value_row.scope_id)], *files]
            evidence_text = "\n".join(filter(None, [ind.evidence_requirements, "、".join(files)]))
            value = None if row.value is None else (
                (_("达标") if row.value >= 1 else _("未达标")) if ind.is_qualitative else float(row.value))
            cells = [
                i, ind.code, ind.display_name, ind.get_kind_display(),
                ev.threshold.describe(params) if ev.threshold else "—",
                value, ind.display_unit, str(Indicator.Status(ev.status).label),
                float(ev.gap) if ev.gap else None,
                row.value_row.as_of if row.value_row else None,
                row.value_row.get_source_display() if row.value_row else "",
                evidence_text,
                _("、").join(u.name for u in view.lead_units.get(ind.id, [])),
                ind.get_verification_display() if office else (_("待核对") if ind.needs_check else ""),
            ]
            for col, value in enumerate(cells, start=1):
                cell = set_text(ws.cell(row=r, column=col), value)
                cell.border = BORDER
                cell.alignment = WRAP
                if col == 10 and value:
                    cell.number_format = "yyyy-mm-dd"
            status_cell = ws.cell(row=r, column=8)
            status_cell.fill = PatternFill("solid", fgColor=STATUS_FILLS.get(ev.status, "FFFFFF"))
            status_cell.alignment = Alignment(horizontal="center", vertical="top")
            r += 1
        ws.freeze_panes = "D5"
        ws.print_title_rows = "4:4"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


