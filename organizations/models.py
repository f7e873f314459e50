from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """An organisation unit: the city, its districts and streets, departments, the office."""

    class Kind(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区")
        STREET = "street", _("街道")
        DEPARTMENT = "department", _("部门")
        OFFICE = "office", _("创建办")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    responsible_leader = models.ForeignKey(
        "Person",
        verbose_name=_("挂钩领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_units",
        help_text=_("逾期升级时通知的市级领导"),
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name

    @property
    def is_district(self):
        return self.kind == self.Kind.DISTRICT


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="people")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_leader = models.BooleanField(_("领导"), default=False, help_text=_("可被指定为责任领导或挂钩领导"))

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["unit__sort_order", "id"]

    def __str__(self):
        return f"{self.name}（{self.title}）" if self.title else self.name


class Membership(models.Model):
    """A user's role in a unit. Office admins and leaders see every unit; staff only theirs."""

    class Role(models.TextChoices):
        OFFICE = "office", _("创建办管理员")
        UNIT_STAFF = "unit_staff", _("单位工作人员")
        INSPECTOR = "inspector", _("督查人员")
        LEADER = "leader", _("领导")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="uniq_membership")]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class AuditEntry(models.Model):
    """Who changed what, when: old → new per field. Written by services, never by signals."""

    class Action(models.TextChoices):
        CREATE = "create", _("新建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        TRANSITION = "transition", _("状态变更")
        IMPORT = "import", _("导入")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("对象"), max_length=200)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)
    # Who acted, as they were at the time (people change units and roles; the trail must not).
    actor_name = models.CharField(_("操作人姓名"), max_length=100, blank=True)
    actor_unit = models.CharField(_("操作人单位"), max_length=100, blank=True)
    actor_role = models.CharField(_("操作人角色"), max_length=20, choices=Membership.Role.choices, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"

    @property
    def actor_display(self):
        """赵志强（创园办 · 创建办管理员）; the login name only for rows written before names were kept."""
        if not self.actor_name:
            return self.user.get_username() if self.user_id else str(_("系统"))
        where = " · ".join(str(x) for x in (self.actor_unit, self.get_actor_role_display() if self.actor_role else "") if x)
        return f"{self.actor_name}（{where}）" if where else self.actor_name


class ScheduledRun(models.Model):
    """One row per scheduled job and slot, taken by the beat that sends it: a second beat
    (left over by a restart, or on another host) finds the row and sends nothing. Works the
    same on SQLite (`make run`) and PostgreSQL; rows older than a few weeks are pruned."""

    job = models.CharField(_("定时任务"), max_length=100)
    slot = models.DateTimeField(_("计划时间"))
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    sent_by = models.CharField(_("发送者"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("定时任务记录")
        verbose_name_plural = _("定时任务记录")
        ordering = ["-slot", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="uniq_scheduled_run_slot")]

    def __str__(self):
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"
