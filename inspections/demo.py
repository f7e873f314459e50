"""Demo inspections for the re-inspection campaign: a round every ten days over the last
twelve weeks (open and unannounced), ~200 findings in every state and alert level with
placeholder photos drawn by Pillow, timelines that match each state, extension requests,
numbered supervision orders and a few accountability records.

Written with bulk inserts (not the services) so it stays quick; the timelines, orders and
stored alert levels are what the services would have produced. Idempotent: a campaign
that already has rounds is left alone.
"""
import io
import random
from datetime import datetime, time, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from indicators.models import Indicator
from organizations.models import Person, Unit

from .models import (
    AccountabilityRecord,
    ExtensionRequest,
    Finding,
    FindingEvent,
    FindingPhoto,
    InspectionRound,
    OrderSequence,
    SupervisionOrder,
    campaign_zone,
)
from .services import finding_refresh_alert, format_order_number, issuer_name_for, short_unit_name

S = Finding.Status
WEEKS = 12
ROUND_EVERY_DAYS = 10
FONT_PATH = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_INDEX_SC = 2  # JP, KR, SC, TC, HK in Noto's collection

PARKS = ["人民公园", "滨江公园", "植物园", "文化广场", "东湖湿地公园", "儿童公园", "体育公园", "西山森林公园"]
ROADS = ["人民路", "解放大道", "建设路", "文昌路", "滨江大道", "北环路", "工业大道", "南湖路", "朝阳街", "新华路"]
WATERS = ["东湖", "南湖", "护城河", "西溪", "北渠"]
SITES = ["南湖新城二期", "高铁站前片区", "滨江商务区", "北站安置小区", "工业园标准厂房"]
COMPOUNDS = ["幸福里小区", "锦绣花园", "市一中", "市人民医院", "翠苑小区", "阳光新城"]

# category -> (description templates, responsible unit candidates, indicator names, rectification notes)
CATALOGUE = {
    Finding.Category.BARE_SOIL: (
        ["{park}东侧绿地黄土裸露约{n}平方米，未覆绿", "{road}中央分隔带裸土{n}米，雨天泥水外溢",
         "{compound}门前绿地裸露，地被缺失约{n}平方米"],
        ["城东区", "城西区", "城南区", "城北区", "市园林绿化中心"],
        ["建成区绿化覆盖率", "建成区绿地率"],
        ["已完成覆绿，补植麦冬、红叶石楠约{n}平方米", "已平整土地并铺设草皮，洒水养护中"],
    ),
    Finding.Category.TREES: (
        ["{road}行道树缺株{n}处，树池未补植", "{park}园内死树{n}株未及时清理", "{road}新植行道树支撑倒伏{n}处"],
        ["市园林绿化中心", "城东区", "城南区", "市交通运输局"],
        ["城市道路绿化普及率", "林荫路推广率"],
        ["已补植胸径8厘米香樟{n}株", "死树已清理并补植，支撑已扶正加固"],
    ),
    Finding.Category.ENCROACHMENT: (
        ["{road}绿化带被占用停车，绿篱损毁约{n}米", "{park}北门绿地被临时摊点占用",
         "{compound}擅自将公共绿地硬化约{n}平方米"],
        ["市城市管理综合执法局", "城西区", "城北区"],
        ["建成区绿地率"],
        ["已劝离占道车辆并设置隔离桩，损毁绿篱已补植", "已责令恢复原状，绿地已复绿"],
    ),
    Finding.Category.FACILITIES: (
        ["{park}园路铺装破损{n}处，存在安全隐患", "{park}座椅、垃圾桶损坏{n}处未修复",
         "{park}导览标识褪色、信息错误"],
        ["市园林绿化中心", "市住房和城乡建设局"],
        ["公园绿地服务半径覆盖率", "城市园林绿化综合评价值"],
        ["破损铺装已更换，座椅已修复", "标识已重新制作安装"],
    ),
    Finding.Category.SANITATION: (
        ["{park}绿化带内白色垃圾、烟头较多，保洁不到位", "{road}绿地内堆放建筑垃圾约{n}立方米",
         "{water}沿岸绿地垃圾未及时清运"],
        ["市城市管理综合执法局", "城东区", "城西区", "城南区", "城北区"],
        ["城市容貌评价值"],
        ["已组织人员集中清理，落实每日两次保洁", "建筑垃圾已清运，并对责任人进行了教育"],
    ),
    Finding.Category.WATER: (
        ["{water}水面漂浮物较多，岸边有异味", "{water}入河排口晴天有污水排出", "{road}雨水井堵塞，积水{n}处"],
        ["市水务局", "市生态环境局"],
        ["城市污水处理率"],
        ["已打捞水面漂浮物，排口已封堵并溯源整改", "已疏通雨水井，积水已排除"],
    ),
    Finding.Category.CONSTRUCTION: (
        ["{site}工地围挡破损{n}处，裸土未覆盖", "{site}出入口无冲洗设施，车辆带泥上路",
         "{site}施工占用绿地未办理审批"],
        ["市住房和城乡建设局", "市自然资源和规划局"],
        ["城市容貌评价值"],
        ["围挡已修复，裸土已全部覆盖防尘网", "已补办审批手续并承诺竣工后恢复绿地"],
    ),
    Finding.Category.GREEN_MAINTENANCE: (
        ["{road}绿化带杂草丛生，绿篱未修剪", "{park}草坪斑秃{n}处，养护不到位", "{road}绿地病虫害明显，未及时防治"],
        ["市园林绿化中心", "城东区", "城西区", "城南区", "城北区"],
        ["城市园林绿化综合评价值"],
        ["已完成除草、修剪，落实养护责任人", "已喷药防治并补植斑秃草坪"],
    ),
    Finding.Category.RECORDS: (
        ["园林绿化台账资料不全，缺少{n}月份养护记录", "绿地面积统计口径与测绘成果不一致", "佐证材料照片缺少拍摄时间"],
        ["市住房和城乡建设局", "市园林绿化中心", "市统计局", "市自然资源和规划局"],
        ["建成区绿地率"],
        ["已补齐养护记录并装订成册", "已按测绘成果重新核对统计口径"],
    ),
}
RETURN_REASONS = ["整改不彻底，仍有部分裸露", "照片与现场不符，请补充整改后近景照片", "补植苗木规格不符合要求",
                  "现场复查仍有垃圾堆放，请落实长效保洁"]
STAFF_LOGINS = {  # unit -> the demo login that acts for it (organizations/demo.py)
    "市住房和城乡建设局": "zhujian", "市城市管理综合执法局": "chengguan", "市自然资源和规划局": "ziranziyuan",
    "市水务局": "shuiwu", "市园林绿化中心": "yuanlin", "城东区": "chengdong", "城西区": "chengxi",
    "城南区": "chengnan", "城北区": "chengbei",
}


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=campaign_zone())


def _office_hours(moment):
    """Move a time outside 08:00–20:00 to the next morning: people work by day."""
    local = moment.astimezone(campaign_zone())
    if local.hour < 8:
        return local.replace(hour=8, minute=local.minute % 30 + 20)
    if local.hour >= 20:
        return (local + timedelta(days=1)).replace(hour=8, minute=local.minute % 30 + 20)
    return local


class _Painter:
    """Placeholder photos: a street scene with the problem (before) or the fix (after)."""

    def __init__(self):
        try:
            self.font = ImageFont.truetype(str(FONT_PATH), 22, index=FONT_INDEX_SC)
            self.small = ImageFont.truetype(str(FONT_PATH), 15, index=FONT_INDEX_SC)
            self.cjk = True
        except OSError:
            self.font = self.small = ImageFont.load_default()
            self.cjk = False

    def paint(self, rng, kind, category, label, stamp):
        w, h = 480, 360
        img = Image.new("RGB", (w, h), (170, 200, 225))
        d = ImageDraw.Draw(img)
        for y in range(0, 150, 6):  # sky
            shade = 225 - y // 4
            d.rectangle([0, y, w, y + 6], fill=(150 + y // 6, 190 + y // 12, shade))
        for i in range(4):  # buildings
            x = 20 + i * 120 + rng.randint(-10, 10)
            top = rng.randint(40, 100)
            d.rectangle([x, top, x + 80, 160], fill=(205, 205, 200), outline=(160, 160, 155))
            for wy in range(top + 10, 150, 18):
                for wx in range(x + 8, x + 72, 16):
                    d.rectangle([wx, wy, wx + 8, wy + 9], fill=(150, 170, 190))
        d.rectangle([0, 160, w, 200], fill=(120, 120, 125))  # road
        for x in range(0, w, 60):
            d.rectangle([x, 178, x + 30, 182], fill=(235, 235, 235))
        after = kind == FindingPhoto.Kind.AFTER
        ground = (92, 150, 70) if after else (150, 155, 90)
        d.rectangle([0, 200, w, h], fill=ground)
        if after:
            for _ in range(7):
                x, y = rng.randint(10, w - 40), rng.randint(205, 280)
                d.rectangle([x + 12, y + 30, x + 18, y + 60], fill=(100, 70, 40))
                d.ellipse([x - 10, y - 10, x + 40, y + 40], fill=(40, 120 + rng.randint(0, 40), 50))
        else:
            if category in (Finding.Category.BARE_SOIL, Finding.Category.CONSTRUCTION, Finding.Category.TREES):
                d.polygon([(rng.randint(40, 120), 230), (rng.randint(300, 420), 215), (440, 320), (60, 330)],
                          fill=(168, 128, 82))
            if category in (Finding.Category.SANITATION, Finding.Category.ENCROACHMENT, Finding.Category.WATER):
                for _ in range(25):
                    x, y = rng.randint(20, w - 20), rng.randint(210, h - 20)
                    d.ellipse([x, y, x + 9, y + 6], fill=rng.choice([(240, 240, 240), (60, 60, 60), (200, 60, 50)]))
            if category in (Finding.Category.FACILITIES, Finding.Category.GREEN_MAINTENANCE, Finding.Category.RECORDS,
                            Finding.Category.OTHER):
                for _ in range(12):
                    x, y = rng.randint(20, w - 40), rng.randint(210, h - 30)
                    d.line([x, y, x + rng.randint(10, 40), y + rng.randint(-15, 15)], fill=(90, 80, 60), width=3)
            d.ellipse([w // 2 - 70, 235, w // 2 + 70, 335], outline=(220, 30, 30), width=5)
        bar = (20, 110, 70) if after else (200, 40, 40)
        d.rectangle([0, 0, w, 34], fill=bar)
        text = label if self.cjk else label.encode("ascii", "ignore").decode() or "photo"
        d.text((10, 4), text, fill="white", font=self.font)
        d.text((10, h - 24), stamp, fill="white", font=self.small)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=72, optimize=True)
        return out.getvalue()


def _choose_status(rng, age):
    """The state a finding found `age` days ago is in today."""
    roll = rng.random()
    if age > 40:
        table = [(0.80, S.CLOSED), (0.86, S.SUBMITTED), (0.93, S.IN_RECTIFICATION), (0.97, S.RETURNED), (1, S.ASSIGNED)]
    elif age > 18:
        table = [(0.55, S.CLOSED), (0.67, S.SUBMITTED), (0.84, S.IN_RECTIFICATION), (0.92, S.RETURNED),
                 (1, S.ASSIGNED)]
    else:
        table = [(0.22, S.CLOSED), (0.40, S.SUBMITTED), (0.68, S.IN_RECTIFICATION), (0.76, S.RETURNED),
                 (1, S.ASSIGNED)]
    return next(status for limit, status in table if roll <= limit)


@transaction.atomic
def seed(context):
    campaign = context["campaign"]
    if InspectionRound.objects.filter(campaign=campaign).exists():
        return
    rng = random.Random(20260415)
    today = timezone.localdate()
    now = timezone.now()
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=["office", "inspector", "inspector2",
                                                                      *STAFF_LOGINS.values()])}
    people = {p.name: p for p in Person.objects.select_related("unit", "user")}
    units = {u.name: u for u in Unit.objects.all()}
    inspectors = [u for u in (users.get("inspector"), users.get("inspector2")) if u]
    office_user = users.get("office") or (inspectors[0] if inspectors else None)
    indicators = {i.name: i for i in Indicator.objects.filter(standard__campaigns=campaign)}
    streets = {d: [u for u in units.values() if u.parent_id == units[d].pk] for d in ("城东区", "城西区", "城南区", "城北区")
               if d in units}

    def name_of(user):
        if user is None:
            return ""
        person = getattr(user, "person", None)
        return f"{person.name}（{short_unit_name(person.unit)}）" if person else user.username

    def unit_actor(unit):
        root = unit.parent if unit.kind == Unit.Kind.STREET else unit
        user = users.get(STAFF_LOGINS.get(root.name, ""))
        if user is not None:
            return user, name_of(user)
        liaison = next((p for p in people.values() if p.unit_id == root.pk and not p.is_leader), None)
        return None, f"{liaison.name}（{root.name}）" if liaison else root.name

    # Rounds: every ten days, the last one four days ago; every third one unannounced.
    team_pool = [people[n] for n in ("周涛", "吴敏", "陈晓雯", "李明华", "方志远") if n in people]
    districts = list(streets)
    rounds = []
    first = today - timedelta(weeks=WEEKS) + timedelta(days=2)
    k = 0
    day = first
    while day <= today - timedelta(days=2):
        kind = InspectionRound.Kind.UNANNOUNCED if k % 3 == 2 else InspectionRound.Kind.OPEN
        area = "、".join(rng.sample(districts, 2)) if districts else ""
        route = "\n".join(rng.sample(PARKS, 3) + rng.sample(ROADS, 3) + rng.sample(COMPOUNDS, 1))
        rounds.append(InspectionRound(campaign=campaign, title=f"第{k + 1}次督查", date=day, kind=kind, area=area,
                                      route=route, created_by=office_user,
                                      note="对照《国家园林城市评选标准》逐项检查" if k % 2 == 0 else ""))
        k += 1
        day += timedelta(days=ROUND_EVERY_DAYS)
    InspectionRound.objects.bulk_create(rounds)
    standards = list(campaign.standards.all())
    for r in rounds:
        r.team.set(team_pool[:2] + rng.sample(team_pool[2:], min(1, len(team_pool[2:]))))
        r.standards.set(standards)

    # Findings: ~20 per round plus leaders' instructions, citizens' reports and the experts' pre-check.
    specs = []
    for r in rounds:
        for _ in range(rng.randint(17, 22)):
            specs.append((r, Finding.Source.INSPECTION, r.date))
    for source, n in ((Finding.Source.LEADER, 6), (Finding.Source.CITIZEN, 9), (Finding.Source.EXPERT, 5)):
        for _ in range(n):
            specs.append((None, source, today - timedelta(days=rng.randint(1, WEEKS * 7 - 5))))
    specs.sort(key=lambda s: s[2])

    findings, plans = [], []
    for round_, source, found_on in specs:
        category = rng.choice(list(CATALOGUE))
        templates, unit_names, indicator_names, _notes = CATALOGUE[category]
        unit = units[rng.choice([n for n in unit_names if n in units])]
        if unit.name in streets and streets[unit.name] and rng.random() < 0.3:
            unit = rng.choice(streets[unit.name])
        text = rng.choice(templates).format(park=rng.choice(PARKS), road=rng.choice(ROADS), water=rng.choice(WATERS),
                                            site=rng.choice(SITES), compound=rng.choice(COMPOUNDS),
                                            n=rng.randint(2, 60))
        address = rng.choice([f"{rng.choice(ROADS)}{rng.randint(1, 300)}号附近", f"{rng.choice(PARKS)}",
                              f"{rng.choice(ROADS)}与{rng.choice(ROADS)}交叉口"])
        limit = rng.choice([3, 5, 7, 7, 10, 15])
        status = _choose_status(rng, (today - found_on).days)
        deadline = found_on + timedelta(days=limit)
        if status in Finding.UNIT_STATUSES and deadline < today and rng.random() < 0.45:
            # Many old open findings were given more time when they were returned.
            deadline = today + timedelta(days=rng.randint(-2, 8))
        ind_name = rng.choice(indicator_names)
        lat = lng = None
        if rng.random() < 0.6:
            # Inside 示例市's districts (ledgers.demo.DISTRICTS), so the map draws them in the city.
            lat, lng = round(32.05 + rng.uniform(-0.05, 0.05), 6), round(118.78 + rng.uniform(-0.06, 0.06), 6)
        severity = rng.choices([Finding.Severity.MINOR, Finding.Severity.MAJOR, Finding.Severity.SEVERE], [6, 3, 1])[0]
        creator = rng.choice(inspectors) if source == Finding.Source.INSPECTION and inspectors else office_user
        findings.append(Finding(
            campaign=campaign, round=round_, source=source, found_on=found_on, description=text, address=address,
            latitude=lat, longitude=lng, indicator=indicators.get(ind_name), category=category, severity=severity,
            unit=unit, deadline=deadline, status=status, created_by=creator,
        ))
        plans.append({"limit": limit, "creator": creator})
    # The last round's findings make sure every level shows up today.
    recent = [i for i, f in enumerate(findings) if f.round_id == rounds[-1].pk] if rounds else []
    for offset, i in zip([1, 2, 3, 5, 9, -1, -2, -6], recent):
        findings[i].status = rng.choice([S.ASSIGNED, S.IN_RECTIFICATION])
        findings[i].deadline = max(findings[i].found_on, today + timedelta(days=offset))
        plans[i]["limit"] = (findings[i].deadline - findings[i].found_on).days
    Finding.objects.bulk_create(findings)

    painter = _Painter()
    events, photos, orders, order_links, coop_links = [], [], [], [], []
    issuer = issuer_name_for(campaign)
    sequences = {}
    created_at = {}
    for f, plan in zip(findings, plans):
        created = _at(f.found_on, rng.randint(9, 16), rng.randint(0, 59))
        created_at[f.pk] = min(created, now)
        actor, actor_name = unit_actor(f.unit)
        notes = CATALOGUE[f.category][3]
        own_photos = []
        # Photos: one or two before, one or two after once submitted.
        for n in range(rng.choice([1, 1, 2])):
            label = f"#{f.pk} 整改前 · {short_unit_name(f.unit)}"
            data = painter.paint(rng, FindingPhoto.Kind.BEFORE, f.category, label, f"{f.found_on:%Y-%m-%d} {f.address}")
            path = default_storage.save(f"inspections/{campaign.pk}/{f.pk}/demo-before-{n}.jpg", ContentFile(data))
            photos.append(FindingPhoto(finding=f, kind=FindingPhoto.Kind.BEFORE, image=path, thumbnail=path,
                                       width=480, height=360, original_name=f"IMG_{f.pk:04d}{n}.jpg", size=len(data),
                                       taken_at=created, uploaded_by=plan["creator"]))
        # Supervision order, numbered in the order the findings were found.
        year = timezone.localtime(created).year
        sequences[year] = sequences.get(year, 0) + 1
        prefix = "创园督"
        orders.append(SupervisionOrder(campaign=campaign, year=year, seq=sequences[year],
                                       number=format_order_number(prefix, year, sequences[year]), unit=f.unit,
                                       issuer_name=issuer, issued_by=plan["creator"],
                                       issued_by_name=name_of(plan["creator"]), issued_at=created))
        if rng.random() < 0.25:
            others = [u for u in units.values() if u.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.DISTRICT)
                      and u.pk != f.unit_id]
            coop_links.append((f, rng.choice(others)))
        timeline = [FindingEvent(finding=f, kind=FindingEvent.Kind.CREATED, at=created_at[f.pk],
                                 actor=plan["creator"], actor_name=name_of(plan["creator"]), to_status=S.ASSIGNED,
                                 note=f"督办单 {orders[-1].number}", deadline_after=f.found_on + timedelta(
                                     days=plan["limit"]))]
        if f.status != S.ASSIGNED:
            t = _office_hours(created + timedelta(hours=rng.randint(3, 30)))
            timeline.append(FindingEvent(finding=f, kind=FindingEvent.Kind.STARTED, at=t, actor=actor,
                                         actor_name=actor_name, from_status=S.ASSIGNED, to_status=S.IN_RECTIFICATION))
            cycles = 2 if f.status == S.RETURNED or (f.status != S.ASSIGNED and rng.random() < 0.15) else 1
            for cycle in range(cycles):
                last_cycle = cycle == cycles - 1
                if f.status == S.IN_RECTIFICATION and last_cycle:
                    break
                t = _office_hours(t + timedelta(hours=rng.randint(20, 24 * max(1, plan["limit"] - 1))))
                note = rng.choice(notes).format(n=rng.randint(2, 60))
                timeline.append(FindingEvent(finding=f, kind=FindingEvent.Kind.SUBMITTED, at=t, actor=actor,
                                             actor_name=actor_name, from_status=timeline[-1].to_status,
                                             to_status=S.SUBMITTED, note=note))
                after_label = f"#{f.pk} 整改后 · {short_unit_name(f.unit)}"
                data = painter.paint(rng, FindingPhoto.Kind.AFTER, f.category, after_label, f"{t:%Y-%m-%d}")
                path = default_storage.save(f"inspections/{campaign.pk}/{f.pk}/demo-after-{cycle}.jpg",
                                            ContentFile(data))
                own_photos.append(FindingPhoto(finding=f, kind=FindingPhoto.Kind.AFTER, image=path, thumbnail=path,
                                               width=480, height=360, original_name=f"after_{f.pk}_{cycle}.jpg",
                                               size=len(data), taken_at=t - timedelta(hours=1), uploaded_by=actor))
                if f.status == S.SUBMITTED and last_cycle:
                    break
                t = _office_hours(t + timedelta(hours=rng.randint(16, 60)))
                verifier = rng.choice(inspectors) if inspectors else office_user
                if last_cycle and f.status == S.CLOSED:
                    timeline.append(FindingEvent(finding=f, kind=FindingEvent.Kind.CLOSED, at=t, actor=verifier,
                                                 actor_name=name_of(verifier), from_status=S.SUBMITTED,
                                                 to_status=S.CLOSED, note="复核通过，予以销号"))
                    f.closed_at = t
                else:
                    reset = f.deadline if last_cycle and f.deadline != timeline[0].deadline_after else None
                    timeline.append(FindingEvent(finding=f, kind=FindingEvent.Kind.RETURNED, at=t, actor=verifier,
                                                 actor_name=name_of(verifier), from_status=S.SUBMITTED,
                                                 to_status=S.RETURNED, note=rng.choice(RETURN_REASONS),
                                                 deadline_before=timeline[0].deadline_after if reset else None,
                                                 deadline_after=reset))
            if f.status == S.IN_RECTIFICATION and timeline[-1].to_status == S.RETURNED:
                timeline.append(FindingEvent(finding=f, kind=FindingEvent.Kind.STARTED, at=t + timedelta(hours=2),
                                             actor=actor, actor_name=actor_name, from_status=S.RETURNED,
                                             to_status=S.IN_RECTIFICATION))
            submitted = [e for e in timeline if e.kind == FindingEvent.Kind.SUBMITTED]
            f.submitted_at = submitted[-1].at if submitted else None
        # Keep every timestamp in the past: squeeze a timeline that ran past now.
        latest = max(e.at for e in timeline)
        if latest > now:
            span = (latest - created_at[f.pk]) or timedelta(seconds=1)
            room = now - timedelta(minutes=30) - created_at[f.pk]
            ratio = max(room / span, 0)
            for e in timeline:
                e.at = created_at[f.pk] + (e.at - created_at[f.pk]) * ratio
            for p in own_photos:
                p.taken_at = created_at[f.pk] + (p.taken_at - created_at[f.pk]) * ratio
            f.closed_at = timeline[-1].at if f.status == S.CLOSED else None
            f.submitted_at = max((e.at for e in timeline if e.kind == FindingEvent.Kind.SUBMITTED), default=None)
        # A deadline moved with no return event: an approved extension explains it.
        if f.deadline != timeline[0].deadline_after and not any(e.deadline_after == f.deadline for e in timeline):
            original = timeline[0].deadline_after
            asked = _at(min(original, today) - timedelta(days=1), 15)
            asked = max(asked, created_at[f.pk] + timedelta(hours=1))
            if f.deadline > original and asked < now:
                decided = min(asked + timedelta(hours=20), now - timedelta(minutes=10))
                ext = ExtensionRequest(finding=f, current_deadline=original, requested_deadline=f.deadline,
                                       reason="涉及苗木采购和施工协调，需延长整改时间", requested_by=actor,
                                       requested_at=asked, status=ExtensionRequest.Status.APPROVED,
                                       approved_deadline=f.deadline, decided_by=office_user, decided_at=decided,
                                       decision_note="同意延期，请按新期限整改到位")
                plan["extension"] = ext
                timeline += [
                    FindingEvent(finding=f, kind=FindingEvent.Kind.EXTENSION_REQUESTED, at=asked, actor=actor,
                                 actor_name=actor_name, note=ext.reason, deadline_before=original,
                                 deadline_after=f.deadline),
                    FindingEvent(finding=f, kind=FindingEvent.Kind.EXTENSION_APPROVED, at=decided,
                                 actor=office_user, actor_name=name_of(office_user), note=ext.decision_note,
                                 deadline_before=original, deadline_after=f.deadline),
                ]
            else:
                f.deadline = original
        events += timeline
        photos += own_photos

    # A few requests still waiting for the office, and a couple it turned down.
    waiting = [f for f in findings if f.status in Finding.UNIT_STATUSES and f.deadline >= today + timedelta(days=1)
               and "extension" not in plans[findings.index(f)]]
    extensions = [p["extension"] for p in plans if "extension" in p]
    for i, f in enumerate(waiting[:6]):
        actor, actor_name = unit_actor(f.unit)
        asked = min(now - timedelta(hours=3 + i), _at(f.deadline, 9))
        asked = max(asked, created_at[f.pk] + timedelta(minutes=30))
        rejected = i >= 3
        ext = ExtensionRequest(
            finding=f, current_deadline=f.deadline, requested_deadline=f.deadline + timedelta(days=10),
            reason=rng.choice(["雨季施工条件受限，申请延期", "需协调产权单位，申请延长整改期限", "苗木到货周期较长"]),
            requested_by=actor, requested_at=asked,
            status=ExtensionRequest.Status.REJECTED if rejected else ExtensionRequest.Status.PENDING,
        )
        events.append(FindingEvent(finding=f, kind=FindingEvent.Kind.EXTENSION_REQUESTED, at=asked, actor=actor,
                                   actor_name=actor_name, note=ext.reason, deadline_before=f.deadline,
                                   deadline_after=ext.requested_deadline))
        if rejected:
            ext.decided_by, ext.decided_at = office_user, min(asked + timedelta(hours=2), now - timedelta(minutes=5))
            ext.decision_note = "理由不充分，请按原期限整改"
            events.append(FindingEvent(finding=f, kind=FindingEvent.Kind.EXTENSION_REJECTED, at=ext.decided_at,
                                       actor=office_user, actor_name=name_of(office_user), note=ext.decision_note))
        extensions.append(ext)
    ExtensionRequest.objects.bulk_create(extensions)

    Finding.objects.bulk_update(findings, ["deadline", "submitted_at", "closed_at"], batch_size=200)
    for f in findings:
        Finding.objects.filter(pk=f.pk).update(created_at=created_at[f.pk])
    FindingPhoto.objects.bulk_create(photos)
    Finding.cooperating_units.through.objects.bulk_create(
        [Finding.cooperating_units.through(finding_id=f.pk, unit_id=u.pk) for f, u in coop_links])
    SupervisionOrder.objects.bulk_create(orders)
    order_links = [SupervisionOrder.findings.through(supervisionorder_id=o.pk, finding_id=f.pk)
                   for o, f in zip(orders, findings)]

    # Batch orders for the three units with the most open findings, issued yesterday.
    open_by_unit = {}
    for f in findings:
        if f.status in Finding.UNIT_STATUSES:
            open_by_unit.setdefault(f.unit_id, []).append(f)
    yesterday = min(_at(today - timedelta(days=1), 10), now)
    for unit_id, batch in sorted(open_by_unit.items(), key=lambda kv: -len(kv[1]))[:3]:
        batch = [f for f in batch if created_at[f.pk] < yesterday]
        year = timezone.localtime(yesterday).year
        sequences[year] = sequences.get(year, 0) + 1
        order = SupervisionOrder.objects.create(
            campaign=campaign, year=year, seq=sequences[year], number=format_order_number("创园督", year, sequences[year]),
            kind=SupervisionOrder.Kind.BATCH, unit_id=unit_id, issuer_name=issuer, issued_by=office_user,
            issued_by_name=name_of(office_user), issued_at=yesterday)
        order_links += [SupervisionOrder.findings.through(supervisionorder_id=order.pk, finding_id=f.pk) for f in batch]
        events += [FindingEvent(finding=f, kind=FindingEvent.Kind.ORDER_ISSUED, at=yesterday, actor=office_user,
                                actor_name=name_of(office_user), note=order.number) for f in batch]
    SupervisionOrder.findings.through.objects.bulk_create(order_links)
    for year, last in sequences.items():
        OrderSequence.objects.update_or_create(campaign=campaign, year=year, defaults={"last": last})

    # Accountability: the units that let deadlines slip most.
    overdue_by_unit = {}
    for f in findings:
        if f.status in Finding.UNIT_STATUSES and f.deadline < today:
            overdue_by_unit.setdefault(f.unit, []).append(f)
    ranked = sorted(overdue_by_unit.items(), key=lambda kv: -len(kv[1]))
    kinds = [(AccountabilityRecord.Kind.INTERVIEW, "逾期未整改问题较多，约谈分管负责同志", "分管副局长"),
             (AccountabilityRecord.Kind.PUBLIC_CRITICISM, "在全市创园推进会上通报批评", ""),
             (AccountabilityRecord.Kind.PUBLIC_CRITICISM, "第{n}期创园工作简报通报", ""),
             (AccountabilityRecord.Kind.OTHER, "责令作出书面检查", "单位主要负责人")]
    for i, ((unit, late), (kind, title, who)) in enumerate(zip(ranked, kinds)):
        on = today - timedelta(days=1 + 2 * i)
        late = [f for f in late if f.deadline < on] or late[:1]
        record = AccountabilityRecord.objects.create(
            campaign=campaign, unit=unit, kind=kind, date=on,
            title=title.format(n=8 - i), people=who, detail=f"截至通报日，{unit.name}有{len(late)}个督办问题逾期未整改。",
            created_by=office_user)
        record.findings.set(late[:5])
        events += [FindingEvent(finding=f, kind=FindingEvent.Kind.ACCOUNTABILITY,
                                at=_at(record.date, 16), actor=office_user, actor_name=name_of(office_user),
                                note=f"{record.get_kind_display()}：{record.title}") for f in late[:5]]
    FindingEvent.objects.bulk_create(events, batch_size=500)

    # Stored alert levels, through the same service the transitions use (it raises the
    # alert events the detect job would have raised).
    policy = campaign.alert_policy()
    for f in Finding.objects.filter(campaign=campaign, status__in=Finding.UNIT_STATUSES).select_related("campaign",
                                                                                                        "unit"):
        finding_refresh_alert(finding=f, today=today, policy=policy)
    if context.get("stdout"):
        context["stdout"].write(f"  督查整改：{len(rounds)} 轮督查，{len(findings)} 个问题，{len(photos)} 张照片")
