"""The ledger types (台账) and their column schemas.

A registry in code: each type names its columns (Chinese header, accepted header spellings,
cell kind, unit), the columns that identify a row across versions (the natural key) and
which formulas read it. Templates, parsing, validation, the preview and the formulas all
read this one description.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from spreadsheets.headers import Spec
from spreadsheets.units import AREA_KM2, AREA_M2, LENGTH_KM, LENGTH_M, PEOPLE_10K

# Cell kinds
TEXT = "text"
DECIMAL = "decimal"
BOOL = "bool"
CHOICE = "choice"
DATE = "date"
DISTRICT = "district"
LAT = "lat"
LNG = "lng"
SCOPE = "scope"  # 全市 or a district of the city
MEASURE = "measure"  # an indicator code / name or a measure key
VALUE = "value"  # a number whose meaning depends on the row's measure (percent cells, 达标/未达标)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    aliases: tuple = ()


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Chinese header text, also the UI label
    kind: str
    required: bool = True
    aliases: tuple = ()
    choices: tuple = ()
    unit: str = ""
    unit_factors: dict = field(default_factory=dict)
    places: int = 2
    min_value: Decimal | None = Decimal(0)
    max_value: Decimal | None = None
    example: str = ""
    help: str = ""
    width: int = 14
    inverse_aliases: tuple = ()  # headers meaning the opposite yes/no (是否收费 for 免费开放)
    # Formulas that read this column; when none of them is used by an active campaign the
    # column is optional (a roads ledger for 林荫路推广率 alone needs no 有行道树绿化).
    read_by: tuple = ()

    @property
    def header(self):
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    def choice(self, value):
        return next((c for c in self.choices if c.value == value), None)

    def display(self, value):
        """A stored (normalized) value as the preview shows it."""
        if value is None or value == "":
            return ""
        if self.kind == BOOL:
            return str(_("是") if value else _("否"))
        if self.kind == CHOICE:
            c = self.choice(value)
            return c.label if c else value
        if self.kind == DECIMAL:
            try:  # stored at full precision, shown at the column's places
                value = format(Decimal(value).quantize(Decimal(1).scaleb(-self.places)).normalize(), "f")
            except (ArithmeticError, ValueError, TypeError):
                return str(value)
            whole, _sep, frac = str(value).partition(".")
            try:
                return f"{int(whole):,}" + (f".{frac}" if frac else "")
            except ValueError:
                return str(value)
        return str(value)


@dataclass(frozen=True)
class LedgerType:
    key: str
    label: str
    columns: tuple
    natural_key: tuple
    description: str = ""
    keeper: str = ""  # who usually keeps it
    feeds: tuple = ()  # formula keys that read it

    @property
    def sheet_title(self):
        return self.label

    def column(self, key):
        return next(c for c in self.columns if c.key == key)

    @property
    def required_columns(self):
        return [c for c in self.columns if c.required]

    def key_of(self, data):
        """The natural key of a normalized row: how versions are compared."""
        return " | ".join(str(data.get(k) or "") for k in self.natural_key)

    def specs(self, formulas=None):
        """The columns as the header reader knows them. With `formulas` (the formula keys of the
        active campaigns), a column only formulas outside that set read is optional."""
        specs = []
        for c in self.columns:
            required = c.required
            if required and formulas is not None and c.read_by and not set(c.read_by) & set(formulas):
                required = False
            specs.append(Spec(c.key, (str(c.label), str(c.header), *c.aliases), required, tuple(c.unit_factors),
                              tuple(c.inverse_aliases)))
        return specs

    def key_label(self):
        return "+".join(str(self.column(k).label) for k in self.natural_key)


YES_NO_HELP = _("填写“是”或“否”")

NAME_ALIASES = ("名称",)
DISTRICT_COLUMN = Column(
    "district", _("所在城区"), DISTRICT,
    aliases=("城区", "所在区", "所属城区", "所属区", "区", "行政区", "区县", "所在区县", "所属区县", "所在区域", "所属区域",
             "district"),
    example="城东区", help=_("本市城区名称；区级单位可留空（默认本区）"), width=12,
)
# No range on the cell: the row check names swapped or out-of-China coordinates more helpfully.
LAT_COLUMN = Column("lat", _("纬度"), LAT, aliases=("纬度坐标", "北纬", "lat", "latitude", "y"), places=6,
                    min_value=None, max_value=None, example="32.0415", help=_("十进制度，如 32.0415"),
                    width=11)
LNG_COLUMN = Column("lng", _("经度"), LNG, aliases=("经度坐标", "东经", "lng", "lon", "longitude", "x"), places=6,
                    min_value=None, max_value=None, example="118.7842",
                    help=_("十进制度，如 118.7842"), width=11)
# A road drawn on the map as a line from its start to its end: optional, no formula reads them.
ROAD_START_LAT_COLUMN = Column("start_lat", _("起点纬度"), LAT, required=False, aliases=("起点北纬", "start_lat"), places=6,
                               min_value=None, max_value=None, example="32.0415", help=_("十进制度，可留空；仅用于一张图"),
                               width=11)
ROAD_START_LNG_COLUMN = Column("start_lng", _("起点经度"), LNG, required=False, aliases=("起点东经", "start_lng"), places=6,
                               min_value=None, max_value=None, example="118.7842", help=_("十进制度，可留空；仅用于一张图"),
                               width=11)
ROAD_END_LAT_COLUMN = Column("end_lat", _("终点纬度"), LAT, required=False, aliases=("终点北纬", "end_lat"), places=6,
                             min_value=None, max_value=None, example="32.0502", help=_("十进制度，可留空；仅用于一张图"),
                             width=11)
ROAD_END_LNG_COLUMN = Column("end_lng", _("终点经度"), LNG, required=False, aliases=("终点东经", "end_lng"), places=6,
                             min_value=None, max_value=None, example="118.7950", help=_("十进制度，可留空；仅用于一张图"),
                             width=11)
NOTE_COLUMN = Column("note", _("备注"), TEXT, required=False, aliases=("说明", "备注说明", "note"), width=20)

PARK_TYPES = (
    Choice("comprehensive", "综合公园", ("综合性公园", "G11", "市级综合公园", "区级综合公园")),
    Choice("community", "社区公园", ("G12", "居住区公园")),
    Choice("specialized", "专类公园", ("G13", "植物园", "动物园", "历史名园", "遗址公园", "游乐公园", "儿童公园", "体育公园")),
    Choice("pocket", "游园", ("G14", "带状公园", "街旁绿地", "口袋公园", "小游园", "街头游园")),
    Choice("other", "其他", ("其它",)),
)
GREEN_CLASSES = (
    Choice("G1", "公园绿地"),
    Choice("G2", "防护绿地"),
    Choice("G3", "广场用地"),
    Choice("XG", "附属绿地"),
    Choice("EG", "区域绿地"),
)
ROAD_GRADES = (
    Choice("expressway", "快速路", ("快速道路", "城市快速路")),
    Choice("arterial", "主干路", ("主干道", "主干", "城市主干路")),
    Choice("secondary", "次干路", ("次干道", "次干", "城市次干路")),
    Choice("branch", "支路", ("支线", "支路(街巷)", "街巷")),
)
COMPOUND_KINDS = (
    Choice("residential", "居住区", ("居住小区", "小区", "住宅小区", "住宅区", "居住区(小区)")),
    Choice("unit", "单位", ("机关", "机关单位", "企事业单位", "事业单位", "企业", "学校", "单位庭院")),
)

PARKS = LedgerType(
    key="parks",
    label=_("公园名录"),
    description=_("全市公园的名称、类型、面积与位置；用于公园绿地服务半径覆盖率、万人拥有综合公园指数等。"),
    keeper=_("园林绿化主管部门"),
    natural_key=("name", "district"),
    feeds=("park_service_coverage", "comprehensive_parks_per_10k", "park_free_access_rate",
           "park_emergency_shelter_rate"),
    columns=(
        Column("name", _("公园名称"), TEXT, aliases=("公园名", "名称", "公园"), example="人民公园", width=20),
        DISTRICT_COLUMN,
        Column("park_type", _("公园类型"), CHOICE, aliases=("类型", "类别", "公园类别", "分类"), choices=PARK_TYPES,
               example="综合公园", width=12, read_by=("comprehensive_parks_per_10k",)),
        Column("area_m2", _("面积"), DECIMAL, unit="m²", unit_factors=AREA_M2,
               aliases=("公园面积", "占地面积", "用地面积", "总面积", "绿地面积"), example="125000"),
        LAT_COLUMN,
        LNG_COLUMN,
        Column("free_entry", _("免费开放"), BOOL, aliases=("是否免费开放", "是否免费", "免费"), example="是",
               help=YES_NO_HELP, width=10, inverse_aliases=("是否收费", "收费"), read_by=("park_free_access_rate",)),
        Column("emergency_refuge", _("具备应急避险功能"), BOOL,
               aliases=("应急避险", "应急避险场所", "是否具备应急避险功能", "是否为应急避险场所", "应急避险功能",
                        "是否应急避险场所", "应急避难场所", "是否应急避难场所", "是否为应急避难场所"),
               example="否", help=YES_NO_HELP, width=12, read_by=("park_emergency_shelter_rate",)),
        Column("historic", _("位于历史文化街区"), BOOL, required=False,
               aliases=("是否位于历史文化街区", "历史文化街区"), example="否",
               help=_("是则面积≥1000 m²即按300 m服务半径计"), width=12),
        NOTE_COLUMN,
    ),
)

GREEN_SPACES = LedgerType(
    key="green_spaces",
    label=_("绿地台账"),
    description=_("建成区内各块绿地的类别、绿地面积、绿化覆盖面积与乔灌木覆盖面积；用于绿地率、绿化覆盖率、乔灌木占比、人均公园绿地面积。"),
    keeper=_("园林绿化主管部门、自然资源和规划部门"),
    natural_key=("name", "district"),
    feeds=("green_space_rate", "green_coverage_rate", "tree_shrub_ratio", "park_green_per_capita"),
    columns=(
        Column("name", _("绿地名称"), TEXT, aliases=NAME_ALIASES + ("地块名称", "绿地"), example="滨河带状绿地", width=20),
        DISTRICT_COLUMN,
        Column("green_class", _("绿地类别"), CHOICE, aliases=("类别", "绿地分类", "用地类别", "类型", "绿地类型"),
               choices=GREEN_CLASSES,
               example="G1 公园绿地", width=14),
        Column("green_area_m2", _("绿地面积"), DECIMAL, unit="m²", unit_factors=AREA_M2, aliases=("面积",),
               example="48000"),
        Column("cover_area_m2", _("绿化覆盖面积"), DECIMAL, unit="m²", unit_factors=AREA_M2,
               aliases=("覆盖面积", "植被覆盖面积", "绿化覆盖"), example="52000",
               help=_("植被垂直投影面积，不重复计算多层植物"), read_by=("green_coverage_rate",)),
        Column("tree_shrub_area_m2", _("乔灌木覆盖面积"), DECIMAL, unit="m²", unit_factors=AREA_M2,
               aliases=("乔灌木面积", "乔灌木投影面积", "乔、灌木覆盖面积"), example="33000",
               read_by=("tree_shrub_ratio",)),
        Column("in_construction_land", _("位于城市建设用地内"), BOOL,
               aliases=("是否位于城市建设用地内", "城市建设用地内", "建设用地内", "是否在建设用地内",
                        "是否位于城市建设用地范围内", "位于城市建设用地范围内", "城市建设用地范围内"), example="是",
               help=_("否则计入“其他绿地”，至多按建设用地内绿地面积的20%计入绿地率"), width=12,
               read_by=("green_space_rate",)),
        NOTE_COLUMN,
    ),
)

ROADS = LedgerType(
    key="roads",
    label=_("道路台账"),
    description=_("城市道路的等级、长度、林荫路长度与绿化情况；用于林荫路覆盖率（推广率）、道路绿化普及率。"),
    keeper=_("住建、城管或交通部门"),
    natural_key=("name", "segment", "district"),
    feeds=("shaded_road_rate", "road_greening_rate"),
    columns=(
        Column("name", _("道路名称"), TEXT, aliases=NAME_ALIASES + ("路名", "道路"), example="文昌路", width=16),
        Column("segment", _("起止点"), TEXT, required=False, aliases=("路段", "起讫点", "起点至终点", "路段起止"),
               example="人民路—滨江路", width=18),
        DISTRICT_COLUMN,
        Column("grade", _("道路等级"), CHOICE, aliases=("等级", "道路类别", "道路级别"), choices=ROAD_GRADES,
               example="次干路", width=10),
        Column("length_m", _("道路长度"), DECIMAL, unit="m", unit_factors=LENGTH_M, aliases=("长度", "路长", "全长", "道路全长"),
               example="1850"),
        Column("shaded_length_m", _("林荫路长度"), DECIMAL, unit="m", unit_factors=LENGTH_M,
               aliases=("林荫路段长度", "林荫长度", "达到林荫路标准的长度", "林荫道路长度", "林荫道长度"), example="1400",
               help=_("人行道、自行车道绿化覆盖率≥90%的长度"), read_by=("shaded_road_rate",)),
        Column("planted", _("有行道树绿化"), BOOL,
               aliases=("是否绿化", "已绿化", "是否有行道树", "道路绿化", "有绿化", "是否有行道树绿化", "行道树", "有行道树"),
               example="是", help=YES_NO_HELP, width=10, read_by=("road_greening_rate",)),
        ROAD_START_LAT_COLUMN,
        ROAD_START_LNG_COLUMN,
        ROAD_END_LAT_COLUMN,
        ROAD_END_LNG_COLUMN,
        NOTE_COLUMN,
    ),
)

COMPOUNDS = LedgerType(
    key="compounds",
    label=_("居住区与单位"),
    description=_("居住区（小区）与单位庭院：是否达到园林式标准、位置与居住用地面积；用于园林式居住区（单位）达标率与公园绿地服务半径覆盖率。"),
    keeper=_("住建部门、各城区"),
    natural_key=("name", "district"),
    feeds=("garden_compound_rate", "park_service_coverage"),
    columns=(
        Column("name", _("名称"), TEXT, aliases=("小区名称", "居住区名称", "单位名称", "居住区（单位）名称"), example="锦绣花园",
               width=18),
        DISTRICT_COLUMN,
        Column("kind", _("类别"), CHOICE, aliases=("类型", "居住区/单位"), choices=COMPOUND_KINDS, example="居住区",
               width=10),
        Column("garden_rated", _("园林式达标"), BOOL,
               aliases=("是否园林式", "园林式", "园林式居住区（单位）", "是否达到园林式标准", "园林式小区", "园林式单位"),
               example="是", help=YES_NO_HELP, width=10, read_by=("garden_compound_rate",)),
        LAT_COLUMN,
        LNG_COLUMN,
        Column("residential_area_m2", _("居住用地面积"), DECIMAL, required=False, unit="m²", unit_factors=AREA_M2,
               aliases=("用地面积", "占地面积", "居住用地"), example="86000", help=_("居住区必填；单位可留空")),
        NOTE_COLUMN,
    ),
)

GREENWAYS = LedgerType(
    key="greenways",
    label=_("绿道台账"),
    description=_("已建成绿道的名称与长度；用于万人拥有绿道长度。"),
    keeper=_("园林绿化主管部门"),
    natural_key=("name", "district"),
    feeds=("greenway_km_per_10k",),
    columns=(
        Column("name", _("绿道名称"), TEXT, aliases=NAME_ALIASES + ("绿道",), example="环湖绿道", width=20),
        DISTRICT_COLUMN,
        Column("length_km", _("长度"), DECIMAL, unit="km", unit_factors=LENGTH_KM, places=3,
               aliases=("绿道长度", "建成长度", "里程"), example="6.8"),
        NOTE_COLUMN,
    ),
)

DISTRICT_BASE = LedgerType(
    key="district_base",
    label=_("城区基础数据"),
    description=_("各城区的建成区面积与城区人口；用于各城区绿地率、人均公园绿地面积（全市数值取创建活动参数）。"),
    keeper=_("统计部门、自然资源和规划部门"),
    natural_key=("district",),
    feeds=("green_space_rate", "park_green_per_capita"),
    columns=(
        Column("district", _("城区"), DISTRICT, aliases=("所在城区", "城区名称", "行政区", "区"), example="城东区",
               width=12),
        Column("built_up_area_km2", _("建成区面积"), DECIMAL, unit="km²", unit_factors=AREA_KM2, places=4,
               aliases=("建成区", "建成区用地面积"), example="19.0", min_value=Decimal("0.0001")),
        Column("population_10k", _("城区人口"), DECIMAL, unit="万人", unit_factors=PEOPLE_10K, places=4,
               aliases=("人口", "常住人口", "城区常住人口", "城区人口数"), example="15.2", min_value=Decimal("0.0001")),
        NOTE_COLUMN,
    ),
)

VALUES = LedgerType(
    key="values",
    label=_("指标数据填报表"),
    description=_("没有台账可计算的指标数值（如住建局的城市污水处理率），每行一个指标、一个范围、一个数据日期。"),
    keeper=_("各责任单位"),
    natural_key=("measure", "scope", "as_of"),
    columns=(
        Column("measure", _("指标"), MEASURE, aliases=("指标编号", "指标名称", "指标编号或名称", "指标代码", "指标项"),
               example="城市污水处理率", help=_("指标编号（如 5.1）或指标名称"), width=22),
        Column("scope", _("范围"), SCOPE, required=False, aliases=("统计范围", "城区", "适用范围"), example="全市",
               help=_("“全市”或城区名称；留空为全市"), width=10),
        Column("value", _("数值"), VALUE, aliases=("指标值", "数据", "值", "完成值", "现状值"), places=4, min_value=None,
               example="96.5", help=_("百分比填数字或 96.5%；定性指标填“达标”或“未达标”")),
        Column("as_of", _("数据日期"), DATE, aliases=("日期", "统计日期", "截止日期", "数据截止日期", "统计截止日期"),
               example="2024年8月31日", width=14),
        Column("evidence", _("佐证材料"), TEXT, required=False,
               aliases=("佐证材料文件名", "佐证材料名称", "证明材料", "附件"), example="2024年污水处理厂运行报表.pdf",
               width=26),
        NOTE_COLUMN,
    ),
)

POCKET_PLOTS = LedgerType(
    key="pocket_plots",
    label=_("可建口袋公园地块"),
    description=_("可用于建设口袋公园的地块的位置与面积；不计入任何指标，供达标规划选址（公园绿地服务半径覆盖率）。"),
    keeper=_("自然资源和规划部门、园林绿化主管部门"),
    natural_key=("name", "district"),
    columns=(
        Column("name", _("地块名称"), TEXT, aliases=NAME_ALIASES + ("地块", "地块编号"), example="文昌路口闲置地", width=20),
        DISTRICT_COLUMN,
        Column("area_m2", _("面积"), DECIMAL, unit="m²", unit_factors=AREA_M2, aliases=("地块面积", "用地面积", "占地面积"),
               example="2400"),
        LAT_COLUMN,
        LNG_COLUMN,
        Column("historic", _("位于历史文化街区"), BOOL, required=False,
               aliases=("是否位于历史文化街区", "历史文化街区"), example="否",
               help=_("是则面积≥1000 m²即按300 m服务半径计"), width=12),
        NOTE_COLUMN,
    ),
)

LEDGER_TYPES = {t.key: t for t in (PARKS, GREEN_SPACES, ROADS, COMPOUNDS, GREENWAYS, DISTRICT_BASE, VALUES,
                                   POCKET_PLOTS)}
LEDGER_TYPE_CHOICES = [(t.key, t.label) for t in LEDGER_TYPES.values()]


def get_type(key):
    return LEDGER_TYPES[key]
