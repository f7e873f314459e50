"""fold_header: the one header normaliser (headers.normalise) with the bracketed note taken off."""
from spreadsheets.headers import normalise
from spreadsheets.text import fold_header, header_note


class FoldHeaderTests:
    def test_it_folds_what_clerks_type_around_a_name(self):
        for text in ("完成时限", "＊完成时限\n（年月日）", "完成 时限(年/月/日)*", "完成时限【年月日】", "完成时限〈年月日〉",
                     "完成时限：", "★完成时限"):
            assert fold_header(text) == "完成时限", text

    def test_it_is_the_header_normaliser_without_the_note(self):
        # Widths, spaces, m² and case as headers.normalise folds them: one normaliser.
        assert fold_header("面积（ＫＭ２）") == fold_header("面积") == normalise("面 积")
        assert fold_header("Ｎａｍｅ") == normalise("name") == "name"
        assert fold_header("面积(m2)(含水面)") == "面积"

    def test_a_header_that_is_all_note_is_its_own_name(self):
        assert fold_header("【牵头单位】") == "牵头单位"

    def test_blank_and_none_fold_to_nothing(self):
        assert fold_header(None) == "" and fold_header("  \n") == ""

    def test_the_note_is_the_last_bracket_normalised(self):
        assert header_note("面积（公顷）") == "公顷" and header_note("面积【㎡】") == "m²" and header_note("面积") == ""
