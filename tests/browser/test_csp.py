"""The Content-Security-Policy in a real browser: the demo's busiest pages, charts and
tooltips included, run without one violation, and the filter selects still submit."""
from django.core.management import call_command
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from indicators import demo as indicators_demo
from inspections import demo as inspections_demo
from ledgers import demo as ledgers_demo
from organizations import demo as organizations_demo
from tasks import demo as tasks_demo

from . import login

# Injected through DevTools, which the page's policy does not govern, before any page script.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


def seed_demo(settings):
    from django.contrib.auth.models import Group

    from organizations.permissions import OFFICE_ADMIN_GROUP

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # An earlier live-server test flushes the database after itself, taking the group the
    # migrations made with it; the demo adds the office to that group.
    Group.objects.get_or_create(name=OFFICE_ADMIN_GROUP)
    call_command("load_standards", verbosity=0)
    context = {}
    for module in (organizations_demo, indicators_demo, ledgers_demo, tasks_demo, inspections_demo):
        module.seed(context)
    return next(password for username, password, *_ in context["logins"] if username == "office")


def violations(browser):
    return browser.execute_script("return window.__csp || ['recorder missing'];")


def test_the_demo_pages_run_without_a_policy_violation(browser, live_server, settings):
    password = seed_demo(settings)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    login(browser, live_server, "office", password)

    browser.get(live_server.url + "/reports/dashboard/")
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#chart-findings svg"))
    chart = browser.find_element(By.ID, "chart-findings")
    ActionChains(browser).move_to_element(chart).perform()  # a tooltip, rendered by ECharts
    assert violations(browser) == []

    for path in ("/", "/tasks/", "/inspections/", "/ledgers/", "/tasks/units/", "/inspections/rounds/"):
        browser.get(live_server.url + path)
        assert violations(browser) == [], path

    browser.get(live_server.url + "/tasks/")
    Select(browser.find_element(By.NAME, "status")).select_by_index(1)
    WebDriverWait(browser, 10).until(lambda b: "status=" in b.current_url)
    assert violations(browser) == []
