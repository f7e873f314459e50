"""API fixtures: the shared personas with personal tokens, a campaign with one hand-entered
indicator whose task unit A leads, and a finding of unit A."""
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from api.services import token_issue
from indicators.models import Campaign, Tier
from inspections import services as finding_services
from inspections.photos import process_photo
from tasks.models import Task
from tests.factories import make_indicator, make_standard


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_throttle_cache_bleed():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def jpeg(name="photo.jpg", color=(200, 80, 40)):
    out = io.BytesIO()
    Image.new("RGB", (80, 60), color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def standard(db):
    standard, node = make_standard()
    indicator = make_indicator(standard, node, "2.2", "建成区绿地率",
                               thresholds=[{"tier": "garden", "comparator": "gte", "value": 31}])
    return standard, indicator


@pytest.fixture
def indicator(standard):
    return standard[1]


@pytest.fixture
def campaign(city, office_unit, standard):
    c = Campaign.objects.create(name="测试市国家园林城市复查", city=city, office=office_unit,
                                kind=Campaign.Kind.RE_INSPECTION, tier=Tier.GARDEN)
    c.standards.add(standard[0])
    return c


@pytest.fixture
def task(campaign, indicator, unit_a, unit_b, today):
    t = Task.objects.create(campaign=campaign, seq=1, content="提高建成区绿地率", lead_unit=unit_a,
                            indicator=indicator, due_on=today + timedelta(days=10))
    t.cooperating_units.set([unit_b])
    return t


@pytest.fixture
def finding(campaign, unit_a, inspector, today):
    return finding_services.finding_create(
        campaign=campaign, user=inspector, unit=unit_a, description="人民公园东门绿地黄土裸露",
        address="人民路与公园路交叉口", deadline=today + timedelta(days=7),
        photos=[process_photo(jpeg("before.jpg"), strip_location=False)])


@pytest.fixture
def key_for(office_admin):
    """key_for(user) issues a personal token for the user and returns its key."""

    def issue(user, **kwargs):
        return token_issue(user=user, name=f"{user.username} 测试", issued_by=office_admin, **kwargs)[1]

    return issue


@pytest.fixture
def api_for(key_for):
    """api_for(user, lang="zh-hans") is an API client sending that user's token."""

    def make(user=None, lang=None):
        client = APIClient()
        headers = {}
        if user is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key_for(user)}"
        if lang:
            headers["HTTP_ACCEPT_LANGUAGE"] = lang
        client.credentials(**headers)
        return client

    return make
