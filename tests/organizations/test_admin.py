"""/admin/ for office admins: permissions through a group, every write audited or refused in
favour of the product page (where a service owns the write)."""
from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from indicators.models import Campaign, Holiday, IndicatorValue, Tier
from organizations.admin_audit import AuditedAdminMixin, ProductPageAdminMixin
from organizations.models import AuditEntry, Membership, Unit
from organizations.permissions import OFFICE_ADMIN_GROUP
from tests.factories import make_indicator, make_standard


@pytest.fixture
def staff_office(office_admin):
    office_admin.is_staff = True
    office_admin.save()
    office_admin.groups.add(Group.objects.get(name=OFFICE_ADMIN_GROUP))
    return office_admin


@pytest.fixture
def campaign(city):
    standard, node = make_standard()
    indicator = make_indicator(standard, node, "2.2", "建成区绿地率", thresholds=[{"comparator": "gte", "value": 31}])
    c = Campaign.objects.create(name="测试市创园", city=city, kind="creation", tier=Tier.GARDEN,
                                evaluation_date=date(2026, 12, 31))
    c.standards.add(standard)
    return c, indicator


def changelist_url(model):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


class OfficeAdminGroupTests:
    def test_it_opens_every_admin_list_to_an_office_admin(self, client_for, staff_office):
        client = client_for(staff_office)
        index = client.get("/admin/")
        assert index.status_code == 200
        assert "你没有查看或编辑的权限" not in index.content.decode()
        for model in admin.site._registry:
            assert client.get(changelist_url(model)).status_code == 200, model

    def test_it_gives_unit_staff_nothing(self, client_for, lead_staff):
        lead_staff.is_staff = True
        lead_staff.save()
        assert client_for(lead_staff).get("/admin/tasks/task/").status_code == 403

    def test_the_demo_seed_puts_office_admins_in_the_group(self, db):
        from organizations import demo

        demo.seed({})
        User = get_user_model()
        assert set(User.objects.filter(groups__name=OFFICE_ADMIN_GROUP).values_list("username", flat=True)) == {
            "office", "office2"}
        assert User.objects.get(username="office").is_staff


class AdminWriteTests:
    def test_every_admin_is_audited_or_read_only(self, rf, db):
        request = rf.get("/admin/")
        request.user = get_user_model().objects.create_superuser("root", password="x")
        for model, model_admin in admin.site._registry.items():
            if model._meta.app_label == "auth" and model._meta.model_name == "group":
                continue  # Django's own; office admins may only view groups
            read_only = not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
                             or model_admin.has_delete_permission(request))
            assert isinstance(model_admin, AuditedAdminMixin) or read_only, model
            assert not isinstance(model_admin, ProductPageAdminMixin) or read_only, model

    @pytest.mark.parametrize("kind", ["task", "finding", "round", "ledger", "value", "indicator"])
    def test_service_owned_rows_are_read_only_with_a_link_to_their_page(self, client_for, staff_office, campaign,
                                                                           unit_a, kind):
        from inspections.models import Finding, InspectionRound
        from ledgers.models import Ledger
        from tasks.models import Task

        c, indicator = campaign
        if kind == "task":
            obj = Task.objects.create(campaign=c, seq=1, content="建绿", lead_unit=unit_a, due_on=date(2026, 12, 1))
            page = f"/tasks/{obj.pk}/"
        elif kind == "finding":
            obj = Finding.objects.create(campaign=c, unit=unit_a, description="裸土", address="东路",
                                         found_on=date(2026, 11, 1), deadline=date(2026, 12, 1), created_by=staff_office)
            page = f"/inspections/{obj.pk}/"
        elif kind == "round":
            obj = InspectionRound.objects.create(campaign=c, date=date(2026, 11, 1), kind="open", title="周巡")
            page = f"/inspections/rounds/{obj.pk}/"
        elif kind == "ledger":
            obj = Ledger.objects.create(unit=unit_a, ledger_type="parks", city=unit_a.parent)
            page = f"/ledgers/{obj.pk}/"
        elif kind == "value":
            obj = IndicatorValue.objects.create(measure=indicator.measure, scope=c.city, as_of=date(2026, 11, 1),
                                                value=Decimal("30"))
            page = f"/ledgers/values/{obj.pk}/"
        else:
            obj = indicator
            page = f"/standards/{indicator.standard.code}/indicators/{indicator.code}/edit/"
        client = client_for(staff_office)
        url = f"{changelist_url(type(obj))}{obj.pk}/change/"
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200
        assert f'href="{page}"' in body
        assert 'type="submit"' not in body.split('id="content-main"')[1].split("</form>")[0] or \
            'name="_save"' not in body
        before = {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}
        assert client.post(url, {"content": "x", "description": "x", "title": "x", "value": "1"}).status_code == 403
        assert client.post(f"{changelist_url(type(obj))}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
        obj.refresh_from_db()
        assert {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields} == before
        assert client.get(f"{changelist_url(type(obj))}add/").status_code == 403

    def test_a_bulk_delete_is_audited_per_row(self, client_for, staff_office):
        days = [Holiday.objects.create(date=date(2026, 10, d), name="国庆") for d in (1, 2, 3)]
        response = client_for(staff_office).post("/admin/indicators/holiday/", {
            "action": "delete_selected", "_selected_action": [d.pk for d in days[:2]], "post": "yes"})
        assert response.status_code == 302
        assert list(Holiday.objects.values_list("pk", flat=True)) == [days[2].pk]
        deleted = AuditEntry.objects.filter(action=AuditEntry.Action.DELETE,
                                            content_type=ContentType.objects.get_for_model(Holiday))
        assert sorted(deleted.values_list("object_id", flat=True)) == sorted(str(d.pk) for d in days[:2])
        assert all(e.user == staff_office and e.actor_name == "赵主任" for e in deleted)

    def test_an_admin_edit_records_person_unit_role_and_old_to_new(self, client_for, staff_office, unit_a, city):
        response = client_for(staff_office).post(f"/admin/organizations/unit/{unit_a.pk}/change/", {
            "name": "市住房和城乡建设局", "short_name": "市住建局", "kind": "department", "parent": city.pk,
            "sort_order": 0, "people-TOTAL_FORMS": 0, "people-INITIAL_FORMS": 0})
        assert response.status_code == 302
        unit_a.refresh_from_db()
        assert unit_a.name == "市住房和城乡建设局"
        entry = AuditEntry.objects.get(object_id=str(unit_a.pk), content_type=ContentType.objects.get_for_model(Unit))
        assert entry.changes["name"] == ["市住建局", "市住房和城乡建设局"]
        assert (entry.actor_name, entry.actor_unit, entry.actor_role) == ("赵主任", "创园办", Membership.Role.OFFICE)
        assert entry.actor_display == "赵主任（创园办 · 创建办管理员）"

    def test_an_office_admin_edits_a_login_but_cannot_make_a_superuser_and_no_hash_is_audited(
            self, client_for, staff_office, lead_staff):
        client = client_for(staff_office)
        page = client.get(f"/admin/auth/user/{lead_staff.pk}/change/").content.decode()
        assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
        response = client.post(f"/admin/auth/user/{lead_staff.pk}/change/", {
            "username": "lead", "first_name": "海燕", "last_name": "", "email": "", "is_active": "on",
            "is_superuser": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "00:00:00"})
        assert response.status_code == 302, response.content.decode()[:3000]
        lead_staff.refresh_from_db()
        assert lead_staff.first_name == "海燕" and not lead_staff.is_superuser
        for entry in AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(get_user_model())):
            assert "password" not in entry.changes
