"""The pages: login, methods, 404 across units, 403 for the wrong role, 409 for the wrong state."""
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType

from inspections import services
from inspections.models import AccountabilityRecord, ExtensionRequest, Finding, InspectionRound, InspectionSettings
from organizations.models import AuditEntry, Person

from .conftest import image_bytes, upload

S = Finding.Status

GET_PAGES = ["/inspections/", "/inspections/queue/", "/inspections/orders/", "/inspections/accountability/"]


def body(response):
    return response.content.decode()


class LoginAndMethodTests:
    @pytest.mark.parametrize("url", GET_PAGES + ["/inspections/new/", "/inspections/rounds/", "/inspections/settings/",
                                                 "/inspections/rounds/new/"])
    def test_every_page_requires_login(self, client, campaign, url):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_finding_pages_require_login(self, client, finding):
        for url in [f"/inspections/{finding.pk}/", f"/inspections/photos/{finding.photos.first().pk}/thumb/"]:
            assert client.get(url).status_code == 302
        for action in ["start", "submit", "close", "return", "extension"]:
            assert client.post(f"/inspections/{finding.pk}/{action}/").status_code == 302
        assert finding.events.count() == 1

    @pytest.mark.parametrize("url", GET_PAGES + ["/inspections/rounds/"])
    def test_read_pages_reject_post(self, client_for, inspector, campaign, url):
        assert client_for(inspector).post(url).status_code == 405

    @pytest.mark.parametrize("action", ["start", "submit", "close", "return", "extension"])
    def test_actions_reject_get(self, client_for, lead_staff, finding, action):
        assert client_for(lead_staff).get(f"/inspections/{finding.pk}/{action}/").status_code == 405

    def test_detail_rejects_post(self, client_for, lead_staff, finding):
        assert client_for(lead_staff).post(f"/inspections/{finding.pk}/").status_code == 405


class FindingListViewTests:
    def test_unit_staff_see_their_findings_and_those_they_cooperate_on(self, client_for, lead_staff, coop_staff,
                                                                        outsider, finding):
        marker = f'data-finding="{finding.pk}"'
        assert marker in body(client_for(lead_staff).get("/inspections/"))
        assert marker in body(client_for(coop_staff).get("/inspections/"))
        assert marker not in body(client_for(outsider).get("/inspections/"))

    def test_wide_roles_see_every_unit(self, client_for, leader, inspector, make_finding, unit_c):
        f = make_finding(unit=unit_c, cooperating_units=[])
        for user in (leader, inspector):
            assert f'data-finding="{f.pk}"' in body(client_for(user).get("/inspections/"))

    def test_it_filters_and_counts(self, client_for, inspector, make_finding, advance, unit_a, unit_b, today):
        late = make_finding(deadline_days=1)
        Finding.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=1))  # overdue: red
        soon = make_finding(deadline_days=2)  # yellow
        other = make_finding(unit=unit_b, cooperating_units=[], deadline_days=20)  # blue
        done = advance(make_finding(), S.CLOSED)
        client = client_for(inspector)

        def shown(query):
            page = body(client.get(f"/inspections/?{query}"))
            return {f.pk for f in (late, soon, other, done) if f'data-finding="{f.pk}"' in page}

        assert shown("level=red") == {late.pk}
        assert shown("level=yellow") == {soon.pk}
        assert shown("level=blue") == {other.pk}
        assert shown("status=closed") == {done.pk}
        assert shown(f"unit={unit_b.pk}") == {other.pk}
        assert shown(f"date_from={today.isoformat()}&date_to={today.isoformat()}") == {late.pk, soon.pk, other.pk,
                                                                                       done.pk}
        assert shown(f"date_to={(today - timedelta(days=1)).isoformat()}") == set()
        assert shown("q=不存在的问题") == set()
        assert shown("level=nonsense") == {late.pk, soon.pk, other.pk, done.pk}  # bad filters are ignored
        response = client.get(f"/inspections/?unit={unit_a.pk}")
        assert response.context["counts"]["status"]["closed"] == 1
        assert response.context["counts"]["level"] == {"escalated": 0, "red": 1, "yellow": 1, "blue": 0}
        assert response.context["counts"]["total"] == 3

    def test_it_filters_by_round_and_indicator(self, client_for, inspector, make_finding, campaign, standard, today):
        round_ = services.inspection_round_create(campaign=campaign, user=inspector, date=today, kind="open")
        a = make_finding(round=round_)
        b = make_finding(indicator=standard[1])
        client = client_for(inspector)
        page = body(client.get(f"/inspections/?round={round_.pk}"))
        assert f'data-finding="{a.pk}"' in page and f'data-finding="{b.pk}"' not in page
        page = body(client.get(f"/inspections/?indicator={standard[1].pk}"))
        assert f'data-finding="{b.pk}"' in page and f'data-finding="{a.pk}"' not in page

    def test_its_query_count_does_not_grow_with_findings(self, client_for, inspector, make_finding, advance):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(inspector)
        make_finding()
        client.get("/inspections/")  # warm up the session

        def queries():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/inspections/").status_code == 200
            return len(ctx)

        few = queries()
        for _ in range(6):
            advance(make_finding(photos=2), S.SUBMITTED)
        assert queries() == few <= 22


class FindingDetailViewTests:
    def test_it_is_404_outside_the_users_units(self, client_for, outsider, finding):
        assert client_for(outsider).get(f"/inspections/{finding.pk}/").status_code == 404
        assert client_for(outsider).get("/inspections/999999/").status_code == 404

    def test_the_cooperating_unit_reads_but_cannot_act(self, client_for, coop_staff, finding):
        page = body(client_for(coop_staff).get(f"/inspections/{finding.pk}/"))
        assert finding.description in page
        assert f"/inspections/{finding.pk}/start/" not in page

    def test_the_unit_sees_its_actions_and_the_verifier_its_own(self, client_for, lead_staff, inspector, finding,
                                                                 advance):
        assert f"/inspections/{finding.pk}/start/" in body(client_for(lead_staff).get(f"/inspections/{finding.pk}/"))
        advance(finding, S.SUBMITTED)
        page = body(client_for(inspector).get(f"/inspections/{finding.pk}/"))
        assert f"/inspections/{finding.pk}/close/" in page and f"/inspections/{finding.pk}/return/" in page

    def test_it_shows_photos_side_by_side_and_the_timeline(self, client_for, inspector, finding, advance):
        advance(finding, S.RETURNED)
        page = body(client_for(inspector).get(f"/inspections/{finding.pk}/"))
        assert 'class="compare-col before"' in page and 'class="compare-col after"' in page
        assert page.count("/thumb/") == 2
        timeline = page[page.index('data-testid="timeline"'):]
        positions = [timeline.index(label) for label in ["登记交办", "开始整改", "提交复核", "退回整改"]]
        assert positions == sorted(positions)
        assert "已交办 → 整改中" in timeline and "待复核 → 退回整改" in timeline and "仍有裸露" in timeline


class FindingActionViewTests:
    def test_the_unit_starts_and_submits_with_an_after_photo(self, client_for, lead_staff, finding, media_root):
        client = client_for(lead_staff)
        assert client.post(f"/inspections/{finding.pk}/start/").status_code == 302
        response = client.post(f"/inspections/{finding.pk}/submit/",
                               {"note": "已补植麦冬 50 平方米", "photos": [upload("after.jpg")]})
        assert response.status_code == 302 and response["Location"] == f"/inspections/{finding.pk}/"
        finding.refresh_from_db()
        assert finding.status == S.SUBMITTED
        after = finding.photos.get(kind="after")
        assert Path(after.image.path).is_file() and Path(after.thumbnail.path).is_file()
        assert str(media_root) in after.image.path
        assert finding.events.last().actor == lead_staff

    def test_submit_without_a_photo_is_400_with_a_message(self, client_for, lead_staff, finding, advance):
        advance(finding, S.IN_RECTIFICATION)
        response = client_for(lead_staff).post(f"/inspections/{finding.pk}/submit/", {"note": "已整改"})
        assert response.status_code == 400 and "请至少上传一张整改后照片" in body(response)
        finding.refresh_from_db()
        assert finding.status == S.IN_RECTIFICATION

    def test_submit_with_a_heic_photo_is_400_with_advice(self, client_for, lead_staff, finding, advance):
        advance(finding, S.IN_RECTIFICATION)
        heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
        response = client_for(lead_staff).post(f"/inspections/{finding.pk}/submit/", {
            "note": "已整改", "photos": [upload("IMG_1.HEIC", heic, "image/heic")]})
        assert response.status_code == 400 and "HEIC" in body(response)
        assert not finding.photos.filter(kind="after").exists()

    def test_an_oversized_upload_is_413(self, client_for, lead_staff, finding, advance, settings):
        advance(finding, S.IN_RECTIFICATION)
        settings.UPLOAD_MAX_BYTES = 2000
        response = client_for(lead_staff).post(f"/inspections/{finding.pk}/submit/", {
            "note": "已整改", "photos": [upload("big.jpg", image_bytes(size=(600, 400)) + b"\x00" * 3000)]})
        assert response.status_code == 413 and "上传文件过大" in body(response)
        finding.refresh_from_db()
        assert finding.status == S.IN_RECTIFICATION

    def test_the_wrong_role_is_403_and_another_unit_404(self, client_for, inspector, coop_staff, outsider, lead_staff,
                                                        finding, advance):
        assert client_for(inspector).post(f"/inspections/{finding.pk}/start/").status_code == 403
        assert client_for(coop_staff).post(f"/inspections/{finding.pk}/start/").status_code == 403
        assert client_for(outsider).post(f"/inspections/{finding.pk}/start/").status_code == 404
        advance(finding, S.SUBMITTED)
        assert client_for(lead_staff).post(f"/inspections/{finding.pk}/close/").status_code == 403
        assert client_for(outsider).post(f"/inspections/{finding.pk}/close/").status_code == 404
        finding.refresh_from_db()
        assert finding.status == S.SUBMITTED

    def test_the_inspector_closes_or_returns(self, client_for, inspector, make_finding, advance, today):
        a, b = advance(make_finding(), S.SUBMITTED), advance(make_finding(), S.SUBMITTED)
        client = client_for(inspector)
        assert client.post(f"/inspections/{a.pk}/close/", {"note": "复核通过"}).status_code == 302
        response = client.post(f"/inspections/{b.pk}/return/", {"reason": ""})
        assert response.status_code == 400
        new = today + timedelta(days=4)
        assert client.post(f"/inspections/{b.pk}/return/",
                           {"reason": "仍有垃圾", "new_deadline": new.isoformat()}).status_code == 302
        a.refresh_from_db(), b.refresh_from_db()
        assert (a.status, b.status, b.deadline) == (S.CLOSED, S.RETURNED, new)

    @pytest.mark.parametrize("action, persona", [("start", "lead_staff"), ("submit", "lead_staff"),
                                                 ("close", "inspector"), ("return", "inspector")])
    def test_any_action_after_closing_is_409(self, request, client_for, finding, advance, action, persona):
        advance(finding, S.CLOSED)
        data = {"note": "x", "reason": "x", "photos": [upload()]}
        response = client_for(request.getfixturevalue(persona)).post(f"/inspections/{finding.pk}/{action}/", data)
        assert response.status_code == 409 and "已销号" in body(response)
        finding.refresh_from_db()
        assert finding.status == S.CLOSED and finding.photos.filter(kind="after").count() == 1

    def test_extensions_through_the_pages(self, client_for, lead_staff, office_admin, inspector, finding, today):
        new = finding.deadline + timedelta(days=10)
        response = client_for(lead_staff).post(f"/inspections/{finding.pk}/extension/", {
            "requested_deadline": new.isoformat(), "reason": "雨季无法施工"})
        assert response.status_code == 302
        extension = ExtensionRequest.objects.get()
        assert client_for(inspector).post(f"/inspections/extensions/{extension.pk}/decide/",
                                          {"decision": "approve"}).status_code == 403
        assert client_for(office_admin).get(f"/inspections/extensions/{extension.pk}/decide/").status_code == 405
        response = client_for(office_admin).post(f"/inspections/extensions/{extension.pk}/decide/",
                                                 {"decision": "approve", "note": "同意"})
        assert response.status_code == 302
        finding.refresh_from_db()
        assert finding.deadline == new

    def test_extension_decisions_are_404_outside_the_users_units(self, client_for, lead_staff, outsider, finding):
        extension = services.extension_request_create(finding=finding, user=lead_staff, reason="x",
                                                      requested_deadline=finding.deadline + timedelta(days=3))
        assert client_for(outsider).post(f"/inspections/extensions/{extension.pk}/decide/",
                                         {"decision": "approve"}).status_code == 404


class FindingCreateViewTests:
    def test_the_capture_form_is_made_for_a_phone_camera(self, client_for, inspector, campaign, unit_a):
        page = body(client_for(inspector).get("/inspections/new/"))
        assert 'capture="environment"' in page and 'accept="image/*"' in page
        assert "data-geo-button" in page and "js/inspections.js" in page and "data-unit-chip" in page

    def test_unit_staff_may_not_record(self, client_for, lead_staff, campaign):
        assert client_for(lead_staff).get("/inspections/new/").status_code == 403
        assert client_for(lead_staff).post("/inspections/new/", {}).status_code == 403

    def test_it_records_a_finding_with_photos(self, client_for, inspector, campaign, unit_a, unit_b, today):
        response = client_for(inspector).post("/inspections/new/", {
            "description": "滨江公园北门绿地黄土裸露", "address": "滨江大道 18 号", "latitude": "30.550123",
            "longitude": "114.301234", "unit": unit_a.pk, "cooperating_units": [unit_b.pk],
            "deadline": (today + timedelta(days=5)).isoformat(), "category": "bare_soil", "severity": "major",
            "source": "inspection", "found_on": today.isoformat(),
            "photos": [upload("cam.jpg")], "album_photos": [upload("album.png", image_bytes("PNG"), "image/png")],
        })
        finding = Finding.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/inspections/{finding.pk}/"
        assert (finding.unit, finding.status, str(finding.latitude)) == (unit_a, S.ASSIGNED, "30.550123")
        assert finding.photos.filter(kind="before").count() == 2
        assert finding.orders.count() == 1

    def test_a_bad_photo_records_nothing(self, client_for, inspector, campaign, unit_a, today):
        response = client_for(inspector).post("/inspections/new/", {
            "description": "x", "address": "y", "unit": unit_a.pk, "deadline": today.isoformat(),
            "category": "other", "severity": "minor", "source": "inspection", "found_on": today.isoformat(),
            "photos": [upload("scan.gif", image_bytes("GIF"), "image/gif")]})
        assert response.status_code == 400 and "仅支持 JPEG 或 PNG" in body(response)
        assert not Finding.objects.exists()

    def test_missing_fields_are_400(self, client_for, inspector, campaign):
        response = client_for(inspector).post("/inspections/new/", {"description": ""})
        assert response.status_code == 400 and not Finding.objects.exists()


class QueueViewTests:
    def test_the_unit_queue_is_its_open_findings_by_deadline(self, client_for, lead_staff, make_finding, advance):
        later, sooner = make_finding(deadline_days=9), make_finding(deadline_days=2)
        advance(make_finding(), S.CLOSED)
        response = client_for(lead_staff).get("/inspections/queue/")
        assert [f.pk for f in response.context["todo"]] == [sooner.pk, later.pk]

    def test_cooperating_findings_are_not_in_the_queue(self, client_for, coop_staff, finding):
        assert client_for(coop_staff).get("/inspections/queue/").context["todo"] == []

    def test_the_office_sees_pending_extensions(self, client_for, office_admin, lead_staff, finding):
        services.extension_request_create(finding=finding, user=lead_staff, reason="x",
                                          requested_deadline=finding.deadline + timedelta(days=3))
        assert len(client_for(office_admin).get("/inspections/queue/").context["extensions"]) == 1


class PhotoViewTests:
    def test_it_serves_photos_to_those_who_see_the_finding(self, client_for, lead_staff, outsider, finding):
        photo = finding.photos.get()
        response = client_for(lead_staff).get(f"/inspections/photos/{photo.pk}/thumb/")
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
        assert client_for(outsider).get(f"/inspections/photos/{photo.pk}/full/").status_code == 404


class RoundViewTests:
    def test_rounds_are_for_the_office_inspectors_and_leaders(self, client_for, leader, lead_staff, campaign,
                                                               inspector, today):
        round_ = services.inspection_round_create(campaign=campaign, user=inspector, date=today, kind="unannounced",
                                                  area="城东区", route="人民公园\n滨江绿道")
        assert client_for(leader).get("/inspections/rounds/").status_code == 200
        assert client_for(leader).get(f"/inspections/rounds/{round_.pk}/").status_code == 200
        assert client_for(lead_staff).get("/inspections/rounds/").status_code == 403
        assert client_for(lead_staff).get(f"/inspections/rounds/{round_.pk}/").status_code == 404

    def test_an_inspector_plans_a_round(self, client_for, inspector, lead_staff, campaign, standard, today):
        team = list(Person.objects.all()[:2])
        response = client_for(inspector).post("/inspections/rounds/new/", {
            "date": today.isoformat(), "kind": "open", "title": "第1次督查", "area": "城东区",
            "route": "人民公园\n滨江绿道", "team": [p.pk for p in team], "standards": [standard[0].pk]})
        round_ = InspectionRound.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/inspections/rounds/{round_.pk}/"
        assert set(round_.team.all()) == set(team) and round_.points == ["人民公园", "滨江绿道"]
        assert AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(round_),
                                         object_id=str(round_.pk)).exists()
        assert client_for(lead_staff).post("/inspections/rounds/new/", {}).status_code == 403


class AccountabilityViewTests:
    def test_the_office_records_and_the_unit_sees_it(self, client_for, office_admin, lead_staff, outsider, finding,
                                                      unit_a, today):
        response = client_for(office_admin).post(f"/inspections/accountability/units/{unit_a.pk}/new/", {
            "kind": "interview", "date": today.isoformat(), "title": "逾期未整改，约谈分管负责同志",
            "people": "分管副局长", "findings": [finding.pk]})
        assert response.status_code == 302
        record = AccountabilityRecord.objects.get()
        assert list(record.findings.all()) == [finding] and finding.events.last().kind == "accountability"
        assert "约谈分管负责同志" in body(client_for(lead_staff).get(f"/inspections/accountability/units/{unit_a.pk}/"))
        listing = client_for(lead_staff).get("/inspections/accountability/")
        assert [r["unit"] for r in listing.context["rows"]] == [unit_a]
        assert listing.context["rows"][0]["interview"] == 1
        assert client_for(outsider).get(f"/inspections/accountability/units/{unit_a.pk}/").status_code == 404

    def test_only_the_office_records(self, client_for, inspector, unit_a, campaign, today):
        response = client_for(inspector).post(f"/inspections/accountability/units/{unit_a.pk}/new/", {
            "kind": "interview", "date": today.isoformat(), "title": "x"})
        assert response.status_code == 403 and not AccountabilityRecord.objects.exists()

    def test_findings_of_another_unit_cannot_be_linked(self, client_for, office_admin, make_finding, unit_a, unit_b,
                                                        today):
        other = make_finding(unit=unit_b, cooperating_units=[])
        response = client_for(office_admin).post(f"/inspections/accountability/units/{unit_a.pk}/new/", {
            "kind": "public_criticism", "date": today.isoformat(), "title": "通报", "findings": [other.pk]})
        assert response.status_code == 400 and not AccountabilityRecord.objects.exists()

    def test_create_rejects_get(self, client_for, office_admin, unit_a, campaign):
        assert client_for(office_admin).get(f"/inspections/accountability/units/{unit_a.pk}/new/").status_code == 405


class SettingsViewTests:
    def test_the_office_chooses_to_strip_locations(self, client_for, office_admin, campaign):
        response = client_for(office_admin).post("/inspections/settings/", {
            "strip_photo_location": "on", "order_prefix": "创园督", "default_deadline_days": 5})
        assert response.status_code == 302
        row = InspectionSettings.objects.get(campaign=campaign)
        assert row.strip_photo_location and row.default_deadline_days == 5
        entry = AuditEntry.objects.get(content_type=ContentType.objects.get_for_model(row))
        assert entry.changes["strip_photo_location"] == [False, True]

    def test_submitted_photos_then_lose_their_location(self, client_for, office_admin, lead_staff, finding, advance,
                                                       campaign):
        from .test_photos import exif_with

        services.inspection_settings_update(campaign=campaign, user=office_admin, strip_photo_location=True)
        advance(finding, S.IN_RECTIFICATION)
        client_for(lead_staff).post(f"/inspections/{finding.pk}/submit/", {
            "note": "已整改", "photos": [upload("gps.jpg", image_bytes(exif=exif_with(gps=True)))]})
        after = finding.photos.get(kind="after")
        assert after.location_stripped
        from PIL import Image
        assert not Image.open(after.image.path).getexif().get_ifd(0x8825)

    @pytest.mark.parametrize("persona", ["inspector", "lead_staff", "leader"])
    def test_others_may_not(self, request, client_for, campaign, persona):
        assert client_for(request.getfixturevalue(persona)).get("/inspections/settings/").status_code == 403


class RoundTitleLanguageTests:
    def test_a_system_numbered_round_reads_in_english_and_a_typed_title_stays(self, db):
        from datetime import date

        from django.utils import translation

        from inspections.models import InspectionRound

        numbered = InspectionRound(title="第7次督查", date=date(2026, 12, 6), kind="open")
        typed = InspectionRound(title="城北区专项督查", date=date(2026, 12, 6), kind="open")
        untitled = InspectionRound(title="", date=date(2026, 12, 6), kind="unannounced")
        with translation.override("en"):
            assert numbered.display_title == "Inspection 7"
            assert typed.display_title == "城北区专项督查"
            assert untitled.display_title == "2026-12-06 Unannounced"
        with translation.override("zh-hans"):
            assert numbered.display_title == "第7次督查"
            assert untitled.display_title == "2026-12-06 暗访"
