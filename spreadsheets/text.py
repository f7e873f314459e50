"""A header as a clerk typed it → the name it is compared on, without its note.

There is one normaliser of header text, spreadsheets.headers.normalise (full/half width,
spaces and line breaks, required marks, one kind of bracket, m², lower case). The task table
and the standards workbook compare column names without the bracketed note or unit
(完成时限（年月日）, 计量单位（如 %）), so `fold_header` is that normalisation with the notes and a
few more marks (★ # :) taken off; `header_note` keeps the bracketed part instead.
"""
import re

from .headers import normalise

_NOTE = re.compile(r"\([^()]*\)")
_MARKS = re.compile(r"[*※★☆#:]")  # after normalise: ＃ and ： are # and :


def fold_header(text):
    """序号、 ＊完成时限\n（年月日） and 完成 时限(年/月/日)* all fold to 完成时限."""
    if text is None:
        return ""
    folded = _MARKS.sub("", normalise(text))
    whole = folded.replace("(", "").replace(")", "")
    while True:  # nested or repeated notes: 面积(m2)(含水面)
        stripped = _NOTE.sub("", folded)
        if stripped == folded:
            break
        folded = stripped
    # A header that is all note (【牵头单位】) is its own name.
    return folded.replace("(", "").replace(")", "") or whole


def header_note(text):
    """The bracketed note of a header, normalised: 面积（公顷） → 公顷; '' when there is none."""
    notes = _NOTE.findall(normalise(text)) if text is not None else []
    return notes[-1][1:-1] if notes else ""
