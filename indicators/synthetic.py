"""A synthetic city: the demo city 示例市 grown to `scale` times its size with bulk writes,
for the benchmarks and for anyone sizing a server (issue 13).

Scale 1 is the demo itself (seed_demo). At scale N the re-inspection campaign gets about
N × the demo's 202 findings spread over inspection rounds of the weekly history, the two
campaigns N × the demo's 76 tasks, the compounds / roads / green spaces / parks ledgers
N × their rows, and both campaigns weekly compliance snapshots for the city and every
district over 12 + N weeks (at most two years). The city grows to up to 16 districts of up
to 12 streets each. Everything is drawn from a seeded RNG, so one scale always gives the
same city.

What is written in bulk skips the services on purpose (it is data, not user actions): no
audit rows, alert fields left empty so the first `detect_overdue` pass computes them (the
catch-up case the jobs benchmark measures), ledger-computed values not recomputed from the
extra rows (run the recompute job for that), snapshots copied from the demo's rather than
recomputed. Created / submitted / closed timestamps are the business dates, so a past
week's briefing counts them as at that week.
"""
import contextlib
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

BATCH = 2000
SEED = 20261129
DEMO_FINDINGS, DEMO_TASKS = 202, 76
NEW_DISTRICTS = ["江北区", "高新区", "滨湖区", "临港区", "经开区", "新城区", "湖西区", "山南区", "河东区", "港口区", "翠屏区",
                 "龙泉区"]
STREET_WORDS = ["和平", "友谊", "幸福", "建设", "团结", "光明", "胜利", "振兴", "繁荣", "长青", "安康", "丰收"]
LEDGERS = ("compounds", "roads", "green_spaces", "parks")
SYNTHETIC_MARK = "（合成）"  # ends the title of every synthetic inspection round


def sizes(scale):
    return {
        "districts": min(16, 4 + round(12 * (scale - 1) / 99)),
        "streets": min(12, max(3, scale // 8)),
        "weeks": min(104, 12 + scale),
        "findings": DEMO_FINDINGS * scale,
        "tasks": DEMO_TASKS * scale,
    }


@contextlib.contextmanager
def stamped(*fields):
    """Let bulk_create keep the business timestamps we set (auto_now_add would overwrite
    them with now, and a past week's briefing would then count nothing)."""
    saved = [(f, f.auto_now_add, f.auto_now) for f in fields]
    for f in fields:
        f.auto_now_add = f.auto_now = False
    try:
        yield
    finally:
        for f, add, now in saved:
            f.auto_now_add, f.auto_now = add, now


def at(day, hour=9):
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(settings.TIME_ZONE))


def build(scale, *, stdout=None):
    """Seed the demo, then grow it to `scale`. Returns the counts written."""
    def say(text):
        if stdout is not None:
            stdout.write(text)

    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w") if stdout is None else stdout)
    if scale <= 1:
        return {}
    from inspections.models import InspectionRound

    if InspectionRound.objects.filter(title__endswith=SYNTHETIC_MARK).exists():
        raise RuntimeError("this database already holds a synthetic city: use a fresh one")
    rng = random.Random(SEED + scale)
    size = sizes(scale)
    counts = {}
    with transaction.atomic():
        units = _units(rng, size, counts)
        say(f"units: {counts['units']} new")
        _findings(rng, size, units, counts)
        say(f"findings: {counts['findings']} new over {counts['rounds']} new rounds")
        _tasks(rng, size, units, counts)
        say(f"tasks: {counts['tasks']} new")
        _ledger_rows(rng, scale, units, counts)
        say(f"ledger rows: {counts['ledger_rows']} new")
        _snapshots(size, counts)
        say(f"snapshots: {counts['snapshots']} new")
    _rankings()
    from django.db import connection

    if connection.vendor == "postgresql":
        # Planner statistics for the bulk-loaded tables now, as autovacuum would do a little
        # later: without them the first queries plan for a handful of rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return counts


def _units(rng, size, counts):
    from organizations.models import Unit

    city = Unit.objects.get(kind=Unit.Kind.CITY, name="示例市")
    order = (Unit.objects.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0) + 10
    districts = list(Unit.objects.filter(parent=city, kind=Unit.Kind.DISTRICT).order_by("sort_order"))
    new = []
    for name in NEW_DISTRICTS[: max(0, size["districts"] - len(districts))]:
        new.append(Unit(name=name, kind=Unit.Kind.DISTRICT, parent=city, sort_order=order))
        order += 10
    Unit.objects.bulk_create(new)
    districts += list(Unit.objects.filter(name__in=[u.name for u in new]).order_by("sort_order"))
    streets = []
    for d in districts:
        have = Unit.objects.filter(parent=d).count()
        for word in STREET_WORDS[: max(0, size["streets"] - have)]:
            streets.append(Unit(name=f"{d.name[:2]}{word}街道", kind=Unit.Kind.STREET, parent=d, sort_order=order))
            order += 10
    Unit.objects.bulk_create(streets)
    counts["units"] = len(new) + len(streets)
    all_units = list(Unit.objects.filter(kind__in=[Unit.Kind.DISTRICT, Unit.Kind.STREET, Unit.Kind.DEPARTMENT])
                     .order_by("sort_order", "id"))
    return {"districts": districts, "all": all_units,
            "departments": [u for u in all_units if u.kind == Unit.Kind.DEPARTMENT]}


def _findings(rng, size, units, counts):
    from indicators.models import Campaign
    from inspections.models import Finding, InspectionRound

    campaign = Campaign.objects.get(name="示例市国家园林城市复查")
    templates = list(Finding.objects.filter(campaign=campaign).values(
        "description", "address", "category", "severity", "indicator_id", "source"))
    today = timezone.localdate()
    weeks = size["weeks"]
    start = today - timedelta(weeks=weeks - 1)
    rounds = [InspectionRound(campaign=campaign, title=f"第{k + 1}轮综合督查{SYNTHETIC_MARK}", date=start + timedelta(days=3 * k),
                              kind=InspectionRound.Kind.OPEN, area="全市")
              for k in range(max(1, 7 * (weeks - 1) // 3))]
    InspectionRound.objects.bulk_create(rounds, batch_size=BATCH)
    rounds = list(InspectionRound.objects.filter(campaign=campaign, title__endswith=SYNTHETIC_MARK).order_by("date"))
    counts["rounds"] = len(rounds)
    findings = []
    n = size["findings"] - DEMO_FINDINGS
    targets = units["districts"] + [u for u in units["all"] if u.kind == "street"] + units["departments"]
    for i in range(n):
        # Later rounds find more: the history fills towards today, as a push does.
        r = rounds[min(len(rounds) - 1, int(len(rounds) * rng.random() ** 0.6))]
        t = templates[i % len(templates)]
        found = r.date
        deadline = found + timedelta(days=rng.choice([5, 7, 10, 14, 15, 20, 30]))
        created = at(found, 10)
        submitted = closed = None
        age = (today - deadline).days
        roll = rng.random()
        if age > 10 and roll < 0.93 or age > 0 and roll < 0.7 or age <= 0 and roll < 0.25:
            status = Finding.Status.CLOSED
            done = min(today, deadline + timedelta(days=rng.randint(-4, 3)))
            submitted, closed = at(max(found, done - timedelta(days=1)), 15), at(max(found, done), 17)
        elif roll < 0.85:
            status = rng.choice([Finding.Status.ASSIGNED, Finding.Status.IN_RECTIFICATION,
                                 Finding.Status.IN_RECTIFICATION, Finding.Status.RETURNED])
        else:
            status = Finding.Status.SUBMITTED
            submitted = at(min(today, max(found, deadline - timedelta(days=1))), 16)
        findings.append(Finding(
            campaign=campaign, round=r, source=t["source"], found_on=found, description=t["description"],
            address=t["address"], category=t["category"], severity=t["severity"], indicator_id=t["indicator_id"],
            unit=targets[int(len(targets) * rng.random() ** 1.3)], deadline=deadline, status=status,
            created_at=created, submitted_at=submitted, closed_at=closed,
        ))
    with stamped(Finding._meta.get_field("created_at")):
        Finding.objects.bulk_create(findings, batch_size=BATCH)
    counts["findings"] = n


def _tasks(rng, size, units, counts):
    from indicators.models import Campaign
    from tasks.models import Review, Task

    today = timezone.localdate()
    leads = units["departments"] + units["districts"]
    extra = size["tasks"] - DEMO_TASKS
    new = []
    campaigns = list(Campaign.objects.filter(name__startswith="示例市").order_by("id"))
    per = {c.pk: Task.objects.filter(campaign=c).count() for c in campaigns}
    total = sum(per.values()) or 1
    for campaign in campaigns:
        templates = list(Task.objects.filter(campaign=campaign).values("content", "requirement", "indicator_id"))
        seq = (Task.objects.filter(campaign=campaign).order_by("-seq").values_list("seq", flat=True).first() or 0)
        for i in range(extra * per[campaign.pk] // total):
            t = templates[i % len(templates)]
            seq += 1
            due = today + timedelta(days=rng.randint(-70, 120))
            starts = due - timedelta(days=rng.randint(20, 90))
            roll = rng.random()
            submitted = accepted = None
            progress = rng.randint(0, 90)
            if due < today and roll < 0.75 or roll < 0.15:
                review, progress = Review.ACCEPTED, 100
                submitted = at(min(today, due) - timedelta(days=2), 15)
                accepted = at(min(today, due), 11)
            elif roll < 0.3:
                review, progress = Review.SUBMITTED, 100
                submitted = at(min(today, due) - timedelta(days=1), 15)
            elif roll < 0.35:
                review = Review.CHANGES_REQUESTED
            else:
                review = Review.DRAFT
            new.append(Task(
                campaign=campaign, indicator_id=t["indicator_id"], seq=seq, content=t["content"],
                requirement=t["requirement"], lead_unit=leads[int(len(leads) * rng.random() ** 1.2)],
                starts_on=starts, due_on=due, progress=progress, review_state=review, submitted_at=submitted,
                accepted_at=accepted, created_at=at(min(today, starts), 9), updated_at=at(today, 9),
            ))
    with stamped(Task._meta.get_field("created_at"), Task._meta.get_field("updated_at")):
        Task.objects.bulk_create(new, batch_size=BATCH)
    counts["tasks"] = len(new)


def _ledger_rows(rng, scale, units, counts):
    from ledgers.models import LedgerRow, LedgerVersion

    names = [d.name for d in units["districts"]]
    written = 0
    for version in LedgerVersion.objects.filter(is_current=True, ledger__ledger_type__in=LEDGERS):
        base = list(version.rows.order_by("row_number").values("row_number", "sheet", "natural_key", "data"))
        number = base[-1]["row_number"] if base else 0
        rows = []
        for copy in range(2, scale + 1):
            for row in base:
                number += 1
                data = dict(row["data"])
                data["name"] = f"{data.get('name', '')}{copy}"
                if "district" in data:
                    data["district"] = names[rng.randrange(len(names))]
                rows.append(LedgerRow(version=version, row_number=number, sheet=row["sheet"],
                                      natural_key=f"{row['natural_key']}#{copy}"[:400], data=data))
        LedgerRow.objects.bulk_create(rows, batch_size=BATCH)
        LedgerVersion.objects.filter(pk=version.pk).update(row_count=len(base) + len(rows))
        written += len(rows)
    counts["ledger_rows"] = written


def _snapshots(size, counts):
    """Weekly history back `weeks` weeks for the city and every district: each indicator's
    earliest demo snapshot repeated before the demo's twelve weeks, the city's row copied to
    districts that have none."""
    from indicators.models import Campaign, ComplianceSnapshot
    from organizations.models import Unit

    today = timezone.localdate()
    dates = [today - timedelta(weeks=k) for k in range(size["weeks"] - 1, -1, -1)]
    written = 0
    for campaign in Campaign.objects.filter(name__startswith="示例市"):
        scopes = [campaign.city_id] + list(Unit.objects.filter(parent=campaign.city, kind=Unit.Kind.DISTRICT)
                                           .values_list("id", flat=True))
        existing = {}
        for s in ComplianceSnapshot.objects.filter(campaign=campaign).order_by("-date"):
            existing[(s.indicator_id, s.scope_id)] = s  # ends at the earliest
        have = set(ComplianceSnapshot.objects.filter(campaign=campaign).values_list("indicator_id", "scope_id", "date"))
        indicators = {i for i, _ in existing}
        by_district = {i for i, scope_id in existing if scope_id != campaign.city_id}
        rows = []
        for indicator_id in indicators:
            for scope_id in scopes:
                if scope_id != campaign.city_id and indicator_id not in by_district:
                    continue  # only the lowest-district indicators are kept per district
                model = existing.get((indicator_id, scope_id)) or existing.get((indicator_id, campaign.city_id))
                if model is None:
                    continue
                for day in dates:
                    if (indicator_id, scope_id, day) in have:
                        continue
                    rows.append(ComplianceSnapshot(campaign=campaign, indicator_id=indicator_id, scope_id=scope_id,
                                                   date=day, value=model.value, target=model.target, gap=model.gap,
                                                   status=model.status))
        ComplianceSnapshot.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        written += len(rows)
    counts["snapshots"] = written


def _rankings():
    """Last week's and this week's red and black lists over the grown set of units."""
    from indicators.models import Campaign
    from reports.selectors import week_bounds
    from reports.services import ranking_write

    campaign = Campaign.objects.get(name="示例市国家园林城市复查")
    today = timezone.localdate()
    ranking_write(campaign=campaign, day=week_bounds(today)[0] - timedelta(days=1))
    ranking_write(campaign=campaign, day=today)
