"""403, 404 and 500 pages in the product's layout, in Chinese and English; `make run` without DEBUG."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import translation

from organizations import errors

ROOT = Path(__file__).resolve().parents[2]


def boom(request):
    raise RuntimeError("boom")


def _urls():
    from django.urls import path

    from config import urls

    return [path("boom/", boom), *urls.urlpatterns]


urlpatterns = _urls()
handler500 = "organizations.errors.server_error"


@pytest.fixture
def campaign_with_indicator(city):
    from datetime import timedelta

    from django.utils import timezone

    from indicators.models import Campaign, Tier
    from tests.factories import make_indicator, make_standard

    standard, node = make_standard()
    indicator = make_indicator(standard, node, "2.2", "建成区绿地率", thresholds=[{"comparator": "gte", "value": 31}])
    campaign = Campaign.objects.create(name="测试市创园", city=city, kind="creation", tier=Tier.GARDEN,
                                       evaluation_date=timezone.localdate() + timedelta(days=40))
    campaign.standards.add(standard)
    return campaign, indicator


class ErrorPageTests:
    def test_it_shows_404_in_the_layout_for_a_signed_in_user(self, client_for, lead_staff):
        response = client_for(lead_staff).get("/no-such-page/")
        body = response.content.decode()
        assert response.status_code == 404
        assert 'class="topbar"' in body and 'class="sidebar"' in body
        assert "页面不存在" in body and 'lang="zh-CN"' in body
        assert "URLconf" not in body and "Page not found" not in body

    def test_it_shows_404_in_english(self, client_for, lead_staff):
        client = client_for(lead_staff)
        client.cookies["django_language"] = "en"
        response = client.get("/no-such-page/")
        body = response.content.decode()
        assert response.status_code == 404
        assert 'class="topbar"' in body and 'lang="en"' in body
        assert "Page not found" in body and "页面不存在" not in body

    def test_it_shows_404_to_an_anonymous_visitor_with_a_way_to_sign_in(self, client, db):
        response = client.get("/no-such-page/")
        body = response.content.decode()
        assert response.status_code == 404
        assert "页面不存在" in body and "/accounts/login/" in body
        assert 'class="sidebar"' not in body

    def test_it_shows_403_in_the_layout(self, client_for, lead_staff, campaign_with_indicator):
        campaign, indicator = campaign_with_indicator
        url = f"/campaigns/{campaign.pk}/indicators/{indicator.pk}/"
        client = client_for(lead_staff)
        response = client.post(url, {"value": "1"})
        body = response.content.decode()
        assert response.status_code == 403
        assert 'class="topbar"' in body and "没有权限" in body
        client.cookies["django_language"] = "en"
        body = client.post(url, {"value": "1"}).content.decode()
        assert 'lang="en"' in body and "permission" in body and "没有权限" not in body

    def test_a_csrf_failure_is_the_same_403_page(self, lead_staff):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(lead_staff)
        response = client.post("/accounts/logout/")
        assert response.status_code == 403
        body = response.content.decode()
        assert 'class="topbar"' in body and "没有权限" in body and "CSRF" not in body.split("<main")[0]

    def test_it_shows_500_in_the_layout_in_both_languages(self, client_for, lead_staff, settings):
        settings.ROOT_URLCONF = __name__  # the project's URLs plus /boom/
        client = client_for(lead_staff)
        client.raise_request_exception = False
        response = client.get("/boom/")
        body = response.content.decode()
        assert response.status_code == 500
        assert "系统出了点问题" in body and 'class="topbar"' in body and "RuntimeError" not in body and "Traceback" not in body
        client.cookies["django_language"] = "en"
        body = client.get("/boom/").content.decode()
        assert "Something went wrong" in body and 'lang="en"' in body

    def test_the_500_page_renders_when_the_database_is_down(self, db, monkeypatch):
        request = RequestFactory().get("/units/")

        def refuse(*args, **kwargs):
            raise AssertionError("the 500 page touched the database")

        for lang, text in (("zh-hans", "系统出了点问题"), ("en", "Something went wrong")):
            with monkeypatch.context() as down, translation.override(lang):
                down.setattr(connection, "cursor", refuse)
                down.setattr(connection, "ensure_connection", refuse)
                response = errors.server_error(request)
            assert response.status_code == 500
            assert text in response.content.decode()
            assert "app.css" in response.content.decode()


class RunEnvironmentTests:
    def test_make_run_serves_without_debug_and_keeps_its_secret(self, tmp_path):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env["APP_VAR_DIR"] = str(tmp_path)
        probe = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
                 "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY, '127.0.0.1' in s.ALLOWED_HOSTS,"
                 " 'localhost' in s.ALLOWED_HOSTS, s.SECURE_SSL_REDIRECT)")
        script = f'source scripts/demo-env.sh && "{sys.executable}" -c "{probe}"'
        first = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        debug, secret, local_ip, localhost, redirect = first.stdout.split()
        assert debug == "False" and len(secret) >= 50
        assert local_ip == localhost == "True" and redirect == "False"
        assert (tmp_path / "secret_key").read_text().strip() == secret
        second = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        assert second.stdout.split()[1] == secret

    def test_the_run_script_uses_that_environment(self):
        script = (ROOT / "scripts" / "run-embedded.sh").read_text()
        assert "scripts/demo-env.sh" in script and "collectstatic" in script

    @pytest.mark.parametrize("debug", ["0"])
    def test_settings_refuse_to_start_without_a_secret_outside_debug(self, tmp_path, debug):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(DJANGO_DEBUG=debug, APP_VAR_DIR=str(tmp_path))
        probe = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()"
        result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr
        assert not (tmp_path / "secret_key").exists()
