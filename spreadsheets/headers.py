"""Finding and reading the header of an uploaded sheet, whatever the import.

Departments write headers their own way: 公 园 名 称, 所在\n城区, *免费开放, 面积(公顷),
a title row or two above, and two- or three-row headers with a merged parent over its
children (长度（公里） over 道路长度 / 林荫路长度). Each import describes its columns as
Specs (key, known spellings, units); find_header() returns which sheet column is which,
with the unit each one is written in (carried down from a merged parent when the child
names none). A header no spelling names is matched by closeness (difflib) as a last resort,
and said so in the result. An import may pass `aliases` (normalised header → spec key): the
spellings its users saved for their own files, read after the specs' own spellings and before
the closeness match.
"""
import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from openpyxl.utils import range_boundaries

HEADER_SCAN_ROWS = 15
MAX_HEADER_ROWS = 3
CLOSENESS = 0.8  # difflib ratio a header must reach to be taken for a known spelling
BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "{": "(", "}": ")",
                          "<": "(", ">": ")", "《": "(", "》": ")", "〈": "(", "〉": ")"})
UNIT_RE = re.compile(r"^(.*?)\(([^()]*)\)$")


def fold(text):
    """Full-width to half-width, odd spaces to plain ones, trimmed: the form cells are compared on."""
    text = unicodedata.normalize("NFKC", str(text))
    return text.replace("\u00a0", " ").replace("\u3000", " ").strip()


def normalise(text):
    """Comparable header text: half width, no spaces or line breaks, no required marks (*, ※),
    one kind of bracket, m² however written, lower case."""
    text = fold(text).translate(BRACKETS)
    text = re.sub(r"\s+", "", text)
    text = text.replace("*", "").replace("※", "").replace("㎡", "m²").replace("m2", "m²")
    return text.lower()


def split_unit(normalised):
    """面积(公顷) → (面积, 公顷); a header without a trailing bracket has no unit."""
    match = UNIT_RE.match(normalised)
    if match and match.group(1):
        return match.group(1), match.group(2)
    return normalised, ""


@dataclass(frozen=True)
class Spec:
    """One column an import knows: its key, the spellings it accepts, the units it converts."""

    key: str
    names: tuple  # spellings, first is the canonical header
    required: bool = True
    units: tuple = ()  # unit spellings the column accepts in its header (面积（公顷）)
    inverse_names: tuple = ()  # spellings meaning the opposite yes/no (是否收费 for 免费开放)

    @property
    def label(self):
        return self.names[0]


@dataclass
class Match:
    spec: Spec
    index: int  # 1-based sheet column
    header: str  # the header as written (a multi-row header joined with " / ")
    unit: str = ""  # the unit the header names (normalised), "" when none
    unit_from_parent: bool = False  # the unit came from a merged header above
    inverted: bool = False
    close_to: str = ""  # the known spelling a header was taken for by closeness
    by_alias: bool = False  # named by a saved spelling (HeaderAlias), not by the spec
    text: str = ""  # the text that named the column (the lowest of a multi-row header), as written


@dataclass
class Header:
    rows: tuple  # sheet row numbers the header spans
    matches: dict  # key → Match
    extras: list  # (index, header text) of columns no spec names
    duplicates: list  # (index, header text, first Match)
    texts: list = field(default_factory=list)  # (index, header text) of every column, as written
    # index → the text of an extra column a user may map (the lowest of a multi-row header)
    extra_names: dict = field(default_factory=dict)

    @property
    def last_row(self):
        return self.rows[-1]

    def missing(self, specs):
        return [s for s in specs if s.required and s.key not in self.matches]


class _Names:
    """The spellings of every spec, normalised once."""

    def __init__(self, specs, aliases=None):
        self.specs = list(specs)
        self.exact = {}
        for spec in self.specs:
            for name in spec.names:
                self.exact.setdefault(normalise(name), (spec, False))
            for name in spec.inverse_names:
                self.exact.setdefault(normalise(name), (spec, True))
        # Saved spellings never override a spec's own; they are left out of the closeness match.
        self.known = set(self.exact)
        by_key = {spec.key: spec for spec in self.specs}
        for text, key in (aliases or {}).items():
            if key in by_key:
                self.exact.setdefault(normalise(text), (by_key[key], False))
        self.units = {spec.key: {normalise(u) for u in spec.units} for spec in self.specs}

    def is_alias(self, text):
        folded = normalise(text)
        name = folded if folded in self.exact else split_unit(folded)[0]
        return name in self.exact and name not in self.known

    def lookup(self, text):
        """(spec, inverted, unit) for a header text, or None."""
        folded = normalise(text)
        if folded in self.exact:
            spec, inverted = self.exact[folded]
            base, unit = split_unit(folded)
            return spec, inverted, unit if unit in self.units[spec.key] else ""
        base, unit = split_unit(folded)
        if base in self.exact:
            spec, inverted = self.exact[base]
            # A bracket that is not a unit the column knows (面积（规划）): same column, no unit.
            return spec, inverted, unit if unit in self.units[spec.key] else ""
        return None

    def closest(self, text, taken):
        """The spec a header is close to (林荫道路长度 → 林荫路长度), when one stands out."""
        base, unit = split_unit(normalise(text))
        if len(base) < 3:
            return None
        scored = []
        for name, (spec, inverted) in self.exact.items():
            if spec.key in taken or len(name) < 3 or name not in self.known:
                continue
            ratio = difflib.SequenceMatcher(None, base, name).ratio()
            if ratio >= CLOSENESS:
                scored.append((ratio, spec, inverted, name))
        if not scored:
            return None
        scored.sort(key=lambda s: -s[0])
        best = scored[0]
        if any(s[1].key != best[1].key and s[0] == best[0] for s in scored[1:]):
            return None  # two columns equally close: not ours to choose
        return best[1], best[2], unit if unit in self.units[best[1].key] else "", best[3]


def _texts(values):
    return {c: v for c, v in values.items() if isinstance(v, str) and v.strip()}


def _grid(head_rows, merged):
    """Header texts by (row, column), a merged cell's text copied into every cell it covers."""
    grid = {(r, c): t for r, values in head_rows for c, t in _texts(values).items()}
    spans = []
    for coord in merged:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(coord)
        except (TypeError, ValueError):
            continue
        top = grid.get((min_row, min_col))
        if top is None or (min_row == max_row and min_col == max_col):
            continue
        spans.append((min_row, max_row, min_col, max_col))
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                grid.setdefault((r, c), top)
    return grid, spans


def _read_block(rows, grid, names):
    """Match the columns of a header spanning `rows`: per column the stack of texts from top
    to bottom; the lowest text that names a column wins, else the whole stack read as one;
    a unit in a parent's brackets carries down to children that name none."""
    columns = sorted({c for (r, c) in grid if r in rows})
    matches, extras, duplicates, texts, extra_names = {}, [], [], [], {}
    unplaced = []
    for c in columns:
        stack = []
        for r in rows:
            text = grid.get((r, c))
            if text is not None and (not stack or stack[-1] != text):
                stack.append(text)
        if not stack:
            continue
        shown = " / ".join(" ".join(str(t).split()) for t in stack)
        texts.append((c, shown))
        hit = None
        for i in range(len(stack) - 1, -1, -1):
            found = names.lookup(stack[i])
            if found:
                hit = (found, i, stack[i])
                break
        if hit is None and len(stack) > 1:
            found = names.lookup("".join(stack))
            hit = (found, len(stack) - 1, "".join(stack)) if found else None
        if hit is None:
            unplaced.append((c, shown, stack))
            continue
        (spec, inverted, unit), level, named_by = hit
        from_parent = False
        if not unit:
            for parent in reversed(stack[:level]):
                parent_unit = split_unit(normalise(parent))[1]
                if parent_unit in names.units[spec.key]:
                    unit, from_parent = parent_unit, True
                    break
        match = Match(spec, c, shown, unit, from_parent, inverted, by_alias=names.is_alias(named_by),
                      text=" ".join(str(named_by).split()))
        if spec.key in matches:
            duplicates.append((c, shown, matches[spec.key]))
        else:
            matches[spec.key] = match
    for c, shown, stack in unplaced:
        close = names.closest(stack[-1], matches)
        if close:
            spec, inverted, unit, name = close
            matches[spec.key] = Match(spec, c, shown, unit, False, inverted, close_to=name,
                                      text=" ".join(str(stack[-1]).split()))
        else:
            extras.append((c, shown))
            extra_names[c] = " ".join(str(stack[-1]).split())
    return Header(tuple(rows), matches, extras, duplicates, texts, extra_names)


def find_header(head_rows, specs, merged=(), aliases=None):
    """The header among the first rows: the row, or block of up to three rows joined by merged
    cells, naming the most columns. `head_rows` are (row number, {column: value}); `aliases`
    maps saved spellings (normalised) to spec keys."""
    names = _Names(specs, aliases)
    grid, spans = _grid(head_rows, merged)
    numbers = [r for r, _v in head_rows]
    singles = []
    for r in numbers:
        header = _read_block((r,), grid, names)
        exact = sum(1 for m in header.matches.values() if not m.close_to)
        singles.append((exact, len(header.matches), -r, header))
    if not singles:
        return None
    exact, score, _neg, best = max(singles, key=lambda s: s[:3])
    if score == 0:
        return None
    row = best.rows[0]
    # A header row holds text only: a row with a number or a date is data.
    texty = {r for r, values in head_rows if all(isinstance(v, str) for v in values.values())}
    chosen, chosen_score = best, (exact, score)
    for height in range(2, MAX_HEADER_ROWS + 1):
        for top in range(row - height + 1, row + 1):
            block = tuple(range(top, top + height))
            if any(r not in texty for r in block):
                continue
            header = _read_block(block, grid, names)
            exact = sum(1 for m in header.matches.values() if not m.close_to)
            candidate = (exact, len(header.matches))
            if candidate > chosen_score or (_joined(block, grid, spans) and candidate >= chosen_score):
                chosen, chosen_score = header, candidate
    return chosen


def _joined(block, grid, spans):
    """Rows belong to one header only when merged cells tie each row to the next: a cell merged
    down across the boundary, or a parent merged across some (not all) of its children."""
    for upper in block[:-1]:
        lower = upper + 1
        below = [c for (r, c) in grid if r == lower]
        tied = False
        for r0, r1, c0, c1 in spans:
            if r0 <= upper and r1 >= lower:
                tied = True
            elif r0 == r1 == upper and below and not (c0 <= min(below) and c1 >= max(below)):
                tied = tied or _has_children(grid, upper, c0, c1, (lower,))
        if not tied:
            return False
    return True


def _has_children(grid, row, first_col, last_col, block):
    return any((r, c) in grid for r in block if r > row for c in range(first_col, last_col + 1))
