"""Fixtures for the browser tests: a headless Chromium driving pytest-django's live_server.

Without Debian's chromium and chromium-driver the tests are skipped, unless
REQUIRE_BROWSER=1 (CI), where a missing browser must fail the run instead.
"""
import logging
import os
from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException

from . import DEFAULT_ACCEPT_LANGUAGE, SCREENSHOT_DIR, missing_binaries, new_driver, save_screenshot

HERE = Path(__file__).resolve().parent
REPORTS = pytest.StashKey[dict]()
log = logging.getLogger(__name__)


# tryfirst: the marker must be on the items before `-m` selection looks at them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def _require_browser():
    missing = missing_binaries()
    if not missing:
        return
    reason = (
        f"browser tests need Debian's chromium and chromium-driver; missing {', '.join(missing)} "
        "(apt-get install chromium chromium-driver)"
    )
    if os.environ.get("REQUIRE_BROWSER", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason}, and REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(reason)


def _start_driver(**kwargs):
    try:
        return new_driver(**kwargs)
    except WebDriverException as exc:
        # A loaded 2-core machine occasionally loses Chromium's first start-up race.
        log.warning("Chromium did not start (%s); retrying once", exc.msg)
        return new_driver(**kwargs)


def _keep_evidence(request, drivers):
    """After a failed test, keep what each browser showed, under var/screenshots/failures/."""
    reports = request.node.stash.get(REPORTS, {})
    if not any(report.failed for report in reports.values()):
        return
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.nodeid)
    for index, driver in enumerate(drivers):
        base = SCREENSHOT_DIR / "failures" / f"{stem}-{index}"
        try:
            save_screenshot(driver, base.with_suffix(".png"))
            base.with_suffix(".html").write_text(driver.page_source, encoding="utf-8")
            print(f"\nbrowser {index} was at {driver.current_url}; saved {base}.png/.html")
        except Exception as exc:  # evidence is best effort; the test already failed
            print(f"\ncould not save browser {index}'s screenshot: {exc}")


@pytest.fixture
def browser_factory(request, live_server, transactional_db):
    """Start headless Chromium drivers: browser_factory(accept_language=..., viewport=...).

    live_server serves from a thread, so the data a test writes must be committed:
    transactional_db gives that on SQLite and PostgreSQL alike.
    """
    _require_browser()
    drivers = []

    def make(accept_language=DEFAULT_ACCEPT_LANGUAGE, viewport="desktop"):
        driver = _start_driver(accept_language=accept_language, viewport=viewport)
        drivers.append(driver)
        return driver

    yield make
    _keep_evidence(request, drivers)
    for driver in drivers:
        try:
            driver.quit()
        except Exception as exc:
            log.warning("Chromium did not quit cleanly: %s", exc)


@pytest.fixture
def browser(browser_factory):
    """One headless Chromium, desktop-sized, asking for Chinese pages like our users' browsers."""
    return browser_factory()
