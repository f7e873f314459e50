from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertEvent(models.Model):
    """Something a unit must be told: a deadline alert or an event (a finding assigned,
    returned, closed, an extension decided, a task sent back or accepted, a ledger confirmed
    on the unit's behalf).

    Deadline alerts are unique per (object, level, deadline): the database guarantees an
    alert is raised once, however many detect runs overlap or repeat. The deadline is part of
    the key so an extended or reset deadline is watched again from blue: nothing falls
    through. Other events are unique by `key` (the row that recorded them, say a
    FindingEvent), so emitting one twice records it once."""

    class Level(models.TextChoices):
        YELLOW = "yellow", _("临期预警（黄灯）")
        RED = "red", _("逾期（红灯）")
        ESCALATED = "escalated", _("逾期升级")

    class Kind(models.TextChoices):
        DEADLINE = "deadline", _("截止预警")
        FINDING_ASSIGNED = "finding_assigned", _("问题交办")
        FINDING_RETURNED = "finding_returned", _("问题退回整改")
        FINDING_CLOSED = "finding_closed", _("问题已销号")
        EXTENSION_APPROVED = "extension_approved", _("延期已批准")
        EXTENSION_REJECTED = "extension_rejected", _("延期未批准")
        TASK_SENT_BACK = "task_sent_back", _("任务被退回")
        TASK_ACCEPTED = "task_accepted", _("任务审核通过")
        LEDGER_CONFIRMED = "ledger_confirmed", _("台账已代为确认")

    # Levels in order: a later one supersedes an earlier one for the same object.
    LEVEL_ORDER = [Level.YELLOW, Level.RED, Level.ESCALATED]
    # Events after which the object's unread alerts and events are moot.
    ENDS_ALERTS = {Kind.FINDING_CLOSED, Kind.TASK_ACCEPTED}  # (and every other unread item about the object)

    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices, default=Kind.DEADLINE)
    # Unique when set (a constraint below): deadline alerts, nearly every row, have no key and
    # cost no entry in its index.
    key = models.CharField(max_length=120, null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_index=False)
    note = models.TextField(_("说明"), blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices, blank=True)
    campaign = models.ForeignKey("indicators.Campaign", null=True, blank=True, on_delete=models.CASCADE)
    unit = models.ForeignKey("organizations.Unit", verbose_name=_("责任单位"), null=True, blank=True,
                             on_delete=models.SET_NULL)
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("产生时间"), default=timezone.now, db_index=True)
    # Delivery: claimed with a conditional UPDATE, done when processed_at is set.
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("预警事件")
        verbose_name_plural = _("预警事件")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "level", "deadline"], condition=models.Q(kind="deadline"),
                name="uniq_alert_per_level_and_deadline"
            ),
            models.UniqueConstraint(fields=["key"], condition=models.Q(key__isnull=False), name="uniq_event_key"),
        ]
        indexes = [
            models.Index(fields=["processed_at", "next_attempt_at"]),
            # Deleting a user clears their events' actor; alerts have none and skip this index.
            models.Index(fields=["actor"], condition=models.Q(actor__isnull=False), name="alertevent_actor"),
        ]

    def __str__(self):
        return f"{self.label} · {self.title}"

    @property
    def shown_title(self):
        """The title in the reader's language (stored in the site's language)."""
        from .titles import shown

        return shown(self.title)

    @property
    def is_alert(self):
        return self.kind == self.Kind.DEADLINE

    @property
    def label(self):
        return self.get_level_display() if self.is_alert else self.get_kind_display()

    @property
    def urgent(self):
        """Urgent messages go through quiet hours: escalations only."""
        return self.is_alert and self.level == self.Level.ESCALATED

    def lower_levels(self):
        return self.LEVEL_ORDER[: self.LEVEL_ORDER.index(self.level)] if self.is_alert else []

    def higher_levels(self):
        return self.LEVEL_ORDER[self.LEVEL_ORDER.index(self.level) + 1:] if self.is_alert else []


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    alert = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set (with read_at) when a later item about the same object made this one moot: a higher
    # level, an alert for a new deadline, or the object closed / accepted.
    superseded_by = models.ForeignKey(AlertEvent, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "alert"], name="uniq_notification_per_user")]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return f"{self.user} · {self.alert}"


class DeliveryAttempt(models.Model):
    alert = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=20, default="email")
    recipient = models.CharField(max_length=254)
    ok = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["-at"]
        constraints = [
            # A successful delivery to one recipient on one channel for one alert happens once.
            models.UniqueConstraint(fields=["alert", "channel", "recipient"], condition=models.Q(ok=True),
                                    name="uniq_successful_delivery")
        ]


class NotificationPreference(models.Model):
    """A user's choice of channels and quiet hours. In-app notifications are always made;
    without a row, e-mail is on, SMS off and the quiet hours are NOTIFY_QUIET_HOURS."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.BooleanField(_("电子邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=False)
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self):
        return str(self.user)

    def clean(self):
        from django.core.exceptions import ValidationError

        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValidationError({"quiet_end": _("免打扰时段须同时填写开始和结束时间。")})
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValidationError({"quiet_end": _("免打扰的开始和结束时间不能相同。")})


class UnitChannel(models.Model):
    """A unit's group robot: everything its unit is told also goes to the group."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")

    class MsgType(models.TextChoices):
        MARKDOWN = "markdown", _("Markdown")
        TEXT = "text", _("纯文本")

    unit = models.ForeignKey("organizations.Unit", verbose_name=_("单位"), on_delete=models.CASCADE,
                             related_name="notification_channels")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    url = models.URLField(_("Webhook 地址"), max_length=500, validators=[URLValidator(schemes=["http", "https"])],
                          help_text=_("机器人的完整 Webhook 地址（含 key 或 access_token）"))
    secret = models.CharField(_("加签密钥"), max_length=200, blank=True, help_text=_("钉钉机器人“加签”安全设置的密钥（SEC 开头）"))
    msgtype = models.CharField(_("消息格式"), max_length=10, choices=MsgType.choices, default=MsgType.MARKDOWN)
    enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("单位群机器人")
        verbose_name_plural = _("单位群机器人")
        ordering = ["unit__sort_order", "unit_id", "kind", "id"]

    def __str__(self):
        return f"{self.unit} · {self.get_kind_display()}"

    @property
    def masked_url(self):
        """The webhook's key is a credential: show the host and path only."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")
