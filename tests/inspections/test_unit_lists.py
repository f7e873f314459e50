"""A unit's lists mark where it only cooperates (配合) and where it leads, and the unit
filter offers every unit the user can see."""
import re

import pytest

from tests.tasks.conftest import make_task


@pytest.fixture
def mixed(make_finding, unit_a, unit_b, unit_c, campaign):
    own = make_finding(unit=unit_a, cooperating_units=[unit_b])
    helped = make_finding(unit=unit_b, cooperating_units=[unit_a])
    hidden = make_finding(unit=unit_c, cooperating_units=[])
    return own, helped, hidden


def roles(body):
    return dict(re.findall(r'data-finding="(\d+)".*?data-role="(\w+)"', body, re.S))


class UnitFindingListTests:
    def test_it_marks_led_and_cooperating_findings(self, client_for, lead_staff, mixed):
        own, helped, hidden = mixed
        body = client_for(lead_staff).get("/inspections/").content.decode()
        assert roles(body) == {str(own.pk): "lead", str(helped.pk): "cooperating"}

    def test_wide_roles_see_no_marks(self, client_for, office_admin, mixed):
        assert 'data-role="' not in client_for(office_admin).get("/inspections/").content.decode()

    def test_the_unit_filter_offers_every_unit_the_user_sees(self, client_for, lead_staff, mixed, unit_a, unit_b,
                                                             unit_c):
        client = client_for(lead_staff)
        offered = set(client.get("/inspections/").context["form"].fields["unit"].queryset)
        assert {unit_a, unit_b} <= offered and unit_c not in offered
        response = client.get(f"/inspections/?unit={unit_b.pk}")
        assert response.context["shown_count"] == 1 and response.context["filters"]["unit"] == unit_b

    def test_the_role_filter_separates_led_from_cooperating(self, client_for, lead_staff, mixed):
        own, helped, _ = mixed
        client = client_for(lead_staff)
        assert [f.pk for f in client.get("/inspections/?role=lead").context["page"]] == [own.pk]
        assert [f.pk for f in client.get("/inspections/?role=cooperating").context["page"]] == [helped.pk]


class UnitTaskListTests:
    def test_it_marks_led_and_cooperating_tasks_and_filters_by_role(self, client_for, lead_staff, campaign, unit_a,
                                                                   unit_b, unit_c):
        make_task(campaign, 1, unit_a, coop=[unit_b])
        make_task(campaign, 2, unit_b, coop=[unit_a])
        make_task(campaign, 3, unit_c)
        client = client_for(lead_staff)
        body = client.get("/tasks/").content.decode()
        marks = dict(re.findall(r'<tr data-seq="(\d+)".*?data-role="(\w+)"', body, re.S))
        assert marks == {"1": "lead", "2": "cooperating"}
        assert [t.seq for t in client.get("/tasks/?role=lead").context["page"]] == [1]
        assert [t.seq for t in client.get("/tasks/?role=cooperating").context["page"]] == [2]


class UnitFindingExportTests:
    def test_a_units_export_says_where_it_leads_and_where_it_cooperates(self, client_for, lead_staff, mixed):
        import io

        from openpyxl import load_workbook

        own, helped, _ = mixed
        ws = load_workbook(io.BytesIO(client_for(lead_staff).get("/inspections/export.xlsx").content)).active
        assert ws.cell(row=3, column=14).value == "本单位角色"
        got = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=14).value for r in range(4, ws.max_row + 1)}
        assert got == {own.pk: "牵头", helped.pk: "配合"}
