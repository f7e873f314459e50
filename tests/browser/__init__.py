"""Headless Chromium for the browser tests and for scripts/screenshot.py.

Only Debian's chromium and chromedriver are used: both paths are given explicitly, so
Selenium Manager never runs and nothing is ever downloaded.
"""
import os
import re
import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "var" / "screenshots"

# CSS viewport sizes: a common laptop and an iPhone 12-15.
VIEWPORTS = {
    "desktop": {"width": 1440, "height": 900, "mobile": False},
    "phone": {"width": 390, "height": 844, "mobile": True},
}
MAX_SCREENSHOT_HEIGHT = 6000

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The network is closed: without these Chromium keeps trying to reach Google.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--password-store=basic",
]

# Headless Chromium sends "Accept-Language: en-US" and ignores --lang; our users' browsers
# are Chinese, so that is the default unless a test asks otherwise.
DEFAULT_ACCEPT_LANGUAGE = "zh-CN,zh"


def missing_binaries():
    """Names of the Debian binaries that are absent (empty when the browser can run)."""
    return [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]


class Chromium(webdriver.Chrome):
    """A Chrome driver whose quit() also removes its throwaway profile."""

    def __init__(self, *, profile_dir, **kwargs):
        self.profile_dir = profile_dir
        self.viewport_preset = "desktop"
        super().__init__(**kwargs)

    def quit(self):
        try:
            super().quit()
        finally:
            shutil.rmtree(self.profile_dir, ignore_errors=True)


def new_driver(accept_language=DEFAULT_ACCEPT_LANGUAGE, viewport="desktop"):
    """Start a headless Chromium with a fresh profile."""
    os.environ.setdefault("SE_OFFLINE", "true")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_experimental_option(
        "prefs",
        {
            "intl.accept_languages": accept_language,
            "credentials_enable_service": False,
            "profile.password_manager_enabled": False,
        },
    )
    try:
        driver = Chromium(profile_dir=profile, service=Service(executable_path=CHROMEDRIVER), options=options)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    try:
        driver.set_page_load_timeout(60)
        driver.set_script_timeout(30)
        set_viewport(driver, viewport)
    except Exception:
        driver.quit()
        raise
    return driver


def set_viewport(driver, preset, height=None):
    """Size the page's CSS viewport exactly: "desktop" 1440x900 or "phone" 390x844.

    A window size alone leaves the viewport smaller than asked (headless Chromium
    reserves ~140 px of the height) and never switches on mobile layout rules such as
    <meta name="viewport">; device-metrics emulation does both.
    """
    spec = VIEWPORTS[preset]
    height = height or spec["height"]
    driver.set_window_size(spec["width"], height)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": spec["width"], "height": height, "deviceScaleFactor": 1, "mobile": spec["mobile"]},
    )
    driver.viewport_preset = preset


def set_language_cookie(driver, base_url, language, cookie_name="django_language"):
    """Set Django's language cookie for base_url's origin without loading a page."""
    driver.execute_cdp_cmd(
        "Network.setCookie",
        {"name": cookie_name, "value": language, "url": base_url.rstrip("/") + "/", "path": "/"},
    )


def page_replaced(old_html):
    """An expected condition: the document `old_html` belonged to has been replaced.

    Chromium reports a node of a replaced document either as stale or, at times, as an
    inspector error "Node with given id does not belong to the document"; both mean gone."""

    def gone(_driver):
        try:
            old_html.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc) or "No node with given id" in str(exc):
                return True
            raise
        return False

    return gone


def click_and_wait(driver, element, timeout=30):
    """Click something that loads a new page and wait until that page has loaded."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, timeout).until(page_replaced(page))
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")


def submit_login_form(driver, login_url, username, password):
    """Open login_url, fill the login form and wait for the next page to load."""
    driver.get(login_url)
    wait = WebDriverWait(driver, 30)
    password_input = wait.until(EC.visibility_of_element_located((By.NAME, "password")))
    # The page may hold other forms (a language switcher): use the password's own form.
    form = password_input.find_element(By.XPATH, "./ancestor::form")
    username_input = form.find_element(By.NAME, "username")
    username_input.clear()
    username_input.send_keys(username)
    password_input.clear()
    password_input.send_keys(password)
    click_and_wait(driver, form.find_element(By.CSS_SELECTOR, "[type=submit]"))


def page_height(driver):
    return driver.execute_script(
        "return Math.max(document.body ? document.body.scrollHeight : 0,"
        " document.documentElement.scrollHeight)"
    )


def save_screenshot(driver, path, full_page=False):
    """Save a PNG; with full_page the viewport grows to the page height (capped)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    preset = driver.viewport_preset
    if full_page:
        set_viewport(driver, preset, height=min(max(page_height(driver), 1), MAX_SCREENSHOT_HEIGHT))
    try:
        if not driver.save_screenshot(str(path)):
            raise RuntimeError(f"Chromium could not write a screenshot to {path}")
    finally:
        if full_page:
            set_viewport(driver, preset)
    return path


def screenshot_path(name):
    """var/screenshots/<name>.png, with the name made safe for a file name."""
    safe = re.sub(r"[^\w.-]+", "_", name).strip("._") or "screenshot"
    if not safe.endswith(".png"):
        safe += ".png"
    return SCREENSHOT_DIR / safe


# Helpers for the tests; `browser` is the fixture's driver, `live_server` pytest-django's.


def set_window(browser, preset):
    """Switch the viewport to "desktop" (1440x900) or "phone" (390x844)."""
    set_viewport(browser, preset)


def set_language(browser, live_server, language):
    """Choose the interface language ("en", "zh-hans") as the language switcher would."""
    from django.conf import settings

    set_language_cookie(browser, live_server.url, language, settings.LANGUAGE_COOKIE_NAME)


def login(browser, live_server, username, password):
    """Log in through the real login form; the browser ends on the page that follows."""
    from django.urls import reverse

    submit_login_form(browser, live_server.url + reverse("login"), username, password)


def screenshot(browser, name, full_page=False):
    """Save var/screenshots/<name>.png and return its path."""
    return save_screenshot(browser, screenshot_path(name), full_page=full_page)
