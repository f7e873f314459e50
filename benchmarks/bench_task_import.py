"""Task table import of 5 000 rows against its floor (issue #13: within 2×).

The floor is the least any import must do: openpyxl's read-only iteration of the same rows,
each name matched in memory against dicts of units, people and indicators. The import does
that plus the safety gate, the comparison with the campaign's tasks, the stored preview and
the confirm's bulk writes with one audit row per task."""
import io
from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from benchmarks import benchmark
from indicators.models import Campaign, Indicator, Tier
from organizations.models import Membership, Person, Unit
from tests.factories import make_indicator, make_standard

ROWS = 5000
HEADERS = ["序号", "指标编号", "任务内容", "标准或要求", "工作措施", "牵头单位", "配合单位", "责任领导", "责任人", "完成时限"]


def _city(tag):
    """A megacity's directory: 16 districts, 200 departments, a leader per 10 departments."""
    city = Unit.objects.create(name=f"{tag}市", kind=Unit.Kind.CITY)
    Unit.objects.bulk_create([Unit(name=f"{tag}第{i}区", kind=Unit.Kind.DISTRICT, parent=city, sort_order=i)
                              for i in range(16)])
    Unit.objects.bulk_create([Unit(name=f"{tag}市第{i}局", short_name=f"{tag}{i}局", kind=Unit.Kind.DEPARTMENT,
                                   parent=city, sort_order=100 + i) for i in range(200)])
    departments = list(Unit.objects.filter(parent=city, kind=Unit.Kind.DEPARTMENT).order_by("sort_order"))
    Person.objects.bulk_create(
        [Person(name=f"{tag}领导{i}", title="副市长", unit=city, is_leader=True) for i in range(20)]
        + [Person(name=f"{tag}科长{i}", unit=d) for i, d in enumerate(departments)])
    user = get_user_model().objects.create_user(username=f"bench-task-{tag}", password="x")
    Membership.objects.create(user=user, unit=city, role=Membership.Role.OFFICE)
    standard, aspect = make_standard(code=f"{tag}-std")
    codes = [f"{a}.{b}" for a in range(1, 6) for b in range(1, 11)]
    for order, code in enumerate(codes):
        make_indicator(standard, aspect, code, f"{tag}指标{code}", order=order)
    campaign = Campaign.objects.create(name=f"{tag}创建", city=city, kind="creation", tier=Tier.GARDEN,
                                       built_up_area_km2=600, urban_population=900)
    campaign.standards.add(standard)
    return campaign, departments, codes, user


def _content(departments, codes, tag):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("任务分解表")
    ws.append([f"{tag}任务分解表"])
    ws.append(HEADERS)
    for i in range(1, ROWS + 1):
        lead, coop1, coop2 = (departments[(i * k) % len(departments)] for k in (1, 3, 7))
        ws.append([i, codes[i % len(codes)], f"任务{i}：按标准推进绿化建设", "达到评选标准", "落实具体措施",
                   lead.short_name, f"{coop1.name}、{coop2.short_name}", f"{tag}领导{i % 20}",
                   f"{tag}科长{(i * 1) % len(departments)}", date(2027, 1 + i % 12, 1 + i % 28)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _floor(content, campaign):
    """openpyxl read-only iteration of the same rows, every name matched in dicts."""
    units = {}
    for u in Unit.objects.all():
        units[u.name] = u.id
        if u.short_name:
            units[u.short_name] = u.id
    people = {p.name: p.id for p in Person.objects.all()}
    indicators = {i.code: i.id for i in Indicator.objects.filter(standard__campaigns=campaign)}
    wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    rows = []
    for row in wb.worksheets[0].iter_rows(min_row=3, values_only=True):
        seq, code, text, req, measures, lead, coop, leader, person, due = row[:10]
        rows.append((seq, indicators.get(code), text, req, measures, units.get(lead),
                     [units.get(c) for c in coop.split("、")], people.get(leader), people.get(person), due))
    wb.close()
    assert len(rows) == ROWS and all(r[5] and all(r[6]) and r[7] and r[8] for r in rows)
    return rows


@benchmark("task_import", f"task table import of {ROWS:,} rows (preview + confirm) ÷ its floor (target ≤ 2×)")
def task_import(timer):
    from tasks.models import Task
    from tasks.services import task_table_import_commit, task_table_import_preview

    campaign, departments, codes, user = _city("ti")
    content = _content(departments, codes, "ti")
    floor = timer.measure(f"floor: openpyxl read-only iteration + dict match, {ROWS:,} rows",
                          lambda: _floor(content, campaign), repeat=3)

    def upload():
        return SimpleUploadedFile("任务分解表.xlsx", content)

    def first_import():
        imp = task_table_import_preview(campaign=campaign, upload=upload(), user=user)
        assert imp.summary["pending"] == {} and imp.summary["counts"]["new"] == ROWS, imp.summary["counts"]
        task_table_import_commit(task_import=imp, user=user)

    def clear():
        Task.objects.filter(campaign=campaign).delete()

    first = timer.measure(f"first import, {ROWS:,} rows (preview + confirm)", first_import, repeat=3, setup=clear)
    assert Task.objects.filter(campaign=campaign).count() == ROWS

    def reimport():
        imp = task_table_import_preview(campaign=campaign, upload=upload(), user=user)
        assert imp.summary["counts"]["unchanged"] == ROWS

    timer.measure(f"re-import unchanged, {ROWS:,} rows (preview: nothing to confirm)", reimport, repeat=3)
    timer.note("first import ÷ floor", f"×{first / floor:.2f} (target ≤ 2)")
    timer.figure("task_import_5000", seconds=first, floor_seconds=floor)
