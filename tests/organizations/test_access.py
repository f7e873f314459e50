import pytest


class UnitDetailAccessTests:
    def test_it_requires_login(self, client, unit_a):
        response = client.get(f"/units/{unit_a.pk}/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_unit_staff_see_their_own_unit(self, client_for, lead_staff, unit_a):
        response = client_for(lead_staff).get(f"/units/{unit_a.pk}/")
        assert response.status_code == 200
        assert "市住建局" in response.content.decode()

    def test_unit_staff_get_404_for_another_units_page(self, client_for, outsider, unit_a):
        assert client_for(outsider).get(f"/units/{unit_a.pk}/").status_code == 404

    def test_staff_of_a_district_see_its_streets(self, client_for, districts):
        from organizations.models import Membership, Unit
        from tests.conftest import make_user

        street = Unit.objects.create(name="东湖街道", kind=Unit.Kind.STREET, parent=districts[0])
        staff = make_user("cd", districts[0], Membership.Role.UNIT_STAFF)
        client = client_for(staff)
        assert client.get(f"/units/{street.pk}/").status_code == 200
        assert client.get(f"/units/{districts[1].pk}/").status_code == 404

    @pytest.mark.parametrize("persona", ["office_admin", "leader", "inspector"])
    def test_campaign_wide_roles_see_every_unit(self, request, client_for, persona, unit_a):
        user = request.getfixturevalue(persona)
        assert client_for(user).get(f"/units/{unit_a.pk}/").status_code == 200

    def test_it_rejects_the_wrong_method(self, client_for, lead_staff, unit_a):
        assert client_for(lead_staff).post(f"/units/{unit_a.pk}/").status_code == 405


class UnitListAccessTests:
    def test_unit_staff_list_only_their_units(self, client_for, lead_staff, unit_a, unit_b):
        body = client_for(lead_staff).get("/units/").content.decode()
        assert "市住建局" in body and "市城管执法局" not in body

    def test_the_office_lists_every_unit(self, client_for, office_admin, unit_a, unit_b):
        body = client_for(office_admin).get("/units/").content.decode()
        assert "市住建局" in body and "市城管执法局" in body


class StaffUnitIdsTests:
    def test_only_unit_staff_memberships_count_with_their_streets(self, leader, lead_staff, unit_a, districts):
        from organizations.access import Access
        from organizations.models import Membership, Unit
        from tests.conftest import make_user

        street = Unit.objects.create(name="东湖街道", kind=Unit.Kind.STREET, parent=districts[0])
        district_staff = make_user("cd", districts[0], Membership.Role.UNIT_STAFF)
        assert Access(leader).staff_unit_ids == frozenset()  # a leader's city membership changes nothing
        assert Access(lead_staff).staff_unit_ids == {unit_a.id}
        assert Access(district_staff).staff_unit_ids == {districts[0].id, street.id}
