"""Finding a header: spellings, brackets and widths, merged parents, units carried down, closeness."""
from spreadsheets.headers import Spec, find_header, normalise, split_unit

SPECS = [Spec("name", ("道路名称", "路名")), Spec("length", ("道路长度", "长度"), units=("m", "米", "km", "公里")),
         Spec("shaded", ("林荫路长度",), units=("m", "米", "km", "公里")), Spec("note", ("备注",), required=False)]


def rows(*lists, first=1):
    return [(first + i, {c: v for c, v in enumerate(values, start=1) if v is not None}) for i, values in enumerate(lists)]


class NormaliseTests:
    def test_it_folds_width_spaces_line_breaks_marks_and_brackets(self):
        assert normalise("*道 路\n长度［ＫＭ］") == "道路长度(km)"
        assert normalise("面积【㎡】") == "面积(m²)" and normalise("面积(m2)") == "面积(m²)"
        assert split_unit(normalise("长度（公里）")) == ("长度", "公里")


class FindHeaderTests:
    def test_a_title_merged_over_every_column_is_not_a_parent(self):
        head = rows(["某市道路台账", None, None], ["道路名称", "道路长度（m）", "林荫路长度（m）"], ["文昌路", 1, 1])
        header = find_header(head, SPECS, merged=["A1:C1"])
        assert header.rows == (2,) and header.matches["length"].unit == "m"

    def test_a_unit_carries_down_from_a_merged_parent(self):
        head = rows(["道路名称", "长度（公里）", None], [None, "道路长度", "林荫路长度"], ["文昌路", 2.4, 1.2])
        header = find_header(head, SPECS, merged=["A1:A2", "B1:C1"])
        assert header.rows == (1, 2)
        assert (header.matches["length"].unit, header.matches["length"].unit_from_parent) == ("公里", True)
        assert header.matches["shaded"].unit == "公里"

    def test_the_childs_own_unit_wins_over_the_parents(self):
        head = rows(["道路名称", "长度（公里）", None], [None, "道路长度（米）", "林荫路长度"])
        header = find_header(head, SPECS, merged=["A1:A2", "B1:C1"])
        assert header.matches["length"].unit == "米" and header.matches["shaded"].unit == "公里"

    def test_a_close_spelling_is_taken_and_marked(self):
        header = find_header(rows(["道路名称", "道路长度", "林荫路段长度"]), SPECS)
        assert header.matches["shaded"].close_to == "林荫路长度"

    def test_a_header_close_to_nothing_is_an_extra_listed_with_every_header(self):
        header = find_header(rows(["道路名称", "道路长度", "绿化情况"]), SPECS)
        assert "shaded" not in header.matches and header.extras == [(3, "绿化情况")]
        assert [s.key for s in header.missing(SPECS)] == ["shaded"]
        assert header.texts == [(1, "道路名称"), (2, "道路长度"), (3, "绿化情况")]

    def test_a_row_with_numbers_is_never_part_of_the_header(self):
        head = rows(["道路名称", "长度（公里）", None], ["文昌路", 2.4, 1.2])
        header = find_header(head, SPECS, merged=["B1:C1"])
        assert header.rows == (1,)
