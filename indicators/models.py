from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from organizations.models import Unit

HISTORIC_SHARE_TRIGGER = Decimal("50")  # historic districts must *exceed* 50 % of the built-up area

# Units are data (an indicator's unit), but the few compound ones carry a Chinese word.
UNIT_LABELS = {
    "m²/人": _("m²/人"),
    "个/万人": _("个/万人"),
    "km/万人": _("km/万人"),
}


def in_english():
    return (get_language() or "").startswith("en")


def localized(chinese, english):
    """The English text in the English UI when there is one; the Chinese text otherwise."""
    return english if english and in_english() else chinese


def unit_label(unit):
    return str(UNIT_LABELS.get(unit, unit or ""))


class Verification(models.TextChoices):
    VERIFIED = "verified", _("已核实")
    SECONDARY = "secondary", _("二手来源")
    UNVERIFIED = "unverified", _("待核对")


class Tier(models.TextChoices):
    GARDEN = "garden", _("园林城市")
    ECO = "eco", _("生态园林城市")


class Standard(models.Model):
    code = models.SlugField(_("标准代码"), max_length=50, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    title_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    version = models.CharField(_("版本"), max_length=100)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    tier = models.CharField(_("默认层级"), max_length=10, choices=Tier.choices, default=Tier.GARDEN)

    class Meta:
        verbose_name = _("评选标准")
        verbose_name_plural = _("评选标准")
        ordering = ["code"]

    def __str__(self):
        return f"{self.title}（{self.version}）"

    @property
    def display_title(self):
        return localized(self.title, self.title_en)


class StandardNode(models.Model):
    """Aspect / category (level 1) and item (level 2) of a standard's tree."""

    class Level(models.IntegerChoices):
        ASPECT = 1, _("大类")
        ITEM = 2, _("大项")

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    code = models.CharField(_("编号"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("标准节点")
        verbose_name_plural = _("标准节点")
        ordering = ["standard", "order"]
        constraints = [models.UniqueConstraint(fields=["standard", "level", "code"], name="uniq_node_code")]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        return localized(self.name, self.name_en)

    @property
    def aspect(self):
        return self if self.level == self.Level.ASPECT else self.parent


class Measure(models.Model):
    """What is measured, independent of any standard.

    Indicators of different standards that measure the same thing share one Measure, so a
    city running both campaigns reports each value once (the cross-standard mapping).
    """

    key = models.SlugField(_("度量键"), max_length=80, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    is_qualitative = models.BooleanField(_("定性"), default=False)
    formula_key = models.CharField(_("计算公式"), max_length=60, blank=True, help_text=_("由台账计算时的公式键"))

    class Meta:
        verbose_name = _("度量")
        verbose_name_plural = _("度量")
        ordering = ["key"]

    def __str__(self):
        return self.name

    @property
    def is_computed(self):
        """Computed from ledgers: its values come from the ledger formulas, never typed over."""
        return bool(self.formula_key)

    @property
    def display_name(self):
        return localized(self.name, self.name_en)

    @property
    def display_unit(self):
        return unit_label(self.unit)


@dataclass(frozen=True)
class Evaluation:
    status: str
    gap: Decimal | None = None
    target: Decimal | None = None
    threshold: "Threshold | None" = None

    @property
    def is_met(self):
        return self.status == Indicator.Status.MET

    @property
    def relative_gap(self):
        if self.gap is None or not self.target:
            return None
        return self.gap / abs(self.target)


class Indicator(models.Model):
    class Kind(models.TextChoices):
        BASIC = "basic", _("基本项")
        IMPROVEMENT = "improvement", _("提升项")
        VETO = "veto", _("否决项")

    class Aggregation(models.TextChoices):
        CITY = "city", _("全市")
        DISTRICT_MIN = "district_min", _("各城区最低值")

    class Status(models.TextChoices):
        MET = "met", _("达标")
        NOT_MET = "not_met", _("未达标")
        NO_DATA = "no_data", _("无数据")
        NOT_APPLICABLE = "not_applicable", _("不适用")

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="indicators")
    node = models.ForeignKey(StandardNode, verbose_name=_("所属节点"), on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(_("指标编号"), max_length=20)
    name = models.CharField(_("指标名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    kind = models.CharField(_("指标类型"), max_length=20, choices=Kind.choices, default=Kind.BASIC)
    measure = models.ForeignKey(Measure, verbose_name=_("度量"), on_delete=models.PROTECT, related_name="indicators")
    aggregation = models.CharField(_("取值范围"), max_length=20, choices=Aggregation.choices, default=Aggregation.CITY)
    evidence_requirements = models.TextField(_("佐证材料要求"), blank=True)
    verification = models.CharField(
        _("核实状态"), max_length=20, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    source = models.CharField(_("来源"), max_length=300, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["standard", "order"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="uniq_indicator_code")]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def display_name(self):
        return localized(self.name, self.name_en)

    @property
    def display_unit(self):
        return unit_label(self.unit)

    @property
    def needs_check(self):
        """The one mark everybody sees: the row is not confirmed against an official text."""
        return self.verification == Verification.UNVERIFIED

    @property
    def is_veto(self):
        return self.kind == self.Kind.VETO

    @property
    def is_qualitative(self):
        return self.measure.is_qualitative

    def applicable_threshold(self, params, *, tier, thresholds=None):
        """The threshold that applies to a campaign: its tier first, then the other tier.

        A garden-city indicator with no eco bar is judged by its garden value in an eco
        campaign; a threshold whose condition does not match (a northern-only veto in a
        southern city) does not apply at all.
        """
        candidates = [t for t in (self.thresholds.all() if thresholds is None else thresholds) if t.matches(params)]
        candidates.sort(key=lambda t: (t.tier != tier, t.order))
        return candidates[0] if candidates else None

    def evaluate(self, value, params, *, tier=Tier.GARDEN, thresholds=None):
        """Pure: status and gap for a value under a campaign's parameters. No queries
        when thresholds are given or prefetched."""
        threshold = self.applicable_threshold(params, tier=tier, thresholds=thresholds)
        if threshold is None:
            return Evaluation(Indicator.Status.NOT_APPLICABLE)
        if value is None:
            return Evaluation(Indicator.Status.NO_DATA, threshold=threshold, target=threshold.effective_value(params))
        # Judged as displayed: a page showing 93.64 against ≥ 95 says 1.36, and 94.995 shown
        # as 95 is met, so the value, status and gap on a page never disagree.
        return threshold.judge(display_round(Decimal(value)), params)


class Threshold(models.Model):
    class Comparator(models.TextChoices):
        GTE = "gte", "≥"
        GT = "gt", ">"
        LTE = "lte", "≤"
        LT = "lt", "<"
        EQ = "eq", "="
        QUALITATIVE = "qualitative", _("定性")

    class Param(models.TextChoices):
        NONE = "", _("无条件")
        PER_CAPITA_LAND = "per_capita_construction_land", _("人均建设用地（m²/人）")
        NORTHERN_HEATING = "northern_heating", _("北方采暖地区（1=是）")
        HISTORIC_SHARE = "historic_district_share", _("历史文化街区占建成区比例（%）")
        POPULATION = "urban_population", _("城区人口（万人）")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="thresholds")
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices, default=Tier.GARDEN)
    comparator = models.CharField(_("比较方式"), max_length=12, choices=Comparator.choices)
    value = models.DecimalField(_("阈值"), max_digits=12, decimal_places=4, null=True, blank=True)
    condition_param = models.CharField(_("适用条件参数"), max_length=40, choices=Param.choices, blank=True)
    condition_min = models.DecimalField(_("条件下限（含）"), max_digits=12, decimal_places=4, null=True, blank=True)
    condition_max = models.DecimalField(_("条件上限（不含）"), max_digits=12, decimal_places=4, null=True, blank=True)
    historic_adjustment = models.DecimalField(
        _("历史街区调整值"),
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("历史文化街区超过建成区50%时阈值的增减，如 -2"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("达标阈值")
        verbose_name_plural = _("达标阈值")
        ordering = ["indicator", "tier", "order"]

    def __str__(self):
        return f"{self.indicator.code} {self.get_tier_display()} {self.describe()}"

    def clean(self):
        if self.comparator != self.Comparator.QUALITATIVE and self.value is None:
            raise ValidationError({"value": _("数值型阈值必须填写阈值")})
        if self.condition_param and self.condition_min is None and self.condition_max is None:
            raise ValidationError({"condition_min": _("设置了条件参数时须填写上限或下限")})

    def matches(self, params):
        if not self.condition_param:
            return True
        raw = params.get(self.condition_param)
        if raw is None:
            return False
        x = Decimal(raw)
        if self.condition_min is not None and x < self.condition_min:
            return False
        if self.condition_max is not None and x >= self.condition_max:
            return False
        return True

    def effective_value(self, params):
        if self.value is None:
            return None
        share = params.get("historic_district_share")
        if self.historic_adjustment and share is not None and Decimal(share) > HISTORIC_SHARE_TRIGGER:
            return self.value + self.historic_adjustment
        return self.value

    def judge(self, value, params):
        C = self.Comparator
        if self.comparator == C.QUALITATIVE:
            met = value >= 1
            return Evaluation(Indicator.Status.MET if met else Indicator.Status.NOT_MET, threshold=self)
        target = self.effective_value(params)
        met = {
            C.GTE: value >= target,
            C.GT: value > target,
            C.LTE: value <= target,
            C.LT: value < target,
            C.EQ: value == target,
        }[self.comparator]
        if met:
            gap = Decimal(0)
        elif self.comparator in (C.GTE, C.GT):
            gap = target - value
        elif self.comparator in (C.LTE, C.LT):
            gap = value - target
        else:
            gap = abs(value - target)
        status = Indicator.Status.MET if met else Indicator.Status.NOT_MET
        return Evaluation(status, gap=gap, target=target, threshold=self)

    def describe(self, params=None):
        if self.comparator == self.Comparator.QUALITATIVE:
            return str(_("定性"))
        value = self.effective_value(params) if params else self.value
        text = f"{self.get_comparator_display()} {format_decimal(value)}"
        return f"{text} {self.indicator.display_unit}".strip() if self.indicator_id else text


def display_round(value):
    """The one rounding rule for values: half-up to two places, three below 1. Index-type values
    (0.065 parks per 10 000 people) need a third place to differ from their threshold (0.06);
    rates and areas read best with two. Indicator.evaluate judges the rounded value."""
    value = Decimal(value)
    places = Decimal("0.001") if abs(value) < 1 else Decimal("0.01")
    return value.quantize(places, rounding=ROUND_HALF_UP)


def format_decimal(value):
    if value is None:
        return "—"
    return format(display_round(value).normalize(), "f")


DATE_BOUND_YEARS = 5


class Campaign(models.Model):
    class Kind(models.TextChoices):
        CREATION = "creation", _("创建")
        RE_INSPECTION = "re_inspection", _("复查")

    name = models.CharField(_("名称"), max_length=200)
    city = models.ForeignKey(Unit, verbose_name=_("城市"), on_delete=models.PROTECT, related_name="campaigns")
    office = models.ForeignKey(
        Unit, verbose_name=_("创建办"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices)
    standards = models.ManyToManyField(Standard, verbose_name=_("适用标准"), related_name="campaigns")
    built_up_area_km2 = models.DecimalField(_("建成区面积（km²）"), max_digits=10, decimal_places=2, null=True, blank=True)
    urban_population = models.DecimalField(_("城区人口（万人）"), max_digits=10, decimal_places=2, null=True, blank=True)
    per_capita_construction_land = models.DecimalField(
        _("人均建设用地（m²/人）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    northern_heating = models.BooleanField(_("北方采暖地区"), default=False)
    historic_district_share = models.DecimalField(
        _("历史文化街区占建成区比例（%）"), max_digits=5, decimal_places=2, default=0
    )
    data_cutoff = models.DateField(_("数据截止日期"), null=True, blank=True)
    materials_deadline = models.DateField(_("资料报送截止"), null=True, blank=True)
    submission_deadline = models.DateField(_("自查报告与自评表报送截止"), null=True, blank=True)
    evaluation_date = models.DateField(_("实地考评日期"), null=True, blank=True)
    is_active = models.BooleanField(_("进行中"), default=True)
    # Alert policy for rectification and task deadlines (the jobs read these).
    yellow_days = models.PositiveSmallIntegerField(_("临期预警天数"), default=3, help_text=_("截止前几天亮黄灯"))
    escalation_days = models.PositiveSmallIntegerField(_("逾期升级天数"), default=3, help_text=_("逾期几天后上报责任领导"))
    working_days = models.BooleanField(_("按工作日计算"), default=False, help_text=_("预警与升级天数跳过周末和节假日"))

    class Meta:
        verbose_name = _("创建活动")
        verbose_name_plural = _("创建活动")
        ordering = ["-is_active", "id"]

    def __str__(self):
        return self.name

    def alert_policy(self, holidays=None):
        from .calendar import AlertPolicy

        if holidays is None:
            holidays = Holiday.dates_for(self) if self.working_days else frozenset()
        return AlertPolicy(self.yellow_days, self.escalation_days, self.working_days, frozenset(holidays))

    def date_bounds(self, today):
        """The plausible range for any date written in this campaign (deadlines, due dates, found
        on, briefing weeks): five years either side of today and of the evaluation day. Wide enough
        for any real campaign; narrow enough that deadline arithmetic never leaves the calendar."""
        from .calendar import shift_years

        start = min(today, self.evaluation_date or today)
        end = max(today, self.evaluation_date or today)
        return shift_years(start, -DATE_BOUND_YEARS), shift_years(end, DATE_BOUND_YEARS)

    def params(self):
        return {
            "built_up_area_km2": self.built_up_area_km2,
            "urban_population": self.urban_population,
            "per_capita_construction_land": self.per_capita_construction_land,
            "northern_heating": Decimal(1) if self.northern_heating else Decimal(0),
            "historic_district_share": self.historic_district_share,
        }


class Holiday(models.Model):
    """Public holidays and adjusted working days (调休), uploaded by the office as data."""

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("名称"), max_length=50)
    is_workday = models.BooleanField(_("调休上班"), default=False, help_text=_("周末调休为工作日时勾选"))

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"

    @classmethod
    def dates_for(cls, campaign):
        """Holidays as a set of dates, and make-up working days (调休) as negative entries."""
        rows = cls.objects.values_list("date", "is_workday")
        return frozenset(d if not workday else ("workday", d) for d, workday in rows)


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("阶段"), max_length=50)
    starts_on = models.DateField(_("开始"))
    ends_on = models.DateField(_("结束"))
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["campaign", "order", "starts_on"]

    def __str__(self):
        return self.name


class IndicatorValue(models.Model):
    """One measured value of a measure in one scope (the city or a district) as of a date.

    Keyed by measure, not by indicator: every standard that uses the measure reads it.
    """

    class Source(models.TextChoices):
        MANUAL = "manual", _("手工填报")
        LEDGER = "ledger", _("台账计算")
        IMPORT = "import", _("批量导入")
        DEMO = "demo", _("演示数据")

    measure = models.ForeignKey(Measure, verbose_name=_("度量"), on_delete=models.PROTECT, related_name="values")
    scope = models.ForeignKey(Unit, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="indicator_values")
    as_of = models.DateField(_("数据日期"))
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    provenance = models.JSONField(_("计算依据"), default=dict, blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to="evidence/values/%Y/%m", blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    entered_at = models.DateTimeField(_("填报时间"), auto_now=True)

    class Meta:
        verbose_name = _("指标数值")
        verbose_name_plural = _("指标数值")
        ordering = ["measure", "scope", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["measure", "scope", "as_of"], name="uniq_value_per_day")]

    def __str__(self):
        return f"{self.measure} · {self.scope} · {self.as_of}: {format_decimal(self.value)}"

    @property
    def display_note(self):
        """The note in the reader's language: a ledger value's note was written by a job."""
        key = (self.provenance or {}).get("formula") if self.source == self.Source.LEDGER else None
        if not key:
            return self.note
        from ledgers.formulas import FORMULAS  # ledgers builds on indicators: import at use

        formula = FORMULAS.get(key)
        return _("由台账计算：%(formula)s") % {"formula": formula.label} if formula else self.note


class ComplianceSnapshot(models.Model):
    """Daily compliance of one indicator in one scope; trends, forecasts and past briefings read these."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="snapshots")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="snapshots")
    scope = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("日期"))
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    gap = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=20, choices=Indicator.Status.choices)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("达标快照")
        verbose_name_plural = _("达标快照")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "indicator", "scope", "date"], name="uniq_snapshot_per_day")
        ]
        indexes = [models.Index(fields=["campaign", "date"])]

    def __str__(self):
        return f"{self.campaign_id}/{self.indicator_id}/{self.scope_id}@{self.date}: {self.status}"


class RecomputeRequest(models.Model):
    """An outbox row: "this campaign's compliance must be recomputed". Written in the same
    transaction as the change that caused it, so a broker outage loses nothing: the queued
    job marks it done, and a scheduled drain picks up whatever the broker never delivered."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recompute_requests")
    reason = models.CharField(max_length=200, blank=True)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("重算请求")
        verbose_name_plural = _("重算请求")
        indexes = [models.Index(fields=["done_at", "campaign"])]

    def __str__(self):
        return f"{self.campaign_id} {self.reason} {self.requested_at:%Y-%m-%d %H:%M}"
