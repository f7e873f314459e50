from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from indicators.models import Campaign
from organizations.models import Unit


class Briefing(models.Model):
    """The weekly briefing (工作简报) of one campaign and week, archived as a PDF.

    One per (campaign, week, language): rebuilding replaces the file, never adds a row.
    The issue number (第N期) follows from the week, so a past week rebuilt later keeps its
    number.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="briefings")
    week_start = models.DateField(_("周一"))
    language = models.CharField(_("语言"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    number = models.PositiveIntegerField(_("期数"))
    pdf = models.FileField(_("PDF"), upload_to="briefings/%Y")
    figures = models.JSONField(_("数据"), default=dict)
    built_at = models.DateTimeField(_("生成时间"), auto_now=True)
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("工作简报")
        verbose_name_plural = _("工作简报")
        ordering = ["-week_start", "language"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "week_start", "language"], name="uniq_briefing_per_week")
        ]

    def __str__(self):
        return f"{self.campaign} 第{self.number}期 ({self.week_start})"


class RankingRule(models.Model):
    """How the office scores units for the red and black lists (红黑榜)."""

    class Period(models.TextChoices):
        WEEK = "week", _("每周")
        MONTH = "month", _("每月")

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="ranking_rule")
    period = models.CharField(_("评比周期"), max_length=10, choices=Period.choices, default=Period.WEEK)
    weight_on_time = models.DecimalField(_("按期整改率权重"), max_digits=6, decimal_places=2, default=60)
    weight_task_completion = models.DecimalField(_("任务完成率权重"), max_digits=6, decimal_places=2, default=40)
    penalty_overdue = models.DecimalField(_("每项逾期扣分"), max_digits=6, decimal_places=2, default=5)
    penalty_returned = models.DecimalField(_("每次退回整改扣分"), max_digits=6, decimal_places=2, default=2)
    red_count = models.PositiveSmallIntegerField(_("红榜单位数"), default=3)
    black_count = models.PositiveSmallIntegerField(_("黑榜单位数"), default=3)

    class Meta:
        verbose_name = _("红黑榜规则")
        verbose_name_plural = _("红黑榜规则")

    def __str__(self):
        return f"{self.campaign} · {self.get_period_display()}"


class RankingEntry(models.Model):
    class Flag(models.TextChoices):
        RED = "red", _("红榜")
        BLACK = "black", _("黑榜")
        NONE = "", _("—")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ranking_entries")
    period = models.CharField(max_length=10, choices=RankingRule.Period.choices)
    period_start = models.DateField(_("周期开始"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="ranking_entries")
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2)
    rank = models.PositiveIntegerField(_("名次"))
    flag = models.CharField(_("榜单"), max_length=10, choices=Flag.choices, blank=True)
    metrics = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("红黑榜记录")
        verbose_name_plural = _("红黑榜记录")
        ordering = ["period_start", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "period", "period_start", "unit"], name="uniq_ranking_entry")
        ]
