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


class NotificationTitleLanguageTests:
    """Titles are stored in the site's language and shown in the reader's: an English reader
    sees "Task 1: …", not 任务 1：…, without a query per item."""

    def _notify(self, user, target):
        from django.contrib.contenttypes.models import ContentType
        from django.utils import translation

        from notifications.models import AlertEvent, Notification

        with translation.override("en"):  # whoever triggers it, the title is stored in Chinese
            from notifications.services import event_record

            event = event_record(kind="task_sent_back", key=f"t:{target.pk}:{ContentType.objects.get_for_model(target).pk}",
                                 target=target, unit=user.person.unit, campaign=target.campaign)
        Notification.objects.create(user=user, alert=event)
        return AlertEvent.objects.get(pk=event.pk)

    def test_task_and_finding_titles_follow_the_reader(self, client_for, lead_staff, task):
        from datetime import date

        from inspections.models import Finding

        finding = Finding.objects.create(campaign=task.campaign, unit=task.lead_unit, description="公园座椅破损：三处",
                                         found_on=date(2026, 6, 1), deadline=date(2026, 6, 8))
        stored = [self._notify(lead_staff, task).title, self._notify(lead_staff, finding).title]
        assert stored == ["任务 1：完成绿线公示", f"督查问题 #{finding.pk}：公园座椅破损：三处"]
        client = client_for(lead_staff)
        body = client.get("/notifications/").content.decode()
        assert "任务 1：完成绿线公示" in body and f"督查问题 #{finding.pk}：" in body
        client.cookies["django_language"] = "en"
        body = client.get("/notifications/").content.decode()
        assert "Task 1: 完成绿线公示" in body and f"Finding #{finding.pk}: 公园座椅破损：三处" in body
        assert "任务 1：" not in body and "督查问题 #" not in body

    def test_an_unknown_wording_is_shown_as_stored(self, settings):
        from django.utils import translation

        from notifications.titles import shown

        with translation.override("en"):
            assert shown("台账已更新") == "台账已更新"
            assert shown("任务 7：种树") == "Task 7: 种树"
        with translation.override("zh-hans"):
            assert shown("任务 7：种树") == "任务 7：种树"
