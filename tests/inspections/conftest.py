"""Fixtures for the inspections tests: a campaign in 测试市, photos made with Pillow, and a
finding recorded by the inspector for unit A (市住建局) with unit B cooperating."""
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from indicators.models import Campaign, Tier
from inspections import services
from inspections.models import Finding
from inspections.photos import process_photo
from tests.conftest import make_user as make_user_in  # noqa: F401 (re-exported for the tests)
from tests.factories import make_indicator, make_standard


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def image_bytes(fmt="JPEG", size=(80, 60), color=(200, 80, 40), exif=None, mode="RGB"):
    img = Image.new(mode, size, color if mode != "RGBA" else color + (128,))
    out = io.BytesIO()
    kwargs = {"exif": exif.tobytes()} if exif is not None else {}
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(name="photo.jpg", data=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, image_bytes() if data is None else data, content_type=content_type)


def photo(name="before.jpg", **kwargs):
    return process_photo(upload(name, image_bytes(**kwargs)), strip_location=False)


@pytest.fixture
def standard():
    standard, node = make_standard()
    indicator = make_indicator(standard, node, "2.2", "建成区绿地率", thresholds=[{"tier": "garden", "comparator": "gte",
                                                                          "value": 31}])
    return standard, indicator


@pytest.fixture
def campaign(city, office_unit, standard):
    c = Campaign.objects.create(name="测试市国家园林城市复查", city=city, office=office_unit, kind="re_inspection",
                                tier=Tier.GARDEN)
    c.standards.add(standard[0])
    return c


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def make_finding(campaign, unit_a, unit_b, inspector, today):
    def make(unit=None, deadline_days=7, photos=1, by=None, **kwargs):
        return services.finding_create(
            campaign=campaign, user=by or inspector, unit=unit or unit_a,
            description=kwargs.pop("description", "人民公园东门绿地黄土裸露约50平方米"),
            address=kwargs.pop("address", "人民路与公园路交叉口东北角"),
            deadline=kwargs.pop("deadline", today + timedelta(days=deadline_days)),
            cooperating_units=kwargs.pop("cooperating_units", [unit_b]),
            photos=[photo(f"before{i}.jpg") for i in range(photos)], **kwargs,
        )

    return make


@pytest.fixture
def finding(make_finding):
    return make_finding()


@pytest.fixture
def advance(lead_staff, inspector):
    """advance(finding, to) walks a finding along the happy path to the given status."""

    def go(f, to):
        path = [Finding.Status.IN_RECTIFICATION, Finding.Status.SUBMITTED, Finding.Status.CLOSED]
        if to == Finding.Status.RETURNED:
            path = [Finding.Status.IN_RECTIFICATION, Finding.Status.SUBMITTED, Finding.Status.RETURNED]
        for step in path:
            f.refresh_from_db()
            if f.status == to:
                break
            if f.status in path and path.index(f.status) >= path.index(step):
                continue  # already past this step
            if step == Finding.Status.IN_RECTIFICATION:
                services.finding_start(finding=f, user=lead_staff)
            elif step == Finding.Status.SUBMITTED:
                services.finding_submit(finding=f, user=lead_staff, note="已覆绿", photos=[photo("after.jpg")])
            elif step == Finding.Status.CLOSED:
                services.finding_close(finding=f, user=inspector, note="复核通过")
            elif step == Finding.Status.RETURNED:
                services.finding_return(finding=f, user=inspector, reason="仍有裸露")
        f.refresh_from_db()
        assert f.status == to
        return f

    return go
