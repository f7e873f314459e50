"""Personal API tokens and outgoing webhooks.

A token is shown once when issued; only its SHA-256 is stored, with an 8-character prefix to
recognise it in lists. Webhook deliveries are rows, one per (endpoint, event): the job that
sends them owns retries, and a failing endpoint only ever delays its own rows."""
import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def token_hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.prefix}… · {self.name}"

    def is_usable(self, now=None):
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class WebhookEndpoint(models.Model):
    class Event(models.TextChoices):
        FINDING_CREATED = "finding.created", _("问题登记")
        FINDING_CLOSED = "finding.closed", _("问题销号")
        FINDING_OVERDUE = "finding.overdue", _("问题逾期")
        TASK_OVERDUE = "task.overdue", _("任务逾期")
        COMPLIANCE_CHANGED = "compliance.status_changed", _("达标状态变化")
        BRIEFING_ISSUED = "briefing.issued", _("简报印发")

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("推送地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=200,
                              help_text=_("每次推送带 X-Webhook-Signature: sha256=HMAC-SHA256(密钥, 请求体)"))
    events = models.JSONField(_("订阅事件"), default=list, blank=True,
                              help_text=_("事件名列表，如 [\"finding.closed\"]；留空表示全部事件"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("推送地址")
        verbose_name_plural = _("推送地址")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def wants(self, event):
        return self.is_active and (not self.events or event in self.events)


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("失败")

    endpoint = models.ForeignKey(WebhookEndpoint, verbose_name=_("推送地址"), on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.CharField(_("事件"), max_length=40, choices=WebhookEndpoint.Event.choices)
    # What made the event (a finding event, an alert, a snapshot date …): the same event
    # emitted twice — a retried job, a rerun — is delivered once per endpoint.
    key = models.CharField(max_length=160)
    payload = models.JSONField(_("内容"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    response_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    response_body = models.CharField(_("响应摘要"), max_length=500, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("产生时间"), default=timezone.now, db_index=True)
    next_try_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "key"], name="uniq_delivery_per_endpoint_key")]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"
