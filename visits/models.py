"""The expert visit (迎检): evidence materials (佐证资料) and the materials package.

- MaterialRequirement: what the standard asks for per indicator (data, like thresholds);
- MaterialAssignment: one unit owes one requirement for one campaign by a deadline; it raises
  the same yellow / red / escalation alerts as findings and tasks (notifications.registry);
- MaterialDocument: one document a unit hands in against an assignment (title, 文号, its own
  date, pages), accepted or returned by the office; MaterialFile keeps every version;
- MaterialPackage: the zip built by a job, a folder per indicator, only accepted documents.

The states of an assignment are defined once (indicators.states): closed = complete, handed
in = a document waits for the office, otherwise held by the unit with its deadline.
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indicators import states
from indicators.calendar import AlertPolicy
from indicators.models import Campaign, Indicator
from organizations.models import Unit


class MaterialRequirement(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE,
                                  related_name="material_requirements")
    order = models.PositiveIntegerField(_("序号"), default=0)
    title = models.CharField(_("资料名称"), max_length=200)
    description = models.TextField(_("要求说明"), blank=True)
    years = models.PositiveSmallIntegerField(
        _("年限（近 N 年）"), null=True, blank=True,
        help_text=_("如“近三年”填 3：须有成文日期落在考评年份及此前各年的文件；不限年份留空"))
    needs_check = models.BooleanField(_("待核对"), default=True, help_text=_("尚未按官方文本核对"))
    source = models.CharField(_("来源"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("资料要求")
        verbose_name_plural = _("资料要求")
        ordering = ["indicator__standard", "indicator__order", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["indicator", "title"], name="uniq_material_per_indicator")]

    def __str__(self):
        return f"{self.indicator.code} {self.title}"

    def window(self, reference_year):
        """The calendar years a "近 N 年" requirement must cover, oldest first (None: any date).
        The N years end with the reference year (the evaluation year): a September visit in
        2026 reads the 2024, 2025 and 2026 budgets."""
        if not self.years or reference_year is None:
            return None
        return list(range(reference_year - self.years + 1, reference_year + 1))

    def is_satisfied(self, document_dates, reference_year):
        """Complete when at least one accepted document exists and, for a 近 N 年 requirement,
        their own dates (not upload dates) cover every year of the window. No queries."""
        dates = [d for d in document_dates if d is not None]
        window = self.window(reference_year)
        if window is None:
            return bool(dates)
        return set(window) <= {d.year for d in dates}


class Status(models.TextChoices):
    PENDING = "pending", _("待报送")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回补充")
    COMPLETE = "complete", _("已齐备")


HELD_STATUSES = (Status.PENDING, Status.RETURNED)


def default_policy():
    return AlertPolicy()


class AssignmentQuerySet(models.QuerySet):
    """The one SQL definition of an assignment's states; the pure twin is
    MaterialAssignment.in_state."""

    def state_q(self, state, on, policy=None):
        closed = Q(status=Status.COMPLETE)
        handed_in = Q(status=Status.SUBMITTED)
        if state == states.CLOSED:
            return closed
        if state == states.SUBMITTED:
            return handed_in
        if state == states.OPEN:
            return ~closed
        held = Q(status__in=HELD_STATUSES)
        if state == "held":
            return held
        return held & states.deadline_q(state, "due_on", on, policy or default_policy())

    def in_state(self, state, on, policy=None):
        return self.filter(self.state_q(state, on, policy))


class MaterialAssignment(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name=_("创建活动"), on_delete=models.CASCADE,
                                 related_name="material_assignments")
    requirement = models.ForeignKey(MaterialRequirement, verbose_name=_("资料要求"), on_delete=models.CASCADE,
                                    related_name="assignments")
    unit = models.ForeignKey(Unit, verbose_name=_("报送单位"), on_delete=models.PROTECT,
                             related_name="material_assignments")
    due_on = models.DateField(_("报送截止"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    completed_at = models.DateTimeField(_("齐备时间"), null=True, blank=True)
    # Written only by the alert jobs (and cleared by material_assignment_set_deadline).
    alert_level = models.CharField(_("预警等级"), max_length=10, null=True, blank=True)
    next_alert_at = models.DateField(_("下次预警日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("资料报送任务")
        verbose_name_plural = _("资料报送任务")
        ordering = ["campaign", "requirement__indicator__order", "requirement__order", "unit__sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "requirement", "unit"],
                                               name="uniq_material_assignment")]
        indexes = [models.Index(fields=["campaign", "status", "due_on"], name="material_campaign_state_due")]

    def __str__(self):
        return f"{self.requirement} · {self.unit_id}"

    # Rules about one row: no queries below.

    def in_state(self, state, on, policy=None):
        return states.item_in_state(state, closed=self.status == Status.COMPLETE,
                                    handed_in=self.status == Status.SUBMITTED, deadline=self.due_on, on=on,
                                    policy=policy or default_policy())

    def alert_level_on(self, today, policy=None):
        if not self.in_state("held", today):
            return None
        return (policy or default_policy()).level_on(self.due_on, today)

    @staticmethod
    def status_for(*, accepted_dates, submitted, returned, requirement, reference_year):
        """The stored status from the documents' review states (the service writes it)."""
        if requirement.is_satisfied(accepted_dates, reference_year):
            return Status.COMPLETE
        if submitted:
            return Status.SUBMITTED
        if returned:
            return Status.RETURNED
        return Status.PENDING

    # The contract of notifications.registry.

    alert_deadline_field = "due_on"
    alert_campaign_field = "campaign"
    alert_unit_field = "unit"

    @classmethod
    def alert_candidates(cls, today):
        return cls.objects.filter(status__in=HELD_STATUSES).filter(
            Q(next_alert_at__lte=today) | Q(alert_level__isnull=True))

    def alert_deadline(self):
        return self.due_on if self.status in HELD_STATUSES else None

    def alert_campaign(self):
        return self.campaign

    def alert_unit(self):
        return self.unit

    def alert_people(self):
        leader = self.unit.responsible_leader
        return None, [leader] if leader is not None else []

    def alert_title(self):
        from notifications import titles

        return titles.render(titles.MATERIAL, title=self.requirement.title[:60])

    @classmethod
    def alert_title_sql(cls):
        from notifications import titles

        return titles.render_sql(titles.MATERIAL, title=Substr("requirement__title", 1, 60))

    @classmethod
    def alert_people_for(cls, pks):
        """alert_people of many assignments in one query: {pk: (person, leaders)}."""
        assignments = cls.objects.filter(pk__in=pks).select_related("unit__responsible_leader")
        return {a.pk: a.alert_people() for a in assignments}

    def get_absolute_url(self):
        return reverse("material_assignment", args=[self.pk])


class MaterialDocument(models.Model):
    class Review(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        ACCEPTED = "accepted", _("已采用")
        RETURNED = "returned", _("已退回")

    assignment = models.ForeignKey(MaterialAssignment, verbose_name=_("资料报送任务"), on_delete=models.CASCADE,
                                   related_name="documents")
    title = models.CharField(_("文件题名"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=100, blank=True)
    doc_date = models.DateField(_("成文日期"))
    pages = models.PositiveIntegerField(_("页数"))
    review = models.CharField(_("审核状态"), max_length=20, choices=Review.choices, default=Review.SUBMITTED)
    return_reason = models.TextField(_("退回理由"), blank=True)
    reviewed_version = models.PositiveSmallIntegerField(_("审核版本"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("佐证资料")
        verbose_name_plural = _("佐证资料")
        ordering = ["assignment", "doc_date", "id"]

    def __str__(self):
        return self.title

    def clean(self):
        if self.pages is not None and self.pages < 1:
            raise ValidationError({"pages": _("页数至少为 1")})

    def in_window(self, reference_year):
        window = self.assignment.requirement.window(reference_year)
        return window is None or self.doc_date.year in window

    @property
    def can_reupload(self):
        return self.review != self.Review.ACCEPTED

    @property
    def can_review(self):
        return self.review == self.Review.SUBMITTED


class MaterialFile(models.Model):
    """One version of a document's file; versions are never overwritten."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        IMAGE = "image", _("图片")
        OFFICE = "office", _("Office 文档")

    document = models.ForeignKey(MaterialDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本"))
    file = models.FileField(_("文件"), upload_to="visits/materials/%Y/%m")
    original_name = models.CharField(_("原文件名"), max_length=200)
    extension = models.CharField(max_length=10)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    size = models.PositiveIntegerField(_("大小"), default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资料文件版本")
        verbose_name_plural = _("资料文件版本")
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="uniq_material_file_version")]

    def __str__(self):
        return f"{self.original_name} v{self.number}"


class MaterialPackage(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        BUILDING = "building", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    campaign = models.ForeignKey(Campaign, verbose_name=_("创建活动"), on_delete=models.CASCADE,
                                 related_name="material_packages")
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.QUEUED)
    files_done = models.PositiveIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    document_count = models.PositiveIntegerField(_("文件数"), default=0)
    file = models.FileField(_("资料包"), upload_to="visits/packages/%Y/%m", blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("迎检资料包")
        verbose_name_plural = _("迎检资料包")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.campaign_id} #{self.pk}"

    @property
    def progress_percent(self):
        if self.state == self.State.READY:
            return 100
        if not self.files_total:
            return 0
        return min(99, round(100 * self.files_done / self.files_total))

    @property
    def is_running(self):
        return self.state in (self.State.QUEUED, self.State.BUILDING)


# --- points and routes (点位、迎检线路) ------------------------------------------------------

# A point counts as looked at when a linked finding was recorded or closed, or its owner
# confirmed it, within these days; older than that it is amber on the route board.
READY_DAYS = 14


class Readiness(models.TextChoices):
    GREEN = "green", _("就绪")
    AMBER = "amber", _("待查看")
    RED = "red", _("有未整改问题")


class Point(models.Model):
    class Kind(models.TextChoices):
        PARK = "park", _("公园")
        ROAD = "road", _("道路")
        COMPOUND = "compound", _("小区")
        UNIT = "unit", _("单位庭院")
        OTHER = "other", _("其他地点")

    campaign = models.ForeignKey(Campaign, verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="points")
    name = models.CharField(_("点位名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    district = models.ForeignKey(Unit, verbose_name=_("所在城区"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", limit_choices_to={"kind": Unit.Kind.DISTRICT})
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    owner = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="points")
    leader = models.ForeignKey("organizations.Person", verbose_name=_("包挂领导"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", limit_choices_to={"is_leader": True})
    source = models.CharField(_("来源"), max_length=200, blank=True, help_text=_("台账行或手工添加"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("迎检点位")
        verbose_name_plural = _("迎检点位")
        ordering = ["campaign", "district__sort_order", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name", "district"], name="uniq_point_name")]

    def __str__(self):
        return self.name

    @staticmethod
    def readiness_of(*, open_findings, last_seen, today):
        """red: a linked finding still open; amber: nobody looked in READY_DAYS; else green."""
        if open_findings:
            return Readiness.RED
        if last_seen is None or (today - last_seen).days > READY_DAYS:
            return Readiness.AMBER
        return Readiness.GREEN


class PointFinding(models.Model):
    """A finding made at a point (inspections know nothing of points)."""

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="finding_links")
    finding = models.OneToOneField("inspections.Finding", on_delete=models.CASCADE, related_name="point_link")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("点位问题")
        verbose_name_plural = _("点位问题")


class PointConfirmation(models.Model):
    """The owner unit says the point is ready (包挂 check)."""

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="confirmations")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)
    at = models.DateTimeField(_("确认时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("点位确认")
        verbose_name_plural = _("点位确认")
        ordering = ["-at", "-id"]


class Route(models.Model):
    class Purpose(models.TextChoices):
        VISIT = "visit", _("专家考评线路")
        REHEARSAL = "rehearsal", _("预演线路")

    campaign = models.ForeignKey(Campaign, verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="routes")
    name = models.CharField(_("线路名称"), max_length=200)
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices, default=Purpose.VISIT)
    planned_on = models.DateField(_("计划日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("迎检线路")
        verbose_name_plural = _("迎检线路")
        ordering = ["campaign", "planned_on", "id"]

    def __str__(self):
        return self.name


class RouteStop(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    point = models.ForeignKey(Point, verbose_name=_("点位"), on_delete=models.PROTECT, related_name="stops")
    order = models.PositiveIntegerField(_("顺序"))
    planned_time = models.TimeField(_("计划时间"), null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(_("停留分钟"), default=15)

    class Meta:
        verbose_name = _("线路站点")
        verbose_name_plural = _("线路站点")
        ordering = ["route", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["route", "order"], name="uniq_route_stop_order")]
