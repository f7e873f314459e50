"""Reading one spreadsheet cell the way departments actually fill them in.

Numbers typed as text, full-width digits, thousands separators, `38.5%`, trailing spaces,
是/否 written a dozen ways, dates as Excel date cells or as 2024年8月31日. Each reader returns
the normalized value or raises CellError saying, in Chinese, what was expected.
"""
import functools
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from spreadsheets.reader import ErrorValue, FormulaWithoutValue

BLANKS = {"", "-", "—", "--", "——", "/", "无", "空", "n/a", "na", "null", "none", "#n/a"}
TRUE_WORDS = {"是", "有", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "已", "具备", "达标", "已达标"}
FALSE_WORDS = {"否", "无", "没有", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "不是", "未", "不具备",
               "不达标", "未达标"}
EXCEL_EPOCH = date(1899, 12, 30)
MAX_DIGITS = 14  # the largest power of ten a ledger number may reach (Excel keeps 15 significant digits)


class CellError(ValueError):
    def __init__(self, expected, found=None):
        self.expected = str(expected)
        self.found = found
        super().__init__(self.expected)




def fold(text):
    """Full-width to half-width, no surrounding or inner odd spaces: the form we compare on."""
    text = unicodedata.normalize("NFKC", str(text))
    return text.replace("\u00a0", " ").replace("\u3000", " ").strip()


def is_blank(value):
    if value is None:
        return True
    if isinstance(value, str):
        return fold(value).lower() in BLANKS
    return False


def shown(value):
    """How a raw cell value is quoted back in an error message."""
    if value is None:
        return _("（空）")
    if isinstance(value, FormulaWithoutValue):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _check_special(value):
    if isinstance(value, FormulaWithoutValue):
        raise CellError(_("公式的计算结果（此公式没有保存计算结果，请在 Excel 中打开后保存，或改为填写数值）"), value)
    if isinstance(value, ErrorValue):
        raise CellError(_("有效数值（单元格为错误值 %(err)s）") % {"err": value}, value)


def read_text(value):
    _check_special(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\u00a0", " ").replace("\u3000", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return text


NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def read_decimal(value, *, places=2, min_value=None, max_value=None, unit="", percent=False, allow_percent=False):
    """A Decimal from a number cell or text; '38.5%' is 38.5 when the column allows percents.

    `percent` says the cell carries a percent number format (0.385 shown as 38.5 %).
    """
    _check_special(value)
    if isinstance(value, bool):
        raise CellError(_("数值"), value)
    if isinstance(value, (datetime, date)):
        raise CellError(_("数值（单元格是日期格式）"), value)
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if percent:
            number *= 100
    else:
        text = fold(value)
        text = re.sub(r"\s+", "", text)
        is_percent = text.endswith("%") or text.endswith("％")
        if is_percent:
            if not allow_percent:
                raise CellError(_("数值（本列不是百分比）"), value)
            text = text[:-1]
        for suffix in sorted(_unit_suffixes(unit), key=len, reverse=True):
            if suffix and text.lower().endswith(suffix.lower()) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                break
        # Thousands separators: 12,345.6 (also after NFKC from 12，345．6).
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
            text = text.replace(",", "")
        if not NUMBER_RE.match(text):
            raise CellError(_("数值") + (f"（{unit}）" if unit else ""), value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(_("数值"), value) from None
    if not number.is_finite():
        raise CellError(_("数值"), value)
    if number and number.adjusted() > MAX_DIGITS:  # 1e400, a pasted ID number: no quantity is that large
        raise CellError(_("数值（不超过 %(n)s 位整数）") % {"n": MAX_DIGITS + 1}, value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if min_value is not None and number < min_value:
        if min_value == 0:
            raise CellError(_("不小于 0 的数值"), value)
        raise CellError(_("不小于 %(min)s 的数值") % {"min": canonical(min_value)}, value)
    if max_value is not None and number > max_value:
        raise CellError(_("不大于 %(max)s 的数值") % {"max": canonical(max_value)}, value)
    return number


def _unit_suffixes(unit):
    return {"m²": ("m²", "m2", "㎡", "平方米", "平米"), "m": ("m", "米"), "km": ("km", "公里", "千米"),
            "km²": ("km²", "km2", "平方公里"), "万人": ("万人",)}.get(unit, ())


def read_bool(value):
    _check_special(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = fold(value).lower().replace(" ", "") if value is not None else ""
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("“是”或“否”"), value)


def read_choice(value, choices):
    """The choice whose code, label or alias matches (G1, 公园绿地, G1 公园绿地, 公园绿地(G1) …)."""
    _check_special(value)
    text = _choice_fold(value)
    for choice in choices:
        if text in _choice_forms(choice):
            return choice.value
    raise CellError("、".join(c.label for c in choices) + _("之一"), value)


def _choice_fold(value):
    return re.sub(r"[\s\-_·•、:：]+", "", fold(value if value is not None else "")).upper()


@functools.lru_cache(maxsize=256)
def _choice_forms(choice):
    code, label = choice.value.upper(), choice.label.upper()
    forms = {code, label, code + label, label + code, f"{label}({code})", f"{code}({label})"}
    forms |= {_choice_fold(a) for a in choice.aliases}
    return {_choice_fold(f) for f in forms}


CN_DATE_RE = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTH_RE = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*月?$")


def read_date(value):
    _check_special(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date typed into a cell without date format keeps its serial number (45535 = 2024-08-31).
        if 20000 < value < 80000:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(_("日期，如 2024-08-31 或 2024年8月31日"), value)
    text = fold(value or "").replace(" ", "")
    match = CN_DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise CellError(_("存在的日期"), value) from None
    match = MONTH_RE.match(text)
    if match:  # 2024年8月: a month means its last day, as 统计截止 dates do.
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            nxt = date(year + (month == 12), month % 12 + 1, 1)
            return nxt - timedelta(days=1)
    raise CellError(_("日期，如 2024-08-31 或 2024年8月31日"), value)


DMS_RE = re.compile(
    r"^(\d{1,3})\s*[°度]\s*"  # degrees
    r"(?:(\d{1,2}(?:\.\d+)?)\s*['′分]\s*)?"  # minutes
    r"(?:(\d{1,2}(?:\.\d+)?)\s*[\"″秒]?\s*)?"  # seconds
    r"([NSEW北南东西])?$"
)


def read_coordinate(value, *, places=6, min_value=None, max_value=None):
    """Decimal degrees; also 118°46'30" as surveyors write them."""
    _check_special(value)
    if isinstance(value, str):
        text = fold(value).replace(" ", "").replace("''", '"')
        match = DMS_RE.match(text)
        if match and ("°" in text or "度" in text):
            deg = Decimal(match.group(1)) + Decimal(match.group(2) or 0) / 60 + Decimal(match.group(3) or 0) / 3600
            if match.group(4) in ("S", "W", "南", "西"):
                deg = -deg
            value = str(deg)
    return read_decimal(value, places=places, min_value=min_value, max_value=max_value)


def canonical(value):
    """Text of a Decimal without exponent or trailing zeros ('12000', '0.5')."""
    if value is None:
        return None
    value = Decimal(value)
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text
