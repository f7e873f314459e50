"""The task table (任务分解表): who answers for what, by when.

Status is derived, never stored: `Task.status(today)` from the review state, the due date
and the progress, so "overdue" cannot go stale overnight. Querysets get the same answer
through `TaskQuerySet.with_status(today)` (the two are tested against each other).
"""
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Cast, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators import states
from indicators.calendar import AlertPolicy
from indicators.models import Campaign, Indicator
from organizations.models import Person, Unit

DEFAULT_YELLOW_DAYS = 3


class Review(models.TextChoices):
    DRAFT = "draft", _("未提交")
    SUBMITTED = "submitted", _("待审核")
    CHANGES_REQUESTED = "changes_requested", _("退回修改")
    ACCEPTED = "accepted", _("审核通过")


class State(models.TextChoices):
    OPEN = states.OPEN, _("未完成")
    DUE_SOON = states.DUE_SOON, _("临期")
    OVERDUE = states.OVERDUE, _("已逾期")
    ESCALATED = states.ESCALATED, _("逾期升级")
    SUBMITTED = states.SUBMITTED, _("待审核")
    CLOSED = states.CLOSED, _("已完成")


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    SUBMITTED = "submitted", _("待审核")
    DONE = "done", _("已完成")
    OVERDUE = "overdue", _("已逾期")


# The lead unit still owes work in these review states; only they can be overdue.
OPEN_REVIEW_STATES = (Review.DRAFT, Review.CHANGES_REQUESTED)
STARTED_Q = Q(progress__gt=0) | Q(last_reported_at__isnull=False) | Q(review_state=Review.CHANGES_REQUESTED)


def default_policy():
    return AlertPolicy(DEFAULT_YELLOW_DAYS)


class TaskQuerySet(models.QuerySet):
    """The one SQL definition of a task's states (see indicators.states); the pure twin for
    one task is Task.in_state. A task exists from the start of the table: its real dates
    are its due date and the instants it was handed in and accepted, never the day it was
    typed or imported, so a week's briefing counts the tasks of that week."""

    def state_q(self, state, on, policy=None, *, as_at=False):
        end = states.day_end(on) if as_at else None
        closed = Q(review_state=Review.ACCEPTED) & states.stamped_before("accepted_at", end)
        # Handed in as at `end`: submitted by then, or accepted later but submitted by then.
        handed_in = ~closed & (
            (Q(review_state=Review.SUBMITTED) & states.stamped_before("submitted_at", end))
            | (Q(review_state=Review.ACCEPTED) & states.stamped_known_before("submitted_at", end))
        )
        if state == states.CLOSED:
            return closed
        if state == states.SUBMITTED:
            return handed_in
        if state == states.OPEN:
            return ~closed
        held = ~closed & ~handed_in
        if state == "held":
            return held
        return held & states.deadline_q(state, "due_on", on, policy or default_policy())

    def in_state(self, state, on, policy=None, *, as_at=False):
        return self.filter(self.state_q(state, on, policy, as_at=as_at))

    def overdue_q(self, today):
        return self.state_q(states.OVERDUE, today)

    def with_status(self, today):
        """Annotate `status_now`, the database twin of `Task.status(today)`."""
        return self.annotate(
            status_now=Case(
                When(self.state_q(states.CLOSED, today), then=Value(Status.DONE)),
                When(self.state_q(states.SUBMITTED, today), then=Value(Status.SUBMITTED)),
                When(self.state_q(states.OVERDUE, today), then=Value(Status.OVERDUE)),
                When(STARTED_Q, then=Value(Status.IN_PROGRESS)),
                default=Value(Status.NOT_STARTED),
                output_field=models.CharField(),
            )
        )

    def status_q(self, status, today):
        """A filter for one derived status, equivalent to `with_status` without the annotation."""
        held_on_time = self.state_q("held", today) & Q(due_on__gte=today)
        return {
            Status.DONE: self.state_q(states.CLOSED, today),
            Status.SUBMITTED: self.state_q(states.SUBMITTED, today),
            Status.OVERDUE: self.state_q(states.OVERDUE, today),
            Status.IN_PROGRESS: held_on_time & STARTED_Q,
            Status.NOT_STARTED: held_on_time & ~STARTED_Q,
        }[status]

    def overdue(self, today, policy=None):
        return self.in_state(states.OVERDUE, today, policy)

    def due_within(self, on, days, *, as_at=False):
        """Held by the lead unit and due in the `days` after `on` (the briefing's 下周到期)."""
        return self.in_state("held", on, as_at=as_at).filter(due_on__gt=on, due_on__lte=on + timedelta(days=days))

    def visible_to(self, access):
        """Tasks whose lead or cooperating unit is one of the user's units (all for wide roles)."""
        if access.sees_all:
            return self
        ids = access.own_unit_ids
        led = self.filter(lead_unit_id__in=ids).values("pk")
        cooperating = self.filter(cooperating_units__in=ids).values("pk")
        return self.filter(Q(pk__in=led) | Q(pk__in=cooperating))


class Task(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="tasks")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks",
        help_text=_("不填则为综合性任务（如宣传发动）"),
    )
    seq = models.PositiveIntegerField(_("序号"))
    content = models.TextField(_("任务内容"))
    requirement = models.TextField(_("标准或要求"), blank=True)
    measures = models.TextField(_("工作措施"), blank=True)
    lead_unit = models.ForeignKey(Unit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="led_tasks")
    cooperating_units = models.ManyToManyField(
        Unit, verbose_name=_("配合单位"), blank=True, related_name="cooperating_tasks"
    )
    responsible_leader = models.ForeignKey(
        Person, verbose_name=_("责任领导"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="supervised_tasks", limit_choices_to={"is_leader": True},
    )
    responsible_person = models.ForeignKey(
        Person, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.PROTECT, related_name="owned_tasks"
    )
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    due_on = models.DateField(_("完成时限"))
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0, validators=[MaxValueValidator(100)])
    review_state = models.CharField(_("审核状态"), max_length=20, choices=Review.choices, default=Review.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("通过时间"), null=True, blank=True)
    last_reported_at = models.DateTimeField(_("最近报送"), null=True, blank=True)
    # Written only by the alert jobs (notifications.services.alert_refresh): the last level
    # alerted and the first day it may rise, so the job selects "due by now" and catches up.
    alert_level = models.CharField(_("预警等级"), max_length=10, null=True, blank=True)
    next_alert_at = models.DateField(_("下次预警日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["campaign", "seq"]
        constraints = [
            # The import's key: re-importing updates by (campaign, 序号) and never duplicates.
            models.UniqueConstraint(fields=["campaign", "seq"], name="uniq_task_seq_per_campaign"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="task_progress_lte_100"),
        ]
        indexes = [
            # overdue_tasks / detect_overdue: open tasks by deadline within a campaign.
            models.Index(fields=["campaign", "review_state", "due_on"], name="task_campaign_state_due"),
        ]

    def __str__(self):
        return f"{self.seq}. {self.content[:40]}"

    def clean(self):
        errors = {}
        if self.starts_on and self.due_on and self.starts_on > self.due_on:
            errors["starts_on"] = _("开始日期不能晚于完成时限")
        if self.responsible_leader_id and not self.responsible_leader.is_leader:
            errors["responsible_leader"] = _("责任领导须是标记为领导的人员")
        if errors:
            raise ValidationError(errors)

    # Rules about one row: no queries below.

    @property
    def is_open(self):
        return self.review_state in OPEN_REVIEW_STATES

    def in_state(self, state, on, policy=None, *, as_at=False):
        """The pure twin of TaskQuerySet.state_q: is this task in `state` on `on`?"""
        end = states.day_end(on) if as_at else None
        closed = self.review_state == Review.ACCEPTED and states.before(self.accepted_at, end)
        handed_in = not closed and (
            (self.review_state == Review.SUBMITTED and states.before(self.submitted_at, end))
            or (self.review_state == Review.ACCEPTED and states.known_before(self.submitted_at, end)))
        return states.item_in_state(state, closed=closed, handed_in=handed_in, deadline=self.due_on, on=on,
                                    policy=policy or default_policy())

    def is_overdue(self, today):
        return self.in_state(states.OVERDUE, today)

    def days_overdue(self, today):
        return max((today - self.due_on).days, 0) if self.in_state("held", today) else 0

    def days_left(self, today):
        return (self.due_on - today).days

    def status(self, today):
        if self.in_state(states.CLOSED, today):
            return Status.DONE
        if self.in_state(states.SUBMITTED, today):
            return Status.SUBMITTED
        if self.in_state(states.OVERDUE, today):
            return Status.OVERDUE
        if self.progress > 0 or self.last_reported_at is not None or self.review_state == Review.CHANGES_REQUESTED:
            return Status.IN_PROGRESS
        return Status.NOT_STARTED

    def alert_level_on(self, today, policy=None):
        """blue (open, on time) / yellow (due within the policy's days) / red (overdue) /
        escalated (overdue past the escalation days), as findings have.

        None once the lead unit has handed the task in (submitted or accepted): the ball is
        with the office, so nobody should be chased.
        """
        if not self.in_state("held", today):
            return None
        return (policy or default_policy()).level_on(self.due_on, today)

    # The contract of notifications.registry: the alert jobs call these.

    alert_deadline_field = "due_on"
    alert_campaign_field = "campaign"
    alert_unit_field = "lead_unit"

    @classmethod
    def alert_candidates(cls, today):
        return cls.objects.filter(review_state__in=OPEN_REVIEW_STATES).filter(
            Q(next_alert_at__lte=today) | Q(alert_level__isnull=True))

    def alert_deadline(self):
        return self.due_on if self.is_open else None

    def alert_campaign(self):
        return self.campaign

    def alert_unit(self):
        return self.lead_unit

    def alert_people(self):
        leaders = [self.responsible_leader, self.lead_unit.responsible_leader]
        return self.responsible_person, [p for p in leaders if p is not None]

    @classmethod
    def alert_people_for(cls, pks):
        """alert_people of many tasks in one query: {pk: (person, leaders)}."""
        tasks = cls.objects.filter(pk__in=pks).select_related(
            "responsible_person", "responsible_leader", "lead_unit__responsible_leader")
        return {t.pk: t.alert_people() for t in tasks}

    def alert_title(self):
        from notifications import titles

        return titles.render(titles.TASK, seq=self.seq, text=self.content[:60])

    @classmethod
    def alert_title_sql(cls):
        from notifications import titles

        return titles.render_sql(titles.TASK, seq=Cast("seq", models.CharField()),
                                 text=Substr("content", 1, 60))

    def get_absolute_url(self):
        return reverse("task_detail", args=[self.pk])

    @property
    def finished_late(self):
        if self.accepted_at is None:
            return False
        return timezone.localtime(self.accepted_at).date() > self.due_on

    @property
    def can_submit(self):
        return self.is_open

    @property
    def can_review(self):
        return self.review_state == Review.SUBMITTED


class TaskMilestone(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    due_on = models.DateField(_("节点日期"))
    text = models.CharField(_("节点内容"), max_length=200)
    done = models.BooleanField(_("已完成"), default=False)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("进度节点")
        verbose_name_plural = _("进度节点")
        ordering = ["task", "due_on", "id"]

    def __str__(self):
        return f"{self.due_on:%Y-%m-%d} {self.text}"

    def is_overdue(self, today):
        return not self.done and self.due_on < today


class TaskUpdate(models.Model):
    """One entry of a task's timeline: a progress report, a contribution or a review action."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("进度报送")
        CONTRIBUTION = "contribution", _("配合单位报送")
        SUBMISSION = "submission", _("提交审核")
        ACCEPTANCE = "acceptance", _("审核通过")
        RETURN = "return", _("退回修改")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("内容"), blank=True)
    progress = models.PositiveSmallIntegerField(
        _("进度（%）"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("报送单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("任务动态")
        verbose_name_plural = _("任务动态")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.task_id}"

    @property
    def is_contribution(self):
        return self.kind == self.Kind.CONTRIBUTION

    @property
    def is_review(self):
        return self.kind in (self.Kind.ACCEPTANCE, self.Kind.RETURN)


class TaskEvidence(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="evidence")
    update = models.ForeignKey(TaskUpdate, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to="tasks/evidence/%Y/%m")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.name


class TaskImport(models.Model):
    """One uploaded task table: previewed, then committed (or left)."""

    class State(models.TextChoices):
        PREVIEW = "preview", _("待确认")
        COMMITTED = "committed", _("已导入")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="task_imports")
    file = models.FileField(_("文件"), upload_to="tasks/imports/%Y/%m")
    original_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(max_length=64)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PREVIEW)
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    # Every parsed row (ids, dates as text, names awaiting a choice as "?key"), so the confirm
    # writes what the preview showed without reading the workbook again.
    parsed = models.JSONField(_("解析结果"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("任务表导入")
        verbose_name_plural = _("任务表导入")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return f"{self.original_name} ({self.get_state_display()})"


class NameAlias(models.Model):
    """A name as the city's task tables write it (城管局, 城东区政府, 王副市长), confirmed once in an
    import preview as meaning this unit or person; later imports read it without asking."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("单位")
        PERSON = "person", _("人员")

    city = models.ForeignKey(Unit, verbose_name=_("城市"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    # The folded name (full/half width and spaces removed), the key the import looks up.
    alias = models.CharField(_("表中写法"), max_length=100)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="aliases")
    person = models.ForeignKey(Person, verbose_name=_("人员"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="aliases")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("确认时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("名称对照")
        verbose_name_plural = _("名称对照")
        ordering = ["city", "kind", "alias"]
        constraints = [
            models.UniqueConstraint(fields=["city", "kind", "alias"], name="uniq_name_alias_per_city"),
            models.CheckConstraint(
                condition=(Q(kind="unit", unit__isnull=False, person__isnull=True)
                           | Q(kind="person", person__isnull=False, unit__isnull=True)),
                name="name_alias_target_matches_kind"),
        ]

    def __str__(self):
        return f"{self.alias} → {self.unit or self.person}"

    @property
    def target(self):
        return self.unit if self.kind == self.Kind.UNIT else self.person
