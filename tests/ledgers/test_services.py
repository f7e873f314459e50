"""Confirm, cancel, preview against the current version, concurrency, values and provenance."""
import io
import threading
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, connection, connections, transaction
from openpyxl import load_workbook

from indicators.models import IndicatorValue
from indicators.selectors import campaign_compliance
from ledgers import jobs
from ledgers import services as S
from ledgers.models import LedgerRow, LedgerUpload, LedgerVersion
from ledgers.workbooks import error_workbook
from organizations.models import AuditEntry

from .conftest import park, template_with, upload_and_parse


def staged(upload, kind):
    return list(upload.staged_rows.filter(kind=kind).order_by("row_number").values_list("row_number", flat=True))


def confirm(upload, user, **kwargs):
    return S.ledger_upload_confirm(upload=upload, user=user, **kwargs)


class PreviewTests:
    def test_the_first_upload_adds_every_row(self, campaign, unit_a, lead_staff):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="滨江公园")]), lead_staff)
        assert upload.status == LedgerUpload.Status.READY
        assert (upload.row_count, upload.added, upload.changed, upload.removed, upload.error_count) == (2, 2, 0, 0, 0)
        assert upload.base_version is None
        assert staged(upload, "added") == [5, 6]  # title, instructions, header, example row above

    def test_a_reupload_of_an_unchanged_file_shows_zero_changes(self, campaign, unit_a, lead_staff):
        content = template_with("parks", [park(), park(name="滨江公园")])
        confirm(upload_and_parse(unit_a, "parks", content, lead_staff), lead_staff)
        again = upload_and_parse(unit_a, "parks", content, lead_staff)
        assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 2)
        assert any("完全相同" in n for n in again.result["notes"])
        assert "没有任何变化" in str(again.confirm_blocker())
        with pytest.raises(S.LedgerError):
            confirm(again, lead_staff)
        assert LedgerVersion.objects.count() == 1

    def test_the_same_data_laid_out_differently_is_still_unchanged(self, campaign, unit_a, lead_staff):
        confirm(upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="滨江公园")]), lead_staff),
                lead_staff)
        from .conftest import xlsx
        reordered = xlsx([["所在城区", "公园名称", "面积（公顷）", "公园类型", "经度", "纬度", "免费开放", "具备应急避险功能"],
                          ["城东区", "滨江公园", "12", "综合公园", "118.78", "32.05", "是", "是"],
                          ["城东区", "人民公园", 12, "综合公园", 118.78, 32.05, "是", "是"]])
        again = upload_and_parse(unit_a, "parks", reordered, lead_staff)
        assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 2)

    def test_it_lists_rows_to_add_change_and_remove_by_natural_key(self, campaign, unit_a, lead_staff):
        confirm(upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="滨江公园")]), lead_staff),
                lead_staff)
        upload = upload_and_parse(unit_a, "parks", template_with(
            "parks", [park(area_m2="130000"), park(name="江心公园")]), lead_staff)
        assert (upload.added, upload.changed, upload.removed, upload.unchanged) == (1, 1, 1, 0)
        changed = upload.staged_rows.get(kind="changed")
        assert changed.detail["fields"] == [["面积", "120,000", "130,000"]]
        assert upload.staged_rows.get(kind="removed").key == "滨江公园 | 城东区"


class ConfirmTests:
    def test_it_writes_the_version_its_rows_and_an_audit_entry(self, campaign, unit_a, lead_staff):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="滨江公园")]), lead_staff,
                                  name="2024公园名录.xlsx")
        outcome = confirm(upload, lead_staff)
        version = outcome.version
        version.refresh_from_db()
        upload.refresh_from_db()
        assert upload.status == LedgerUpload.Status.CONFIRMED
        assert (version.number, version.is_current, version.row_count) == (1, True, 2)
        assert (version.original_name, version.checksum, version.confirmed_by) == (
            "2024公园名录.xlsx", upload.checksum, lead_staff)
        assert version.file.name == upload.file.name and version.file.read()[:2] == b"PK"
        rows = list(version.rows.order_by("row_number").values_list("row_number", "sheet", "natural_key"))
        assert rows == [(5, "公园名录", "人民公园 | 城东区"), (6, "公园名录", "滨江公园 | 城东区")]
        entry = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).get()
        assert entry.user == lead_staff and entry.changes["rows"] == [0, 2]

    def test_every_version_is_kept_and_exactly_one_is_current(self, campaign, unit_a, lead_staff):
        confirm(upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff), lead_staff)
        confirm(upload_and_parse(unit_a, "parks", template_with("parks", [park(area_m2="1")]), lead_staff), lead_staff)
        versions = list(LedgerVersion.objects.order_by("number").values_list("number", "is_current", "row_count"))
        assert versions == [(1, False, 1), (2, True, 1)]
        assert LedgerRow.objects.count() == 2

    def test_the_database_refuses_a_second_current_version(self, campaign, unit_a, lead_staff):
        version = confirm(upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff),
                          lead_staff).version
        other = upload_and_parse(unit_a, "parks", template_with("parks", [park(name="乙")]), lead_staff)
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerVersion.objects.create(ledger=version.ledger, number=2, upload=other, file=other.file.name,
                                         original_name="x", checksum="x", confirmed_at=version.confirmed_at,
                                         is_current=True)

    def test_nothing_is_written_for_a_file_with_any_error(self, campaign, unit_a, lead_staff):
        upload = upload_and_parse(unit_a, "parks", template_with(
            "parks", [park(), park(name="滨江公园", area_m2="很大")]), lead_staff)
        assert (upload.row_count, upload.error_count) == (1, 1)
        with pytest.raises(S.LedgerError) as exc:
            confirm(upload, lead_staff)
        assert "错误" in str(exc.value)
        upload.refresh_from_db()
        assert upload.status == LedgerUpload.Status.READY
        assert not LedgerVersion.objects.exists() and not LedgerRow.objects.exists()
        assert not IndicatorValue.objects.exists()

    def test_the_office_may_import_valid_rows_only_and_get_the_skipped_rows_as_a_workbook(
            self, campaign, unit_a, office_admin):
        upload = upload_and_parse(unit_a, "parks", template_with(
            "parks", [park(), park(name="滨江公园", area_m2="很大"), park(name="江心公园", district="城中区")]),
            office_admin, name="公园.xlsx")
        outcome = confirm(upload, office_admin, valid_rows_only=True)
        assert outcome.version.row_count == 1 and outcome.version.skipped_count == 2
        assert list(outcome.version.rows.values_list("natural_key", flat=True)) == ["人民公园 | 城东区"]
        sheet = load_workbook(io.BytesIO(error_workbook(upload)))["未导入的行"]
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[0][0] == "原行号" and values[0][-1] == "错误说明"
        assert [v[0] for v in values[1:]] == [6, 7]
        assert "很大" in values[1] and "城中区" in values[2]
        assert "应为数值" in values[1][-1] and "第 6 行" in values[1][-1]

    def test_cancel_writes_nothing(self, campaign, unit_a, lead_staff):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        S.ledger_upload_cancel(upload=upload, user=lead_staff)
        upload.refresh_from_db()
        assert upload.status == LedgerUpload.Status.CANCELLED
        assert not LedgerVersion.objects.exists() and not IndicatorValue.objects.exists()
        with pytest.raises(S.LedgerError):
            confirm(upload, lead_staff)

    def test_a_preview_made_before_another_confirmation_is_refused_clearly(self, campaign, unit_a, lead_staff,
                                                                          office_admin):
        first = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        second = upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="乙")]), office_admin)
        confirm(first, lead_staff)
        with pytest.raises(S.LedgerConflict) as exc:
            confirm(second, office_admin)
        assert "v1" in str(exc.value) and "钱科长" in str(exc.value) and "重新比对" in str(exc.value)
        again = S.ledger_upload_parse(upload=S.ledger_upload_reparse(upload=second, user=office_admin))
        assert (again.added, again.unchanged) == (1, 1)
        assert confirm(again, office_admin).version.number == 2


@pytest.mark.django_db(transaction=True)
class ConcurrentConfirmTests:
    def test_two_confirmations_of_the_same_unit_and_type_do_not_interleave(self, campaign, unit_a, lead_staff,
                                                                         office_admin, monkeypatch):
        first = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        second = upload_and_parse(unit_a, "parks", template_with("parks", [park(name="乙")]), office_admin)
        inside, release = threading.Event(), threading.Event()
        real_rows_write = S._rows_write

        def slow_rows_write(version, upload):
            if not inside.is_set():
                inside.set()
                release.wait(20)  # hold the lock until the second confirmation has tried
            return real_rows_write(version, upload)

        monkeypatch.setattr(S, "_rows_write", slow_rows_write)
        results = {}

        def run(name, upload, user):
            try:
                results[name] = S.ledger_upload_confirm(upload=upload, user=user).version.number
            except S.LedgerError as exc:
                results[name] = exc
            finally:
                connections.close_all()

        one = threading.Thread(target=run, args=("first", first, lead_staff))
        one.start()
        assert inside.wait(20)
        two = threading.Thread(target=run, args=("second", second, office_admin))
        two.start()
        if connection.vendor == "postgresql":
            two.join(1)
            assert two.is_alive(), "the second confirmation should wait for the first one's lock"
        else:
            two.join(20)  # SQLite refuses the second writer at once
        release.set()
        one.join(20)
        two.join(20)
        assert results["first"] == 1
        assert isinstance(results["second"], S.LedgerConflict)
        assert "确认" in str(results["second"])
        assert list(LedgerVersion.objects.values_list("number", "upload_id", "is_current")) == [(1, first.pk, True)]
        assert LedgerUpload.objects.get(pk=second.pk).status == LedgerUpload.Status.READY
        assert list(LedgerRow.objects.values_list("natural_key", flat=True)) == ["人民公园 | 城东区"]


def green(name, district, cls, area, cover, trees, inside="是"):
    return {"name": name, "district": district, "green_class": cls, "green_area_m2": str(area),
            "cover_area_m2": str(cover), "tree_shrub_area_m2": str(trees), "in_construction_land": inside == "是"}


class ValueTests:
    def test_confirm_computes_values_with_provenance_down_to_rows(self, campaign, city, districts, unit_a, lead_staff):
        base = [{"district": "城东区", "built_up_area_km2": "6", "population_10k": "12"},
                {"district": "城西区", "built_up_area_km2": "4", "population_10k": "8"}]
        confirm(upload_and_parse(unit_a, "district_base", template_with("district_base", base), lead_staff), lead_staff)
        greens = [green("甲公园", "城东区", "G1", 2_000_000, 2_100_000, 1_500_000),
                  green("乙附属绿地", "城西区", "XG", 1_000_000, 1_200_000, 600_000),
                  green("丙郊野绿地", "城东区", "EG", 800_000, 900_000, 400_000, inside="否")]
        upload = upload_and_parse(unit_a, "green_spaces", template_with("green_spaces", greens), lead_staff,
                                  name="绿地.xlsx", campaign=campaign)
        version = confirm(upload, lead_staff).version
        values = {(v.measure.key, v.scope.name): v for v in IndicatorValue.objects.select_related("measure", "scope")}
        assert values[("green_space_rate", city.name)].value == D("36.0000")  # (3 000 000 + 600 000) / 10 km²
        assert values[("green_space_rate", "城东区")].value == D("40.0000")
        assert values[("green_space_rate", "城西区")].value == D("25.0000")
        assert values[("green_coverage_rate", city.name)].value == D("42.0000")
        assert values[("tree_shrub_ratio", city.name)].value == D("59.5200")
        assert values[("park_green_per_capita", city.name)].value == D("10.0000")  # 2 000 000 m² / 20 万人
        value = values[("green_space_rate", city.name)]
        assert value.source == IndicatorValue.Source.LEDGER
        p = value.provenance
        assert p["formula"] == "green_space_rate" and "20%" in p["expression"]
        assert [v["id"] for v in p["versions"]] == [version.pk]  # the city value reads no district data
        assert p["versions"][0]["file"] == "绿地.xlsx" and p["versions"][0]["sheet"] == "绿地台账"
        inside, outside = p["refs"][0], p["refs"][1]
        assert inside["versions"] == [{"version": version.pk, "rows": "5-6"}]
        assert outside["versions"] == [{"version": version.pk, "rows": "7"}]
        assert {i["label"]: i["value"] for i in p["inputs"]}["建设用地外其他绿地面积"] == "800000"
        assert p["params"]["built_up_area_km2"] == "10"
        district = values[("green_space_rate", "城东区")].provenance
        assert district["refs"][-1]["ledger_type"] == "district_base"
        # The district minimum indicator reads the district values.
        row = next(r for r in campaign_compliance(campaign) if r.indicator.code == "2.4")
        assert row.value is None  # 城南区 and 城北区 have no value yet: the minimum waits for every district

    def test_confirm_requests_compliance_for_the_citys_active_campaigns_queued_after_commit(
            self, campaign, unit_a, lead_staff, monkeypatch, django_capture_on_commit_callbacks):
        from indicators import jobs as indicator_jobs
        from indicators.models import RecomputeRequest

        queued = []
        monkeypatch.setattr(indicator_jobs, "queue_recompute", queued.append)
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            confirm(upload, lead_staff)
        request = RecomputeRequest.objects.get()  # written in the confirmation's own transaction
        assert (request.campaign, request.done_at) == (campaign, None) and "公园名录 v1" in request.reason
        assert queued == []  # nothing leaves before commit
        for callback in callbacks:
            callback()
        assert queued == [campaign.pk]

    def test_a_broker_that_is_down_does_not_undo_the_confirmation(self, campaign, unit_a, lead_staff, dead_broker,
                                                                 django_capture_on_commit_callbacks, caplog):
        from indicators.jobs import drain_recompute_requests
        from indicators.models import RecomputeRequest

        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        with django_capture_on_commit_callbacks(execute=True):
            outcome = confirm(upload, lead_staff)
        assert LedgerVersion.objects.get().pk == outcome.version.pk
        assert IndicatorValue.objects.filter(measure__key="comprehensive_parks_per_10k").get().value == D("0.0500")
        assert "broker unavailable" in caplog.text
        assert RecomputeRequest.objects.filter(done_at__isnull=True).count() == 1  # left for the drain
        assert drain_recompute_requests() == 1
        assert not RecomputeRequest.objects.filter(done_at__isnull=True).exists()

    def test_the_same_row_in_two_units_ledgers_counts_once(self, campaign, city, unit_a, unit_b, lead_staff,
                                                          coop_staff):
        confirm(upload_and_parse(unit_a, "parks", template_with("parks", [park(), park(name="乙", park_type="community")]),
                                 lead_staff), lead_staff)
        confirm(upload_and_parse(unit_b, "parks", template_with("parks", [park()]), coop_staff), coop_staff)
        value = IndicatorValue.objects.get(measure__key="comprehensive_parks_per_10k", scope=city)
        assert value.value == D("0.0500")  # one 综合公园 / 20 万人, not two
        assert any("同时出现在" in n for n in value.provenance["notes"])


class GenericValueTests:
    ROW = {"measure": "城市污水处理率", "scope": "全市", "value": "96.5", "as_of": "2024-08-31",
           "evidence": "运行报表.pdf", "note": ""}

    def test_each_row_becomes_a_value_with_its_row_as_provenance(self, campaign, city, unit_c, outsider):
        content = template_with("values", [self.ROW, dict(self.ROW, scope="城东区", value="97")])
        upload = upload_and_parse(unit_c, "values", content, outsider)
        assert upload.error_count == 0, upload.result["errors"]
        version = confirm(upload, outsider).version
        values = {v.scope.name: v for v in IndicatorValue.objects.select_related("scope")}
        assert values[city.name].value == D("96.5") and str(values[city.name].as_of) == "2024-08-31"
        assert "运行报表.pdf" in values[city.name].note
        assert values[city.name].provenance["refs"][0]["versions"] == [{"version": version.pk, "rows": "5"}]

    def test_a_row_dropped_in_the_next_version_takes_its_value_with_it(self, campaign, city, unit_c, outsider):
        both = template_with("values", [self.ROW, dict(self.ROW, scope="城东区", value="97")])
        confirm(upload_and_parse(unit_c, "values", both, outsider), outsider)
        confirm(upload_and_parse(unit_c, "values", template_with("values", [self.ROW]), outsider), outsider)
        assert list(IndicatorValue.objects.values_list("scope__name", flat=True)) == [city.name]
        assert AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).count() == 1

    def test_values_computed_from_ledgers_cannot_be_typed_in(self, campaign, unit_c, outsider):
        row = dict(self.ROW, measure="建成区绿地率")
        upload = upload_and_parse(unit_c, "values", template_with("values", [row]), outsider)
        assert upload.error_count == 1 and "由台账自动计算" in upload.result["errors"][0]["message"]

    def test_indicator_codes_and_percent_strings_are_accepted(self, campaign, unit_c, outsider):
        upload = upload_and_parse(unit_c, "values", template_with("values", [dict(self.ROW, measure="5.1")]), outsider)
        assert upload.error_count == 0 and upload.staged_rows.get(kind="added").data["measure"] == "sewage_treatment_rate"


class ParseJobTests:
    def test_the_job_parses_reports_rows_read_and_makes_the_preview(self, campaign, unit_a, lead_staff):
        upload = S.ledger_upload_create(unit=unit_a, ledger_type="parks", user=lead_staff, file_name="公园.xlsx",
                                        file=template_with("parks", [park(name=f"公园{i}") for i in range(1200)]))
        assert upload.status == LedgerUpload.Status.PARSING
        assert jobs.parse_ledger_upload(upload.pk) == LedgerUpload.Status.READY
        upload.refresh_from_db()
        assert (upload.row_count, upload.rows_read, upload.rows_total) == (1200, 1201, 1201)
        assert jobs.parse_ledger_upload(upload.pk) is None  # a second delivery does nothing
