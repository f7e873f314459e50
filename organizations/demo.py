"""The demo city 示例市: units, people and logins. Idempotent (get_or_create by name)."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .models import Membership, Person, Unit
from .permissions import OFFICE_ADMIN_GROUP

DEMO_PASSWORD = "demo2026"

DISTRICTS = {
    "城东区": ["东湖街道", "朝阳街道", "新华街道"],
    "城西区": ["西山街道", "文昌街道"],
    "城南区": ["南湖街道", "滨江街道", "育才街道"],
    "城北区": ["北站街道", "工业园街道"],
}
DEPARTMENTS = [
    ("市住房和城乡建设局", "市住建局"),
    ("市城市管理综合执法局", "市城管执法局"),
    ("市自然资源和规划局", "市自然资源规划局"),
    ("市生态环境局", ""),
    ("市林业局", ""),
    ("市水务局", ""),
    ("市统计局", ""),
    ("市气象局", ""),
    ("市财政局", ""),
    ("市园林绿化中心", ""),
    ("市交通运输局", ""),
]

# (name, title, unit, is_leader, username or None, roles)
PEOPLE = [
    ("王建国", "副市长、创园指挥部常务副指挥长", "示例市", True, "leader", ["leader"]),
    ("李明华", "市政府副秘书长", "示例市", True, None, []),
    ("赵志强", "创园办主任", "创园办", True, "office", ["office"]),
    ("陈晓雯", "创园办综合组组长", "创园办", False, "office2", ["office"]),
    ("周涛", "创园办督查组组长", "创园办", False, "inspector", ["inspector"]),
    ("吴敏", "创园办督查组成员", "创园办", False, "inspector2", ["inspector"]),
    ("孙立群", "局长", "市住房和城乡建设局", True, None, []),
    ("钱海燕", "园林科科长", "市住房和城乡建设局", False, "zhujian", ["unit_staff"]),
    ("郑国栋", "局长", "市城市管理综合执法局", True, None, []),
    ("冯丽", "市容科科长", "市城市管理综合执法局", False, "chengguan", ["unit_staff"]),
    ("何振华", "局长", "市自然资源和规划局", True, None, []),
    ("许静", "规划科科员", "市自然资源和规划局", False, "ziranziyuan", ["unit_staff"]),
    ("韩东", "局长", "市生态环境局", True, None, []),
    ("曹雪梅", "联络员", "市生态环境局", False, None, []),
    ("邓林", "局长", "市林业局", True, None, []),
    ("彭飞", "联络员", "市林业局", False, None, []),
    ("蒋大为", "局长", "市水务局", True, None, []),
    ("沈玉", "排水科科长", "市水务局", False, "shuiwu", ["unit_staff"]),
    ("韦国庆", "局长", "市统计局", True, None, []),
    ("姚佳", "联络员", "市统计局", False, None, []),
    ("卢建", "局长", "市气象局", True, None, []),
    ("汪宁", "联络员", "市气象局", False, None, []),
    ("田富", "局长", "市财政局", True, None, []),
    ("任晓", "联络员", "市财政局", False, None, []),
    ("方志远", "主任", "市园林绿化中心", True, None, []),
    ("石磊", "绿化科科长", "市园林绿化中心", False, "yuanlin", ["unit_staff"]),
    ("戴文", "局长", "市交通运输局", True, None, []),
    ("贾琳", "联络员", "市交通运输局", False, None, []),
    ("夏春生", "区长", "城东区", True, None, []),
    ("高敏", "区创园办主任", "城东区", False, "chengdong", ["unit_staff"]),
    ("林建华", "区长", "城西区", True, None, []),
    ("罗晓燕", "区创园办主任", "城西区", False, "chengxi", ["unit_staff"]),
    ("梁宏", "区长", "城南区", True, None, []),
    ("宋佳", "区创园办主任", "城南区", False, "chengnan", ["unit_staff"]),
    ("唐勇", "区长", "城北区", True, None, []),
    ("傅红", "区创园办主任", "城北区", False, "chengbei", ["unit_staff"]),
    ("黄磊", "主任", "东湖街道", False, None, []),
    ("袁芳", "主任", "西山街道", False, None, []),
    ("谢军", "主任", "南湖街道", False, None, []),
    ("邹平", "主任", "北站街道", False, None, []),
]


@transaction.atomic
def seed(context):
    order = 0

    def unit(name, kind, parent=None, short=""):
        nonlocal order
        order += 10
        obj, _ = Unit.objects.get_or_create(
            name=name, defaults={"kind": kind, "parent": parent, "short_name": short, "sort_order": order}
        )
        return obj

    city = unit("示例市", Unit.Kind.CITY)
    unit("创园办", Unit.Kind.OFFICE, city, "示例市创建国家园林城市指挥部办公室")
    for name, short in DEPARTMENTS:
        unit(name, Unit.Kind.DEPARTMENT, city, short)
    for district, streets in DISTRICTS.items():
        d = unit(district, Unit.Kind.DISTRICT, city)
        for street in streets:
            unit(street, Unit.Kind.STREET, d)

    User = get_user_model()
    logins = []
    for i, (name, title, unit_name, is_leader, username, roles) in enumerate(PEOPLE):
        u = Unit.objects.get(name=unit_name)
        user = None
        if username:
            user, created = User.objects.get_or_create(username=username, defaults={"first_name": name})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = "office" in roles
                user.save()
            for role in roles:
                Membership.objects.get_or_create(user=user, unit=u, role=role)
            if "office" in roles:
                # /admin/ rights come from the group its migration made (is_staff only lets them in).
                user.groups.add(Group.objects.get(name=OFFICE_ADMIN_GROUP))
            logins.append((username, DEMO_PASSWORD, name, title, unit_name, roles))
        Person.objects.get_or_create(
            name=name, unit=u, defaults={"title": title, "is_leader": is_leader, "user": user,
                                          "phone": f"1390716{i:04d}"}
        )
    context.update(city=city, logins=logins)
