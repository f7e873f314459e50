import re
from datetime import UTC, datetime, timedelta

import time_machine


class LoginTests:
    def test_the_login_page_is_chinese_by_default(self, client, db):
        body = client.get("/accounts/login/").content.decode()
        assert "创园指挥中心" in body and "登录" in body
        assert 'lang="zh-CN"' in body

    def test_the_login_page_switches_to_english(self, client, db):
        client.cookies["django_language"] = "en"
        body = client.get("/accounts/login/").content.decode()
        assert 'lang="en"' in body
        assert "Sign in" in body

    def test_a_wrong_password_shows_a_message_and_logs_nobody_in(self, client, lead_staff):
        response = client.post("/accounts/login/", {"username": "lead", "password": "nope"})
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_logout_needs_post_and_ends_the_session(self, client_for, lead_staff):
        client = client_for(lead_staff)
        assert client.get("/accounts/logout/").status_code == 405
        assert client.post("/accounts/logout/").status_code == 302
        assert "_auth_user_id" not in client.session

    def test_a_user_changes_the_password(self, client_for, lead_staff):
        from tests.conftest import PASSWORD

        client = client_for(lead_staff)
        response = client.post("/accounts/password/", {
            "old_password": PASSWORD, "new_password1": "Xy7-garden-city", "new_password2": "Xy7-garden-city",
        })
        assert response.status_code == 302
        lead_staff.refresh_from_db()
        assert lead_staff.check_password("Xy7-garden-city")


def _wrong_logins(client, count, username="lead", **extra):
    for _ in range(count):
        client.post("/accounts/login/", {"username": username, "password": "nope"}, **extra)


class LoginThrottleTests:
    def test_it_refuses_the_right_password_after_five_wrong_ones_and_names_the_wait(self, client, lead_staff):
        from axes.models import AccessAttempt

        from tests.conftest import PASSWORD

        _wrong_logins(client, 5)
        response = client.post("/accounts/login/", {"username": "lead", "password": PASSWORD})

        assert response.status_code == 429
        body = response.content.decode()
        assert "登录失败次数过多" in body and "15 分钟后" in body
        assert 'name="password"' not in body  # the lock page, in the product's layout, offers no form
        assert "创园指挥中心" in body
        assert "_auth_user_id" not in client.session
        assert AccessAttempt.objects.get(username="lead").failures_since_start == 5

    def test_it_names_the_wait_in_english(self, client, lead_staff):
        client.cookies["django_language"] = "en"
        _wrong_logins(client, 5)
        body = client.post("/accounts/login/", {"username": "lead", "password": "nope"}).content.decode()
        assert "Too many failed sign-ins" in body and "15 minutes" in body

    def test_it_shows_the_time_left_not_the_whole_cool_off(self, client, lead_staff):
        from tests.conftest import PASSWORD

        with time_machine.travel(datetime(2026, 5, 1, 9, 0, tzinfo=UTC), tick=False) as traveller:
            _wrong_logins(client, 5)
            traveller.shift(timedelta(minutes=11, seconds=30))
            body = client.post("/accounts/login/", {"username": "lead", "password": PASSWORD}).content.decode()
        assert "4 分钟后" in body

    def test_it_lets_the_right_password_in_after_the_cool_off(self, client, lead_staff):
        from tests.conftest import PASSWORD

        with time_machine.travel(datetime(2026, 5, 1, 9, 0, tzinfo=UTC), tick=False) as traveller:
            _wrong_logins(client, 5)
            traveller.shift(timedelta(minutes=14))
            assert client.post("/accounts/login/", {"username": "lead", "password": PASSWORD}).status_code == 429
            traveller.shift(timedelta(minutes=2))
            response = client.post("/accounts/login/", {"username": "lead", "password": PASSWORD})
            assert response.status_code == 302
            assert client.session["_auth_user_id"] == str(lead_staff.pk)

    def test_it_locks_the_user_name_from_another_address(self, client, lead_staff):
        from tests.conftest import PASSWORD

        _wrong_logins(client, 5, REMOTE_ADDR="10.1.1.1")
        response = client.post("/accounts/login/", {"username": "lead", "password": PASSWORD}, REMOTE_ADDR="10.2.2.2")
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_it_locks_an_address_that_tries_many_names_even_behind_a_forged_forwarded_header(self, client, lead_staff):
        from tests.conftest import PASSWORD

        for n in range(5):
            client.post("/accounts/login/", {"username": f"guess{n}", "password": "nope"},
                        REMOTE_ADDR="10.3.3.3", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        response = client.post("/accounts/login/", {"username": "lead", "password": PASSWORD},
                               REMOTE_ADDR="10.3.3.3", HTTP_X_FORWARDED_FOR="192.0.2.99")
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_a_success_before_the_limit_clears_the_count(self, client, lead_staff):
        from axes.models import AccessAttempt

        from tests.conftest import PASSWORD

        _wrong_logins(client, 4)
        assert client.post("/accounts/login/", {"username": "lead", "password": PASSWORD}).status_code == 302
        assert not AccessAttempt.objects.filter(username="lead").exists()


class PasswordResetTests:
    def _request_link(self, client, address, mailoutbox):
        response = client.post("/accounts/password/reset/", {"email": address})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/reset/sent/"
        return mailoutbox

    def test_it_mails_a_link_that_sets_a_new_password(self, client, lead_staff, mailoutbox):
        lead_staff.email = "lead@example.gov.cn"
        lead_staff.save()

        self._request_link(client, "LEAD@example.gov.cn", mailoutbox)
        assert len(mailoutbox) == 1
        mail = mailoutbox[0]
        assert mail.to == ["lead@example.gov.cn"]
        assert "重置密码" in mail.subject and "lead" in mail.body
        link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.body).group(1)

        form_page = client.get(link)
        assert form_page.status_code == 302  # Django swaps the token for a session key
        set_url = form_page["Location"]
        assert "设置新密码" in client.get(set_url).content.decode()
        done = client.post(set_url, {"new_password1": "Xy7-garden-city", "new_password2": "Xy7-garden-city"})
        assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/complete/"
        assert "密码已重置" in client.get("/accounts/password/reset/complete/").content.decode()

        lead_staff.refresh_from_db()
        assert lead_staff.check_password("Xy7-garden-city")
        login = client.post("/accounts/login/", {"username": "lead", "password": "Xy7-garden-city"})
        assert login.status_code == 302 and client.session["_auth_user_id"] == str(lead_staff.pk)
        assert client.get(link).status_code == 200  # a used link is refused on the page
        assert "链接无效" in client.get(link).content.decode()

    def test_it_finds_the_address_on_the_person_record(self, client, lead_staff, mailoutbox):
        lead_staff.person.email = "qian@example.gov.cn"
        lead_staff.person.save()

        self._request_link(client, "qian@example.gov.cn", mailoutbox)
        assert [m.to for m in mailoutbox] == [["qian@example.gov.cn"]]
        link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mailoutbox[0].body).group(1)
        assert client.get(link).status_code == 302  # the token is valid

    def test_a_reset_through_the_mailed_link_lifts_the_users_login_lock(self, client, lead_staff, mailoutbox):
        lead_staff.email = "lead@example.gov.cn"
        lead_staff.save()
        _wrong_logins(client, 5, REMOTE_ADDR="10.9.9.9")  # someone else guessing, elsewhere

        self._request_link(client, "lead@example.gov.cn", mailoutbox)
        link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mailoutbox[0].body).group(1)
        set_url = client.get(link)["Location"]
        client.post(set_url, {"new_password1": "Xy7-garden-city", "new_password2": "Xy7-garden-city"})

        response = client.post("/accounts/login/", {"username": "lead", "password": "Xy7-garden-city"})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(lead_staff.pk)

    def test_an_unknown_address_gets_the_same_answer_and_no_mail(self, client, lead_staff, mailoutbox):
        lead_staff.email = "lead@example.gov.cn"
        lead_staff.save()

        known = client.post("/accounts/password/reset/", {"email": "lead@example.gov.cn"}, follow=True)
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.gov.cn"}, follow=True)
        assert len(mailoutbox) == 1
        assert known.redirect_chain == unknown.redirect_chain == [("/accounts/password/reset/sent/", 302)]
        token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
        assert token.sub(b"", known.content) == token.sub(b"", unknown.content)

    def test_the_pages_are_chinese_first_and_english_on_request(self, client, db):
        page = client.get("/accounts/password/reset/").content.decode()
        assert "找回密码" in page and 'href="/static/css/app.css"' in page
        assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()
        client.cookies["django_language"] = "en"
        assert "Reset your password" in client.get("/accounts/password/reset/").content.decode()


class IdleSessionTimeoutTests:
    def test_it_ends_a_session_left_idle_for_two_hours(self, client_for, lead_staff):
        with time_machine.travel(datetime(2026, 5, 1, 9, 0, tzinfo=UTC), tick=False) as traveller:
            client = client_for(lead_staff)
            assert client.get("/notifications/").status_code == 200
            traveller.shift(timedelta(hours=1, minutes=59))
            assert client.get("/notifications/").status_code == 200  # activity restarts the clock
            traveller.shift(timedelta(hours=1, minutes=59))
            assert client.get("/notifications/").status_code == 200
            assert "_auth_user_id" in client.session
            traveller.shift(timedelta(hours=2, minutes=1))
            response = client.get("/notifications/")
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
            assert "_auth_user_id" not in client.session
            assert "长时间未操作" in client.get(response["Location"]).content.decode()

    def test_the_bell_poll_does_not_keep_an_idle_session_alive(self, client_for, lead_staff):
        with time_machine.travel(datetime(2026, 5, 1, 9, 0, tzinfo=UTC), tick=False) as traveller:
            client = client_for(lead_staff)
            assert client.get("/notifications/").status_code == 200
            for _ in range(4):
                traveller.shift(timedelta(minutes=25))
                assert client.get("/notifications/count/").status_code == 200
            traveller.shift(timedelta(minutes=25))
            response = client.get("/notifications/")
            assert response.status_code == 302
            assert "_auth_user_id" not in client.session
