"""The API docs page (/api/docs/, issue #14): Swagger UI from the vendored sidecar files renders
every operation under the site's Content-Security-Policy without one violation."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from organizations.models import Membership
from tests.conftest import PASSWORD, make_user

from . import login
from .test_csp import RECORD_VIOLATIONS, violations


def test_the_api_docs_render_without_a_policy_violation(browser, live_server, settings, city):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("reader", city, Membership.Role.LEADER)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    login(browser, live_server, "reader", PASSWORD)
    browser.get(live_server.url + "/api/docs/")
    WebDriverWait(browser, 30).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".opblock")) > 40)
    assert "/api/v1/findings/{id}/close/" in browser.page_source
    assert violations(browser) == []
