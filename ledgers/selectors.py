"""Reads for the ledger pages: who may upload where, the ledger list, previews and provenance."""
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F as Field, Prefetch, Q
from django.http import Http404

from organizations.access import descendant_ids, get_access
from organizations.models import Membership, Unit
from organizations.paging import page_number

from .formulas import FORMULAS, parse_ranges
from .models import HeaderAlias, Ledger, LedgerRow, LedgerUpload, LedgerUploadRow, LedgerVersion
from .schemas import DECIMAL, LAT, LEDGER_TYPES, LNG, MEASURE, NOTE_COLUMN, VALUE

NUMERIC_KINDS = (DECIMAL, LAT, LNG, VALUE)

UPLOAD_UNIT_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.DISTRICT, Unit.Kind.OFFICE, Unit.Kind.STREET)


# --- scoped lookups: the only way views and exports fetch ledgers, uploads and versions ---


def visible_ledgers(access):
    return access.scope(Ledger.objects.all(), "unit")


def visible_uploads(access):
    return access.scope(LedgerUpload.objects.all(), "ledger__unit")


def visible_versions(access):
    return access.scope(LedgerVersion.objects.all(), "ledger__unit")


def _one(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def get_ledger_for_user(request, pk):
    return _one(visible_ledgers(get_access(request)).select_related("unit", "city"), pk)


def get_upload_for_user(request, pk, *, light=False):
    """light: without the parse result (a big JSON), for the progress poll."""
    qs = visible_uploads(get_access(request))
    if light:
        qs = qs.defer("result")
    return _one(qs.select_related("ledger__unit", "ledger__city", "uploaded_by__person", "base_version"), pk)


def header_aliases(city, ledger_type):
    """The spellings of one ledger type in the city: city-wide first, then each unit's."""
    return (HeaderAlias.objects.filter(city=city, ledger_type=ledger_type)
            .select_related("unit", "created_by__person").order_by(Field("unit_id").asc(nulls_first=True), "header"))


def get_header_alias_for_office(city, pk):
    """Office pages only (the views check): a spelling of the office's own city."""
    if city is None:
        raise Http404
    return _one(HeaderAlias.objects.filter(city=city).select_related("unit"), pk)


def get_version_for_user(request, pk):
    return _one(visible_versions(get_access(request))
                .select_related("ledger__unit", "ledger__city", "confirmed_by__person", "upload"), pk)


def uploadable_unit_ids(request):
    """None: every unit (the office). Otherwise the units the user is staff of, with their streets."""
    access = get_access(request)
    if access.is_office:
        return None
    if not request.user.is_authenticated:
        return frozenset()
    roots = set(request.user.memberships.filter(role=Membership.Role.UNIT_STAFF).values_list("unit_id", flat=True))
    return frozenset(descendant_ids(roots)) if roots else frozenset()


def can_upload_for(request, unit_id):
    allowed = uploadable_unit_ids(request)
    return allowed is None or unit_id in allowed


def ledger_city(request):
    """The city a ledger page works in: the current campaign's, else the user's unit's."""
    from indicators.selectors import current_campaign

    from .services import LedgerError, city_of

    campaign = current_campaign(request)
    if campaign is not None:
        return campaign.city, campaign
    membership = request.user.memberships.select_related("unit").first() if request.user.is_authenticated else None
    if membership is not None:
        try:
            return city_of(membership.unit), None
        except LedgerError:
            pass
    return Unit.objects.filter(kind=Unit.Kind.CITY).order_by("id").first(), None


def upload_units(request, city):
    qs = Unit.objects.filter(kind__in=UPLOAD_UNIT_KINDS).filter(
        Q(parent=city) | Q(parent__parent=city)).order_by("sort_order", "id")
    allowed = uploadable_unit_ids(request)
    return qs if allowed is None else qs.filter(pk__in=allowed)


def ledger_list(request, city, *, unit_id=None, ledger_type=None):
    current = Prefetch("versions", queryset=LedgerVersion.objects.filter(is_current=True)
                       .select_related("confirmed_by__person"), to_attr="current_versions")
    qs = (get_access(request).scope(Ledger.objects.filter(city=city), "unit")
          .select_related("unit").prefetch_related(current)
          .annotate(open_uploads=Count("uploads", distinct=True, filter=Q(uploads__status__in=[
              LedgerUpload.Status.PARSING, LedgerUpload.Status.READY])),
              version_count=Count("versions", distinct=True)))
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if ledger_type:
        qs = qs.filter(ledger_type=ledger_type)
    ledgers = list(qs.order_by("unit__sort_order", "unit_id", "ledger_type"))
    for ledger in ledgers:
        ledger.current = ledger.current_versions[0] if ledger.current_versions else None
    return ledgers


def open_uploads(request, city, limit=20):
    return list(get_access(request).scope(
        LedgerUpload.objects.filter(ledger__city=city, status__in=[LedgerUpload.Status.PARSING,
                                                                   LedgerUpload.Status.READY]),
        "ledger__unit").select_related("ledger__unit", "uploaded_by__person").defer("result")
        .order_by("-uploaded_at")[:limit])


# --- preview ----------------------------------------------------------------------------


def display_columns(schema):
    return [c for c in schema.columns if c.key != NOTE_COLUMN.key]


class Cell(str):
    """A displayed cell value that knows whether it is a number (right-aligned)."""

    num = False


def _cell(column, value):
    cell = Cell(column.display(value))
    cell.num = column.kind in NUMERIC_KINDS
    return cell


def _shown(column, data):
    # A values row stores the measure key; people read the indicator's name, kept beside it at parse.
    if column.kind == MEASURE:
        return data.get("measure_name") or data.get(column.key)
    return data.get(column.key)


def row_cells(schema, data, columns=None):
    return [_cell(c, _shown(c, data)) for c in (columns or display_columns(schema))]


PREVIEW_PAGE_SIZE = 100
# The preview's lists, in page order: name, the row kind each pages through, the upload's count.
PREVIEW_LISTS = (
    ("errors", LedgerUploadRow.Kind.ERROR, "error_row_count"),
    ("added", LedgerUploadRow.Kind.ADDED, "added"),
    ("changed", LedgerUploadRow.Kind.CHANGED, "changed"),
    ("removed", LedgerUploadRow.Kind.REMOVED, "removed"),
    ("skipped", LedgerUploadRow.Kind.SKIPPED, None),
)


@dataclass
class PreviewList:
    name: str
    total: int  # rows of this kind, exact
    page: int
    pages: int
    first: int  # position of the first row shown, 1-based (0 when empty)
    items: list

    @property
    def last(self):
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def previous_page(self):
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self):
        return self.page + 1 if self.page < self.pages else None


@dataclass
class Preview:
    columns: list
    added: PreviewList  # items: (row number, cells)
    changed: PreviewList  # items: dicts row, old_row, key, fields
    removed: PreviewList  # items: (old row number, cells, has error)
    errors: PreviewList  # items: problem dicts (row, column, header, expected, found, message)
    skipped: PreviewList  # items: (row number, reason)
    file_errors: list  # errors of the file as a whole (no row), from the summary
    notes: list
    sheets: list
    diff: dict
    skipped_count: int


def _problems(row):
    detail = row.detail or {}
    if detail.get("problems"):
        return detail["problems"]
    return [{"row": row.row_number, "column": "", "header": "", "expected": "", "found": "", "message": m}
            for m in detail.get("messages", [])]


def upload_preview(upload, *, list_name="", page=""):
    """The preview page: the summary, and one page (PREVIEW_PAGE_SIZE rows) of each list — the
    page asked for of `list_name`, the first of the others. One query per non-empty list,
    whatever the row count; cancelled and failed uploads keep no rows."""
    schema = upload.ledger.schema
    result = upload.result or {}
    columns = display_columns(schema)
    has_rows = upload.status in (LedgerUpload.Status.READY, LedgerUpload.Status.CONFIRMED)
    lists = {}
    for name, kind, count_field in PREVIEW_LISTS:
        total = getattr(upload, count_field) if count_field else result.get("skipped_count", 0)
        if not has_rows or (upload.status == LedgerUpload.Status.CONFIRMED and name != "errors"):
            total = 0
        number = page_number(page if name == list_name else "", total, PREVIEW_PAGE_SIZE)
        start = (number - 1) * PREVIEW_PAGE_SIZE
        rows = []
        if total:
            rows = list(LedgerUploadRow.objects.filter(upload=upload, kind=kind).order_by("row_number", "id")
                        [start:start + PREVIEW_PAGE_SIZE])
        if name == "added":
            items = [(r.row_number, row_cells(schema, r.data, columns)) for r in rows]
        elif name == "changed":
            items = [{"row": r.row_number, "key": r.key, **r.detail} for r in rows]
        elif name == "removed":
            items = [(r.row_number, row_cells(schema, r.data, columns), r.detail.get("has_error", False))
                     for r in rows]
        elif name == "errors":
            items = [p for r in rows for p in _problems(r)]
        else:
            items = [(r.row_number, r.detail.get("reason", "")) for r in rows]
        lists[name] = PreviewList(name=name, total=total, page=number,
                                  pages=max(1, (total + PREVIEW_PAGE_SIZE - 1) // PREVIEW_PAGE_SIZE),
                                  first=start + 1 if rows else 0, items=items)
    errors = result.get("errors", [])
    file_errors = errors if upload.status == LedgerUpload.Status.FAILED or not has_rows else [
        e for e in errors if not e.get("row")]
    return Preview(columns=columns, file_errors=file_errors, notes=result.get("notes", []),
                   sheets=result.get("sheets", []), diff=result.get("diff") or {},
                   skipped_count=result.get("skipped_count", len(result.get("skipped", []))), **lists)


def upload_error_rows(upload):
    """Every error row of an upload, in row order, as the validation wrote it: row, raw, messages."""
    for row_number, detail in (LedgerUploadRow.objects.filter(upload=upload, kind=LedgerUploadRow.Kind.ERROR)
                               .order_by("row_number", "id").values_list("row_number", "detail")
                               .iterator(chunk_size=2000)):
        yield {"row": row_number, "raw": detail.get("raw", []), "messages": detail.get("messages", [])}


def version_rows(version, page_size=100, page=1):
    schema = version.ledger.schema
    columns = schema.columns
    qs = LedgerRow.objects.filter(version=version).order_by("row_number")
    total = qs.count()
    start = (page - 1) * page_size
    rows = [(r.row_number, row_cells(schema, r.data, columns)) for r in qs[start:start + page_size]]
    return columns, rows, total


def page_of_row(version, row_number, page_size=100):
    before = LedgerRow.objects.filter(version=version, row_number__lt=row_number).count()
    return before // page_size + 1


# --- provenance -------------------------------------------------------------------------

ROW_LIMIT_PER_GROUP = 200
# What a version's provenance entry says about another unit's file: left out for unit staff.
HIDDEN_VERSION_KEYS = ("file", "sheet", "checksum", "confirmed_at", "confirmed_by")


@dataclass
class RefView:
    label: str
    role: str
    count: int
    ledger_type: str
    columns: list
    rows: list  # (version, row_number, cells, detail)
    truncated: bool
    hidden: bool  # rows of a version the user may not open were left out
    ranges: list  # (version_json, ranges text)


def value_provenance(value, request):
    """What the value page shows: formula, inputs, versions and every row group with its rows."""
    provenance = value.provenance or {}
    versions = {v["id"]: v for v in provenance.get("versions", [])}
    access = get_access(request)
    stored = {v.pk: v for v in LedgerVersion.objects.filter(pk__in=list(versions))}
    # Rows, files and who confirmed them come only from versions the user may open: the value
    # itself is everybody's, another unit's ledger is not.
    visible = set(visible_versions(access).filter(pk__in=list(versions)).values_list("pk", flat=True))
    for vid, info in versions.items():
        v = stored.get(vid)
        info["exists"] = v is not None
        info["visible"] = vid in visible
        info["is_current"] = bool(v and v.is_current)
        if not info["visible"] and not access.sees_all:
            for key in HIDDEN_VERSION_KEYS:
                info.pop(key, None)
    details = provenance.get("details", {})
    wanted = defaultdict(set)
    groups = []
    for ref in provenance.get("refs", []):
        picked = []
        hidden = 0
        for part in ref.get("versions", []):
            if part["version"] not in visible and not access.sees_all:
                hidden += 1
                continue
            for n in parse_ranges(part["rows"]):
                if len(picked) >= ROW_LIMIT_PER_GROUP:
                    break
                picked.append((part["version"], n))
        for vid, n in picked:
            wanted[vid].add(n)
        groups.append((ref, picked, hidden))
    found = {}
    for vid, numbers in wanted.items():
        for r in LedgerRow.objects.filter(version_id=vid, row_number__in=numbers):
            found[(vid, r.row_number)] = r.data
    views = []
    for ref, picked, hidden in groups:
        schema = LEDGER_TYPES.get(ref.get("ledger_type"))
        columns = display_columns(schema) if schema else []
        rows = [(vid, n, row_cells(schema, found.get((vid, n), {}), columns) if schema else [],
                 details.get(f"{vid}:{n}", "")) for vid, n in picked]
        views.append(RefView(label=ref.get("label", ""), role=ref.get("role", "counted"), count=ref.get("count", 0),
                             ledger_type=ref.get("ledger_type", ""), columns=columns, rows=rows,
                             truncated=not hidden and ref.get("count", 0) > len(picked), hidden=bool(hidden),
                             ranges=[(versions.get(p["version"], {"id": p["version"]}),
                                      p["rows"] if p["version"] in visible or access.sees_all else "")
                                     for p in ref.get("versions", [])]))
    formula = FORMULAS.get(provenance.get("formula", ""))
    return {"provenance": provenance, "versions": list(versions.values()), "groups": views, "formula": formula}
