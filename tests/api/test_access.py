"""Every operation of the OpenAPI schema, anonymously and with the tokens of unit staff who do
not belong to unit B, against unit B's objects (the page-route walk's world).

Anonymous: 401 everywhere (schema and docs included). Unit personas: 404 for unit B's objects
whatever the method; lists scoped to units hold none of unit B's rows; nothing they get
carries unit B's secrets. The library (standards, nodes, indicators), campaigns and values are
everybody's, as on the pages (SHARED below): those answer 200 without unit B's data, and their
writes are refused by role (403)."""
import pytest
from django.contrib.auth import get_user_model
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from api.services import token_issue
from organizations.models import Person
from tests.organizations.test_access_routes import SECRETS, UNIT, world  # noqa: F401 (fixture)

SHARED = ("/api/v1/standards/", "/api/v1/nodes/", "/api/v1/indicators/", "/api/v1/campaigns/", "/api/v1/values/")
# Lists that hold unit-owned rows: a unit persona outside unit B sees none of B's rows.
SCOPED_LISTS = {
    "/api/v1/findings/": "finding", "/api/v1/tasks/": "task", "/api/v1/ledgers/": "ledger",
    "/api/v1/ledger-versions/": "version", "/api/v1/ledger-uploads/": "upload", "/api/v1/briefings/": "briefing",
    "/api/v1/notifications/": "notification", "/api/v1/units/": "unit_b", "/api/v1/people/": "owner_person",
}


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = [(path, method.upper()) for path, item in schema["paths"].items() for method in item
           if method in ("get", "post", "put", "patch", "delete")]
    return ops + [("/api/schema/", "GET"), ("/api/docs/", "GET")]


OPERATIONS = operations()


def fill(path, w):
    """The URL of an operation, pointed at unit B's objects (or the shared ones)."""
    objects = {
        "/api/v1/findings/{id}/": w["finding"], "/api/v1/tasks/{id}/": w["task"],
        "/api/v1/ledgers/{id}/": w["ledger"], "/api/v1/ledger-versions/{id}/": w["version"],
        "/api/v1/ledger-uploads/{id}/": w["upload"],
        "/api/v1/units/{id}/": w["unit_b"], "/api/v1/people/{id}/": w["owner_person"],
        "/api/v1/notifications/{id}/": w["notification"], "/api/v1/briefings/{id}/": w["briefing"],
        "/api/v1/standards/{id}/": w["standard"], "/api/v1/nodes/{id}/": w["indicator"].node,
        "/api/v1/indicators/{id}/": w["indicator"], "/api/v1/campaigns/{id}/": w["campaign"],
        "/api/v1/values/{id}/": w["value"],
    }
    url = path
    for prefix, obj in objects.items():
        if path.startswith(prefix):
            url = url.replace("{id}", str(obj.pk), 1)
    return (url.replace("{extension_pk}", str(w["extension"].pk)).replace("{photo_pk}", str(w["photo"].pk))
            .replace("{indicator_pk}", str(w["manual_indicator"].pk)))


@pytest.fixture
def api_world(world):
    world["owner"] = get_user_model().objects.get(username="owner")
    world["owner_person"] = Person.objects.get(user=world["owner"])
    keys = {}
    for name, user in [*world["users"].items(), ("owner", world["owner"])]:
        keys[name] = token_issue(user=user, name="walk", issued_by=world["users"]["office"])[1]
    world["keys"] = keys
    return world


def client_with(key=None):
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def call(client, method, url):
    return getattr(client, method.lower())(url, {}, format="json") if method != "GET" else client.get(url)


def text(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


class ApiAccessTests:
    def test_the_walk_covers_every_kind_of_operation(self):
        assert len(OPERATIONS) >= 40
        assert {m for _, m in OPERATIONS} >= {"GET", "POST", "PUT"}

    # One world for the whole walk (it is costly to build); every failure is collected.
    def test_anonymous_gets_401_everywhere(self, api_world):
        failures = []
        for path, method in OPERATIONS:
            response = call(client_with(), method, fill(path, api_world))
            if response.status_code != 401:
                failures.append(f"{method} {path}: {response.status_code}")
            elif path.startswith("/api/v1/") and response.json()["error"]["code"] != "not_authenticated":
                failures.append(f"{method} {path}: {response.json()}")  # schema and docs have their own formats
        assert not failures, "\n".join(failures)

    def test_another_units_token_sees_nothing_of_unit_b(self, api_world):
        failures = []
        for path, method in OPERATIONS:
            failures += check_operation(api_world, path, method)
        assert not failures, "\n".join(failures)


def check_operation(w, path, method):
    failures = []
    url = fill(path, w)
    controller = "owner" if path.startswith("/api/v1/notifications/{id}") else "office"
    if method == "GET" and "{" in path:
        # Positive control: the URL names a real object its owner or the office can open.
        status = call(client_with(w["keys"][controller]), method, url).status_code
        if status != 200:
            failures.append(f"{controller} {method} {url}: {status}, expected 200")
    shared = path.startswith(SHARED)
    for persona in UNIT:
        response = call(client_with(w["keys"][persona]), method, url)
        status = response.status_code
        where = f"{persona} {method} {url}: {status}"
        if status >= 500:
            failures.append(where)
            continue
        body = text(response)
        if [s for s in SECRETS if s in body]:
            failures.append(f"{where} shows unit B's data")
        if "{" in path and not shared:
            expected = (404,)
        elif "{" in path and method == "GET":
            expected = (200,)
        elif "{" in path:
            expected = (403, 404)
        else:
            expected = None
        if expected and status not in expected:
            failures.append(f"{where}, expected {expected}")
        if path in SCOPED_LISTS and method == "GET":
            rows = response.json()["results"]
            if w[SCOPED_LISTS[path]].pk in [row["id"] for row in rows]:
                failures.append(f"{where} lists unit B's row")
            if path not in ("/api/v1/units/", "/api/v1/people/") and rows:
                failures.append(f"{where} lists {len(rows)} rows, expected none")
    return failures


class ApiDocsTests:
    def test_the_docs_page_loads_vendored_assets_without_inline_code(self, client_for, lead_staff):
        import re

        client = client_for(lead_staff)
        page = client.get("/api/docs/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "<style" not in html and " style=" not in html
        scripts = re.findall(r"<script([^>]*)>", html)
        assert scripts and all('src="' in attrs for attrs in scripts)
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert all(s.startswith("/") for s in sources), sources  # this site only: no CDN
        assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in s for s in sources)
        start_up = next(s for s in sources if "script" in s and "sidecar" not in s)
        assert client.get(start_up).status_code == 200
        assert "default-src 'self'" in page["Content-Security-Policy"]

    def test_the_schema_documents_the_error_format(self, client_for, lead_staff):
        schema = client_for(lead_staff).get("/api/schema/?format=json").json()
        assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"error"}
        close = schema["paths"]["/api/v1/findings/{id}/close/"]["post"]["responses"]
        assert {"400", "401", "403", "404", "409"} <= set(close)
        assert "tokenAuth" in schema["components"]["securitySchemes"]
