"""How a parsed upload is kept until it is confirmed: a small summary on the upload (a few KB
whatever the row count) and one LedgerUploadRow per row, written in batches.

Pure: no queries. The parse service feeds it the validation Outcome and the base version's
rows; the 0003 migration feeds it the rows older uploads kept in their JSON.
"""
from collections import defaultdict

# Kept in the summary: every file-level error and the first row errors (the page and the error
# workbook read the rest from the error rows).
SUMMARY_ROW_ERRORS = 5
# The Outcome's per-row lists: rows of the table, never the summary.
ROW_LISTS = ("rows", "error_rows", "skipped")


def upload_summary(result, *, skipped_count):
    """The upload's result JSON from Outcome.as_json(): everything but the per-row lists, with
    the errors capped. Whatever the reader adds to the Outcome is kept as it is."""
    summary = {k: v for k, v in result.items() if k not in ROW_LISTS}
    errors = summary.get("errors") or []
    file_errors = [e for e in errors if not e.get("row")]
    row_errors = [e for e in errors if e.get("row")]
    summary["errors"] = file_errors + row_errors[:SUMMARY_ROW_ERRORS]
    summary["errors_stored"] = len(summary["errors"])
    summary["skipped_count"] = skipped_count
    return summary


def _comparable(schema, data):
    return {c.key: data.get(c.key) for c in schema.columns}


def preview_rows(schema, *, rows, error_rows, skipped, errors, old, counts):
    """Yield the LedgerUploadRow fields of one parse: valid rows compared with the base version
    by natural key, error rows with their problems, skipped rows, then the base version's rows
    that the file's valid rows no longer have. `old` is {key: (row_number, data)} of the base
    version; `counts` is filled as the rows go (added, changed, unchanged, removed,
    removed_with_errors)."""
    for name in ("added", "changed", "unchanged", "removed", "removed_with_errors"):
        counts[name] = 0
    labels = {c.key: str(c.label) for c in schema.columns}
    seen = set()
    for row in rows:
        key = row["key"]
        seen.add(key)
        if key not in old:
            counts["added"] += 1
            yield {"kind": "added", "row_number": row["row"], "key": key, "data": row["data"], "detail": {}}
            continue
        before, after = _comparable(schema, old[key][1]), _comparable(schema, row["data"])
        if before == after:
            counts["unchanged"] += 1
            yield {"kind": "unchanged", "row_number": row["row"], "key": key, "data": row["data"], "detail": {}}
            continue
        fields = [[labels[k], schema.column(k).display(before.get(k)), schema.column(k).display(after.get(k))]
                  for k in labels if before.get(k) != after.get(k)]
        counts["changed"] += 1
        yield {"kind": "changed", "row_number": row["row"], "key": key, "data": row["data"],
               "detail": {"old_row": old[key][0], "fields": fields}}
    problems = defaultdict(list)
    for e in errors:
        if e.get("row"):
            problems[e["row"]].append(e)
    error_keys = set()
    for row in error_rows:
        if row.get("key"):
            error_keys.add(row["key"])
        yield {"kind": "error", "row_number": row["row"], "key": (row.get("key") or "")[:400], "data": {},
               "detail": {"raw": row.get("raw", []), "messages": row.get("messages", []),
                          "problems": problems.get(row["row"], [])}}
    for row in skipped:
        yield {"kind": "skipped", "row_number": row["row"], "key": "", "data": {},
               "detail": {k: v for k, v in row.items() if k != "row"}}
    for key, (row_number, data) in sorted(old.items(), key=lambda item: item[1][0]):
        if key in seen:
            continue
        has_error = key in error_keys
        counts["removed"] += 1
        counts["removed_with_errors"] += has_error
        yield {"kind": "removed", "row_number": row_number, "key": key, "data": data,
               "detail": {"has_error": has_error}}
