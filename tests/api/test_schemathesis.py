"""Schemathesis over every operation of the generated schema, inside the test database, with
the office's token (the widest rights, so writes reach the services) and path ids pointing at
real objects of the page-route walk's world. Run through Schemathesis's Python API in one test
so it needs no pytest plugin options. Checks: no server error, and every response conforms to
the schema (status code documented, body shape). No operation is excluded."""
import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from api.services import token_issue
from tests.api.test_access import fill
from tests.organizations.test_access_routes import world  # noqa: F401 (fixture)

EXAMPLES = 12


@pytest.fixture
def app():
    # In-process WSGI calls share the test's connection and transaction: Django must not close it
    # at the end of each request (its own test client does the same).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_every_operation_gives_no_server_error_and_a_documented_answer(world, app):
    from django.contrib.auth import get_user_model
    from organizations.models import Person

    world["owner_person"] = Person.objects.get(user=get_user_model().objects.get(username="owner"))
    key = token_issue(user=world["users"]["office"], name="schemathesis", issued_by=world["users"]["office"])[1]
    headers = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app, headers=headers)
    failures, count = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        count += 1
        filled = fill(operation.path, world)
        params = {name: _value(operation.path, filled, name) for name in re.findall(r"\{(\w+)\}", operation.path)}

        @given(case=operation.as_strategy(path_parameters=params))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance, response_schema_conformance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert count >= 40
    assert not failures, "\n\n".join(failures)


def _value(path, filled, name):
    """The id `fill` put where {name} stands in `path`."""
    pattern = re.escape(path)
    for param in re.findall(r"\{(\w+)\}", path):
        pattern = pattern.replace(re.escape("{" + param + "}"), f"(?P<{param}>[^/]+)")
    return int(re.fullmatch(pattern, filled).group(name))
