"""The findings list as an Excel file, with the same filters as the page."""
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from organizations.excel import BORDER, TITLE_FONT, WRAP, set_text, write_header


def findings_workbook(campaign, findings, today, level_labels, *, with_roles=False):
    """`with_roles`: a last column saying whether the user's unit leads or only cooperates."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("督查问题")[:31]
    set_text(ws["A1"], _("%(campaign)s 督查问题清单（导出于 %(date)s）") % {
        "campaign": campaign.name, "date": today.isoformat()}).font = TITLE_FONT
    headers = [_("编号"), _("发现日期"), _("问题描述"), _("问题地点"), _("问题类别"), _("严重程度"), _("关联指标"),
               _("责任单位"), _("整改期限"), _("状态"), _("预警等级"), _("问题来源"), _("督查轮次")]
    widths = [7, 11, 42, 26, 12, 9, 22, 18, 11, 10, 10, 12, 16]
    role_labels = {"lead": _("牵头"), "cooperating": _("配合")}
    if with_roles:
        headers.append(_("本单位角色"))
        widths.append(10)
    write_header(ws, 3, headers, widths)
    for r, f in enumerate(findings, start=4):
        values = [
            f.pk, f.found_on, f.description, f.address, f.get_category_display(), f.get_severity_display(),
            str(f.indicator) if f.indicator_id else "", f.unit.name, f.deadline, f.get_status_display(),
            level_labels.get(f.level, "") if f.level else "", f.get_source_display(),
            str(f.round) if f.round_id else "",
        ]
        if with_roles:
            values.append(str(role_labels.get(getattr(f, "viewer_role", None), "")))
        for c, value in enumerate(values, start=1):
            cell = set_text(ws.cell(row=r, column=c), value)
            cell.border, cell.alignment = BORDER, WRAP
            if c in (2, 9):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "C4"
    ws.auto_filter.ref = f"A3:{ws.cell(row=3, column=len(headers)).column_letter}{max(3, ws.max_row)}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
