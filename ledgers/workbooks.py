"""Workbooks we write: ledger templates (Chinese headers, an example row, drop-down lists),
filled ledgers (the demo files) and the error workbook of rows that were not imported.

Text is always written as text: a cell starting with = + - @ from a user's file must never
become a formula in a workbook we hand out.
"""
import io
from itertools import chain
from datetime import date, datetime

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from organizations.excel import set_text  # text is never a formula, whatever it starts with

from .schemas import BOOL, CHOICE, DATE, DECIMAL, DISTRICT, LAT, LNG, MEASURE, SCOPE, VALUE

HEADER_ROW = 3
EXAMPLE_ROWS_NAME = "CYZH_EXAMPLE_ROWS"  # a defined name over the template's example row
VALIDATION_ROWS = 5000
FIXED_TIME = datetime(2024, 1, 1)
HEADER_FILL = PatternFill("solid", fgColor="E3F3EA")
EXAMPLE_FONT = Font(italic=True, color="808080")
THIN = Side(style="thin", color="B7C0CA")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _save(wb):
    wb.properties.creator = "创园指挥中心"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _cell_value(column, value):
    """A normalized ledger value as a user would type it."""
    if value is None or value == "":
        return None
    if column.kind == BOOL:
        return "是" if value else "否"
    if column.kind == CHOICE:
        choice = column.choice(value)
        if choice is None:
            return value
        return f"{choice.value} {choice.label}" if column.key == "green_class" else choice.label
    if column.kind in (DECIMAL, LAT, LNG, VALUE):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return value  # written as given (a test's deliberately wrong cell)
        return int(number) if number.is_integer() else number
    if column.kind == DATE:
        try:
            return date.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            return value
    return value


def ledger_workbook(ledger_type, *, rows=(), districts=(), city_name="", example=True, measures=()):
    """A ledger workbook in the template layout: title, instructions, header on row 3, then rows.

    `rows` are normalized data dicts; `measures` are names offered in the values sheet's list.
    """
    with translation.override("zh-hans"):
        return _ledger_workbook(ledger_type, rows, districts, city_name, example, measures)


def _ledger_workbook(ledger_type, rows, districts, city_name, example, measures):
    wb = Workbook()
    ws = wb.active
    ws.title = str(ledger_type.label)
    columns = ledger_type.columns
    last = get_column_letter(len(columns))

    ws["A1"] = f"{city_name}{ledger_type.label}" if city_name else str(ledger_type.label)
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(f"A1:{last}1")
    set_text(ws["A2"], _("填表说明：带 * 的列必填；请勿修改第 3 行表头；是/否类填写“是”或“否”；面积、长度只填数字。"
                          "灰色斜体的示例行不会被导入，可删除。") + str(ledger_type.description))
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws["A2"].font = Font(size=9, color="6B7785")
    ws.merge_cells(f"A2:{last}2")
    ws.row_dimensions[2].height = 48

    for i, column in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=i)
        set_text(cell, ("*" if column.required else "") + str(column.header))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        if column.help:
            cell.comment = Comment(str(column.help), "创园指挥中心")
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.row_dimensions[HEADER_ROW].height = 30
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)

    row_index = HEADER_ROW + 1
    if example:
        # The marker the reader knows the example row by (never by its 示例 text alone: 示例市 is a
        # real city name in the demo). Excel moves the name with the row when rows are inserted.
        wb.defined_names[EXAMPLE_ROWS_NAME] = DefinedName(
            EXAMPLE_ROWS_NAME, attr_text=f"{quote_sheetname(ws.title)}!${row_index}:${row_index}")
        for i, column in enumerate(columns, start=1):
            value = column.example
            if i == 1 and value:
                value = _("示例：") + value
            cell = ws.cell(row=row_index, column=i)
            if column.kind in (DECIMAL, LAT, LNG) and value:
                cell.value = float(value) if "." in value else int(value)
            else:
                set_text(cell, value or None)
            cell.font = EXAMPLE_FONT
        row_index += 1
    for data in rows:
        for i, column in enumerate(columns, start=1):
            value = _cell_value(column, data.get(column.key))
            cell = ws.cell(row=row_index, column=i)
            set_text(cell, value)
            if column.kind == DATE and value is not None:
                cell.number_format = "yyyy-mm-dd"
        row_index += 1

    _validations(wb, ws, columns, districts, measures)
    return _save(wb)


def _validations(wb, ws, columns, districts, measures):
    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    list_col = 0
    first, last_row = HEADER_ROW + 1, HEADER_ROW + VALIDATION_ROWS

    def list_range(values):
        nonlocal list_col
        list_col += 1
        letter = get_column_letter(list_col)
        for r, v in enumerate(values, start=1):
            set_text(options.cell(row=r, column=list_col), v)
        return f"'选项'!${letter}$1:${letter}${max(1, len(values))}"

    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        target = f"{letter}{first}:{letter}{last_row}"
        dv = None
        if column.kind == BOOL:
            dv = DataValidation(type="list", formula1='"是,否"', allow_blank=not column.required)
        elif column.kind == CHOICE:
            labels = [f"{c.value} {c.label}" if column.key == "green_class" else c.label for c in column.choices]
            dv = DataValidation(type="list", formula1=list_range(labels), allow_blank=False)
        elif column.kind == DISTRICT and districts:
            dv = DataValidation(type="list", formula1=list_range(list(districts)), allow_blank=True)
        elif column.kind == SCOPE and districts:
            dv = DataValidation(type="list", formula1=list_range(["全市", *districts]), allow_blank=True)
        elif column.kind == MEASURE and measures:
            dv = DataValidation(type="list", formula1=list_range(list(measures)), allow_blank=False)
        elif column.kind == DECIMAL:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        elif column.kind == LAT:
            dv = DataValidation(type="decimal", operator="between", formula1="3", formula2="54", allow_blank=True)
        elif column.kind == LNG:
            dv = DataValidation(type="decimal", operator="between", formula1="73", formula2="136", allow_blank=True)
        elif column.kind == DATE:
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
        if dv is None:
            continue
        dv.error = _("请填写：%(what)s") % {"what": column.help or column.label}
        dv.errorTitle = str(column.label)
        dv.showErrorMessage = column.kind not in (DATE,)  # a date typed as 2024年8月31日 is fine for us
        dv.add(target)
        ws.add_data_validation(dv)


def error_workbook(upload):
    """The rows that were not imported, as the user wrote them, with what was wrong."""
    with translation.override("zh-hans"):
        wb = Workbook()
        ws = wb.active
        ws.title = "未导入的行"
        from .selectors import upload_error_rows

        result = upload.result or {}
        error_rows = upload_error_rows(upload)  # streamed from the staged rows, not the summary
        first = next(error_rows, None)
        if first is not None:
            headers = [h for h, _v in first["raw"]]
            error_rows = chain([first], error_rows)
        else:
            headers = [c["header"] for c in result.get("columns", [])]
        # With its rows (a cancelled upload keeps none) the row errors come from them.
        messages = [e.get("message", "") for e in result.get("errors", []) if first is None or not e.get("row")]
        set_text(ws.cell(row=1, column=1), _("原行号"))
        for i, h in enumerate(headers, start=2):
            set_text(ws.cell(row=1, column=i), h)
        set_text(ws.cell(row=1, column=len(headers) + 2), _("错误说明"))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
        for r, item in enumerate(error_rows, start=2):
            messages += item["messages"]
            ws.cell(row=r, column=1).value = item["row"]
            for i, (_h, value) in enumerate(item["raw"], start=2):
                set_text(ws.cell(row=r, column=i), value)
            note = ws.cell(row=r, column=len(headers) + 2)
            set_text(note, "\n".join(item["messages"]))
            note.alignment = Alignment(wrap_text=True, vertical="top")
            note.font = Font(color="D93B3B")
        ws.column_dimensions[get_column_letter(len(headers) + 2)].width = 80
        ws.freeze_panes = "B2"
        errors = wb.create_sheet("全部错误")
        set_text(errors.cell(row=1, column=1), _("错误说明"))
        errors.cell(row=1, column=1).font = Font(bold=True)
        for r, message in enumerate(messages, start=2):
            set_text(errors.cell(row=r, column=1), message)
        errors.column_dimensions["A"].width = 120
        return _save(wb)
