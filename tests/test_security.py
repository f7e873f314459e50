"""Browser-side hardening: a Content-Security-Policy on every page with no inline script or
style to need an exception, and `check --deploy` clean under the production settings."""
import os
import re
import secrets
import subprocess
import sys
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import Resolver404, resolve

from indicators import demo as indicators_demo
from inspections import demo as inspections_demo
from ledgers import demo as ledgers_demo
from organizations import demo as organizations_demo
from tasks import demo as tasks_demo

# Pages that answer with a file, change state on GET, or leave the session.
SKIP_NAMES = re.compile(r"logout|set_language|download|export|pdf|template|photo|evidence|file|xlsx|csv")
MAX_PAGES = 120


class _InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts, event-handler attributes,
    javascript: URLs, style attributes and <style> elements."""

    def __init__(self):
        super().__init__()
        self.found, self.links, self._in_inline_script = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self._in_inline_script = True
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "a" and attrs.get("href", "").startswith("/"):
            self.links.append(attrs["href"])

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def _route(path):
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


def crawl(client, starts, max_pages=MAX_PAGES):
    """Breadth-first over same-site links, one page per route (and query-less first)."""
    seen_routes, queue, pages = set(), deque(starts), {}
    while queue and len(pages) < max_pages:
        path = queue.popleft()
        route = _route(path)
        if (path in pages or route is None or route in seen_routes or SKIP_NAMES.search(route)
                or "delete" in route):
            continue
        seen_routes.add(route)
        response = client.get(path)
        pages[path] = response
        if response.status_code == 302 and response["Location"].startswith("/"):
            seen_routes.discard(route)  # a redirect is not the page; its target is
            queue.append(response["Location"])
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            parser = _InlineCode()
            parser.feed(response.content.decode())
            queue.extend(parser.links)
    return pages


@pytest.fixture
def demo_city(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_standards", verbosity=0)
    context = {}
    for module in (organizations_demo, indicators_demo, ledgers_demo, tasks_demo, inspections_demo):
        module.seed(context)
    return context


def assert_policy_and_no_inline_code(pages, at_least):
    html = {p: r for p, r in pages.items() if r.status_code == 200 and r["Content-Type"].startswith("text/html")}
    assert len(html) >= at_least, sorted(pages)
    assert not [p for p, r in pages.items() if "Content-Security-Policy" not in r]
    offending = {}
    for path, response in html.items():
        parser = _InlineCode()
        parser.feed(response.content.decode())
        if parser.found:
            offending[path] = parser.found[:3]
    assert not offending


class ContentSecurityPolicyTests:
    def test_every_page_the_office_and_the_admin_reach_has_the_policy_and_no_inline_code(self, client, demo_city):
        from django.contrib.auth import get_user_model

        # One test for both crawls: seeding the demo city is most of its cost.
        client.force_login(get_user_model().objects.get(username="office"))
        assert_policy_and_no_inline_code(crawl(client, ["/", "/reports/dashboard/"]), at_least=40)

        client.force_login(get_user_model().objects.create_superuser("root", password="pw-for-tests-1"))
        assert_policy_and_no_inline_code(crawl(client, ["/admin/"], max_pages=200), at_least=40)

    def test_the_policy_allows_only_this_site_and_no_inline_code(self, client, db):
        policy = client.get("/accounts/login/")["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["base-uri"] == "'none'"
        assert directives["form-action"] == "'self'"
        assert "unsafe" not in policy

    def test_the_login_and_reset_pages_carry_it_too(self, client, db):
        for path in ("/accounts/login/", "/accounts/password/reset/", "/accounts/password/reset/sent/"):
            assert "script-src 'self'" in client.get(path)["Content-Security-Policy"], path


class DeployCheckTests:
    def test_check_deploy_is_clean_under_the_production_settings(self, tmp_path):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
        env.update({
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "cy.example.gov.cn",
            "DJANGO_CSRF_TRUSTED_ORIGINS": "https://cy.example.gov.cn",
            "APP_VAR_DIR": str(tmp_path),
        })
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_opting_into_preload_keeps_it_clean(self, tmp_path):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
        env.update({
            "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "cy.example.gov.cn", "DJANGO_HSTS_PRELOAD": "1",
            "DJANGO_HSTS_SECONDS": "31536000", "APP_VAR_DIR": str(tmp_path),
        })
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
