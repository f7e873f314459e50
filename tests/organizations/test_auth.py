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
