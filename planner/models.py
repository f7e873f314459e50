"""A plan's state (the office's pins and exclusions for one indicator of one campaign) and
the items turned into tasks. The plan itself is computed from the ledgers on every view
(planner.plans), so it never goes stale; only what the office decided is stored."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from indicators.models import Campaign, Indicator


class Plan(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="plans")
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="plans")
    params = models.JSONField(_("测算参数"), default=dict, blank=True)
    pinned = models.JSONField(_("指定地块"), default=list, blank=True)
    excluded = models.JSONField(_("排除地块"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("达标规划")
        verbose_name_plural = _("达标规划")
        ordering = ["campaign", "indicator__order"]
        constraints = [models.UniqueConstraint(fields=["campaign", "indicator"], name="uniq_plan_per_indicator")]

    def __str__(self):
        return f"{self.campaign} · {self.indicator}"


class PlanItem(models.Model):
    """One item of a plan as it stood when the office turned it into a task."""

    plan = models.ForeignKey(Plan, verbose_name=_("达标规划"), on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("类别"), max_length=10)
    label = models.CharField(_("名称"), max_length=200)
    district = models.CharField(_("城区"), max_length=100, blank=True)
    key = models.CharField(_("识别键"), max_length=400, blank=True)
    quantity = models.DecimalField(_("数量"), max_digits=16, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=20)
    value_after = models.DecimalField(_("完成后指标值"), max_digits=14, decimal_places=4, null=True, blank=True)
    task = models.ForeignKey("tasks.Task", verbose_name=_("任务"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="plan_items")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("规划事项")
        verbose_name_plural = _("规划事项")
        ordering = ["plan", "id"]

    def __str__(self):
        return f"{self.label} {self.quantity} {self.unit}"


class CityMap(models.Model):
    """A city's district outlines for the map, from an uploaded GeoJSON file (validated: planner.geo)."""

    city = models.OneToOneField("organizations.Unit", verbose_name=_("城市"), on_delete=models.CASCADE,
                                related_name="city_map")
    outlines = models.JSONField(_("城区边界"), default=list)
    original_name = models.CharField(_("文件名"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now=True)

    class Meta:
        verbose_name = _("城区边界图")
        verbose_name_plural = _("城区边界图")

    def __str__(self):
        return f"{self.city} · {self.original_name}"
