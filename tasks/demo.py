"""The demo task tables: every indicator of both standards bound to a lead unit, cooperating
units, a responsible leader and a responsible person, plus a few free-standing tasks.

Deadlines are spread around today so the pages show every state: done, submitted, sent
back, in progress, due in a few days, overdue. Idempotent: a campaign that already has
tasks is left alone.
"""
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from indicators.models import Indicator
from organizations.models import AuditEntry, Person, Unit

from .models import Review, Task, TaskMilestone, TaskUpdate

ZJ, YL, ZR, ST, SW, TJ, QX, CZ, CG, LY, JT = (
    "市住房和城乡建设局", "市园林绿化中心", "市自然资源和规划局", "市生态环境局", "市水务局", "市统计局", "市气象局",
    "市财政局", "市城市管理综合执法局", "市林业局", "市交通运输局",
)
DISTRICTS = ["城东区", "城西区", "城南区", "城北区"]

# measure key → (lead unit, cooperating units, measures). Lead departments follow the usual
# split (standards.md §5): the 园林 authority for green space, 自然资源和规划 for plans and
# lines, 统计 for population-based ratios, 生态环境 for air, 水务 for sewage and sponge city,
# 城管 for waste and cityscape, 气象 for heat island, 财政 for funds.
BINDINGS = {
    "greening_authority": (ZJ, [YL], "明确园林绿化管理机构职能和人员编制，整理三定方案等佐证材料"),
    "greening_funds": (CZ, [ZJ, YL], "将园林绿化建设维护专项资金列入年度预算，整理近三年预决算及拨付凭证"),
    "greening_research": (YL, [ZJ, LY], "梳理科研课题、技术规范和成果应用情况，汇编科研成果目录"),
    "green_space_system_plan": (ZR, [ZJ, YL], "完成绿地系统规划修编报批，按规划推进年度实施计划"),
    "green_line_management": (ZR, [ZJ, CG], "划定并公布城市绿线，建立绿线管控和执法巡查机制"),
    "blue_line_management": (ZR, [SW], "划定城市蓝线并向社会公布，落实蓝线管控要求"),
    "greening_regulations": (ZJ, [YL], "修订园林绿化管理办法、养护标准等制度，汇编制度文件"),
    "greening_information_system": (YL, [ZJ], "建成园林绿化数字化管理平台，绿地、古树名木数据全部上图入库"),
    "public_satisfaction_rate": (TJ, [ZJ, YL], "委托第三方开展公众满意度调查，针对薄弱环节整改提升"),
    "green_coverage_rate": (ZJ, [YL, ZR, *DISTRICTS], "开展建成区绿化遥感普查，推进见缝插绿和拆违建绿"),
    "green_space_rate": (ZJ, [ZR, *DISTRICTS], "核准各类绿地数据，落实新建项目绿地率控制指标"),
    "park_green_per_capita": (YL, [ZJ, TJ, *DISTRICTS], "新建改建口袋公园和社区公园，核准城区人口数据"),
    "park_service_coverage": (YL, [ZR, *DISTRICTS], "对照500米服务半径查找盲区，补建游园和口袋公园"),
    "park_activity_service_coverage": (YL, [ZR, *DISTRICTS], "按居住用地查找公园活动场地服务盲区，补建活动场地"),
    "comprehensive_parks_per_10k": (YL, [ZR, TJ], "推进综合公园建设，完善公园配套设施"),
    "road_greening_rate": (YL, [JT, ZJ], "对未绿化道路逐条制定绿化方案，完成行道树补植"),
    "residential_green_compliance_rate": (ZJ, [ZR], "核查新建改建居住区绿地配建情况，未达标项目限期整改"),
    "garden_compound_rate": (ZJ, DISTRICTS, "开展园林式居住区（单位）创建评选，完成年度创建任务"),
    "public_facility_green_rate": (ZJ, [YL], "核查公共设施附属绿地，补齐绿化短板"),
    "protective_green_rate": (YL, [ZR, LY], "按规划实施防护绿地建设，完成年度实施计划"),
    "shaded_road_rate": (YL, [JT], "次干路和支路补植乔木，提高林荫路覆盖"),
    "shaded_road_promotion_rate": (YL, [JT], "人行道和自行车道补植乔木，推广林荫路"),
    "tree_shrub_ratio": (YL, [LY], "优化绿地植物配置，增加乔灌木种植比例"),
    "greening_evaluation_score": (ZJ, [YL], "组织园林绿化综合评价自评，查找建设和养护短板"),
    "greenway_km_per_10k": (ZJ, [ZR, LY], "推进滨河绿道和环城绿道建设，完善驿站和标识系统"),
    "ancient_tree_protection_rate": (LY, [YL], "完成古树名木普查建档挂牌，落实一树一策养护"),
    "park_free_access_rate": (YL, [], "全面落实公园免费开放，清理违规经营"),
    "park_emergency_shelter_rate": (YL, [ZJ], "在大中型公园设置应急避险场所和标识"),
    "biological_control_rate": (LY, [YL], "推广生物防治技术，建立病虫害监测预警"),
    "natural_shoreline_rate": (SW, [ZR], "推进河道岸线生态化改造，减少硬质驳岸"),
    "vertical_greening": (ZJ, [YL], "在公共建筑和高架桥推广立体绿化，制定扶持政策"),
    "native_woody_plant_index": (LY, [YL], "开展本地木本植物调查，编制推荐植物名录"),
    "wetland_protection": (LY, [ZR, SW], "完成湿地资源普查，编制并实施湿地保护规划"),
    "damaged_land_restoration_rate": (ZR, [ST], "对受损弃置地实施生态修复和景观恢复"),
    "heat_island_intensity": (QX, [ST], "开展热岛效应监测评估，提出缓解措施建议"),
    "sewage_treatment_rate": (SW, [ZJ, ST], "推进污水管网建设和雨污分流改造，提高污水收集处理率"),
    "waste_safe_disposal_rate": (CG, [ST], "规范生活垃圾收运处置，确保无害化处理全覆盖"),
    "cityscape_evaluation_score": (CG, DISTRICTS, "开展市容环境集中整治，规范店招店牌和占道经营"),
    "road_integrity_rate": (ZJ, [JT, CG], "开展道路病害排查，及时修补破损路面"),
    "heat_metering_rate": (ZJ, [CZ], "推进既有住宅供热计量改造和按热量收费"),
    "shaded_parking_rate": (CG, [YL], "新建改建停车场同步种植庇荫乔木"),
    "air_quality_good_days_ratio": (ST, [ZJ, CG, JT], "落实大气污染防治措施，控制扬尘和机动车尾气"),
    "sponge_city_area_ratio": (SW, [ZJ, ZR], "按海绵城市要求建设改造项目，核算达标面积"),
    "historic_townscape_protection": (ZR, [ZJ], "划定历史文化街区保护范围，落实风貌管控"),
    "garden_culture_heritage": (YL, [], "建设园林文化展示场所，开展园林文化宣传活动"),
}
FALLBACK = (ZJ, [YL], "对照标准查找差距，制定整改方案并组织实施")

# Free-standing tasks (no indicator): (content, requirement, lead, cooperating, leader, person)
FREE_TASKS = [
    ("宣传发动", "在主要媒体、公共场所开展创园宣传，营造全民参与氛围", "创园办", DISTRICTS, "赵志强", "陈晓雯"),
    ("迎检资料整理", "按考评要求整理软件资料，完成自查报告和自评表", "创园办",
     [ZJ, YL, ZR, TJ], "赵志强", "陈晓雯"),
    ("城市容貌集中整治", "主次干道、背街小巷环境卫生和市容秩序达到迎检标准", CG, DISTRICTS, "王建国", "冯丽"),
    ("城东区背街小巷绿化提升", "完成辖区背街小巷补绿和破损绿地修复", "城东区", ["东湖街道", "朝阳街道"],
     "夏春生", "高敏"),
    ("城北区公园绿地补短板", "新增社区公园和口袋公园，提高城北区人均公园绿地面积", "城北区", [YL, ZR],
     "唐勇", "傅红"),
]

# Which city leader supervises each lead department (the 分管市领导 of a real table).
LEADER_OF_UNIT = {ZJ: "王建国", YL: "王建国", CG: "王建国", LY: "王建国", JT: "王建国",
                  ZR: "李明华", ST: "李明华", SW: "李明华", TJ: "李明华", QX: "李明华", CZ: "李明华"}
RETURN_REASON = "佐证材料不完整：缺少现场照片和验收文件，请补充后重新提交。"


def _content(indicator, params, tier):
    """(任务内容, 标准或要求) for an indicator's task, from its applicable threshold."""
    threshold = indicator.applicable_threshold(params, tier=tier)
    if threshold is None or threshold.comparator == "qualitative":
        content = f"{indicator.name}达到标准要求"
    else:
        content = f"确保{indicator.name}{threshold.describe(params).replace(' ', '')}"
    parts = [threshold.note] if threshold is not None and threshold.note else []
    if indicator.evidence_requirements:
        parts.append(f"佐证材料：{indicator.evidence_requirements}")
    return content, "\n".join(parts)


def _plan(i, today, horizon):
    """(review state, progress, due date, starts) for the i-th task: every state appears."""
    k = i % 9
    if k == 0:
        return Review.ACCEPTED, 100, today - timedelta(days=5 + i % 11), today - timedelta(days=60)
    if k == 1:
        return Review.SUBMITTED, 100, today + timedelta(days=3 + i % 5), today - timedelta(days=40)
    if k in (2, 6):
        return Review.DRAFT, 30 + (i * 7) % 50, today - timedelta(days=2 + (i * 3) % 18), today - timedelta(days=50)
    if k == 3:
        return Review.CHANGES_REQUESTED, 100, today + timedelta(days=6), today - timedelta(days=30)
    if k == 4:
        return Review.DRAFT, 60 + i % 30, today + timedelta(days=1 + i % 3), today - timedelta(days=30)
    if k == 8:
        return Review.DRAFT, 0, today + timedelta(days=horizon // 2 + i % 10), None
    return Review.DRAFT, 20 + (i * 11) % 60, today + timedelta(days=10 + (i * 5) % horizon), today - timedelta(days=20)


@transaction.atomic
def seed(context):
    today = timezone.localdate()
    units = {u.name: u for u in Unit.objects.all()}
    people = list(Person.objects.select_related("unit", "user"))
    by_name = {p.name: p for p in people}
    staff_of = {}
    for p in people:
        if not p.is_leader:
            staff_of.setdefault(p.unit.name, p)
    office_user = getattr(by_name.get("赵志强"), "user", None)
    for campaign, horizon in ((context.get("campaign"), 40), (context.get("eco_campaign"), 120)):
        if campaign is None or Task.objects.filter(campaign=campaign).exists():
            continue
        _seed_campaign(campaign, today, horizon, units, by_name, staff_of, office_user)


def _seed_campaign(campaign, today, horizon, units, by_name, staff_of, office_user):
    indicators = list(
        Indicator.objects.filter(standard__campaigns=campaign).select_related("measure", "standard")
        .prefetch_related("thresholds").order_by("standard__code", "order", "id")
    )
    params = campaign.params()
    rows = []
    for ind in indicators:
        lead, coop, measures = BINDINGS.get(ind.measure.key, FALLBACK)
        rows.append((ind, *_content(ind, params, campaign.tier), measures, lead, coop,
                     LEADER_OF_UNIT.get(lead, "王建国"), None))
    for content, requirement, lead, coop, leader, person in FREE_TASKS:
        rows.append((None, content, requirement, "制定工作方案，明确时间节点，每周报送进展", lead, coop, leader, person))

    tasks, coop_links = [], []
    now = timezone.now()
    for i, (ind, content, requirement, measures, lead, coop, leader, person) in enumerate(rows):
        state, progress, due, starts = _plan(i, today, horizon)
        lead_unit = units[lead]
        responsible = by_name.get(person) if person else staff_of.get(lead)
        task = Task(
            campaign=campaign, indicator=ind, seq=i + 1, content=content, requirement=requirement, measures=measures,
            lead_unit=lead_unit, responsible_leader=by_name.get(leader), responsible_person=responsible,
            starts_on=starts, due_on=due, progress=progress, review_state=state,
            submitted_at=now - timedelta(days=2) if state != Review.DRAFT else None,
            accepted_at=now - timedelta(days=1) if state == Review.ACCEPTED else None,
            last_reported_at=now - timedelta(days=3 + i % 6) if progress else None,
        )
        task.clean_fields(exclude=["campaign", "indicator", "lead_unit", "responsible_leader", "responsible_person"])
        tasks.append(task)
        coop_links.append([units[c] for c in coop if c in units and c != lead])
    Task.objects.bulk_create(tasks)
    through = Task.cooperating_units.through
    through.objects.bulk_create(
        [through(task_id=t.id, unit_id=u.id) for t, us in zip(tasks, coop_links) for u in us]
    )

    updates, milestones = [], []
    for i, (task, coop) in enumerate(zip(tasks, coop_links)):
        author = getattr(task.responsible_person, "user", None)
        if task.progress:
            steps = [p for p in (max(task.progress - 30, 10), task.progress) if p <= task.progress]
            for n, p in enumerate(dict.fromkeys(steps)):
                updates.append(TaskUpdate(
                    task=task, kind=TaskUpdate.Kind.PROGRESS, progress=p, author=author, unit=task.lead_unit,
                    text=f"已完成{task.content[:12]}相关工作的{p}%：{task.measures[:30]}。",
                    created_at=now - timedelta(days=14 - 7 * n + i % 3),
                ))
        if coop and i % 3 == 0:
            helper = coop[0]
            updates.append(TaskUpdate(
                task=task, kind=TaskUpdate.Kind.CONTRIBUTION, unit=helper,
                text=f"{helper.short_name or helper.name}已提供相关数据和现场配合。",
                created_at=now - timedelta(days=5 + i % 4),
            ))
        if task.review_state != Review.DRAFT:
            updates.append(TaskUpdate(task=task, kind=TaskUpdate.Kind.SUBMISSION, progress=100, author=author,
                                      unit=task.lead_unit, text="已按要求完成，佐证材料已上传。",
                                      created_at=now - timedelta(days=2)))
        if task.review_state == Review.ACCEPTED:
            updates.append(TaskUpdate(task=task, kind=TaskUpdate.Kind.ACCEPTANCE, progress=100, author=office_user,
                                      unit=campaign.office, text="经核查，达到标准要求。",
                                      created_at=now - timedelta(days=1)))
        if task.review_state == Review.CHANGES_REQUESTED:
            updates.append(TaskUpdate(task=task, kind=TaskUpdate.Kind.RETURN, progress=100, author=office_user,
                                      unit=campaign.office, text=RETURN_REASON, created_at=now - timedelta(days=1)))
        if task.starts_on and i % 2 == 0:
            span = (task.due_on - task.starts_on).days
            milestones += [
                TaskMilestone(task=task, due_on=task.starts_on + timedelta(days=span // 3), text="制定实施方案",
                              done=True, done_on=task.starts_on + timedelta(days=span // 3)),
                TaskMilestone(task=task, due_on=task.starts_on + timedelta(days=2 * span // 3),
                              text="完成主体工作", done=task.progress >= 60),
                TaskMilestone(task=task, due_on=task.due_on, text="整理佐证材料、提交审核",
                              done=task.review_state in (Review.SUBMITTED, Review.ACCEPTED)),
            ]
    TaskUpdate.objects.bulk_create(updates)
    TaskMilestone.objects.bulk_create(milestones)

    content_type = ContentType.objects.get_for_model(Task)
    AuditEntry.objects.bulk_create([
        AuditEntry(user=office_user, action=AuditEntry.Action.CREATE, content_type=content_type,
                   object_id=str(t.pk), object_repr=str(t)[:200], note="演示数据",
                   changes={"lead_unit": ["", t.lead_unit.name], "due_on": ["", t.due_on.isoformat()]})
        for t in tasks
    ])
