"""Hypothesis over edge input: every form's date and number fields and every list's query
parameters, as the personas who use them, must never answer 500.

The forms are found by reading the pages (every `<form method="post">` with a date or number
input), so a new form on these pages is covered without touching this file. Examples are few
(max_examples) and there is no deadline: this guards against crashes, it measures nothing.
"""
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.organizations.test_access_routes import world  # noqa: F401 (the shared fixture)

EXAMPLES = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

EDGE_DATES = ["9999-12-31", "0001-01-01", "0000-00-00", "2026-02-30", "2026-13-01", "1900-01-01", "", "today",
              "2026-6-1", "2026/06/01", "20260601", "-2026-01-01", "9" * 30]
EDGE_NUMBERS = ["9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e309", "-1e309", "NaN",
                "Infinity", "-0", "0", "1" * 40, "1.0000000000000000000001", "0x10", "", "١٢", "12,5"]

dates = st.one_of(st.sampled_from(EDGE_DATES), st.dates().map(lambda d: d.isoformat()), st.text(max_size=12))
numbers = st.one_of(st.sampled_from(EDGE_NUMBERS), st.integers(min_value=-2**70, max_value=2**70).map(str),
                    st.floats().map(str), st.text(max_size=8))
query_values = st.one_of(st.sampled_from(EDGE_NUMBERS + EDGE_DATES), st.integers().map(str), st.text(max_size=10))

# Every query parameter a list page reads (grep 'GET.get' and the filter forms).
QUERY_NAMES = ["page", "unit", "status", "level", "type", "kind", "show", "sort", "aspect", "campaign", "round",
               "row", "standard", "verification", "role", "q", "indicator", "source", "date_from", "date_to",
               "download", "category", "severity", "due", "list"]


class Forms(HTMLParser):
    """The POST forms of a page: action, hidden/other fields with their values, date and number fields."""

    def __init__(self):
        super().__init__()
        self.forms, self.current = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.current = {"action": a.get("action") or "", "fields": {}, "dates": [], "numbers": []}
            self.forms.append(self.current)
        elif self.current is not None and tag in ("input", "select", "textarea") and a.get("name"):
            kind = (a.get("type") or "").lower()
            if kind == "date":
                self.current["dates"].append(a["name"])
            elif kind == "number":
                self.current["numbers"].append(a["name"])
            elif kind not in ("file", "submit"):
                self.current["fields"].setdefault(a["name"], a.get("value") or "x")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def post_forms(client, url):
    page = client.get(url)
    assert page.status_code == 200, url
    parser = Forms()
    parser.feed(page.content.decode())
    return [f for f in parser.forms if f["dates"] or f["numbers"]]


# (persona, page whose forms are tried): the pages that carry every date and number form.
FORM_PAGES = [
    ("office", lambda w: "/tasks/new/"),
    ("office", lambda w: f"/tasks/{w['task'].pk}/edit/"),
    ("office", lambda w: f"/tasks/{w['task'].pk}/"),
    ("owner", lambda w: f"/tasks/{w['task'].pk}/"),
    ("inspector", lambda w: "/inspections/new/"),
    ("inspector", lambda w: "/inspections/rounds/new/"),
    ("office", lambda w: f"/inspections/{w['finding'].pk}/"),
    ("owner", lambda w: f"/inspections/{w['finding'].pk}/"),
    ("office", lambda w: f"/inspections/accountability/units/{w['unit_b'].pk}/"),
    ("office", lambda w: "/inspections/settings/"),
    ("office", lambda w: "/reports/briefings/"),
    ("office", lambda w: f"/campaigns/{w['campaign'].pk}/indicators/{w['manual_indicator'].pk}/"),
    ("office", lambda w: f"/planner/{w['campaign'].pk}/{w['coverage'].pk}/"),
]

LIST_PAGES = [
    "/", "/reports/dashboard/", "/reports/ranking/", "/tasks/", "/tasks/mine/", "/tasks/units/", "/tasks/leaders/",
    "/tasks/export/", "/inspections/", "/inspections/queue/", "/inspections/export.xlsx", "/inspections/orders/",
    "/inspections/rounds/", "/inspections/accountability/", "/ledgers/", "/notifications/", "/standards/",
    "/units/", "/planner/", "/planner/map/",
]


@pytest.fixture
def personas(world):  # noqa: F811
    from django.contrib.auth import get_user_model

    return {**world["users"], "owner": get_user_model().objects.get(username="owner")}


class FormEdgeInputTests:
    @pytest.mark.parametrize("persona, page", FORM_PAGES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(FORM_PAGES)])
    def test_no_date_or_number_sends_a_form_to_500(self, client, world, personas, persona, page):  # noqa: F811
        client.force_login(personas[persona])
        url = page(world)
        forms = post_forms(client, url)
        assert forms or persona == "owner", f"no date or number form on {url}"

        @EXAMPLES
        @given(data=st.data())
        def attempt(data):
            for form in forms:
                values = dict(form["fields"])
                values.update({name: data.draw(dates, label=name) for name in form["dates"]})
                values.update({name: data.draw(numbers, label=name) for name in form["numbers"]})
                response = client.post(form["action"] or url, values)
                assert response.status_code < 500, (form["action"] or url, values)

        attempt()


class ListEdgeInputTests:
    @pytest.mark.parametrize("persona", ["office", "dept", "district"])
    def test_no_query_string_sends_a_list_to_500(self, client, world, personas, persona):  # noqa: F811
        client.force_login(personas[persona])
        pages = LIST_PAGES + [f"/campaigns/{world['campaign'].pk}/", f"/ledgers/versions/{world['version'].pk}/",
                              f"/tasks/leaders/{world['leader_person'].pk}/", f"/ledgers/uploads/{world['upload'].pk}/"]

        @settings(EXAMPLES, max_examples=5)
        @example(params={"page": "9223372036854775807", "row": "9223372036854775808", "campaign": "1" * 30})
        @given(params=st.dictionaries(st.sampled_from(QUERY_NAMES), query_values, max_size=4))
        def attempt(params):
            for url in pages:
                response = client.get(url, params)
                assert response.status_code < 500, (url, params)

        attempt()
