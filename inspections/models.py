"""Inspections and rectification: rounds, findings, photos, the timeline, extensions,
accountability and numbered supervision orders (督办单).

Rules about one finding are methods here with no queries (`alert_level_on`,
`next_alert_on`, `can`); writes that change state live in services.py.
"""
import re
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext_lazy as _

from indicators import states
from indicators.calendar import AlertPolicy
from indicators.models import Campaign, Indicator, Standard
from organizations.models import Person, Unit

SYSTEM_ROUND_TITLE = re.compile(r"^第(\d+)次督查$")  # the numbered titles the system gives rounds

# Default alert thresholds, the one place they are written down in this app: a finding turns
# yellow when its deadline is at most YELLOW_DAYS away (the deadline day itself included)
# and is escalated to the unit's leaders once overdue for more than ESCALATE_DAYS days.
# Pages and services use the campaign's own policy (Campaign.yellow_days / escalation_days
# / working_days, see indicators.calendar); these apply when no campaign is at hand.
YELLOW_DAYS = 3
ESCALATE_DAYS = 3


def campaign_zone():
    # Deadlines are calendar dates in the campaign's zone; campaigns carry no zone of their
    # own yet, so it is the site's (Asia/Shanghai), named explicitly rather than taken from
    # whatever zone a request happens to have activated.
    return ZoneInfo(settings.TIME_ZONE)


class InspectionSettings(models.Model):
    """Per-campaign choices of the campaign office for this app."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="inspection_settings")
    strip_photo_location = models.BooleanField(
        _("去除照片位置信息"), default=False,
        help_text=_("勾选后，上传照片中的 GPS 位置信息（EXIF）会被删除；拍摄时间等其他信息保留。"),
    )
    order_prefix = models.CharField(
        _("督办单字号"), max_length=20, default="创园督", help_text=_("督办单编号的字号部分，如“创园督〔2026〕第12号”中的“创园督”。")
    )
    default_deadline_days = models.PositiveSmallIntegerField(
        _("默认整改期限（天）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )

    class Meta:
        verbose_name = _("督查设置")
        verbose_name_plural = _("督查设置")

    def __str__(self):
        return str(self.campaign)


class InspectionRound(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("明察")
        UNANNOUNCED = "unannounced", _("暗访")

    campaign = models.ForeignKey(Campaign, verbose_name=_("创建活动"), on_delete=models.CASCADE,
                                 related_name="inspection_rounds")
    title = models.CharField(_("名称"), max_length=100, blank=True, help_text=_("如“第7次督查”；留空则按日期显示"))
    date = models.DateField(_("督查日期"))
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices, default=Kind.OPEN)
    area = models.CharField(_("督查区域"), max_length=200, blank=True)
    route = models.TextField(_("路线与点位"), blank=True, help_text=_("每行一个点位"))
    team = models.ManyToManyField(Person, verbose_name=_("督查组成员"), blank=True, related_name="inspection_rounds")
    standards = models.ManyToManyField(Standard, verbose_name=_("对照标准"), blank=True, related_name="+")
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督查轮次")
        verbose_name_plural = _("督查轮次")
        ordering = ["-date", "-id"]

    def __str__(self):
        return self.title or f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def display_title(self):
        """The name in the reader's language. A title the system wrote (第7次督查, the demo and
        the default) reads as "Inspection 7" in English; a title a person typed stays as typed."""
        match = SYSTEM_ROUND_TITLE.match(self.title or "")
        if match:
            return _("第%(n)s次督查") % {"n": match.group(1)}
        if self.title:
            return self.title
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def points(self):
        return [line.strip() for line in self.route.splitlines() if line.strip()]


class FindingQuerySet(models.QuerySet):
    """The one SQL definition of a finding's states (see indicators.states); the pure twin
    for one finding is Finding.in_state. Both read the facts as at the end of the day `on`,
    so a past week's briefing and today's list use the same words."""

    def state_q(self, state, on, policy=None, *, as_at=False):
        end = states.day_end(on) if as_at else None
        existed = states.stamped_before("created_at", end)
        closed = Q(status=Finding.Status.CLOSED) & states.stamped_before("closed_at", end)
        # Handed in as at `end`: submitted by then, or closed later but submitted by then (a
        # closed finding with no submission time was still with the unit).
        handed_in = ~closed & (
            (Q(status=Finding.Status.SUBMITTED) & states.stamped_before("submitted_at", end))
            | (Q(status=Finding.Status.CLOSED) & states.stamped_known_before("submitted_at", end))
        )
        if state == states.CLOSED:
            return existed & closed
        if state == states.SUBMITTED:
            return existed & handed_in
        if state == states.OPEN:
            return existed & ~closed
        held = existed & ~closed & ~handed_in
        if state == "held":
            return held
        return held & states.deadline_q(state, "deadline", on, policy or default_policy())

    def in_state(self, state, on, policy=None, *, as_at=False):
        return self.filter(self.state_q(state, on, policy, as_at=as_at))

    def open(self, on):
        return self.in_state(states.OPEN, on)

    def due_soon(self, on, policy=None):
        return self.in_state(states.DUE_SOON, on, policy)

    def overdue(self, on, policy=None):
        return self.in_state(states.OVERDUE, on, policy)

    def escalated(self, on, policy=None):
        return self.in_state(states.ESCALATED, on, policy)

    def submitted(self, on):
        return self.in_state(states.SUBMITTED, on)

    def closed(self, on):
        return self.in_state(states.CLOSED, on)

    def due_within(self, on, days, *, as_at=False):
        """Held by the unit with a deadline in the `days` after `on` (the briefing's 下周到期)."""
        return self.in_state("held", on, as_at=as_at).filter(deadline__gt=on, deadline__lte=on + timedelta(days=days))


def default_policy():
    return AlertPolicy(YELLOW_DAYS, ESCALATE_DAYS)


class Finding(models.Model):
    class State(models.TextChoices):
        OPEN = states.OPEN, _("在办")
        DUE_SOON = states.DUE_SOON, _("临期")
        OVERDUE = states.OVERDUE, _("逾期")
        ESCALATED = states.ESCALATED, _("逾期升级")
        SUBMITTED = states.SUBMITTED, _("待复核")
        CLOSED = states.CLOSED, _("已销号")

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("已交办")
        IN_RECTIFICATION = "in_rectification", _("整改中")
        SUBMITTED = "submitted", _("待复核")
        RETURNED = "returned", _("退回整改")
        CLOSED = "closed", _("已销号")

    class Source(models.TextChoices):
        INSPECTION = "inspection", _("督查发现")
        LEADER = "leader_instruction", _("领导交办")
        CITIZEN = "citizen_report", _("群众反映")
        EXPERT = "expert_precheck", _("专家预检")

    class Category(models.TextChoices):
        GREEN_MAINTENANCE = "green_maintenance", _("绿地养护管理")
        BARE_SOIL = "bare_soil", _("黄土裸露")
        TREES = "trees", _("苗木缺株死株")
        ENCROACHMENT = "encroachment", _("侵占毁坏绿地")
        FACILITIES = "facilities", _("园林设施破损")
        SANITATION = "sanitation", _("环境卫生")
        WATER = "water", _("水体与排水")
        CONSTRUCTION = "construction", _("工地扬尘与围挡")
        RECORDS = "records", _("台账资料")
        OTHER = "other", _("其他")

    class Severity(models.TextChoices):
        MINOR = "minor", _("一般")
        MAJOR = "major", _("较重")
        SEVERE = "severe", _("严重")

    class AlertLevel(models.TextChoices):
        BLUE = "blue", _("蓝灯")
        YELLOW = "yellow", _("黄灯")
        RED = "red", _("红灯")
        ESCALATED = "escalated", _("红灯·升级")

    # The unit holds the ball in these states: the deadline runs and alerts apply. Once
    # submitted the clock stops until the verifier closes it or returns it.
    UNIT_STATUSES = (Status.ASSIGNED, Status.IN_RECTIFICATION, Status.RETURNED)
    OPEN_STATUSES = (Status.ASSIGNED, Status.IN_RECTIFICATION, Status.RETURNED, Status.SUBMITTED)

    # action -> (statuses it may start from, status it leads to)
    TRANSITIONS = {
        "start": ((Status.ASSIGNED, Status.RETURNED), Status.IN_RECTIFICATION),
        "submit": ((Status.IN_RECTIFICATION, Status.RETURNED), Status.SUBMITTED),
        "close": ((Status.SUBMITTED,), Status.CLOSED),
        "return": ((Status.SUBMITTED,), Status.RETURNED),
    }

    campaign = models.ForeignKey(Campaign, verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="findings")
    round = models.ForeignKey(InspectionRound, verbose_name=_("督查轮次"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="findings")
    source = models.CharField(_("问题来源"), max_length=30, choices=Source.choices, default=Source.INSPECTION)
    found_on = models.DateField(_("发现日期"))
    description = models.TextField(_("问题描述"))
    address = models.CharField(_("问题地点"), max_length=200)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])
    indicator = models.ForeignKey(Indicator, verbose_name=_("关联指标"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="findings")
    category = models.CharField(_("问题类别"), max_length=30, choices=Category.choices, default=Category.OTHER)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.MINOR)
    unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="findings")
    cooperating_units = models.ManyToManyField(Unit, verbose_name=_("配合单位"), blank=True,
                                               related_name="cooperating_findings")
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ASSIGNED)
    # Stored for the alert jobs (notifications.registry): they select "next_alert_at <= today
    # or alert_level is null" rather than exact dates, so a missed run catches up. Null
    # level: not evaluated yet. Written only through services.finding_refresh_alert.
    alert_level = models.CharField(_("预警等级"), max_length=10, choices=AlertLevel.choices, null=True, blank=True)
    next_alert_at = models.DateField(_("下次预警日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交复核时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("督查问题")
        verbose_name_plural = _("督查问题")
        ordering = ["-found_on", "-id"]
        indexes = [
            # The list page and the unit queue filter by campaign, unit and status.
            models.Index(fields=["campaign", "unit", "status"], name="finding_campaign_unit_status"),
            # The jobs issue selects due alerts: next_alert_at <= now.
            models.Index(fields=["next_alert_at"], name="finding_next_alert"),
            models.Index(fields=["campaign", "deadline"], name="finding_campaign_deadline"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="finding_lat_lng_together",
            ),
        ]

    def __str__(self):
        text = self.description.replace("\n", " ")
        return f"#{self.pk} {text[:30]}" if self.pk else text[:30]

    def clean(self):
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"latitude": _("经纬度须同时填写或同时留空")})
        if self.deadline and self.found_on and self.deadline < self.found_on:
            raise ValidationError({"deadline": _("整改期限不能早于发现日期")})

    # Rules about one finding: no queries.

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED

    @property
    def unit_holds_it(self):
        return self.status in self.UNIT_STATUSES

    def can(self, action):
        sources, _target = self.TRANSITIONS[action]
        return self.status in sources

    @property
    def rectification_days(self):
        """The time the order gives: from the day found to the deadline."""
        if self.deadline is None or self.found_on is None:
            return None
        return (self.deadline - self.found_on).days

    def days_left_on(self, today):
        return None if self.deadline is None else (self.deadline - today).days

    def in_state(self, state, on, policy=None, *, as_at=False):
        """The pure twin of FindingQuerySet.state_q: is this finding in `state` on `on`?"""
        end = states.day_end(on) if as_at else None
        if not states.before(self.created_at, end):
            return False
        closed = self.status == self.Status.CLOSED and states.before(self.closed_at, end)
        handed_in = not closed and (
            (self.status == self.Status.SUBMITTED and states.before(self.submitted_at, end))
            or (self.status == self.Status.CLOSED and states.known_before(self.submitted_at, end)))
        return states.item_in_state(state, closed=closed, handed_in=handed_in, deadline=self.deadline, on=on,
                                    policy=policy or default_policy())

    def held_on(self, on):
        return self.in_state("held", on)

    def alert_level_on(self, today, yellow_days=YELLOW_DAYS, escalate_days=ESCALATE_DAYS, *, policy=None):
        """blue: on time; yellow: due within yellow_days (deadline day included); red:
        overdue; escalated: overdue for more than escalate_days. None while the unit does
        not hold the finding (submitted, closed): the clock stops.

        The arithmetic is indicators.calendar.AlertPolicy's, shared with tasks; pass the
        campaign's policy to count working days."""
        if not self.held_on(today):
            return None
        policy = policy or AlertPolicy(yellow_days, escalate_days)
        return policy.level_on(self.deadline, today)

    def next_alert_on(self, today, yellow_days=YELLOW_DAYS, escalate_days=ESCALATE_DAYS, *, policy=None):
        """The first date after today on which the level rises, or None."""
        if not self.held_on(today):
            return None
        policy = policy or AlertPolicy(yellow_days, escalate_days)
        return policy.next_change(self.deadline, today)

    # The contract of notifications.registry: the alert jobs call these.

    alert_deadline_field = "deadline"
    alert_campaign_field = "campaign"
    alert_unit_field = "unit"

    @classmethod
    def alert_candidates(cls, today):
        return cls.objects.filter(status__in=cls.UNIT_STATUSES).filter(
            Q(next_alert_at__lte=today) | Q(alert_level__isnull=True))

    def alert_deadline(self):
        return self.deadline if self.status in self.UNIT_STATUSES else None

    def alert_campaign(self):
        return self.campaign

    def alert_unit(self):
        return self.unit

    def alert_people(self):
        """No single responsible person (the unit's staff are told); on escalation the unit's
        挂钩领导 and its own leaders."""
        from .selectors import responsible_leaders

        return None, responsible_leaders(self.unit)

    @classmethod
    def alert_people_for(cls, pks):
        """alert_people of many findings in a bounded number of queries: {pk: (person, leaders)}."""
        from .selectors import responsible_leaders_for

        findings = list(cls.objects.filter(pk__in=pks).select_related("unit"))
        leaders = responsible_leaders_for(list({f.unit_id: f.unit for f in findings}.values()))
        return {f.pk: (None, leaders[f.unit_id]) for f in findings}

    def alert_title(self):
        from notifications import titles

        return titles.render(titles.FINDING, pk=self.pk, text=self.description[:60])

    @classmethod
    def alert_title_sql(cls):
        from notifications import titles

        return titles.render_sql(titles.FINDING, pk=Cast("pk", models.CharField()),
                                 text=Substr("description", 1, 60))

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("finding_detail", args=[self.pk])


def photo_upload_to(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"inspections/{instance.finding.campaign_id}/{instance.finding_id}/{uuid.uuid4().hex}.{ext}"


def thumb_upload_to(instance, filename):
    return f"inspections/{instance.finding.campaign_id}/{instance.finding_id}/thumbs/{uuid.uuid4().hex}.jpg"


class FindingPhoto(models.Model):
    class Kind(models.TextChoices):
        BEFORE = "before", _("整改前")
        AFTER = "after", _("整改后")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    image = models.ImageField(_("照片"), upload_to=photo_upload_to)
    thumbnail = models.ImageField(_("缩略图"), upload_to=thumb_upload_to)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    location_stripped = models.BooleanField(_("已去除位置信息"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("问题照片")
        verbose_name_plural = _("问题照片")
        ordering = ["finding", "kind", "id"]

    def __str__(self):
        return f"{self.finding_id} {self.get_kind_display()} {self.original_name}"


class FindingEvent(models.Model):
    """One line of a finding's timeline: who did what, when, from which status to which."""

    class Kind(models.TextChoices):
        CREATED = "created", _("登记交办")
        STARTED = "started", _("开始整改")
        SUBMITTED = "submitted", _("提交复核")
        CLOSED = "closed", _("复核销号")
        RETURNED = "returned", _("退回整改")
        EXTENSION_REQUESTED = "extension_requested", _("申请延期")
        EXTENSION_APPROVED = "extension_approved", _("同意延期")
        EXTENSION_REJECTED = "extension_rejected", _("不同意延期")
        ORDER_ISSUED = "order_issued", _("下发督办单")
        ACCOUNTABILITY = "accountability", _("问责")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=30, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人"), max_length=100, blank=True)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Finding.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Finding.Status.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    deadline_before = models.DateField(_("原期限"), null=True, blank=True)
    deadline_after = models.DateField(_("新期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.finding_id} {self.get_kind_display()}"

    @property
    def changes_status(self):
        return bool(self.from_status or self.to_status) and self.from_status != self.to_status

    @property
    def changes_deadline(self):
        return self.deadline_after is not None and self.deadline_after != self.deadline_before


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("不同意")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="extension_requests")
    current_deadline = models.DateField(_("原整改期限"))
    requested_deadline = models.DateField(_("申请延至"))
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    approved_deadline = models.DateField(_("批准期限"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per finding: a second one would race the first's decision.
            models.UniqueConstraint(fields=["finding"], condition=Q(status="pending"),
                                    name="one_pending_extension_per_finding"),
        ]

    def __str__(self):
        return f"{self.finding_id} → {self.requested_deadline}"

    def clean(self):
        if self.requested_deadline and self.current_deadline and self.requested_deadline <= self.current_deadline:
            raise ValidationError({"requested_deadline": _("申请的期限须晚于原整改期限")})


class AccountabilityRecord(models.Model):
    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("约谈")
        PUBLIC_CRITICISM = "public_criticism", _("通报批评")
        OTHER = "other", _("其他问责")

    campaign = models.ForeignKey(Campaign, verbose_name=_("创建活动"), on_delete=models.CASCADE,
                                 related_name="accountability_records")
    unit = models.ForeignKey(Unit, verbose_name=_("被问责单位"), on_delete=models.PROTECT,
                             related_name="accountability_records")
    kind = models.CharField(_("问责方式"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("日期"))
    title = models.CharField(_("事由"), max_length=200)
    people = models.CharField(_("约谈或问责对象"), max_length=200, blank=True)
    detail = models.TextField(_("具体情况"), blank=True)
    findings = models.ManyToManyField(Finding, verbose_name=_("相关问题"), blank=True,
                                      related_name="accountability_records")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("问责记录")
        verbose_name_plural = _("问责记录")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.unit} {self.get_kind_display()} {self.date}"


class OrderSequence(models.Model):
    """The last supervision-order number used per campaign and year.

    services.supervision_order_issue increments `last` with an UPDATE before reading it, so
    the row lock (PostgreSQL) or the write lock (SQLite) makes concurrent issues wait for
    each other; SupervisionOrder's unique constraint is the backstop.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "year"], name="uniq_order_sequence")]

    def __str__(self):
        return f"{self.campaign_id}/{self.year}: {self.last}"


class SupervisionOrder(models.Model):
    """A numbered 督办单: one finding, or a batch of one unit's findings."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("单个问题")
        BATCH = "batch", _("单位汇总")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="supervision_orders")
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("编号"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    findings = models.ManyToManyField(Finding, related_name="orders")
    issuer_name = models.CharField(_("签发单位"), max_length=200)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    issued_by_name = models.CharField(_("签发人"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("签发时间"))

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-year", "-seq"]
        constraints = [models.UniqueConstraint(fields=["campaign", "year", "seq"], name="uniq_order_number")]

    def __str__(self):
        return self.number
