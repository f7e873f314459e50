"""A preview is stored compactly: the rows in LedgerUploadRow, a small summary on the upload,
and the preview page shows one page of each list, with the same queries whatever the size."""
import importlib
import io
import json

from django.apps import apps
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ledgers import services as S
from ledgers.models import LedgerRow, LedgerUpload, LedgerUploadRow
from ledgers.selectors import PREVIEW_PAGE_SIZE
from ledgers.workbooks import error_workbook

from .conftest import park, template_with, upload_and_parse

SUMMARY_BOUND = 4 * 1024  # bytes of LedgerUpload.result, whatever the row count
migration = importlib.import_module("ledgers.migrations.0003_upload_rows")


def base_and_upload(unit, user, n):
    """A confirmed version of n parks, then a file against it: every 5th park resized, every
    7th dropped, every 11th with an error, n/10 new ones."""
    S.ledger_upload_confirm(upload=upload_and_parse(unit, "parks", template_with(
        "parks", [park(name=f"公园{i}") for i in range(n)]), user), user=user)
    rows = []
    for i in range(n):
        if i % 7 == 0:
            continue
        if i % 11 == 0:
            rows.append(park(name=f"公园{i}", area_m2="很大"))
        elif i % 5 == 0:
            rows.append(park(name=f"公园{i}", area_m2="130000"))
        else:
            rows.append(park(name=f"公园{i}"))
    rows += [park(name=f"新公园{i}") for i in range(n // 10)]
    return upload_and_parse(unit, "parks", template_with("parks", rows), user)


def expected(n):
    kept = [i for i in range(n) if i % 7]
    errors = [i for i in kept if i % 11 == 0]
    changed = [i for i in kept if i % 11 and i % 5 == 0]
    return {"added": n // 10, "changed": len(changed), "errors": len(errors),
            "removed": n - len(kept) + len(errors), "unchanged": len(kept) - len(errors) - len(changed)}


class CompactPreviewTests:
    def test_the_summary_stays_small_and_the_rows_go_to_their_own_table(self, campaign, unit_a, lead_staff):
        sizes = {}
        for n, unit_name in ((200, "甲"), (2500, "乙")):
            unit = unit_a.__class__.objects.create(name=unit_name, kind=unit_a.kind, parent=unit_a.parent)
            upload = base_and_upload(unit, lead_staff, n)
            want = expected(n)
            assert (upload.added, upload.changed, upload.removed, upload.unchanged, upload.error_row_count) == (
                want["added"], want["changed"], want["removed"], want["unchanged"], want["errors"])
            kinds = dict(upload.staged_rows.values_list("kind").annotate(n=Count("id")))
            assert kinds == {"added": want["added"], "changed": want["changed"], "unchanged": want["unchanged"],
                             "removed": want["removed"], "error": want["errors"], "skipped": 1}  # the example row
            sizes[n] = len(json.dumps(upload.result, ensure_ascii=False).encode())
            assert "rows" not in upload.result and "error_rows" not in upload.result
            assert upload.result["diff"]["removed_count"] == want["removed"]
        assert sizes[2500] < SUMMARY_BOUND and sizes[200] < SUMMARY_BOUND, sizes

    def test_the_preview_page_shows_one_page_of_each_list_with_a_pager(self, client_for, campaign, unit_a,
                                                                       lead_staff):
        upload = base_and_upload(unit_a, lead_staff, 2500)
        client = client_for(lead_staff)
        body = client.get(f"/ledgers/uploads/{upload.pk}/").content.decode()
        added = body.split('id="added"')[1].split('id="changed"')[0]
        assert upload.added == 250 and added.count("<tr>") == 1 + PREVIEW_PAGE_SIZE  # the header and page 1
        assert f"第 1–{PREVIEW_PAGE_SIZE} 项，共 250 项" in added and 'href="?list=added&amp;page=3#added"' not in added
        assert f"第 1–{PREVIEW_PAGE_SIZE} 项，共 {upload.changed} 项" in body
        assert f'href="?list=changed&amp;page=2#changed"' in body
        last = (upload.changed - 1) // PREVIEW_PAGE_SIZE + 1
        page = client.get(f"/ledgers/uploads/{upload.pk}/?list=changed&page={last}").content.decode()
        first = (last - 1) * PREVIEW_PAGE_SIZE + 1
        assert f"第 {first}–{upload.changed} 项，共 {upload.changed} 项" in page
        last_changed = upload.staged_rows.filter(kind="changed").order_by("-row_number").first()
        assert f"<td>{last_changed.key}</td>" in page and f'href="?list=changed&amp;page={last - 1}#changed"' in page
        # Past the end is the last page; the other lists stay on their first.
        beyond = client.get(f"/ledgers/uploads/{upload.pk}/?list=changed&page=99999").content.decode()
        assert f"第 {first}–{upload.changed} 项" in beyond and f"第 1–{PREVIEW_PAGE_SIZE} 项，共 {upload.error_row_count}" in beyond

    def test_the_preview_page_makes_the_same_queries_for_200_and_2500_rows(self, client_for, campaign, unit_a,
                                                                          office_admin):
        counts = {}
        for n, unit_name in ((200, "甲"), (2500, "乙")):
            unit = unit_a.__class__.objects.create(name=unit_name, kind=unit_a.kind, parent=unit_a.parent)
            upload = base_and_upload(unit, office_admin, n)
            client = client_for(office_admin)
            client.get(f"/ledgers/uploads/{upload.pk}/")  # session and caches warm
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/ledgers/uploads/{upload.pk}/").status_code == 200
            counts[n] = len(queries)
        assert counts[200] == counts[2500], counts


class StagedRowLifeTests:
    def test_confirm_writes_the_valid_rows_and_keeps_only_the_error_rows(self, campaign, unit_a, office_admin):
        upload = upload_and_parse(unit_a, "parks", template_with(
            "parks", [park(), park(name="滨江公园", area_m2="很大"), park(name="江心公园")]), office_admin)
        version = S.ledger_upload_confirm(upload=upload, user=office_admin, valid_rows_only=True).version
        assert list(LedgerRow.objects.filter(version=version).order_by("row_number")
                    .values_list("row_number", "natural_key")) == [(5, "人民公园 | 城东区"), (7, "江心公园 | 城东区")]
        assert list(upload.staged_rows.values_list("kind", "row_number")) == [("error", 6)]
        sheet = load_workbook(io.BytesIO(error_workbook(upload)))
        assert [r[0].value for r in sheet["未导入的行"].iter_rows(min_row=2)] == [6]
        assert "第 6 行" in sheet["全部错误"]["A2"].value

    def test_cancel_deletes_the_rows_and_keeps_the_summary(self, client_for, campaign, unit_a, lead_staff):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="乙", area_m2="x")]),
                                  lead_staff)
        assert upload.staged_rows.count() == 3  # a valid row, an error row, the template's example row
        S.ledger_upload_cancel(upload=upload, user=lead_staff)
        upload.refresh_from_db()
        assert not LedgerUploadRow.objects.exists()
        assert upload.result["errors"][0]["row"] == 6 and upload.result["diff"]["added_count"] == 1
        body = client_for(lead_staff).get(f"/ledgers/uploads/{upload.pk}/").content.decode()
        assert "本次上传已取消" in body and "应为数值" in body

    def test_a_reparse_replaces_the_rows(self, campaign, unit_a, lead_staff):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="乙")]), lead_staff)
        S.ledger_upload_reparse(upload=upload, user=lead_staff)
        upload = S.ledger_upload_parse(upload=upload)
        assert sorted(upload.staged_rows.values_list("kind", flat=True)) == ["added", "added", "skipped"]

    def test_a_parse_that_lost_its_claim_leaves_no_rows(self, campaign, unit_a, lead_staff, monkeypatch):
        upload = S.ledger_upload_create(unit=unit_a, ledger_type="parks", user=lead_staff, file_name="公园.xlsx",
                                        file=template_with("parks", [park()]))
        real = S.validate_workbook
        written = []

        def cancelled_meanwhile(fh, schema, ctx):  # by the owner, while the worker reads the file
            outcome = real(fh, schema, ctx)
            LedgerUpload.objects.filter(pk=upload.pk).update(status=LedgerUpload.Status.CANCELLED)
            return outcome

        real_write = S.staged_rows_write
        monkeypatch.setattr(S, "validate_workbook", cancelled_meanwhile)
        monkeypatch.setattr(S, "staged_rows_write", lambda **kw: written.append(1) or real_write(**kw))
        upload = S.ledger_upload_parse(upload=upload)
        assert upload.status == LedgerUpload.Status.CANCELLED and upload.result == {}
        assert written and not LedgerUploadRow.objects.exists()  # written, then rolled back


class UploadRowsMigrationTests:
    def test_it_moves_an_open_previews_rows_out_of_the_json(self, campaign, unit_a, lead_staff):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="乙", area_m2="x")]),
                                  lead_staff)
        LedgerUploadRow.objects.all().delete()
        old_style = {**upload.result, "rows": [{"row": 5, "key": "人民公园 | 城东区", "data": park()}],
                     "error_rows": [{"row": 6, "key": "乙 | 城东区", "raw": [["公园名称", "乙"]], "messages": ["第 6 行：错"]}],
                     "skipped": [{"row": 4, "reason": "模板示例行"}],
                     "diff": {**upload.result["diff"], "added": [5], "changed": [], "removed": []}}
        LedgerUpload.objects.filter(pk=upload.pk).update(result=old_style)
        migration.move_rows(apps, None)
        upload.refresh_from_db()
        assert sorted(upload.staged_rows.values_list("kind", "row_number")) == [
            ("added", 5), ("error", 6), ("skipped", 4)]
        assert not {"rows", "error_rows", "skipped"} & set(upload.result)
        assert "added" not in upload.result["diff"] and upload.result["diff"]["added_count"] == 1
        assert upload.result["skipped_count"] == 1

    def test_a_confirmed_valid_rows_only_upload_keeps_only_its_error_rows(self, campaign, unit_a, office_admin):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="乙", area_m2="x")]),
                                  office_admin)
        S.ledger_upload_confirm(upload=upload, user=office_admin, valid_rows_only=True)
        LedgerUploadRow.objects.all().delete()
        old_style = {**upload.result, "rows": [{"row": 5, "key": "人民公园 | 城东区", "data": park()}],
                     "error_rows": [{"row": 6, "key": "乙 | 城东区", "raw": [["公园名称", "乙"]], "messages": ["第 6 行：错"]}],
                     "skipped": []}
        LedgerUpload.objects.filter(pk=upload.pk).update(result=old_style)
        migration.move_rows(apps, None)
        upload.refresh_from_db()
        assert list(upload.staged_rows.values_list("kind", "row_number")) == [("error", 6)]
        assert "rows" not in upload.result
