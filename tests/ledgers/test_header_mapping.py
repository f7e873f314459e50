"""Mapping a file's own headers to columns: remembered per unit and ledger type, city-wide
spellings kept by the office in the browser (issue #12, "Headers")."""
import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from ledgers.models import HeaderAlias, LedgerUpload, LedgerUploadRow
from ledgers.schemas import LEDGER_TYPES
from organizations.models import AuditEntry
from organizations.permissions import OFFICE_ADMIN_GROUP
from spreadsheets.headers import find_header
from tests.ledgers.conftest import upload_and_parse, xlsx

# 道路名 is close to 道路名称 (guessed, to be confirmed); 总长度（米） names no column at all.
HEADER = ["道路名", "所在城区", "道路等级", "总长度（米）", "林荫路长度", "有行道树绿化"]
ROWS = [["文昌路", "城东区", "次干路", 1850, 1400, "是"], ["滨江路", "城西区", "主干路", "2.5公里", 2000, "是"]]


def roads_file():
    return xlsx([HEADER, *ROWS], title="道路")


def counts():
    return (HeaderAlias.objects.count(), AuditEntry.objects.count(),
            list(LedgerUpload.objects.order_by("pk").values_list("status", flat=True)))


@pytest.fixture
def world(campaign, districts, unit_a, unit_b, lead_staff, coop_staff, office_admin):
    return {"campaign": campaign}


def failed_upload(unit, user, campaign):
    upload = upload_and_parse(unit, "roads", roads_file(), user, name="道路.xlsx", campaign=campaign)
    assert upload.status == LedgerUpload.Status.FAILED
    return upload


class HeaderMatcherTests:
    specs = LEDGER_TYPES["roads"].specs()

    def test_it_reads_a_saved_spelling_with_the_unit_in_its_header(self):
        header = find_header([(1, dict(enumerate(HEADER, 1)))], self.specs, aliases={"总长度": "length_m"})
        match = header.matches["length_m"]
        assert (match.index, match.unit, match.by_alias, match.close_to) == (4, "米", True, "")
        assert not header.missing(self.specs)

    def test_a_saved_spelling_comes_before_the_closeness_match(self):
        header = find_header([(1, dict(enumerate(HEADER, 1)))], self.specs, aliases={"道路名": "segment"})
        assert header.matches["segment"].index == 1 and header.matches["segment"].by_alias
        assert "name" not in header.matches

    def test_a_saved_spelling_never_overrides_the_schema_own(self):
        header = find_header([(1, dict(enumerate(HEADER, 1)))], self.specs, aliases={"林荫路长度": "note"})
        assert header.matches["shaded_length_m"].index == 5 and "note" not in header.matches

    def test_without_aliases_the_unknown_header_is_an_extra_and_length_is_missing(self):
        header = find_header([(1, dict(enumerate(HEADER, 1)))], self.specs)
        assert header.extras == [(4, "总长度（米）")] and header.extra_names == {4: "总长度（米）"}
        assert header.matches["name"].close_to == "道路名称"
        assert [s.key for s in header.missing(self.specs)] == ["length_m"]


class HeaderMappingTests:
    def test_it_maps_the_headers_then_reads_this_and_later_files_of_the_unit(self, client_for, world, unit_a,
                                                                           lead_staff):
        upload = failed_upload(unit_a, lead_staff, world["campaign"])
        message = upload.result["errors"][0]["message"]
        assert "缺少必需的列：道路长度（m）" in message and "D「总长度（米）」" in message and "A「道路名」" in message
        offered = upload.result["mapping"]
        assert [(h["letter"], h["text"], h["guess"]) for h in offered["headers"]] == [
            ("A", "道路名", "name"), ("D", "总长度（米）", "")]
        assert {"key": "length_m", "label": "道路长度（m）", "required": True} in offered["columns"]

        client = client_for(lead_staff)
        page = client.get(f"/ledgers/uploads/{upload.pk}/").content.decode()
        assert 'data-testid="header-mapping"' in page and 'name="col_4"' in page
        assert '<option value="name" selected>' in page

        response = client.post(f"/ledgers/uploads/{upload.pk}/headers/", {"col_1": "name", "col_4": "length_m"})
        assert response.status_code == 302 and response["Location"] == f"/ledgers/uploads/{upload.pk}/"
        upload.refresh_from_db()
        assert upload.status == LedgerUpload.Status.READY and upload.row_count == 2 and upload.error_count == 0
        data = {r.data["name"]: r.data for r in LedgerUploadRow.objects.filter(upload=upload, kind="added")}
        assert data["文昌路"]["length_m"] == "1850" and data["滨江路"]["length_m"] == "2500"
        assert data["文昌路"]["shaded_length_m"] == "1400"
        saved = set(HeaderAlias.objects.values_list("unit_id", "ledger_type", "header", "column", "created_by_id"))
        assert saved == {(unit_a.pk, "roads", "道路名", "name", lead_staff.pk),
                         (unit_a.pk, "roads", "总长度", "length_m", lead_staff.pk)}
        audited = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(HeaderAlias),
                                            action=AuditEntry.Action.CREATE)
        assert audited.count() == 2 and all(e.user == lead_staff for e in audited)
        assert "按已保存的表头写法识别为「道路长度」" in " ".join(upload.result["notes"])
        assert not upload.result["mapping"]  # nothing left to map

        again = upload_and_parse(unit_a, "roads", roads_file(), lead_staff, name="道路2.xlsx",
                                 campaign=world["campaign"])
        assert again.status == LedgerUpload.Status.READY and again.row_count == 2

    def test_a_mapping_is_the_unit_own_until_the_office_adds_a_city_wide_spelling(self, client_for, world, unit_a,
                                                                                  unit_b, lead_staff, coop_staff,
                                                                                  office_admin):
        mine = failed_upload(unit_a, lead_staff, world["campaign"])
        client_for(lead_staff).post(f"/ledgers/uploads/{mine.pk}/headers/", {"col_4": "length_m"})
        mine.refresh_from_db()
        assert mine.status == LedgerUpload.Status.READY

        theirs = failed_upload(unit_b, coop_staff, world["campaign"])

        office = client_for(office_admin)
        page = office.get("/ledgers/headers/?type=roads").content.decode()
        assert "总长度" in page and "市住建局" in page  # the unit's own spelling is listed
        response = office.post("/ledgers/headers/", {"ledger_type": "roads", "header": "总长度（米）",
                                                     "column": "length_m"})
        assert response.status_code == 302
        city_wide = HeaderAlias.objects.get(unit__isnull=True)
        assert (city_wide.header, city_wide.column, city_wide.created_by) == ("总长度", "length_m", office_admin)
        assert AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(HeaderAlias),
                                         object_id=str(city_wide.pk), user=office_admin).exists()

        later = upload_and_parse(unit_b, "roads", roads_file(), coop_staff, name="道路.xlsx", campaign=world["campaign"])
        assert later.status == LedgerUpload.Status.READY and later.row_count == 2
        client_for(coop_staff).post(f"/ledgers/uploads/{theirs.pk}/reparse/")
        theirs.refresh_from_db()
        assert theirs.status == LedgerUpload.Status.READY

    def test_unit_staff_of_another_unit_cannot_map_and_nothing_is_written(self, client_for, world, unit_a,
                                                                          lead_staff, coop_staff):
        upload = failed_upload(unit_a, lead_staff, world["campaign"])
        before = counts()
        response = client_for(coop_staff).post(f"/ledgers/uploads/{upload.pk}/headers/", {"col_4": "length_m"})
        assert response.status_code == 404
        assert counts() == before

    def test_it_refuses_what_was_not_offered_writing_nothing(self, client_for, world, unit_a, lead_staff):
        upload = failed_upload(unit_a, lead_staff, world["campaign"])
        client = client_for(lead_staff)
        before = counts()
        for data in ({"col_4": "no_such_column"}, {"col_4": "district"}, {"col_3": "length_m"}, {},
                     {"col_1": "length_m", "col_4": "length_m"}):
            response = client.post(f"/ledgers/uploads/{upload.pk}/headers/", data)
            assert response.status_code == 302
            assert counts() == before, data
        upload.refresh_from_db()
        assert upload.status == LedgerUpload.Status.FAILED

    def test_it_requires_login_and_post(self, client, client_for, world, unit_a, lead_staff):
        upload = failed_upload(unit_a, lead_staff, world["campaign"])
        assert client.post(f"/ledgers/uploads/{upload.pk}/headers/", {"col_4": "length_m"}).status_code == 302
        assert client_for(lead_staff).get(f"/ledgers/uploads/{upload.pk}/headers/").status_code == 405
        assert not HeaderAlias.objects.exists()


class HeaderAliasPageTests:
    def test_it_is_the_office_own(self, client_for, world, lead_staff):
        client = client_for(lead_staff)
        assert client.get("/ledgers/headers/").status_code == 403
        assert client.post("/ledgers/headers/", {"ledger_type": "roads", "header": "总长度",
                                                 "column": "length_m"}).status_code == 403
        assert not HeaderAlias.objects.exists()

    def test_it_refuses_a_spelling_the_schema_already_knows(self, client_for, world, office_admin):
        before = counts()
        response = client_for(office_admin).post("/ledgers/headers/", {"ledger_type": "roads", "header": "道路 长度",
                                                                       "column": "name"})
        assert response.status_code == 400
        assert "已是「道路长度」列的标准写法" in response.content.decode()
        response = client_for(office_admin).post("/ledgers/headers/", {"ledger_type": "roads",
                                                                       "header": "道路长度（公里）", "column": "name"})
        assert response.status_code == 400
        assert counts() == before

    def test_the_office_deletes_a_spelling_audited_and_unit_staff_cannot(self, client_for, world, city, unit_a,
                                                                         office_admin, lead_staff):
        alias = HeaderAlias.objects.create(city=city, unit=unit_a, ledger_type="roads", header="总长度",
                                           column="length_m")
        assert client_for(lead_staff).post(f"/ledgers/headers/{alias.pk}/delete/").status_code == 403
        assert HeaderAlias.objects.filter(pk=alias.pk).exists()
        response = client_for(office_admin).post(f"/ledgers/headers/{alias.pk}/delete/")
        assert response.status_code == 302 and response["Location"] == "/ledgers/headers/?type=roads"
        assert not HeaderAlias.objects.filter(pk=alias.pk).exists()
        assert AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(HeaderAlias),
                                         object_id=str(alias.pk), action=AuditEntry.Action.DELETE,
                                         user=office_admin).exists()

    def test_the_office_group_may_keep_spellings_in_the_admin(self, db):
        codenames = set(Group.objects.get(name=OFFICE_ADMIN_GROUP).permissions.filter(
            content_type__model="headeralias").values_list("codename", flat=True))
        assert codenames == {"view_headeralias", "add_headeralias", "change_headeralias", "delete_headeralias"}


class ReadyUploadMappingTests:
    def test_an_unrecognised_optional_header_of_a_readable_file_can_be_mapped_too(self, client_for, world, unit_a,
                                                                                 lead_staff):
        header = ["道路名称", "路段起讫", "所在城区", "道路等级", "道路长度", "林荫路长度", "有行道树绿化"]
        content = xlsx([header, ["文昌路", "人民路—滨江路", "城东区", "次干路", 1850, 1400, "是"]])
        upload = upload_and_parse(unit_a, "roads", content, lead_staff, campaign=world["campaign"])
        assert upload.status == LedgerUpload.Status.READY
        assert [h["text"] for h in upload.result["mapping"]["headers"]] == ["路段起讫"]
        row = LedgerUploadRow.objects.get(upload=upload, kind="added")
        assert row.data["segment"] == ""

        response = client_for(lead_staff).post(f"/ledgers/uploads/{upload.pk}/headers/", {"col_2": "segment"})
        assert response.status_code == 302
        upload.refresh_from_db()
        row = LedgerUploadRow.objects.get(upload=upload, kind="added")
        assert upload.status == LedgerUpload.Status.READY and row.data["segment"] == "人民路—滨江路"
        assert HeaderAlias.objects.get().header == "路段起讫"
