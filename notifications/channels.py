"""Delivery channels behind one interface.

A channel lists the deliveries one event needs (`deliveries(event, users)` → Delivery items,
each with the recipient key recorded in DeliveryAttempt and the quiet hours that apply) and
sends one message to one target (`send(message, target)`, raising on failure). In-app
notifications are made before any channel runs and are not a channel here: they are the
record, and nothing external can stop them.

- e-mail: Django's EMAIL_BACKEND, to users who keep e-mail on and have an address;
- SMS: a generic HTTP gateway (POST JSON {"to", "text"} with a bearer token), to users who
  chose SMS and have a phone number, when NOTIFY_SMS_URL is set;
- 企业微信 and 钉钉 group robots: a unit's webhook (UnitChannel), for everything its unit is
  told; escalations also go to the campaign office's robots.
"""
import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, time as dtime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import NotificationPreference, UnitChannel


class ChannelError(Exception):
    pass


@dataclass
class Message:
    subject: str
    text: str
    markdown: str


@dataclass
class Delivery:
    recipient: str  # what DeliveryAttempt records: an address, a phone number, "robot:<pk>"
    target: object
    quiet: tuple = field(default=None)  # (start, end) local times, or None


def parse_quiet_hours(value):
    """"22:00-07:00" → (time(22), time(7)); "" → None. Fails loudly on anything else."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        start, end = (dtime.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ValueError(f"NOTIFY_QUIET_HOURS must look like 22:00-07:00, not {value!r}") from exc
    return start, end


def quiet_until(quiet, now):
    """The end of the quiet period `now` falls in (an aware datetime), or None outside it.
    A period may cross midnight (22:00-07:00)."""
    if not quiet:
        return None
    start, end = quiet
    local = timezone.localtime(now)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=local.tzinfo)


def default_quiet():
    return parse_quiet_hours(getattr(settings, "NOTIFY_QUIET_HOURS", ""))


def _preferences(users):
    found = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=users)}
    return {u.pk: found.get(u.pk) or NotificationPreference(user=u) for u in users}


def _user_quiet(pref):
    if pref.quiet_start is not None and pref.quiet_end is not None:
        return pref.quiet_start, pref.quiet_end
    return default_quiet()


def post_json(url, payload, headers=None):
    """POST JSON; returns the decoded JSON answer (or None). Raises ChannelError on a
    non-2xx status, a network error or a timeout."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "chuangyuan-notify/1", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"HTTP {exc.code} from {urllib.parse.urlsplit(url).netloc}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(f"{urllib.parse.urlsplit(url).netloc}: {exc}") from exc
    try:
        return json.loads(body or b"null")
    except ValueError:
        return None


class Channel:
    name = ""

    def enabled(self):
        return True

    def deliveries(self, event, users, prefs, robots=None):
        return []

    def send(self, message, target):
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"

    def deliveries(self, event, users, prefs, robots=None):
        out = []
        for user in users:
            pref = prefs[user.pk]
            address = user.email or getattr(getattr(user, "person", None), "email", "")
            if pref.email and address:
                out.append(Delivery(address, address, _user_quiet(pref)))
        return out

    def send(self, message, target):
        send_mail(subject=message.subject, message=message.text, from_email=settings.DEFAULT_FROM_EMAIL,
                  recipient_list=[target])


class SmsChannel(Channel):
    name = "sms"

    def enabled(self):
        return bool(settings.NOTIFY_SMS_URL)

    def deliveries(self, event, users, prefs, robots=None):
        out = []
        for user in users:
            pref = prefs[user.pk]
            phone = getattr(getattr(user, "person", None), "phone", "")
            if pref.sms and phone:
                out.append(Delivery(phone, phone, _user_quiet(pref)))
        return out

    def send(self, message, target):
        headers = {"Authorization": f"Bearer {settings.NOTIFY_SMS_TOKEN}"} if settings.NOTIFY_SMS_TOKEN else {}
        post_json(settings.NOTIFY_SMS_URL, {"to": target, "text": message.text}, headers)


class RobotChannel(Channel):
    """A group robot of the event's unit (and, on escalation, of the campaign office)."""

    kind = ""

    def deliveries(self, event, users, prefs, robots=None):
        """`robots`: the enabled robots of a batch's units (robots_for), loaded once for the batch."""
        units = self.units(event)
        robots = robots_for(units) if robots is None else robots
        return [Delivery(f"robot:{robot.pk}", robot, default_quiet()) for robot in robots
                if robot.unit_id in units and robot.kind == self.kind]

    @staticmethod
    def units(event):
        units = [event.unit_id] if event.unit_id else []
        if event.urgent and event.campaign_id and event.campaign.office_id:
            units.append(event.campaign.office_id)
        return units

    @staticmethod
    def _check(answer):
        # Both robots answer 200 with {"errcode": 0, "errmsg": "ok"}; anything else failed.
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            raise ChannelError(f"robot answered {answer!r}"[:500])


class WeComRobotChannel(RobotChannel):
    name = "wecom"
    kind = UnitChannel.Kind.WECOM

    def send(self, message, robot):
        if robot.msgtype == UnitChannel.MsgType.TEXT:
            payload = {"msgtype": "text", "text": {"content": message.text}}
        else:
            payload = {"msgtype": "markdown", "markdown": {"content": message.markdown}}
        self._check(post_json(robot.url, payload))


def dingtalk_signed_url(url, secret, now_ms=None):
    """钉钉 加签: sign = base64(HMAC-SHA256(secret, "<timestamp ms>\\n<secret>")), URL-encoded,
    added to the webhook with the timestamp; 钉钉 refuses a timestamp off by over an hour."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


class DingTalkRobotChannel(RobotChannel):
    name = "dingtalk"
    kind = UnitChannel.Kind.DINGTALK

    def send(self, message, robot):
        if robot.msgtype == UnitChannel.MsgType.TEXT:
            payload = {"msgtype": "text", "text": {"content": message.text}}
        else:
            payload = {"msgtype": "markdown", "markdown": {"title": message.subject, "text": message.markdown}}
        url = dingtalk_signed_url(robot.url, robot.secret) if robot.secret else robot.url
        self._check(post_json(url, payload))


CHANNELS = [EmailChannel(), SmsChannel(), WeComRobotChannel(), DingTalkRobotChannel()]


def robots_for(units):
    """Enabled group robots of these units, in the order the channels post to them."""
    return list(UnitChannel.objects.filter(unit_id__in=units, enabled=True))


def enabled_channels():
    return [c for c in CHANNELS if c.enabled()]


def preferences_for(users):
    return _preferences(users)
