"""The red and black lists (红黑榜): pure scoring and selection over per-unit metrics."""
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


@dataclass
class UnitMetrics:
    unit_id: int
    unit_name: str
    sort_order: int
    findings_due: int = 0  # findings whose deadline fell in the period or that were closed in it
    findings_on_time: int = 0  # of those, closed on or before the deadline
    overdue: int = 0  # findings and tasks overdue at the period's end
    tasks_due: int = 0  # led tasks due by the period's end
    tasks_done: int = 0  # of those, accepted by the period's end
    returned: int = 0  # rectifications sent back in the period

    @property
    def on_time_rate(self):
        if not self.findings_due:
            return HUNDRED
        return (HUNDRED * self.findings_on_time / self.findings_due).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def task_completion(self):
        if not self.tasks_due:
            return HUNDRED
        return (HUNDRED * self.tasks_done / self.tasks_due).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def as_dict(self):
        return {
            "findings_due": self.findings_due, "findings_on_time": self.findings_on_time,
            "on_time_rate": str(self.on_time_rate), "overdue": self.overdue, "tasks_due": self.tasks_due,
            "tasks_done": self.tasks_done, "task_completion": str(self.task_completion), "returned": self.returned,
        }


@dataclass
class Ranked:
    metrics: UnitMetrics
    score: Decimal
    rank: int = 0
    flag: str = ""
    breakdown: dict = field(default_factory=dict)


def score(m: UnitMetrics, rule) -> Decimal:
    value = (
        Decimal(rule.weight_on_time) * m.on_time_rate / HUNDRED
        + Decimal(rule.weight_task_completion) * m.task_completion / HUNDRED
        - Decimal(rule.penalty_overdue) * m.overdue
        - Decimal(rule.penalty_returned) * m.returned
    )
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def rank_units(metrics, rule):
    """Score, order and flag. Ties fall to fewer overdue items, then the better on-time rate,
    then the unit's place in the directory, then its id — the same order every time.

    Red: the best `red_count` units that have nothing overdue. Black: the worst
    `black_count` units that have something overdue or returned — a unit is never
    black-listed for having no work, and one that clears its overdue items leaves the
    black list next period."""
    ranked = [Ranked(m, score(m, rule)) for m in metrics]
    ranked.sort(key=lambda r: (-r.score, r.metrics.overdue, -r.metrics.on_time_rate, r.metrics.sort_order,
                               r.metrics.unit_id))
    for i, r in enumerate(ranked, start=1):
        r.rank = i
    red = [r for r in ranked if r.metrics.overdue == 0][: rule.red_count]
    for r in red:
        r.flag = "red"
    candidates = [r for r in reversed(ranked) if r.flag == "" and (r.metrics.overdue or r.metrics.returned)]
    for r in candidates[: rule.black_count]:
        r.flag = "black"
    return ranked
