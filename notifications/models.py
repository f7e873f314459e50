from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertEvent(models.Model):
    """One alert per (object, level, deadline): the database guarantees an alert is raised
    once, however many detect runs overlap or repeat. The deadline is part of the key so an
    extended or reset deadline is watched again from blue: nothing falls through."""

    class Level(models.TextChoices):
        YELLOW = "yellow", _("临期预警（黄灯）")
        RED = "red", _("逾期（红灯）")
        ESCALATED = "escalated", _("逾期升级")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
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
                fields=["content_type", "object_id", "level", "deadline"], name="uniq_alert_per_level_and_deadline"
            )
        ]
        indexes = [models.Index(fields=["processed_at", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_level_display()} · {self.title}"


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    alert = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

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
            # A successful e-mail to one address for one alert is sent once.
            models.UniqueConstraint(fields=["alert", "channel", "recipient"], condition=models.Q(ok=True),
                                    name="uniq_successful_delivery")
        ]
