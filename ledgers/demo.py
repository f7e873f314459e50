"""Demo ledgers for 示例市, generated deterministically, so that the demo campaign's
ledger-computed values come from ledgers (through the real upload → parse → confirm path).

Two versions of each ledger: v1 eight weeks ago (before the push) and v2 today. The
numbers are tuned to the story of indicators/demo.py: 绿地率 ≈ 33.6 % with 城北区 at 24.6 %
under the 25 % district floor, 人均公园绿地 ≈ 9.12 m²/人 with 城北区 at 5.3, 服务半径覆盖率
≈ 79.2 % (narrowly short of 80 %), 园林式居住区达标率 48.5 %, 林荫路 71.4 %, 乔灌木 63.2 %,
绿化覆盖率 38.9 %, 万人绿道 0.62 km. `python manage.py ledger_demo_files` writes the current
versions to fixtures/ledgers/ for download and re-upload.
"""
import math
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from indicators.models import Campaign
from indicators.services import compliance_snapshot_write
from organizations.models import Unit

from .formulas import FORMULAS, Row, evaluate, haversine_m, service_radius_m
from .models import Ledger, LedgerUpload
from .schemas import LEDGER_TYPES
from .services import ledger_upload_confirm, ledger_upload_create, ledger_upload_parse
from .workbooks import ledger_workbook

SEED = 20240831
V1_WEEKS_AGO = 8
WEEKS_OF_HISTORY = 12

# District: (built-up km², population 万人, green area m², G1 park green m², box lat0, lat1, lng0, lng1)
DISTRICTS = {
    "城东区": ("19.0", "15.2", 7_080_000, 1_611_200, 32.030, 32.070, 118.810, 118.860),
    "城西区": ("16.5", "12.6", 5_709_000, 1_184_400, 32.030, 32.070, 118.700, 118.750),
    "城南区": ("18.5", "14.1", 6_660_000, 1_424_100, 31.985, 32.025, 118.755, 118.805),
    "城北区": ("14.5", "10.4", 3_567_000, 551_200, 32.075, 32.115, 118.755, 118.805),
}
PARK_COUNTS = {"城东区": 14, "城西区": 11, "城南区": 13, "城北区": 9}
BUILT_UP_KM2 = Decimal("68.5")
COVERAGE_TARGET = Decimal("0.792")
COVER_TOTAL = Decimal("0.389") * BUILT_UP_KM2 * 1_000_000
TREE_SHARE = Decimal("0.632")
SHADED_SHARE = Decimal("0.714")
PLANTED_SHARE = Decimal("0.963")
GREENWAY_KM = Decimal("32.4")
COMPOUNDS, RESIDENTIAL, RATED = 200, 160, 97
UNIT_NAMES = ["区政府", "实验中学", "人民医院", "税务局", "供电公司", "科技园", "第一小学", "图书馆", "体育中心", "档案馆",
              "疾控中心", "自来水公司"]

PARK_NAMES = ["人民", "滨江", "玄武", "梅园", "青溪", "紫荆", "银杏", "凤凰", "白鹭", "月牙湖", "清风", "翠屏", "桃源", "丹桂",
              "杏林", "长乐", "锦绣", "文昌", "明德", "和平", "春晖", "雨花", "秀水", "枫林", "芳草", "星湖", "云台", "栖霞",
              "北湖", "工业园", "北站", "双塘", "建宁", "百合", "香樟", "晓庄", "红山", "金川", "新河", "龙江", "石城", "朝天",
              "虹桥", "汉中", "湖南路", "莫愁", "安品", "九华"]
ROAD_NAMES = ["中山", "建康", "龙蟠", "虎踞", "汉中", "北京", "珠江", "长江", "黄河", "太平", "洪武", "中华", "解放", "和平",
              "光华", "瑞金", "龙江", "清凉", "广州", "上海", "天津", "湖南", "云南", "江东", "集庆", "升州", "昇平", "石鼓"]
COMPOUND_WORDS = ["锦绣", "翠苑", "金色", "阳光", "碧水", "华府", "东方", "紫金", "御景", "春江", "书香", "雅居", "康乐", "和园",
                  "明月", "清华", "蓝湾", "嘉园", "新城", "怡景"]


@dataclass
class DemoSet:
    ledgers: dict  # ledger type → (unit name, username, [rows])


def _q(value, places=0):
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _s(value, places=0):
    text = format(_q(value, places).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _point(rng, box, margin=0.002):
    lat0, lat1, lng0, lng1 = box
    return rng.uniform(lat0 + margin, lat1 - margin), rng.uniform(lng0 + margin, lng1 - margin)


def generate(today=None):
    """The current (v2) demo ledgers as normalized rows, deterministic for a given seed."""
    rng = random.Random(SEED)
    names = iter(PARK_NAMES)
    parks, greens = [], []
    for district, (_a, _p, green_total, g1_total, lat0, lat1, lng0, lng1) in DISTRICTS.items():
        box = (lat0, lat1, lng0, lng1)
        n = PARK_COUNTS[district]
        kinds = ["comprehensive"] + ["specialized"] * 2 + ["community"] * (n - 6) + ["pocket"] * 3
        raw = []
        for i, kind in enumerate(kinds):
            area = {"comprehensive": rng.uniform(200_000, 320_000), "specialized": rng.uniform(40_000, 90_000),
                    "community": rng.uniform(12_000, 60_000), "pocket": rng.uniform(1_200, 6_000)}[kind]
            raw.append([kind, area])
        fixed = sum(a for k, a in raw if k in ("comprehensive", "pocket"))
        scale = (g1_total - fixed) / sum(a for k, a in raw if k not in ("comprehensive", "pocket"))
        areas = [int(round(a * scale)) if k not in ("comprehensive", "pocket") else int(round(a)) for k, a in raw]
        areas[1] += g1_total - sum(areas)
        for (kind, _raw), area in zip(raw, areas):
            base = next(names)
            suffix = {"comprehensive": "公园", "specialized": "植物园" if kind == "specialized" and rng.random() < .5
                      else "体育公园", "community": "社区公园", "pocket": "游园"}[kind]
            lat, lng = _point(rng, box, 0.004)
            parks.append({"name": f"{base}{suffix}", "district": district, "park_type": kind, "area_m2": _s(area, 2),
                          "lat": _s(lat, 6), "lng": _s(lng, 6), "free_entry": True, "emergency_refuge": False,
                          "historic": False, "note": ""})
    # 47 of 48 parks free (the 动物园-like specialized park charges), 35 fitted for emergency refuge.
    specialized = [p for p in parks if p["park_type"] == "specialized"]
    specialized[0]["free_entry"] = False
    specialized[0]["note"] = "收费"
    by_size = sorted(parks, key=lambda p: -Decimal(p["area_m2"]))
    for p in by_size[:35]:
        p["emergency_refuge"] = True

    # Green spaces: every park is a G1 row; the rest of each district's green area is G2 / G3 / XG / EG.
    for p in parks:
        greens.append({"name": p["name"], "district": p["district"], "green_class": "G1", "green_area_m2": p["area_m2"],
                       "in_construction_land": True, "note": ""})
    classes = ["G2"] * 4 + ["G3"] * 2 + ["XG"] * 16 + ["EG"] * 2
    for district, (_a, _p, green_total, g1_total, *_box) in DISTRICTS.items():
        rest = green_total - g1_total
        weights = [rng.uniform(0.5, 1.5) * (0.35 if c == "EG" else 1) for c in classes]
        shares = [int(rest * w / sum(weights)) for w in weights]
        shares[0] += rest - sum(shares)
        for i, (cls, area) in enumerate(zip(classes, shares)):
            label = {"G2": "防护绿带", "G3": "广场", "XG": "附属绿地", "EG": "郊野绿地"}[cls]
            greens.append({"name": f"{district[:2]}{label}{i + 1:02d}", "district": district, "green_class": cls,
                           "green_area_m2": _s(area, 2), "in_construction_land": cls != "EG", "note": ""})
    _fit_cover(rng, greens)

    roads = _roads(rng)
    _road_lines(roads)
    compounds = _compounds(rng, parks)
    greenways = _greenways(rng)
    base = [{"district": d, "built_up_area_km2": v[0], "population_10k": v[1], "note": "2023年统计年鉴"}
            for d, v in DISTRICTS.items()]
    today = today or timezone.localdate()
    values = [{"measure": "sewage_treatment_rate", "measure_name": "城市污水处理率", "scope": "全市", "value": "94.2",
               "as_of": today.isoformat(), "evidence": "污水处理厂运行月报（汇总）.pdf", "note": "城北污水处理厂扩建未完工"}]
    return {
        "district_base": ("市统计局", "office", base),
        "parks": ("市园林绿化中心", "yuanlin", parks),
        "green_spaces": ("市园林绿化中心", "yuanlin", greens),
        "greenways": ("市园林绿化中心", "yuanlin", greenways),
        "roads": ("市住房和城乡建设局", "zhujian", roads),
        "compounds": ("市住房和城乡建设局", "zhujian", compounds),
        "values": ("市水务局", "shuiwu", values),
    }


def _fit_cover(rng, greens):
    cover = [Decimal(g["green_area_m2"]) * Decimal(str(rng.uniform(0.85, 1.0) if g["green_class"] == "G1"
                                                        else rng.uniform(1.05, 1.45))) for g in greens]
    scale = COVER_TOTAL / sum(cover)
    cover = [_q(c * scale) for c in cover]
    cover[-1] += _q(COVER_TOTAL) - sum(cover)
    trees = [c * Decimal(str(rng.uniform(0.5, 0.75))) for c in cover]
    tscale = TREE_SHARE * sum(cover) / sum(trees)
    trees = [min(_q(t * tscale), c) for t, c in zip(trees, cover)]
    trees[-1] += _q(TREE_SHARE * sum(cover)) - sum(trees)
    for g, c, t in zip(greens, cover, trees):
        g["cover_area_m2"], g["tree_shrub_area_m2"] = _s(c, 2), _s(t, 2)


def _roads(rng):
    roads = []
    grades = ["arterial"] * 5 + ["secondary"] * 12 + ["branch"] * 22
    for district in DISTRICTS:
        names = rng.sample(ROAD_NAMES, len(ROAD_NAMES))
        for i, grade in enumerate(grades):
            base = names[i % len(names)]
            kind = {"arterial": "大道", "secondary": "路", "branch": "街"}[grade]
            name = f"{base}{kind}" if i < len(names) else f"{base}{kind}{i // len(names) + 1}段"
            length = rng.randint(300, 3200) if grade != "arterial" else rng.randint(1500, 5200)
            roads.append({"name": name, "segment": f"{district[:2]}段", "district": district, "grade": grade,
                          "length_m": length, "shaded_length_m": 0, "planted": True, "note": ""})
    # Unplanted branch roads: about 3.7 % of all road length, exactly after tuning the last one.
    total = sum(r["length_m"] for r in roads)
    unplanted, acc = [], 0
    for r in sorted((r for r in roads if r["grade"] == "branch"), key=lambda r: r["length_m"]):
        if acc + r["length_m"] > total * (1 - float(PLANTED_SHARE)):
            break
        unplanted.append(r)
        acc += r["length_m"]
    for r in unplanted:
        r["planted"] = False
    last = unplanted[-1]
    others = acc - last["length_m"]
    planted_len = total - acc
    x = (float(1 - PLANTED_SHARE) * (planted_len + others) - others) / float(PLANTED_SHARE)
    last["length_m"] = max(50, round(x))
    # Shaded length on secondary and branch roads: 71.4 % of their length.
    sb = [r for r in roads if r["grade"] in ("secondary", "branch") and r["planted"]]
    sb_total = sum(r["length_m"] for r in roads if r["grade"] in ("secondary", "branch"))
    target = round(float(SHADED_SHARE) * sb_total)
    shares = [rng.uniform(0.45, 1.0) * r["length_m"] for r in sb]
    scale = target / sum(shares)
    for r, s in zip(sb, shares):
        r["shaded_length_m"] = min(r["length_m"], round(s * scale))
    diff = target - sum(r["shaded_length_m"] for r in sb)
    for r in sorted(sb, key=lambda r: r["shaded_length_m"] - r["length_m"]):
        room = r["length_m"] - r["shaded_length_m"]
        step = max(-r["shaded_length_m"], min(room, diff))
        r["shaded_length_m"] += step
        diff -= step
        if diff == 0:
            break
    for r in roads:
        r["length_m"], r["shaded_length_m"] = str(r["length_m"]), str(r["shaded_length_m"])
    return roads


def _road_lines(roads):
    """Start and end coordinates for two roads in three (the rest are left blank, as many real
    ledgers are): a straight line of the road's length from a point in its district. Its own
    random stream, so the ledgers' figures do not move."""
    rng = random.Random(SEED + 16)
    for i, r in enumerate(roads):
        if i % 3 == 2:
            continue
        lat0, lat1, lng0, lng1 = DISTRICTS[r["district"]][4:]
        lat, lng = _point(rng, (lat0, lat1, lng0, lng1), 0.006)
        bearing = rng.choice((0.0, math.pi / 2)) + rng.uniform(-0.25, 0.25)
        metres = float(r["length_m"])
        d_lat = metres * math.cos(bearing) / 111_195
        d_lng = metres * math.sin(bearing) / (111_195 * math.cos(math.radians(lat)))
        if not (lat0 <= lat + d_lat <= lat1 and lng0 <= lng + d_lng <= lng1):  # turn back into the district
            d_lat, d_lng = -d_lat, -d_lng
        end_lat, end_lng = lat + d_lat, lng + d_lng
        r.update(start_lat=_s(lat, 6), start_lng=_s(lng, 6), end_lat=_s(end_lat, 6), end_lng=_s(end_lng, 6))


def _serving(parks):
    out = []
    for p in parks:
        radius = service_radius_m(Decimal(p["area_m2"]))
        if radius:
            out.append((float(p["lat"]), float(p["lng"]), radius))
    return out


def _compounds(rng, parks):
    serving = _serving(parks)
    per_district = {"城东区": 55, "城西区": 48, "城南区": 52, "城北区": 45}
    uncovered_quota = {"城东区": 6, "城西区": 7, "城南区": 6, "城北区": 13}
    compounds = []
    words = iter([f"{a}{b}" for a in COMPOUND_WORDS for b in ("花园", "小区", "家园", "苑", "公寓", "名邸", "新村", "华庭", "雅园")])
    for district, count in per_district.items():
        box = DISTRICTS[district][4:]
        residential = round(count * RESIDENTIAL / COMPOUNDS)
        for i in range(count):
            is_res = i < residential
            covered = is_res and i >= uncovered_quota[district]
            for _attempt in range(5000):
                lat, lng = _point(rng, box)
                near = min(haversine_m(lat, lng, a, b) - r for a, b, r in serving)
                if (covered and near < -80) or (not covered and near > 120):
                    break
            name = next(words) if is_res else f"{district[:2]}{UNIT_NAMES[i - residential]}"
            compounds.append({"name": name, "district": district, "kind": "residential" if is_res else "unit",
                              "garden_rated": False, "lat": _s(lat, 6), "lng": _s(lng, 6),
                              "residential_area_m2": _s(rng.uniform(35_000, 140_000), 0) if is_res else None,
                              "note": "", "_covered": covered})
    # Hit the coverage target exactly: scale the uncovered compounds' land.
    res = [c for c in compounds if c["kind"] == "residential"]
    covered_area = sum(Decimal(c["residential_area_m2"]) for c in res if c["_covered"])
    target_uncovered = covered_area * (1 - COVERAGE_TARGET) / COVERAGE_TARGET
    unc = [c for c in res if not c["_covered"]]
    raw = sum(Decimal(c["residential_area_m2"]) for c in unc)
    for c in unc:
        c["residential_area_m2"] = _s(Decimal(c["residential_area_m2"]) * target_uncovered / raw, 0)
    unc[-1]["residential_area_m2"] = _s(Decimal(unc[-1]["residential_area_m2"]) + _q(target_uncovered) - sum(
        Decimal(c["residential_area_m2"]) for c in unc), 0)
    for c in rng.sample(compounds, RATED):
        c["garden_rated"] = True
    for c in compounds:
        del c["_covered"]
    return compounds


def _greenways(rng):
    names = ["环湖绿道", "滨江绿道", "秦淮河绿道", "明城墙绿道", "北郊森林绿道", "南湖绿道", "紫金山绿道", "外秦淮绿道",
             "幕府山绿道", "河西生态绿道"]
    raw = [rng.uniform(1.5, 5.5) for _n in names]
    scale = float(GREENWAY_KM) / sum(raw)
    lengths = [_q(Decimal(str(r * scale)), 1) for r in raw]
    lengths[-1] += GREENWAY_KM - sum(lengths)
    districts = list(DISTRICTS)
    return [{"name": n, "district": districts[i % 4], "length_km": _s(l, 3), "note": ""}
            for i, (n, l) in enumerate(zip(names, lengths))]


def earlier(ledgers):
    """v1, eight weeks ago: three parks not yet open, fewer rated compounds, less shade, one greenway short."""
    rng = random.Random(SEED + 1)
    out = {}
    newest_parks = {p["name"] for p in ledgers["parks"][2] if p["park_type"] == "community"}
    late = set(sorted(newest_parks)[:3])
    for key, (unit, user, rows) in ledgers.items():
        rows = [dict(r) for r in rows]
        if key in ("parks", "green_spaces"):
            rows = [r for r in rows if r["name"] not in late]
        if key == "compounds":
            rated = [r for r in rows if r["garden_rated"]]
            for r in rng.sample(rated, 9):
                r["garden_rated"] = False
        if key == "roads":
            for r in rng.sample([r for r in rows if Decimal(r["shaded_length_m"]) > 0], 40):
                r["shaded_length_m"] = _s(Decimal(r["shaded_length_m"]) * Decimal("0.7"), 0)
        if key == "greenways":
            rows = rows[:-1]
        if key == "values":
            continue
        out[key] = (unit, user, rows)
    return out


def demo_workbook(key, rows, districts):
    return ledger_workbook(LEDGER_TYPES[key], rows=rows, districts=districts, city_name="示例市", example=False)


def file_name(key):
    return f"示例市{LEDGER_TYPES[key].label}.xlsx"


def _confirm(unit, key, rows, user, campaign, districts, at):
    content = demo_workbook(key, rows, districts)
    upload = ledger_upload_create(unit=unit, ledger_type=key, file=content, user=user, campaign=campaign,
                                  file_name=file_name(key))
    LedgerUpload.objects.filter(pk=upload.pk).update(uploaded_at=at - timedelta(minutes=20))
    upload = ledger_upload_parse(upload=upload)
    if upload.status != LedgerUpload.Status.READY or upload.error_count:
        raise RuntimeError(f"demo ledger {key} did not parse: {upload.result.get('errors', [])[:3]}")
    return ledger_upload_confirm(upload=upload, user=user, at=at, queue_compliance=False)


@transaction.atomic
def seed(context):
    city = context["city"]
    campaign = context.get("campaign") or Campaign.objects.filter(city=city, is_active=True).order_by("id").first()
    if Ledger.objects.filter(city=city, versions__isnull=False).exists():
        return  # already seeded: a second run changes nothing
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["office", "yuanlin", "zhujian",
                                                                                  "shuiwu"])}
    districts = list(Unit.objects.filter(parent=city, kind=Unit.Kind.DISTRICT).order_by("sort_order")
                     .values_list("name", flat=True))
    now = timezone.now()
    today = timezone.localdate()
    current = generate(today)
    order = ["district_base", "parks", "green_spaces", "greenways", "roads", "compounds", "values"]
    units = {u.name: u for u in Unit.objects.filter(name__in={v[0] for v in current.values()})}
    v1_at = now - timedelta(weeks=V1_WEEKS_AGO)
    before = earlier(current)
    for key in (k for k in order if k in before):
        unit_name, username, rows = before[key]
        _confirm(units[unit_name], key, rows, users.get(username), campaign, districts, v1_at)
    for key in order:
        unit_name, username, rows = current[key]
        if key in before and before[key][2] == rows:
            continue  # unchanged since v1 (城区基础数据)
        _confirm(units[unit_name], key, rows, users.get(username), campaign, districts, now)
    # The weekly snapshots were written before these values existed: write them again.
    for c in Campaign.objects.filter(city=city, is_active=True):
        for k in range(WEEKS_OF_HISTORY - 1, -1, -1):
            compliance_snapshot_write(campaign=c, on=today - timedelta(weeks=k))


def check(today=None):
    """The demo's values as the formulas compute them, for a quick look (and the tests)."""
    ledgers = generate(today)
    rows = {k: [Row(1, i + 4, r) for i, r in enumerate(v[2])] for k, v in ledgers.items()}
    params = {"built_up_area_km2": BUILT_UP_KM2, "urban_population": Decimal("52.3")}
    out = {}
    for key, formula in FORMULAS.items():
        for scope, result in evaluate(formula, rows, params).items():
            out[(key, scope)] = result.value
    return out
