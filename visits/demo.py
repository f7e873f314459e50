"""Demo materials: the requirement lists of both shipped standards (fixtures/materials, all
marked 待核对), each requirement of the garden campaign assigned to the lead unit of its
indicator's task, and a few documents in every review state. Idempotent: a campaign that
already has assignments keeps them."""
import json
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from indicators.models import Indicator, Standard

from . import services
from .files import CheckedFile
from .models import MaterialAssignment, MaterialRequirement

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "materials"


def load_requirements(user=None):
    """Every fixture file whose standard exists; returns rows created or changed."""
    changed = 0
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        standard = Standard.objects.filter(code=data["standard"]).first()
        if standard is None:
            continue
        indicators = {i.code: i for i in Indicator.objects.filter(standard=standard)}
        rows = {indicators[code]: items for code, items in data["requirements"].items() if code in indicators}
        changed += services.material_requirements_load(indicator_rows=rows, user=user)
    return changed


def demo_pdf(title):
    """A one-page PDF small enough to seed quickly (ASCII body; the title is in the index)."""
    body = b"BT /F1 18 Tf 72 720 Td (Demo material) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return CheckedFile(f"{title}.pdf", "pdf", "pdf", len(out), services.sha256_of(out), out)


def seed(context):
    load_requirements()
    campaign = context.get("campaign")
    if campaign is not None:
        seed_points(campaign)
    if campaign is None or MaterialAssignment.objects.filter(campaign=campaign).exists():
        return
    from tasks.models import Task

    leads = dict(Task.objects.filter(campaign=campaign, indicator__isnull=False)
                 .values_list("indicator_id", "lead_unit_id"))
    from organizations.models import Unit

    units = Unit.objects.in_bulk(set(leads.values()))
    today = timezone.localdate()
    base_due = services.default_due_on(campaign)
    requirements = MaterialRequirement.objects.filter(indicator__standard__in=campaign.standards.all()) \
        .select_related("indicator").order_by("indicator__order", "order")
    by_code = {}
    for i, requirement in enumerate(requirements):
        unit = units.get(leads.get(requirement.indicator_id))
        if unit is None:
            continue
        # Spread deadlines so the list shows every light: most by the materials deadline, a
        # few due this week and a few overdue.
        due = base_due if i % 7 else (today - timedelta(days=2) if i % 2 else today + timedelta(days=2))
        assignment = services.material_assign(campaign=campaign, requirement=requirement, unit=unit, due_on=due,
                                              user=None)
        by_code.setdefault(requirement.indicator.code, []).append(assignment)
    office = next((u for u in _users("office")), None)
    year = services.reference_year(campaign)
    # 1.2: the budgets of the window's years issued so far; all accepted but the latest, which
    # waits for review (a window that ends next year stays incomplete until then).
    for a in by_code.get("1.2", [])[:1]:
        issued = [y for y in range(year - 2, year + 1) if date(y, 2, 20) <= today]
        for y in issued:
            d = services.material_document_upload(
                assignment=a, user=None, checked=demo_pdf(f"{y}年园林绿化专项资金预算"),
                title=f"关于下达{y}年市本级园林绿化建设维护专项资金预算的通知", doc_number=f"示财建〔{y}〕{y % 100}号",
                doc_date=date(y, 2, 20), pages=6)
            if y != issued[-1]:
                services.material_document_accept(document=d, user=office)
    # 1.4: plan and approval accepted (complete).
    for a in by_code.get("1.4", [])[:1]:
        d = services.material_document_upload(
            assignment=a, user=None, checked=demo_pdf("城市绿地系统规划批复"),
            title="示例市人民政府关于《示例市城市绿地系统规划（2021—2035年）》的批复", doc_number="示政函〔2022〕35号",
            doc_date=date(2022, 6, 8), pages=4)
        services.material_document_accept(document=d, user=office)
    # 1.5: the publication proof returned with a reason.
    for a in by_code.get("1.5", [])[1:2]:
        d = services.material_document_upload(
            assignment=a, user=None, checked=demo_pdf("绿线公布"), title="城市绿线公布截图", doc_number="",
            doc_date=today - timedelta(days=40), pages=1)
        services.material_document_return(document=d, user=office,
                                          reason="只有一种媒体的截图；请补充报纸版面或第二种媒体的公布证明")
    # 1.1: the 三定 scheme waiting for review.
    for a in by_code.get("1.1", [])[:1]:
        services.material_document_upload(
            assignment=a, user=None, checked=demo_pdf("三定方案"), title="市住房和城乡建设局职能配置、内设机构和人员编制规定",
            doc_number="示编发〔2019〕8号", doc_date=date(2019, 3, 1), pages=12)


def _users(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username)


def seed_points(campaign):
    """Points from the current parks and compounds ledgers, and two routes whose stops show
    every light: a park with an open finding (red), confirmed points (green), the rest amber."""
    from datetime import time

    from inspections.models import Finding
    from ledgers.models import LedgerVersion
    from indicators import states

    from . import routes as R
    from .models import Point, Route

    if Point.objects.filter(campaign=campaign).exists():
        return
    office = _users("office").first()
    for version in LedgerVersion.objects.filter(is_current=True, ledger__ledger_type__in=("parks", "compounds")) \
            .select_related("ledger__unit").order_by("ledger__ledger_type", "pk"):
        R.points_from_ledger(campaign=campaign, version=version, user=office)
    parks = list(Point.objects.filter(campaign=campaign, kind=Point.Kind.PARK).order_by("pk")[:4])
    compounds = list(Point.objects.filter(campaign=campaign, kind=Point.Kind.COMPOUND).order_by("pk")[:2])
    if not parks:
        return
    today = timezone.localdate()
    open_finding = Finding.objects.in_state(states.OPEN, today).filter(campaign=campaign, unit=parks[0].owner).first()
    if open_finding is not None:
        R.point_link_finding(point=parks[0], finding=open_finding, user=office)
    for point in parks[1:3] + compounds[:1]:
        R.point_confirm(point=point, user=office, note="演示：包挂领导已查看")
    east = R.route_create(campaign=campaign, user=office, name="东线：人民公园—滨河绿道—老城小区",
                          planned_on=campaign.evaluation_date)
    for i, point in enumerate(parks[:3] + compounds):
        R.route_add_stop(route=east, point=point, user=office, planned_time=time(9 + i // 2, 30 * (i % 2)))
    rehearsal = R.route_create(campaign=campaign, user=office, name="预演线路（第一次）", purpose=Route.Purpose.REHEARSAL,
                               planned_on=today + timedelta(days=7))
    for i, point in enumerate(parks[1:]):
        R.route_add_stop(route=rehearsal, point=point, user=office, planned_time=time(14, 20 * i))
