"""Units written in a header (面积（公顷）) or in a cell (30.5公顷, 450米, 1.2万平方米, 3亩).

Factors are exact fractions, so a conversion loses nothing: 0.496 公顷 is 4 960 m², not
5 000; 1 亩 is 10 000/15 m². Rounding happens only where a number is shown.
"""
import re
from decimal import Decimal, localcontext
from fractions import Fraction

from .headers import fold, normalise

AREA_M2 = {"m²": 1, "平方米": 1, "平米": 1, "公顷": 10000, "ha": 10000, "hm²": 10000, "万平方米": 10000,
           "万m²": 10000, "亩": Fraction(10000, 15), "km²": 1000000, "平方公里": 1000000, "平方千米": 1000000}
AREA_KM2 = {"km²": 1, "平方公里": 1, "平方千米": 1, "公顷": Fraction(1, 100), "ha": Fraction(1, 100),
            "hm²": Fraction(1, 100), "万平方米": Fraction(1, 100), "m²": Fraction(1, 10 ** 6),
            "平方米": Fraction(1, 10 ** 6), "亩": Fraction(1, 1500)}
LENGTH_M = {"m": 1, "米": 1, "km": 1000, "公里": 1000, "千米": 1000}
LENGTH_KM = {"km": 1, "公里": 1, "千米": 1, "m": Fraction(1, 1000), "米": Fraction(1, 1000)}
PEOPLE_10K = {"万人": 1, "万": 1, "人": Fraction(1, 10000)}

# Places kept when a factor does not divide evenly (亩): far below any threshold that matters.
INEXACT_PLACES = 10
CELL_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(.*)$")


def table(factors):
    """A unit table with normalised spellings (m2 → m², ㎡ → m²)."""
    return {normalise(unit): Fraction(factor) for unit, factor in factors.items()}


def factor_of(unit, factors):
    """The factor of a unit spelling in a column's table, or None."""
    return table(factors).get(normalise(unit)) if unit else None


def convert(number, factor):
    """number × factor exactly; a factor that does not divide evenly keeps INEXACT_PLACES places."""
    factor = Fraction(factor)
    if factor == 1:
        return number
    with localcontext() as ctx:
        ctx.prec = 50
        result = number * factor.numerator / factor.denominator
        exact = number * factor.numerator
        if exact % factor.denominator:
            result = result.quantize(Decimal(1).scaleb(-INEXACT_PLACES))
    return result.normalize() if result == result.to_integral() else result


def split_cell(text):
    """'30.5公顷' → ('30.5', '公顷'); '1,200 平方米' → ('1200', '平方米'); '450' → ('450', '')."""
    text = re.sub(r"\s+", "", fold(text))
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?.*", text):
        text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    match = CELL_NUMBER.match(text)
    if not match:
        return text, ""
    return match.group(1), match.group(2)


def factor_text(factor):
    factor = Fraction(factor)
    if factor.denominator == 1:
        return str(factor.numerator)
    value = Decimal(factor.numerator) / Decimal(factor.denominator)
    return format(value.normalize(), "f") if len(format(value.normalize(), "f")) <= 12 else f"{factor.numerator}/{factor.denominator}"
