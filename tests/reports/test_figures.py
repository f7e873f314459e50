"""Every figure on the dashboard and in the weekly briefing equals the length of the list it
links to, for each persona, on demo-like data with submitted, escalated, extended and
cooperating items (the done-when of issue 11)."""
import html
import re
from datetime import date

import pytest
import time_machine

from organizations.models import Membership, Unit
from tests.conftest import make_user
from tests.factories import make_work

TODAY = date(2026, 6, 10)  # a Wednesday

ANCHOR = re.compile(r"<a\b[^>]*\bdata-count=\"(\d+)\"[^>]*>")
HREF = re.compile(r"href=\"([^\"]+)\"")
FIGURE = re.compile(r"data-figure=\"([^\"]+)\"")
ROW = {"/inspections/": re.compile(r"<tr class=\"finding-row"), "/tasks/": re.compile(r"<tr data-seq="),
       "/reports/upcoming/": re.compile(r"<tr class=\"upcoming-row"),
       "/reports/overdue-units/": re.compile(r"<tr class=\"unit-row")}
MORE = re.compile(r"<a\b[^>]*\bdata-more=\"([^\"]+)\"[^>]*>")


def travel():
    return time_machine.travel(f"{TODAY.isoformat()} 18:00 +0800", tick=False)


def linked_figures(body):
    """[(figure name, count shown, href)] of every counted link on a page."""
    out = []
    for match in ANCHOR.finditer(body):
        tag = match.group(0)
        out.append((FIGURE.search(tag).group(1), int(match.group(1)), html.unescape(HREF.search(tag).group(1))))
    return out


def rows_behind(client, href):
    response = client.get(href)
    assert response.status_code == 200, href
    path = href.split("?")[0]
    return len(ROW[path].findall(response.content.decode()))


@pytest.fixture
def district_setup(districts):
    east = districts[0]
    street = Unit.objects.create(name="东湖街道", kind=Unit.Kind.STREET, parent=east)
    return east, street


@pytest.fixture
def demo(campaign, unit_a, unit_b, district_setup):
    east, street = district_setup
    make_work(campaign, TODAY, lead=unit_a, other=unit_b, seq_start=1)
    make_work(campaign, TODAY, lead=street, other=unit_b, seq_start=101)
    make_work(campaign, TODAY, lead=unit_b, other=east, cooperating_with=unit_a, seq_start=201)


@pytest.fixture
def district_staff(district_setup):
    return make_user("chengdong", district_setup[0], Membership.Role.UNIT_STAFF, "城东区创园办")


PERSONAS = ["office_admin", "leader", "lead_staff", "district_staff"]


class DashboardFiguresTests:
    @pytest.mark.parametrize("persona", PERSONAS)
    def test_it_shows_every_figure_as_the_length_of_its_list(self, persona, request, client_for, demo):
        client = client_for(request.getfixturevalue(persona))
        with travel():
            body = client.get("/reports/dashboard/").content.decode()
            figures = linked_figures(body)
            names = {name for name, _, _ in figures}
            assert {"findings_new", "findings_closed", "findings_open", "findings_overdue", "tasks_overdue",
                    "tasks_total", "tasks_done", "level_escalated", "status_submitted"} <= names
            assert any(n for _, n, _ in figures), "the demo data should give non-zero figures"
            for name, shown, href in figures:
                assert rows_behind(client, href) == shown, (name, href)


class BriefingFiguresLinkTests:
    @pytest.mark.parametrize("persona", ["office_admin", "leader"])
    def test_the_preview_shows_every_figure_as_the_length_of_its_list(self, persona, request, client_for, demo):
        client = client_for(request.getfixturevalue(persona))
        with travel():
            response = client.get("/reports/briefings/preview/")
            assert response.status_code == 200
            figures = linked_figures(response.content.decode())
            assert {name for name, _, _ in figures} == {
                "findings_new", "findings_closed", "findings_open", "findings_overdue", "tasks_total", "tasks_done",
                "tasks_overdue", "upcoming"}
            for name, shown, href in figures:
                assert rows_behind(client, href) == shown, (name, href)
            assert response.context["work"].as_dict() == client.get("/reports/dashboard/").context["work"].as_dict()

    def test_the_findings_overdue_are_held_ones_past_their_deadline_escalated_included(self, client_for, leader,
                                                                                      demo):
        with travel():
            work = client_for(leader).get("/reports/briefings/preview/").context["work"]
        # per make_work: red + escalated held findings (the returned one included), the
        # cooperated-on one of the other unit; never the submitted one past its deadline
        assert work.findings_overdue == 3 * 3
        assert work.tasks_overdue == 3 * 3


def more_links(body):
    """[(list name, "N more" shown, total, href)] of every "还有 N 项" link on a page."""
    out = []
    for match in MORE.finditer(body):
        tag = match.group(0)
        more = int(re.search(r"data-more-count=\"(\d+)\"", tag).group(1))
        total = int(re.search(r"data-total=\"(\d+)\"", tag).group(1))
        out.append((match.group(1), more, total, html.unescape(HREF.search(tag).group(1))))
    return out


class CappedListFiguresTests:
    """A capped list's shown rows plus its "N more" equal its figure and the list it links to."""

    @pytest.fixture
    def tiny_limits(self, settings):
        settings.LIST_LIMITS = {key: 1 for key in settings.LIST_LIMITS}

    @pytest.mark.parametrize("url", ["/reports/dashboard/", "/reports/briefings/preview/"])
    def test_it_says_how_many_more_and_links_to_exactly_them(self, url, client_for, office_admin, demo, tiny_limits):
        client = client_for(office_admin)
        with travel():
            response = client.get(url)
            links = more_links(response.content.decode())
            lists = response.context["lists"]
            names = {name for name, _, _, _ in links}
            assert {"overdue_units"} <= names
            if url.endswith("preview/"):
                assert "upcoming" in names
            for name, more, total, href in links:
                if name == "lead_units":  # per indicator; its list is the indicator's page
                    continue
                capped = lists[name]
                assert len(capped.rows) == 1 and len(capped.rows) + more == total == capped.total, name
                if href.split("?")[0] in ROW:
                    assert rows_behind(client, href) == total, (name, href)
            if url.endswith("preview/"):
                assert lists["upcoming"].total == response.context["figures"]["upcoming_total"]
                assert lists["overdue_units"].total == len(response.context["work"].overdue_by_unit)

    def test_a_unit_sees_its_own_lists_behind_the_links(self, client_for, lead_staff, demo, tiny_limits):
        client = client_for(lead_staff)
        with travel():
            body = client.get("/reports/dashboard/").content.decode()
            for name, _more, total, href in more_links(body):
                if href.split("?")[0] in ROW:
                    assert rows_behind(client, href) == total, (name, href)
