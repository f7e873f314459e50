"""The preferences page (each user's channels and quiet hours) and the office's page for the
units' group robots."""
from datetime import time

from notifications.models import NotificationPreference, UnitChannel
from organizations.models import AuditEntry


class PreferencesPageTests:
    def test_it_requires_login_and_get_or_post(self, client, client_for, lead_staff):
        assert client.get("/notifications/preferences/").status_code == 302
        assert client_for(lead_staff).put("/notifications/preferences/").status_code == 405

    def test_it_shows_the_defaults_and_saves_the_users_choices(self, client_for, lead_staff):
        person = lead_staff.person
        person.phone = "13800000001"
        person.save()
        client = client_for(lead_staff)
        body = client.get("/notifications/preferences/").content.decode()
        assert "短信" in body and "免打扰" in body
        response = client.post("/notifications/preferences/", {"email": "on", "sms": "on", "quiet_start": "22:00",
                                                               "quiet_end": "07:30"})
        assert response.status_code == 302 and response["Location"] == "/notifications/preferences/"
        pref = NotificationPreference.objects.get(user=lead_staff)
        assert (pref.email, pref.sms, pref.quiet_start, pref.quiet_end) == (True, True, time(22), time(7, 30))
        assert AuditEntry.objects.filter(object_id=str(pref.pk), action="update").exists()

    def test_it_refuses_half_a_quiet_period_and_sms_without_a_phone(self, client_for, lead_staff):
        response = client_for(lead_staff).post("/notifications/preferences/", {"sms": "on", "quiet_start": "22:00"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "免打扰时段须同时填写开始和结束时间" in body and "请先在个人资料中登记手机号码" in body
        assert not NotificationPreference.objects.exists()


class UnitChannelPageTests:
    def test_only_the_office_manages_group_robots(self, client, client_for, lead_staff, office_admin):
        assert client.get("/notifications/channels/").status_code == 302
        assert client_for(lead_staff).get("/notifications/channels/").status_code == 403
        assert client_for(lead_staff).post("/notifications/channels/", {}).status_code == 403
        assert client_for(office_admin).get("/notifications/channels/").status_code == 200

    def test_the_office_adds_a_robot_for_a_unit_and_its_url_is_not_shown_in_full(self, client_for, office_admin,
                                                                                   unit_a):
        client = client_for(office_admin)
        url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key-123"
        response = client.post("/notifications/channels/", {"unit": unit_a.pk, "kind": "wecom", "msgtype": "markdown",
                                                            "url": url, "enabled": "on"})
        assert response.status_code == 302 and response["Location"] == "/notifications/channels/"
        channel = UnitChannel.objects.get()
        assert (channel.unit, channel.kind, channel.url, channel.enabled) == (unit_a, "wecom", url, True)
        assert AuditEntry.objects.filter(object_id=str(channel.pk), action="create").exists()
        body = client.get("/notifications/channels/").content.decode()
        assert "市住建局" in body and "secret-key-123" not in body

    def test_it_refuses_a_url_that_is_not_http(self, client_for, office_admin, unit_a):
        response = client_for(office_admin).post("/notifications/channels/", {
            "unit": unit_a.pk, "kind": "dingtalk", "msgtype": "markdown", "url": "file:///etc/passwd"})
        assert response.status_code == 200 and not UnitChannel.objects.exists()

    def test_the_office_removes_a_robot(self, client_for, office_admin, unit_a, lead_staff):
        channel = UnitChannel.objects.create(unit=unit_a, kind="wecom", url="https://example.gov.cn/hook")
        assert client_for(lead_staff).post(f"/notifications/channels/{channel.pk}/delete/").status_code == 403
        response = client_for(office_admin).post(f"/notifications/channels/{channel.pk}/delete/")
        assert response.status_code == 302 and not UnitChannel.objects.exists()
        assert AuditEntry.objects.filter(object_id=str(channel.pk), action="delete").exists()
