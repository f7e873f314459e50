"""Every route × every persona × an object of another unit, generated from the URL resolver.

Each route that takes arguments needs a recipe (how to build its URL from an object owned by
unit B, with which method, and what a unit persona must get) or an entry in EXCLUDED with the
reason; a new route with neither fails `test_every_route_has_a_recipe_or_an_exclusion`.
Routes without arguments are requested by every persona with GET and with an empty POST and
must never answer 500.

Unit B (市城管执法局) owns every object. The unit personas are department staff of unit A, district
staff of 城东区 and an outsider of unit C: none of them may see unit B's objects.
"""
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from indicators.models import Campaign, IndicatorValue, Tier
from inspections import services as inspections
from inspections.models import InspectionRound, SupervisionOrder
from inspections.photos import process_photo
from ledgers.models import HeaderAlias
from ledgers.services import ledger_upload_confirm
from notifications.models import AlertEvent, Notification, UnitChannel
from organizations.models import Membership, Person, Unit
from reports.models import Briefing
from tasks import services as tasks
from tasks.models import TaskEvidence, TaskImport
from tests.conftest import make_user
from tests.factories import make_indicator, make_standard
from tests.ledgers.conftest import park, template_with, upload_and_parse
from visits import routes as visit_routes
from visits import services as visits
from visits.demo import demo_pdf
from visits.files import check_material_file
from visits.models import MaterialPackage, MaterialRequirement

WIDE = ("office", "leader", "inspector")
UNIT = ("dept", "district", "outsider")
PERSONAS = WIDE + UNIT

# Strings that belong to unit B's objects: a unit persona's page must never contain them,
# whatever its status (a 200 on a "global" page included).
SECRETS = ("城管秘密问题", "城管秘密任务", "城管秘密公园", "城管台账.xlsx", "城管秘密资料", "城管秘密点位")

# Routes that take arguments but serve no unit-owned object, each with the reason.
EXCLUDED = {
    # Django's admin: admin_view sends every non-staff user to the admin login before any
    # lookup (checked below in AdminRouteTests); office admins see every unit by design.
    "admin:*": "staff-only site",
    # Django's password-reset link: a signed token for one login, no unit's object; a wrong or
    # used token shows the invalid-link page to anybody.
    "password_reset_confirm": "token link, no unit-owned object",
    # The REST API (/api/, issue #14) has its own walk over every operation of its OpenAPI
    # schema, anonymous (401) and with another unit's token (404 / empty lists), with the same
    # world of unit B's objects: tests/api/test_access.py.
    "api-*": "walked by tests/api/test_access.py",
}


def route_names():
    """(qualified name, argument names) of every named URL pattern, from the resolver."""
    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                args = sorted(p.pattern.regex.groupindex)
                found.append((f"{namespace}{p.name}", tuple(args)))

    walk(get_resolver().url_patterns, "")
    return found


def excluded(name):
    return name in EXCLUDED or any(k.endswith("*") and name.startswith(k[:-1]) for k in EXCLUDED)


# --- the world: unit B's objects ---------------------------------------------------------


def jpeg():
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(out, "JPEG")
    from django.core.files.uploadedfile import SimpleUploadedFile

    return process_photo(SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg"),
                         strip_location=False)


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Seven users: a fast hasher keeps the fixture from spending its time in PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    city = Unit.objects.create(name="测试市", kind=Unit.Kind.CITY)
    office_unit = Unit.objects.create(name="创园办", kind=Unit.Kind.OFFICE, parent=city)
    unit_a = Unit.objects.create(name="市住建局", kind=Unit.Kind.DEPARTMENT, parent=city)
    unit_b = Unit.objects.create(name="市城管执法局", kind=Unit.Kind.DEPARTMENT, parent=city)
    unit_c = Unit.objects.create(name="市水务局", kind=Unit.Kind.DEPARTMENT, parent=city)
    districts = [Unit.objects.create(name=n, kind=Unit.Kind.DISTRICT, parent=city, sort_order=i)
                 for i, n in enumerate(["城东区", "城西区", "城南区", "城北区"])]
    Unit.objects.create(name="东街街道", kind=Unit.Kind.STREET, parent=districts[0])
    users = {
        "office": make_user("office", office_unit, Membership.Role.OFFICE),
        "leader": make_user("leader", city, Membership.Role.LEADER),
        "inspector": make_user("inspector", office_unit, Membership.Role.INSPECTOR),
        "dept": make_user("dept", unit_a, Membership.Role.UNIT_STAFF),
        "district": make_user("district", districts[0], Membership.Role.UNIT_STAFF),
        "outsider": make_user("outsider", unit_c, Membership.Role.UNIT_STAFF),
    }
    users["office"].is_staff = True
    users["office"].save()
    owner = make_user("owner", unit_b, Membership.Role.UNIT_STAFF)
    Person.objects.filter(user=users["leader"]).update(is_leader=True)

    standard, node = make_standard(code="garden-test")
    indicator = make_indicator(standard, node, "2.7", "万人拥有综合公园指数", measure_key="comprehensive_parks_per_10k",
                               unit="个/万人", thresholds=[{"tier": "garden", "comparator": "gte", "value": 0.06}])
    indicator.measure.formula_key = "comprehensive_parks_per_10k"
    indicator.measure.save()
    # A computed indicator the planner plans for (its page is the office's, leaders' and inspectors').
    coverage = make_indicator(standard, node, "2.6", "公园绿地服务半径覆盖率", measure_key="park_service_coverage",
                              thresholds=[{"tier": "garden", "comparator": "gte", "value": 80}])
    coverage.measure.formula_key = "park_service_coverage"
    coverage.measure.save()
    # A hand-entered indicator: its page carries the value form (a computed one has none).
    manual_indicator = make_indicator(standard, node, "2.1", "城市污水处理率", measure_key="sewage_treatment_rate",
                                      thresholds=[{"tier": "garden", "comparator": "gte", "value": 95}])
    campaign = Campaign.objects.create(
        name="测试市国家园林城市复查", city=city, office=office_unit, kind="re_inspection", tier=Tier.GARDEN,
        built_up_area_km2=Decimal("10"), urban_population=Decimal("20"), is_active=True,
        evaluation_date=timezone.localdate() + timedelta(days=200))
    campaign.standards.add(standard)
    today = timezone.localdate()

    finding = inspections.finding_create(
        campaign=campaign, user=users["inspector"], unit=unit_b, description="城管秘密问题", address="某路",
        deadline=today + timedelta(days=7), photos=[jpeg()])
    extension = inspections.extension_request_create(finding=finding, user=owner,
                                                     requested_deadline=today + timedelta(days=20), reason="雨季")
    order = SupervisionOrder.objects.filter(unit=unit_b).first()
    round_ = inspections.inspection_round_create(campaign=campaign, user=users["inspector"], date=today,
                                                 kind=InspectionRound.Kind.values[0])
    task = tasks.task_create(campaign=campaign, user=users["office"], seq=1, content="城管秘密任务", lead_unit=unit_b,
                             due_on=today + timedelta(days=30))
    milestone = tasks.task_milestone_add(task=task, user=users["office"], due_on=today + timedelta(days=10),
                                         text="城管秘密任务节点")
    evidence = TaskEvidence.objects.create(task=task, file=ContentFile(b"x", name="e.txt"), name="城管秘密任务.txt")
    task_import = TaskImport.objects.create(campaign=campaign, file=ContentFile(b"x", name="t.xlsx"),
                                            original_name="城管秘密任务表.xlsx", sha256="0" * 64)

    upload = upload_and_parse(unit_b, "parks", template_with("parks", [park(name="城管秘密公园")]), owner,
                              name="城管台账.xlsx", campaign=campaign)
    version = ledger_upload_confirm(upload=upload, user=owner).version
    pending = upload_and_parse(unit_b, "parks", template_with("parks", [park(name="城管秘密公园"),
                                                                     park(name="坏行", area_m2="很大")]), owner,
                               name="城管台账.xlsx", campaign=campaign)
    alias = HeaderAlias.objects.create(city=city, unit=unit_b, ledger_type="parks", header="园名", column="name")
    value = IndicatorValue.objects.filter(measure__key="comprehensive_parks_per_10k", scope=city).first()
    assert value is not None and value.provenance.get("versions")

    alert = AlertEvent.objects.create(content_type=ContentType.objects.get_for_model(finding), object_id=finding.pk,
                                      level=AlertEvent.Level.RED, campaign=campaign, unit=unit_b,
                                      deadline=finding.deadline, title="城管秘密问题 逾期")
    notification = Notification.objects.create(user=owner, alert=alert)
    briefing = Briefing.objects.create(campaign=campaign, week_start=date(2026, 6, 1), number=1,
                                       pdf=ContentFile(b"%PDF-1.4", name="b.pdf"))
    leader_person = Person.objects.get(user=users["leader"])
    requirement = MaterialRequirement.objects.create(indicator=indicator, title="综合公园名录")
    assignment = visits.material_assign(campaign=campaign, requirement=requirement, unit=unit_b,
                                        due_on=today + timedelta(days=30), user=users["office"])
    material = visits.material_document_upload(
        assignment=assignment, user=owner, checked=check_material_file(
            SimpleUploadedFile("m.pdf", demo_pdf("m").content)), title="城管秘密资料", doc_number="",
        doc_date=today - timedelta(days=30), pages=1)
    point = visit_routes.point_create(campaign=campaign, user=users["office"], name="城管秘密点位", owner=unit_b)
    route = visit_routes.route_create(campaign=campaign, user=users["office"], name="东线")
    visit_routes.route_add_stop(route=route, point=point, user=users["office"])
    package = MaterialPackage.objects.create(campaign=campaign, state=MaterialPackage.State.READY,
                                             file=ContentFile(b"PK\x05\x06" + b"\x00" * 18, name="p.zip"),
                                             finished_at=timezone.now())
    channel = UnitChannel.objects.create(unit=unit_b, kind=UnitChannel.Kind.WECOM,
                                         url="http://127.0.0.1:9/cgi-bin/webhook/send?key=城管秘密")
    return {
        "users": users, "campaign": campaign, "indicator": indicator, "standard": standard, "unit_b": unit_b,
        "finding": finding, "photo": finding.photos.first(), "extension": extension, "order": order,
        "round": round_, "task": task, "milestone": milestone, "evidence": evidence, "task_import": task_import,
        "ledger": version.ledger, "version": version, "upload": pending, "value": value,
        "notification": notification, "briefing": briefing, "leader_person": leader_person,
        "channel": channel, "manual_indicator": manual_indicator, "coverage": coverage, "material": material,
        "package": package, "point": point, "route": route, "alias": alias,
    }


# --- recipes ---------------------------------------------------------------------------------
# name: (method, kwargs from the world, what a unit persona gets). "denied" is 404 for a unit-owned
# object (README: another unit's object is a 404); 403 where the page belongs to roles, not
# units; "shown" for a global object whose page must still carry none of unit B's data.


def finding(w):
    return {"pk": w["finding"].pk}


def task(w):
    return {"pk": w["task"].pk}


def upload(w):
    return {"pk": w["upload"].pk}


def plan(w):
    return {"campaign_pk": w["campaign"].pk, "indicator_pk": w["coverage"].pk}


NOT_FOUND, FORBIDDEN, SHOWN = (404,), (403,), "shown"

RECIPES = {
    "unit_detail": ("get", lambda w: {"pk": w["unit_b"].pk}, NOT_FOUND),
    "finding_detail": ("get", finding, NOT_FOUND),
    "finding_start": ("post", finding, NOT_FOUND),
    "finding_submit": ("post", finding, NOT_FOUND),
    "finding_close": ("post", finding, NOT_FOUND),
    "finding_return": ("post", finding, NOT_FOUND),
    "finding_extension_request": ("post", finding, NOT_FOUND),
    "finding_extension_decide": ("post", lambda w: {"pk": w["extension"].pk}, NOT_FOUND),
    "finding_photo": ("get", lambda w: {"pk": w["photo"].pk, "variant": "thumb"}, NOT_FOUND),
    "finding_order_pdf": ("get", lambda w: {"pk": w["order"].pk}, NOT_FOUND),
    "round_detail": ("get", lambda w: {"pk": w["round"].pk}, NOT_FOUND),
    "finding_accountability_unit": ("get", lambda w: {"pk": w["unit_b"].pk}, NOT_FOUND),
    "finding_accountability_create": ("post", lambda w: {"pk": w["unit_b"].pk}, NOT_FOUND),
    "task_detail": ("get", task, NOT_FOUND),
    "task_edit": ("get", task, NOT_FOUND),
    "task_progress": ("post", task, NOT_FOUND),
    "task_contribute": ("post", task, NOT_FOUND),
    "task_submit": ("post", task, NOT_FOUND),
    "task_accept": ("post", task, NOT_FOUND),
    "task_send_back": ("post", task, NOT_FOUND),
    "task_milestone_add": ("post", task, NOT_FOUND),
    "task_milestone_done": ("post", lambda w: {"pk": w["task"].pk, "milestone_pk": w["milestone"].pk}, NOT_FOUND),
    "task_evidence": ("get", lambda w: {"pk": w["task"].pk, "evidence_pk": w["evidence"].pk}, NOT_FOUND),
    # The task table import is the office's: other roles are refused whoever's table it is.
    "task_import_preview": ("get", lambda w: {"pk": w["task_import"].pk}, FORBIDDEN),
    "task_import_confirm": ("post", lambda w: {"pk": w["task_import"].pk}, FORBIDDEN),
    # Leaders are the city's; the page lists only the tasks the user may see.
    "task_leader": ("get", lambda w: {"pk": w["leader_person"].pk}, SHOWN),
    "ledger_detail": ("get", lambda w: {"pk": w["ledger"].pk}, NOT_FOUND),
    "ledger_version": ("get", lambda w: {"pk": w["version"].pk}, NOT_FOUND),
    "ledger_version_file": ("get", lambda w: {"pk": w["version"].pk}, NOT_FOUND),
    "ledger_upload_detail": ("get", upload, NOT_FOUND),
    "ledger_upload_progress": ("get", upload, NOT_FOUND),
    "ledger_upload_confirm": ("post", upload, NOT_FOUND),
    "ledger_upload_cancel": ("post", upload, NOT_FOUND),
    "ledger_upload_reparse": ("post", upload, NOT_FOUND),
    "ledger_upload_map_headers": ("post", upload, NOT_FOUND),
    # Header spellings are kept by the office for the whole city: other roles are refused.
    "ledger_header_alias_delete": ("post", lambda w: {"pk": w["alias"].pk}, FORBIDDEN),
    "ledger_upload_file": ("get", upload, NOT_FOUND),
    "ledger_upload_errors": ("get", upload, NOT_FOUND),
    # A value is everybody's (the overview shows it); the rows of unit B's ledger are not.
    "ledger_value": ("get", lambda w: {"pk": w["value"].pk}, SHOWN),
    "ledger_template": ("get", lambda w: {"ledger_type": "parks"}, SHOWN),
    "notification_read": ("post", lambda w: {"pk": w["notification"].pk}, NOT_FOUND),
    # Briefings are the leaders' and the office's, not any unit's.
    "briefing_download": ("get", lambda w: {"pk": w["briefing"].pk}, FORBIDDEN),
    "briefing_appendix": ("get", lambda w: {"pk": w["briefing"].pk}, FORBIDDEN),
    # Group robots are set by the office for every unit; other roles are refused.
    "unit_channel_delete": ("post", lambda w: {"pk": w["channel"].pk}, FORBIDDEN),
    # Campaigns and the indicator library are read by everybody.
    "campaign_overview": ("get", lambda w: {"pk": w["campaign"].pk}, SHOWN),
    "campaign_indicator": ("get", lambda w: {"pk": w["campaign"].pk, "indicator_pk": w["indicator"].pk}, SHOWN),
    "standard_detail": ("get", lambda w: {"code": w["standard"].code}, SHOWN),
    "standard_export": ("get", lambda w: {"code": w["standard"].code}, SHOWN),
    "standard_import": ("get", lambda w: {"code": w["standard"].code}, FORBIDDEN),
    "standard_import_confirm": ("post", lambda w: {"code": w["standard"].code}, FORBIDDEN),
    "standard_import_cancel": ("post", lambda w: {"code": w["standard"].code}, FORBIDDEN),
    # Plans are city-wide and the office's (leaders and inspectors read): unit staff are refused.
    "plan_detail": ("get", plan, FORBIDDEN),
    "plan_sites": ("post", plan, FORBIDDEN),
    "plan_tasks": ("post", plan, FORBIDDEN),
    "standard_indicator_edit": ("get", lambda w: {"code": w["standard"].code, "indicator_code": "2.7"}, FORBIDDEN),
    "material_assignment": ("get", lambda w: {"pk": w["material"].assignment_id}, NOT_FOUND),
    "material_upload": ("post", lambda w: {"pk": w["material"].assignment_id}, NOT_FOUND),
    "material_document_reupload": ("post", lambda w: {"pk": w["material"].pk}, NOT_FOUND),
    "material_document_accept": ("post", lambda w: {"pk": w["material"].pk}, NOT_FOUND),
    "material_document_return": ("post", lambda w: {"pk": w["material"].pk}, NOT_FOUND),
    "material_file": ("get", lambda w: {"pk": w["material"].versions.get().pk}, NOT_FOUND),
    # Requirements are the standard's, not a unit's: assigning them is the office's.
    "material_assign": ("post", lambda w: {"pk": w["material"].assignment.requirement_id}, FORBIDDEN),
    # A package holds every unit's documents: the office's and the leaders', 404 for unit staff.
    "material_package": ("get", lambda w: {"pk": w["package"].pk}, NOT_FOUND),
    "material_package_progress": ("get", lambda w: {"pk": w["package"].pk}, NOT_FOUND),
    "material_package_download": ("get", lambda w: {"pk": w["package"].pk}, NOT_FOUND),
    "point_detail": ("get", lambda w: {"pk": w["point"].pk}, NOT_FOUND),
    "point_confirm": ("post", lambda w: {"pk": w["point"].pk}, NOT_FOUND),
    "point_link_finding": ("post", lambda w: {"pk": w["point"].pk}, NOT_FOUND),
    # A route crosses units: the office's, the leaders' and the inspectors' (404 for unit staff).
    "route_board": ("get", lambda w: {"pk": w["route"].pk}, NOT_FOUND),
    "route_stop_add": ("post", lambda w: {"pk": w["route"].pk}, NOT_FOUND),
}


def request(client, method, url):
    return client.get(url) if method == "get" else client.post(url, {})


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


class RouteAccessTests:
    def test_every_route_has_a_recipe_or_an_exclusion(self):
        missing = [name for name, args in route_names() if args and name not in RECIPES and not excluded(name)]
        assert not missing, f"routes with arguments and neither a recipe nor an exclusion: {missing}"
        stale = set(RECIPES) - {name for name, _ in route_names()}
        assert not stale, f"recipes for routes that no longer exist: {stale}"

    def test_no_unit_persona_gets_another_units_object(self, client, world):
        failures = []
        for name, (method, kwargs, denied) in RECIPES.items():
            url = reverse(name, kwargs=kwargs(world))
            for persona in PERSONAS:
                client.force_login(world["users"][persona])
                response = request(client, method, url)
                status = response.status_code
                if status >= 500:
                    failures.append(f"{persona} {method.upper()} {url}: {status}")
                    continue
                if persona == "office" and method == "get" and status != 200:
                    # The positive control: the recipe points at a real object (a wrong id would pass as 404).
                    failures.append(f"office GET {url}: {status}, expected 200")
                if persona in WIDE:
                    continue
                if denied != SHOWN and status not in denied:
                    failures.append(f"{persona} {method.upper()} {url}: {status}, expected {denied}")
                content = body_of(response).decode("utf-8", "replace")
                leaked = [s for s in SECRETS if s in content]
                if leaked:
                    failures.append(f"{persona} {method.upper()} {url}: shows {leaked}")
        assert not failures, "\n".join(failures)

    def test_routes_without_arguments_never_fail_for_any_persona(self, client, world):
        failures = []
        for name, args in route_names():
            if args or excluded(name):
                continue
            url = reverse(name)
            for persona in PERSONAS:
                for method in ("get", "post"):
                    client.force_login(world["users"][persona])
                    response = request(client, method, url)
                    if response.status_code >= 500:
                        failures.append(f"{persona} {method.upper()} {url}: {response.status_code}")
        assert not failures, "\n".join(failures)


class AdminRouteTests:
    def test_unit_personas_are_sent_to_the_admin_login(self, client, world):
        admin_routes = [(n, a) for n, a in route_names() if n.startswith("admin:") and set(a) <= {"object_id"}
                        and n not in ("admin:login", "admin:logout")]
        assert len(admin_routes) > 20
        for persona in UNIT:
            client.force_login(world["users"][persona])
            for name, args in admin_routes:
                url = reverse(name, kwargs={"object_id": str(world["finding"].pk)} if args else {})
                response = client.get(url)
                assert response.status_code == 302 and "/admin/login/" in response["Location"], (persona, url)
