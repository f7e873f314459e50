"""Cell parsing of the offices' task table: dates, 序号, unit and person names."""
from datetime import date, datetime

import pytest

from organizations.models import Person, Unit
from tasks.table import PersonDirectory, UnitDirectory, norm_header, parse_date, parse_seq


class ParseDateTests:
    @pytest.mark.parametrize("raw", [
        "2024年8月31日", "2024/8/31", "2024-08-31", "2024.8.31", "2024-8-31", " 2024年08月31日 ", "20240831",
        "２０２４年８月３１日", "2024年8月31日前", "2024年8月底", "2024年8月", datetime(2024, 8, 31, 0, 0),
        date(2024, 8, 31), 45535, 45535.0,
    ])
    def test_it_reads_every_format_the_offices_use(self, raw):
        assert parse_date(raw) == date(2024, 8, 31)

    def test_it_reads_year_end(self):
        assert parse_date("2024年底") == date(2024, 12, 31)

    @pytest.mark.parametrize("raw, words", [
        ("2024-02-30", "不是有效日期"), ("长期坚持", "无法识别为日期"), ("8月31日", "无法识别为日期"),
        (2024, "不是日期"), ("2024.13.01", "不是有效日期"),
    ])
    def test_it_explains_in_chinese_what_it_cannot_read(self, raw, words):
        with pytest.raises(ValueError) as exc:
            parse_date(raw)
        assert words in str(exc.value)


class ParseSeqTests:
    @pytest.mark.parametrize("raw, expected", [(1, 1), (3.0, 3), ("12", 12), ("１２", 12), ("7.", 7)])
    def test_it_reads_whole_numbers(self, raw, expected):
        assert parse_seq(raw) == expected

    @pytest.mark.parametrize("raw", [0, -1, 1.5, "一", "1-2", True])
    def test_it_refuses_anything_else(self, raw):
        with pytest.raises(ValueError) as exc:
            parse_seq(raw)
        assert "序号须为正整数" in str(exc.value)


def test_headers_are_compared_without_spaces_stars_or_notes():
    assert norm_header(" 完成时限\n（年月日）*") == "完成时限"


@pytest.mark.django_db
class DirectoryTests:
    @pytest.fixture
    def units(self, city):
        Unit.objects.create(name="市城市管理综合执法局", short_name="市城管执法局", kind="department", parent=city)
        Unit.objects.create(name="市住房和城乡建设局", short_name="市住建局", kind="department", parent=city)
        return UnitDirectory(Unit.objects.all())

    def test_it_matches_full_and_short_names_ignoring_width_and_spaces(self, units):
        assert units.find("市城管执法局").name == "市城市管理综合执法局"
        assert units.find(" 市住房和城乡建设局 ").short_name == "市住建局"

    def test_it_suggests_the_near_miss(self, units):
        with pytest.raises(ValueError) as exc:
            units.find("市城管局")
        assert "未找到单位「市城管局」" in str(exc.value)
        assert "是否为「市城管执法局」" in str(exc.value)

    @pytest.mark.parametrize("cell", ["市住建局、市城管执法局", "市住建局，市城管执法局", "市住建局,市城管执法局",
                                      "市住建局；市城管执法局", "市住建局;市城管执法局", "市住建局\n市城管执法局",
                                      "市住建局、 市城管执法局等"])
    def test_it_splits_cooperating_units_on_every_separator(self, units, cell):
        assert [u.short_name for u in units.find_many(cell)] == ["市住建局", "市城管执法局"]

    def test_it_reports_every_unknown_cooperating_unit(self, units):
        with pytest.raises(ValueError) as exc:
            units.find_many("市住建局、市城管局、市园林局")
        assert "市城管局" in str(exc.value) and "市园林局" in str(exc.value)

    def test_it_tells_same_named_people_apart_by_unit(self, units, city):
        a, b = Unit.objects.get(short_name="市住建局"), Unit.objects.get(short_name="市城管执法局")
        p1 = Person.objects.create(name="王伟", unit=a)
        p2 = Person.objects.create(name="王伟", unit=b, is_leader=True)
        people = PersonDirectory(list(Person.objects.all()), units)
        with pytest.raises(ValueError) as exc:
            people.find("王伟")
        assert "有 2 位同名人员" in str(exc.value) and "姓名（单位）" in str(exc.value)
        assert people.find("王伟（市住建局）") == p1
        assert people.find("王伟", prefer_unit_id=b.id) == p2
        assert people.find("王伟", leader=True) == p2  # only one of them is a leader
        assert people.label(p1.id) == "王伟（市住建局）"
        assert people.find(people.label(p2.id)) == p2

    def test_it_requires_a_leader_for_the_leader_column(self, units, city):
        Person.objects.create(name="钱海燕", unit=Unit.objects.get(short_name="市住建局"))
        people = PersonDirectory(list(Person.objects.all()), units)
        with pytest.raises(ValueError) as exc:
            people.find("钱海燕", leader=True)
        assert "未标记为领导" in str(exc.value)

    def test_it_ignores_a_phone_number_after_the_name(self, units, city):
        p = Person.objects.create(name="钱海燕", unit=Unit.objects.get(short_name="市住建局"))
        assert PersonDirectory([p], units).find("钱海燕 13907160007") == p
