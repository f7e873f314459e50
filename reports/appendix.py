"""The briefing's appendix workbook for the office: the full lists the briefing caps (issue
17), one sheet each, written through the formula-safe writer (organizations.excel)."""
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from organizations.excel import BORDER, TITLE_FONT, WRAP, set_text, write_header


def _sheet(wb, title, heading, headers, widths, rows):
    ws = wb.create_sheet(title=title[:31])
    set_text(ws.cell(row=1, column=1), heading).font = TITLE_FONT
    write_header(ws, 2, headers, widths)
    for r, values in enumerate(rows, start=3):
        for col, value in enumerate(values, start=1):
            cell = set_text(ws.cell(row=r, column=col), value)
            cell.border, cell.alignment = BORDER, WRAP
    ws.freeze_panes = "A3"
    return ws


def briefing_appendix_workbook(context):
    """`context`: a briefing_context (the same figures as the PDF it accompanies)."""
    c, on = context["c"], context["on"]
    wb = Workbook()
    wb.remove(wb.active)
    when = on.isoformat()
    lead_units = c.lead_units
    _sheet(wb, _("下周到期事项"), _("下周到期事项（截至 %(d)s，按单位、到期日排列）") % {"d": when},
           [_("责任单位"), _("到期日"), _("类型"), _("事项")], [28, 12, 10, 70],
           [(row.unit, row.due, _("问题整改") if row.kind == "finding" else _("任务"), row.text)
            for row in sorted(context["upcoming"], key=lambda r: (r.unit, r.due, r.kind, r.pk))])
    _sheet(wb, _("各单位逾期情况"), _("各单位逾期情况（截至 %(d)s，逾期多的在前）") % {"d": when},
           [_("单位"), _("逾期问题"), _("逾期任务"), _("合计")], [32, 12, 12, 12],
           [(name, f, t, f + t) for name, f, t in context["work"].overdue_by_unit])
    _sheet(wb, _("未达标指标"), _("未达标指标（截至 %(d)s）") % {"d": when},
           [_("指标编号"), _("指标"), _("否决项"), _("当前值"), _("差距"), _("牵头单位")], [10, 40, 8, 12, 12, 30],
           [(r.indicator.code, r.indicator.display_name, _("是") if r.indicator.is_veto else "",
             r.value, r.evaluation.gap, "、".join(str(u) for u in lead_units.get(r.indicator.id, [])))
            for r in c.not_met])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
