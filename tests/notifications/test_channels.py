"""External channels against a fake server on 127.0.0.1: payloads, the 钉钉 signature, retries
with backoff, quiet hours, and a failing channel that never stops the in-app and e-mail ones."""
import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from notifications.models import AlertEvent, DeliveryAttempt, Notification, NotificationPreference, UnitChannel
from notifications.services import alerts_detect, alerts_send
from tests.notifications.conftest import MON
from tests.notifications.fake_server import FakeServer

SHANGHAI = ZoneInfo("Asia/Shanghai")
OK = (200, {"errcode": 0, "errmsg": "ok"})


def at(day, hour=9, minute=0):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def reachable(lead_staff):
    lead_staff.email = "lead@example.gov.cn"
    lead_staff.save()
    person = lead_staff.person
    person.phone = "13800000001"
    person.save()
    NotificationPreference.objects.create(user=lead_staff, email=True, sms=True)
    return lead_staff


def overdue_once(task):
    """The task one day overdue: yellow and red raised together; only red goes out."""
    with at(MON + timedelta(days=1)):
        alerts_detect()
        return alerts_send()


class SmsGatewayTests:
    def test_it_posts_json_with_the_token_to_the_gateway(self, task, reachable, settings, campaign):
        with FakeServer([(200, {"ok": True})]) as server:
            settings.NOTIFY_SMS_URL = server.url + "/sms/send"
            settings.NOTIFY_SMS_TOKEN = "gateway-token"
            overdue_once(task)
        assert len(server.requests) == 1  # the red alert only: yellow was superseded before it went out
        request = server.requests[0]
        assert request["path"] == "/sms/send"
        assert request["headers"]["Authorization"] == "Bearer gateway-token"
        assert request["headers"]["Content-Type"] == "application/json"
        assert request["json"]["to"] == "13800000001"
        text = request["json"]["text"]
        assert "测试复查" in text and "逾期（红灯）" in text and "完成绿线公示" in text
        assert DeliveryAttempt.objects.filter(channel="sms", recipient="13800000001", ok=True).count() == 1

    def test_a_user_who_did_not_choose_sms_gets_none(self, task, reachable, settings):
        NotificationPreference.objects.filter(user=reachable).update(sms=False)
        with FakeServer([OK]) as server:
            settings.NOTIFY_SMS_URL = server.url + "/sms/send"
            overdue_once(task)
        assert server.requests == [] and len(mail.outbox) == 1


class WeComRobotTests:
    def test_it_posts_markdown_to_the_units_group_robot(self, task, unit_a, lead_staff):
        with FakeServer([OK]) as server:
            UnitChannel.objects.create(unit=unit_a, kind="wecom", url=server.url + "/cgi-bin/webhook/send?key=K1")
            overdue_once(task)
        assert len(server.requests) == 1
        request = server.requests[0]
        assert request["path"] == "/cgi-bin/webhook/send" and request["query"] == {"key": "K1"}
        assert request["json"]["msgtype"] == "markdown"
        content = request["json"]["markdown"]["content"]
        assert "测试复查" in content and "完成绿线公示" in content and "市住建局" in content
        assert DeliveryAttempt.objects.get(channel="wecom").ok

    def test_it_can_post_plain_text(self, task, unit_a, lead_staff):
        with FakeServer([OK]) as server:
            UnitChannel.objects.create(unit=unit_a, kind="wecom", msgtype="text",
                                       url=server.url + "/cgi-bin/webhook/send?key=K1")
            overdue_once(task)
        body = server.requests[0]["json"]
        assert body["msgtype"] == "text" and "完成绿线公示" in body["text"]["content"]

    def test_an_error_code_in_a_200_answer_is_a_failure(self, task, unit_a, lead_staff):
        with FakeServer([(200, {"errcode": 45009, "errmsg": "api freq out of limit"})]) as server:
            UnitChannel.objects.create(unit=unit_a, kind="wecom", url=server.url + "/hook?key=K1")
            overdue_once(task)
        attempt = DeliveryAttempt.objects.get(channel="wecom")
        assert not attempt.ok and "45009" in attempt.error
        assert AlertEvent.objects.filter(level="red", processed_at__isnull=True).exists()


class DingTalkRobotTests:
    def test_it_signs_the_request_with_the_timestamp_and_secret(self, task, unit_a, lead_staff):
        secret = "SECabc123"
        with FakeServer([OK]) as server:
            UnitChannel.objects.create(unit=unit_a, kind="dingtalk", url=server.url + "/robot/send?access_token=T1",
                                       secret=secret)
            overdue_once(task)
        request = server.requests[0]
        query = request["query"]
        assert query["access_token"] == "T1"
        # 钉钉: sign = base64(HMAC-SHA256(secret, "<timestamp ms>\n<secret>")), URL-encoded
        expected = base64.b64encode(hmac.new(secret.encode(), f"{query['timestamp']}\n{secret}".encode(),
                                             hashlib.sha256).digest()).decode()
        assert query["sign"] == expected  # parse_qs has already URL-decoded it
        when = datetime(MON.year, MON.month, MON.day + 1, 9, tzinfo=SHANGHAI)
        assert int(query["timestamp"]) == int(when.timestamp() * 1000)
        body = request["json"]
        assert body["msgtype"] == "markdown" and "测试复查" in body["markdown"]["title"] + body["markdown"]["text"]
        assert "完成绿线公示" in body["markdown"]["text"]

    def test_an_unsigned_robot_has_no_signature(self, task, unit_a, lead_staff):
        with FakeServer([OK]) as server:
            UnitChannel.objects.create(unit=unit_a, kind="dingtalk", url=server.url + "/robot/send?access_token=T1")
            overdue_once(task)
        assert set(server.requests[0]["query"]) == {"access_token"}


class RetryTests:
    def test_a_500_is_retried_with_backoff_and_the_other_channels_are_not_repeated(self, task, unit_a, reachable,
                                                                                   settings):
        with FakeServer([(500, {"errcode": -1}), OK]) as server, FakeServer([OK]) as sms:
            settings.NOTIFY_SMS_URL = sms.url + "/sms"
            UnitChannel.objects.create(unit=unit_a, kind="wecom", url=server.url + "/hook?key=K1")
            overdue_once(task)
            red = AlertEvent.objects.get(level="red")
            assert red.processed_at is None and red.attempts == 1 and "500" in red.last_error
            # The failing robot did not stop the others: in-app, e-mail and SMS went out.
            assert Notification.objects.filter(user=reachable, alert=red).exists()
            assert len(mail.outbox) == 1 and len(sms.requests) == 1
            with at(MON + timedelta(days=1), 9, 1):
                assert alerts_send() == 0  # backoff: not due again yet
            with at(MON + timedelta(days=1), 9, 3):
                assert alerts_send() == 1
        red.refresh_from_db()
        assert red.processed_at is not None and red.attempts == 2
        assert len(server.requests) == 2
        assert len(mail.outbox) == 1 and len(sms.requests) == 1  # not sent again by the retry
        attempts = list(DeliveryAttempt.objects.filter(alert=red, channel="wecom").order_by("at")
                        .values_list("ok", flat=True))
        assert attempts == [False, True]

    def test_an_unreachable_robot_does_not_stop_in_app_or_email(self, task, unit_a, reachable):
        with FakeServer([OK]) as dead:
            url = dead.url + "/hook?key=K1"
        UnitChannel.objects.create(unit=unit_a, kind="dingtalk", url=url)  # nobody listens there any more
        overdue_once(task)
        red = AlertEvent.objects.get(level="red")
        assert red.processed_at is None and red.attempts == 1
        assert Notification.objects.filter(user=reachable, alert=red).exists() and len(mail.outbox) == 1
        assert DeliveryAttempt.objects.filter(alert=red, channel="dingtalk", ok=False).exists()


class QuietHoursTests:
    def test_a_non_urgent_message_waits_for_the_end_of_quiet_hours(self, task, reachable):
        from datetime import time

        NotificationPreference.objects.filter(user=reachable).update(quiet_start=time(22), quiet_end=time(7))
        with at(MON + timedelta(days=1), 23, 0):
            alerts_detect()
            alerts_send()
            red = AlertEvent.objects.get(level="red")
            assert Notification.objects.filter(user=reachable, alert=red).exists()  # the bell is silent
            assert mail.outbox == []
            red.refresh_from_db()
            assert red.processed_at is None and red.attempts == 0
            assert red.next_attempt_at == datetime(MON.year, MON.month, MON.day + 2, 7, tzinfo=SHANGHAI)
        with at(MON + timedelta(days=2), 7, 0):
            assert alerts_send() == 1
        assert len(mail.outbox) == 1

    def test_an_escalation_goes_through_quiet_hours(self, task, reachable):
        from datetime import time

        NotificationPreference.objects.filter(user=reachable).update(quiet_start=time(22), quiet_end=time(7))
        with at(MON + timedelta(days=4), 23, 30):
            alerts_detect()
            alerts_send()
        assert len(mail.outbox) == 1 and "逾期升级" in mail.outbox[0].subject


class RobotRoutingTests:
    def test_group_robots_keep_the_sites_quiet_hours(self, task, unit_a, lead_staff, settings):
        settings.NOTIFY_QUIET_HOURS = "22:00-07:00"
        with FakeServer([OK]) as server:
            UnitChannel.objects.create(unit=unit_a, kind="wecom", url=server.url + "/hook?key=K1")
            with at(MON + timedelta(days=1), 22, 30):
                alerts_detect()
                alerts_send()
                assert server.requests == []
            with at(MON + timedelta(days=2), 7, 5):
                assert alerts_send() == 1
        assert len(server.requests) == 1

    def test_an_escalation_also_goes_to_the_campaign_offices_robot(self, task, unit_a, office_unit, lead_staff):
        with FakeServer([OK]) as unit_robot, FakeServer([OK]) as office_robot:
            UnitChannel.objects.create(unit=unit_a, kind="wecom", url=unit_robot.url + "/hook?key=U")
            UnitChannel.objects.create(unit=office_unit, kind="dingtalk", url=office_robot.url + "/robot?access_token=O")
            with at(MON + timedelta(days=1)):
                alerts_detect()
                alerts_send()
            with at(MON + timedelta(days=4)):
                alerts_detect()
                alerts_send()
        assert len(unit_robot.requests) == 2  # red, then the escalation
        assert len(office_robot.requests) == 1 and "逾期升级" in office_robot.requests[0]["json"]["markdown"]["text"]
