"""Text folding shared by the spreadsheet imports: a header as a clerk typed it → the key we compare.

Clerks write the same header many ways: full-width letters and brackets, spaces and line
breaks inside a merged cell, a `*` for "required", a note or unit in brackets
(完成时限（年月日）, 面积（公顷）). `fold_header` removes all of that; `header_note` keeps the
bracketed part for readers that need it (a unit in a ledger header).
"""
import re
import unicodedata

# After NFKC, full-width （）［］ are half-width; these Chinese brackets stay and are mapped.
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")", "[": "(", "]": ")",
                           "〈": "(", "〉": ")", "《": "(", "》": ")"})
_SPACE = re.compile(r"\s+")
_NOTE = re.compile(r"\([^()]*\)")
_MARKS = re.compile(r"[*※★☆#＃:：]")


def fold_text(text):
    """Full/half width folded, every space and line break removed."""
    if text is None:
        return ""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS))


def fold_header(text):
    """序号、 ＊完成时限\n（年月日） and 完成 时限(年/月/日)* all fold to 完成时限."""
    folded = _MARKS.sub("", fold_text(text))
    whole = folded.replace("(", "").replace(")", "")
    while True:  # nested or repeated notes: 面积(m2)(含水面)
        stripped = _NOTE.sub("", folded)
        if stripped == folded:
            break
        folded = stripped
    # A header that is all note (【牵头单位】) is its own name.
    return folded.replace("(", "").replace(")", "") or whole


def header_note(text):
    """The bracketed note of a header, folded: 面积（公顷） → 公顷; '' when there is none."""
    notes = _NOTE.findall(fold_text(text))
    return notes[-1][1:-1] if notes else ""
