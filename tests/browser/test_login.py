"""The login page in a real browser: Chinese by default, wrong and right passwords."""
from urllib.parse import urlparse

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.urls import reverse
from selenium.webdriver.common.by import By

from . import login, screenshot, set_window

USERNAME = "lvhua.ke"
PASSWORD = "Yuanlin-2026-chuangyuan"


def make_user():
    return get_user_model().objects.create_user(username=USERNAME, password=PASSWORD)


def body_text(browser):
    return browser.find_element(By.TAG_NAME, "body").text


def path_of(browser):
    return urlparse(browser.current_url).path


def test_login_page_is_chinese_by_default(browser, live_server):
    browser.get(live_server.url + reverse("login"))

    assert "登录" in body_text(browser)
    assert browser.find_element(By.NAME, "username").is_displayed()
    assert browser.find_element(By.NAME, "password").get_attribute("type") == "password"
    screenshot(browser, "login-desktop")
    set_window(browser, "phone")
    screenshot(browser, "login-phone", full_page=True)


def test_wrong_password_shows_error_and_stays_on_login(browser, live_server):
    make_user()
    browser.get(live_server.url + reverse("login"))
    lines_before = set(body_text(browser).splitlines())

    login(browser, live_server, USERNAME, "not-the-password")

    assert path_of(browser) == reverse("login")
    # The wording is the template's to choose: any message that was not there before.
    new_lines = [line for line in body_text(browser).splitlines() if line not in lines_before]
    assert new_lines, "no error message appeared after a wrong password"
    assert browser.find_element(By.NAME, "username").get_attribute("value") == USERNAME
    assert browser.find_element(By.NAME, "password").get_attribute("value") == ""
    assert not any("_auth_user_id" in session.get_decoded() for session in Session.objects.all())


def test_correct_password_reaches_home(browser, live_server):
    user = make_user()

    login(browser, live_server, USERNAME, PASSWORD)

    assert path_of(browser) != reverse("login")
    assert not browser.find_elements(By.NAME, "password")
    sessions = [session.get_decoded() for session in Session.objects.all()]
    assert [s.get("_auth_user_id") for s in sessions] == [str(user.pk)]
    # Logged in, the home page no longer bounces to the login form.
    browser.get(live_server.url + reverse("home"))
    assert path_of(browser) != reverse("login")
