"""Reads of the task table for pages, the dashboard, the briefing and the alert jobs."""
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.utils import timezone

from indicators import states
from indicators.models import StandardNode
from organizations.models import Person, Unit

from .models import Status, Task, TaskUpdate

ROW_RELATED = ("indicator", "lead_unit", "responsible_leader", "responsible_person")


def with_rows(qs):
    """What one table row shows, fetched in a fixed number of queries."""
    return qs.select_related(*ROW_RELATED).prefetch_related(
        Prefetch("cooperating_units", queryset=Unit.objects.order_by("sort_order", "id"))
    )


def urgency_order(today):
    """Overdue first, then other open tasks, then submitted, then done; each by deadline."""
    return Case(
        When(Task.objects.state_q(states.OVERDUE, today), then=Value(0)),
        When(Task.objects.state_q("held", today), then=Value(1)),
        When(Task.objects.state_q(states.SUBMITTED, today), then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


@dataclass
class UnitTaskCount:
    unit: Unit
    led: int = 0
    cooperating: int = 0
    done: int = 0
    submitted: int = 0
    overdue: int = 0

    @property
    def open(self):
        return self.led - self.done - self.submitted

    @property
    def done_percent(self):
        return round(100 * self.done / self.led) if self.led else 0


def unit_task_counts(campaign, on=None, *, unit_ids=None):
    """Per unit: tasks it leads ("牵头负责 N 项"), cooperates on, has done, submitted, lets run
    overdue. Done / submitted / overdue count led tasks only: the lead unit answers for them.
    Three queries whatever the table's size."""
    on = on or timezone.localdate()
    tasks = Task.objects.filter(campaign=campaign)
    led = tasks.values("lead_unit").annotate(
        led=Count("id"),
        done=Count("id", filter=Task.objects.state_q(states.CLOSED, on)),
        submitted=Count("id", filter=Task.objects.state_q(states.SUBMITTED, on)),
        overdue=Count("id", filter=Task.objects.state_q(states.OVERDUE, on, campaign.alert_policy())),
    ).order_by()
    cooperating = (
        Task.cooperating_units.through.objects.filter(task__campaign=campaign)
        .values("unit").annotate(n=Count("id")).order_by()
    )
    rows = {}
    for r in led:
        rows[r["lead_unit"]] = {"led": r["led"], "done": r["done"], "submitted": r["submitted"],
                                "overdue": r["overdue"]}
    for r in cooperating:
        rows.setdefault(r["unit"], {})["cooperating"] = r["n"]
    ids = set(rows) if unit_ids is None else set(rows) & set(unit_ids)
    units = Unit.objects.filter(id__in=ids).order_by("sort_order", "id")
    return [UnitTaskCount(unit=u, **rows[u.id]) for u in units]


def overdue_tasks(campaign, on):
    """Open tasks past their deadline on `on`, oldest deadline first (feeds the alert jobs)."""
    return with_rows(Task.objects.filter(campaign=campaign).overdue(on)).order_by("due_on", "seq")


def lead_units_by_indicator(campaign):
    """{indicator id: [lead units]} for pages that show who answers for an indicator, each
    unit once, in the order of its first task. One row per (indicator, unit) pair, not per
    task: at megacity size an indicator has hundreds of tasks (the briefing read them all)."""
    from django.db.models import Min

    from organizations.models import Unit

    pairs = list(
        Task.objects.filter(campaign=campaign, indicator__isnull=False)
        .values("indicator_id", "lead_unit_id").annotate(first=Min("seq")).order_by("indicator_id", "first")
    )
    units = Unit.objects.in_bulk({p["lead_unit_id"] for p in pairs})
    out = {}
    for p in pairs:
        out.setdefault(p["indicator_id"], []).append(units[p["lead_unit_id"]])
    return out


def campaign_aspects(campaign):
    return list(
        StandardNode.objects.filter(standard__campaigns=campaign, level=StandardNode.Level.ASPECT)
        .select_related("standard").order_by("standard__code", "order")
    )


@dataclass
class TableFilters:
    unit: int | None = None
    unit_role: str = ""  # "" (lead or cooperating) / "lead" / "cooperating"
    leader: int | None = None
    status: str = ""
    aspect: str = ""  # a node id, or "none" for tasks without an indicator
    q: str = ""
    sort: str = "seq"

    SORTS = {"seq": ("seq",), "due": ("due_on", "seq"), "-due": ("-due_on", "seq"), "urgent": None}

    @classmethod
    def from_request(cls, data):
        def as_id(name):
            raw = data.get(name, "")
            return int(raw) if raw.isdigit() else None

        status = data.get("status", "")
        sort = data.get("sort", "seq")
        return cls(
            unit=as_id("unit"),
            unit_role=data.get("role", "") if data.get("role", "") in ("lead", "cooperating") else "",
            leader=as_id("leader"),
            status=status if status in Status.values else "",
            aspect=data.get("aspect", "") if data.get("aspect", "") == "none" or data.get("aspect", "").isdigit()
            else "",
            q=data.get("q", "").strip()[:100],
            sort=sort if sort in cls.SORTS else "seq",
        )

    def apply(self, qs, today, access=None):
        """Every filter but status (the status counts are of this set). A role without a
        unit means the user's own units (unit staff); wide roles see every lead unit."""
        unit_ids = [self.unit] if self.unit else (
            sorted(access.own_unit_ids) if self.unit_role and access is not None and not access.sees_all else None)
        if unit_ids is not None:
            lead, coop = Q(lead_unit_id__in=unit_ids), Q(cooperating_units__in=unit_ids)
            cond = {"lead": lead, "cooperating": coop & ~lead}.get(self.unit_role, lead | coop)
            qs = qs.filter(pk__in=Task.objects.filter(cond).values("pk"))
        elif self.unit_role == "cooperating":
            qs = qs.filter(cooperating_units__isnull=False).distinct()
        if self.leader:
            qs = qs.filter(responsible_leader_id=self.leader)
        if self.aspect == "none":
            qs = qs.filter(indicator__isnull=True)
        elif self.aspect:
            qs = qs.filter(Q(indicator__node_id=self.aspect) | Q(indicator__node__parent_id=self.aspect))
        if self.q:
            qs = qs.filter(Q(content__icontains=self.q) | Q(requirement__icontains=self.q)
                           | Q(indicator__name__icontains=self.q) | Q(indicator__code=self.q))
        return qs

    def order(self, qs, today):
        if self.sort == "urgent":
            return qs.order_by(urgency_order(today), "due_on", "seq")
        return qs.order_by(*self.SORTS[self.sort])


def task_table(campaign, access, filters, today):
    """(rows queryset, {status: count} before the status filter, total before any filter)."""
    base = Task.objects.filter(campaign=campaign).visible_to(access)
    filtered = filters.apply(base, today, access).with_status(today)
    counts = {s: 0 for s in Status.values}
    for r in filtered.values("status_now").annotate(n=Count("id")).order_by():
        counts[r["status_now"]] = r["n"]
    rows = filtered
    if filters.status:
        rows = rows.filter(Task.objects.status_q(filters.status, today))
    return with_rows(filters.order(rows, today)), counts


def filter_choices(campaign, access):
    """Units and leaders that appear in the (visible) table, for the filter menus."""
    visible = Task.objects.filter(campaign=campaign).visible_to(access)
    unit_ids = set(visible.values_list("lead_unit_id", flat=True)) | set(
        Task.cooperating_units.through.objects.filter(task__in=visible).values_list("unit_id", flat=True)
    )
    unit_ids |= set(access.own_unit_ids) if not access.sees_all else set()
    leader_ids = set(visible.exclude(responsible_leader=None).values_list("responsible_leader_id", flat=True))
    return {
        "units": list(Unit.objects.filter(id__in=unit_ids).order_by("sort_order", "id")),
        "leaders": list(Person.objects.filter(id__in=leader_ids).select_related("unit")),
        "aspects": campaign_aspects(campaign),
    }


@dataclass
class MyTasks:
    led: list = field(default_factory=list)
    cooperating: list = field(default_factory=list)
    responsible: list = field(default_factory=list)
    units: list = field(default_factory=list)

    @property
    def overdue_count(self):
        return sum(1 for t in self.led if t.status_now == Status.OVERDUE)


def my_tasks(access, campaign, today, user=None):
    """A unit staff member's tasks: led by their units, cooperated on, and (if they are a
    named person) the ones they are responsible for. Overdue first, then by deadline."""
    from .access import staff_unit_ids

    own = staff_unit_ids(access)
    base = Task.objects.filter(campaign=campaign).with_status(today)
    ordered = ("urgency", "due_on", "seq")
    base = base.annotate(urgency=urgency_order(today))
    led = with_rows(base.filter(lead_unit_id__in=own)).order_by(*ordered)
    cooperating = with_rows(
        base.filter(pk__in=Task.objects.filter(cooperating_units__in=own).values("pk")).exclude(lead_unit_id__in=own)
    ).order_by(*ordered)
    person = getattr(user, "person", None) if user is not None else None
    responsible = []
    if person is not None:
        responsible = list(with_rows(base.filter(responsible_person=person).exclude(lead_unit_id__in=own))
                           .order_by(*ordered))
    return MyTasks(
        led=list(led), cooperating=list(cooperating), responsible=responsible,
        units=list(Unit.objects.filter(
            id__in=access.user.memberships.filter(role="unit_staff").values("unit_id")).order_by("sort_order")),
    )


@dataclass
class LeaderRow:
    leader: Person
    total: int
    done: int
    overdue: int
    units: int


def leaders_with_counts(campaign, access, today):
    visible = Task.objects.filter(campaign=campaign).visible_to(access).exclude(responsible_leader=None)
    stats = visible.values("responsible_leader").annotate(
        total=Count("id"),
        done=Count("id", filter=Task.objects.state_q(states.CLOSED, today)),
        overdue=Count("id", filter=Task.objects.state_q(states.OVERDUE, today)),
        units=Count("lead_unit", distinct=True),
    ).order_by()
    by_id = {r["responsible_leader"]: r for r in stats}
    people = Person.objects.filter(id__in=by_id).select_related("unit").order_by("unit__sort_order", "id")
    return [LeaderRow(p, by_id[p.id]["total"], by_id[p.id]["done"], by_id[p.id]["overdue"], by_id[p.id]["units"])
            for p in people]


def leader_tasks(campaign, access, leader, today):
    """The tasks a leader supervises (as far as the viewer may see them) and their units' counts."""
    tasks = list(
        with_rows(Task.objects.filter(campaign=campaign, responsible_leader=leader).visible_to(access)
                  .with_status(today).annotate(urgency=urgency_order(today)))
        .order_by("urgency", "due_on", "seq")
    )
    units = {}
    for t in tasks:
        row = units.setdefault(t.lead_unit_id, UnitTaskCount(unit=t.lead_unit))
        row.led += 1
        row.done += t.status_now == Status.DONE
        row.submitted += t.status_now == Status.SUBMITTED
        row.overdue += t.status_now == Status.OVERDUE
    return tasks, sorted(units.values(), key=lambda r: (r.unit.sort_order, r.unit.id))


def task_timeline(task):
    return list(
        TaskUpdate.objects.filter(task=task)
        .select_related("author", "author__person", "unit")
        .prefetch_related("evidence")
    )
