"""One cell at a time: how departments write numbers, yes/no, dates, choices and coordinates."""
from datetime import date, datetime
from decimal import Decimal as D

import pytest

from ledgers import cells as C
from ledgers.schemas import GREEN_CLASSES, PARK_TYPES, ROAD_GRADES


class DecimalTests:
    @pytest.mark.parametrize("raw, expected", [
        (1200, D("1200.00")),
        (1200.5, D("1200.50")),
        ("1200", D("1200.00")),  # a number stored as text
        ("１２００．５", D("1200.50")),  # full-width digits and point
        ("12,345.6", D("12345.60")),  # thousands separators
        ("12，345", D("12345.00")),  # full-width comma
        ("  880 ", D("880.00")),  # spaces around
        ("880\u3000", D("880.00")),  # ideographic space
        ("880 m²", D("880.00")),  # the column's own unit written after the number
        ("880㎡", D("880.00")),
        ("2301.6000000000004", D("2301.60")),  # float noise from a computed cell
    ])
    def test_it_reads_numbers_as_departments_write_them(self, raw, expected):
        assert C.read_decimal(raw, places=2, unit="m²") == expected

    def test_it_reads_percent_strings_where_percents_are_allowed(self):
        assert C.read_decimal("38.5%", places=2, allow_percent=True) == D("38.50")
        assert C.read_decimal("38.5％", places=2, allow_percent=True) == D("38.50")

    def test_it_reads_a_percent_formatted_cell_as_percent_points(self):
        assert C.read_decimal(0.385, places=2, percent=True) == D("38.50")

    def test_it_refuses_a_percent_where_an_area_is_expected(self):
        with pytest.raises(C.CellError) as exc:
            C.read_decimal("38.5%", places=2)
        assert "百分比" in exc.value.expected

    @pytest.mark.parametrize("raw", ["约1200", "1.2.3", "abc", "12,34", True])
    def test_it_refuses_what_is_not_a_number(self, raw):
        with pytest.raises(C.CellError):
            C.read_decimal(raw)

    def test_it_refuses_negative_areas(self):
        with pytest.raises(C.CellError) as exc:
            C.read_decimal("-5", min_value=D(0))
        assert "不小于 0" in exc.value.expected

    def test_it_reports_a_formula_without_cached_value_instead_of_zero(self):
        with pytest.raises(C.CellError) as exc:
            C.read_decimal(C.FormulaWithoutValue("=A1*2"))
        assert "公式" in exc.value.expected

    def test_it_reports_excel_error_values(self):
        with pytest.raises(C.CellError) as exc:
            C.read_decimal(C.ErrorValue("#DIV/0!"))
        assert "#DIV/0!" in exc.value.expected


class BoolTests:
    @pytest.mark.parametrize("raw", ["是", " 是 ", "有", "Y", "yes", "TRUE", True, 1, "√", "✓", "达标"])
    def test_it_reads_yes(self, raw):
        assert C.read_bool(raw) is True

    @pytest.mark.parametrize("raw", ["否", "无", "N", "no", False, 0, "×", "不达标", "未达标"])
    def test_it_reads_no(self, raw):
        assert C.read_bool(raw) is False

    def test_it_refuses_anything_else(self):
        with pytest.raises(C.CellError) as exc:
            C.read_bool("也许")
        assert "是" in exc.value.expected and "否" in exc.value.expected


class DateTests:
    @pytest.mark.parametrize("raw", [
        datetime(2024, 8, 31, 0, 0), date(2024, 8, 31), "2024年8月31日", "2024 年 08 月 31 日", "2024-08-31",
        "2024/8/31", "2024.8.31", "20240831", "２０２４年８月３１日", 45535, "2024年8月",
    ])
    def test_it_reads_date_cells_and_chinese_dates(self, raw):
        assert C.read_date(raw) == date(2024, 8, 31)

    @pytest.mark.parametrize("raw", ["2024年2月30日", "上月底", 12])
    def test_it_refuses_what_is_not_a_date(self, raw):
        with pytest.raises(C.CellError):
            C.read_date(raw)


class ChoiceTests:
    @pytest.mark.parametrize("raw, expected", [
        ("G1", "G1"), ("g1", "G1"), ("公园绿地", "G1"), ("G1 公园绿地", "G1"), ("G1公园绿地", "G1"),
        ("公园绿地（G1）", "G1"), ("XG 附属绿地", "XG"), ("区域绿地", "EG"),
    ])
    def test_it_reads_green_space_classes_by_code_or_name(self, raw, expected):
        assert C.read_choice(raw, GREEN_CLASSES) == expected

    def test_it_reads_aliases(self):
        assert C.read_choice("口袋公园", PARK_TYPES) == "pocket"
        assert C.read_choice("次干道", ROAD_GRADES) == "secondary"

    def test_it_lists_the_choices_when_it_refuses(self):
        with pytest.raises(C.CellError) as exc:
            C.read_choice("城市花园", PARK_TYPES)
        assert "综合公园" in exc.value.expected and "游园" in exc.value.expected


class CoordinateTests:
    def test_it_reads_decimal_degrees_and_degrees_minutes_seconds(self):
        assert C.read_coordinate("118.775") == D("118.775000")
        assert C.read_coordinate("118°46'30\"", places=4) == D("118.7750")
        assert C.read_coordinate("32度3分", places=4) == D("32.0500")
