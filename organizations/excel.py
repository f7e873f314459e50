"""Writing workbooks people open in Excel: text stays text, headers look like a form."""
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
THIN = Side(style="thin", color="B7C0CA")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E3F3EA")
HEADER_FONT = Font(bold=True, color="0F3D2E")
TITLE_FONT = Font(bold=True, size=14, color="0F3D2E")
WRAP = Alignment(wrap_text=True, vertical="top")


def set_text(cell, value):
    """Write a value; a string is stored as a string cell, shown as typed, so a leading
    = + - @ from user data can never run as a formula (CSV/formula injection)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    return cell


def write_header(ws, row, headers, widths=None):
    for col, text in enumerate(headers, start=1):
        cell = set_text(ws.cell(row=row, column=col), text)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for col, width in enumerate(widths or [], start=1):
        ws.column_dimensions[ws.cell(row=row, column=col).column_letter].width = width


def csv_safe(value):
    """A CSV cell that a spreadsheet opens as text: a leading = + - @ tab or CR is escaped
    with an apostrophe, as OWASP recommends against CSV injection."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
