from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Campaign, Tier
from tests.factories import make_indicator, make_standard
from visits.demo import demo_pdf
from visits.models import MaterialRequirement


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def campaign(city, office_unit):
    standard, node = make_standard(code="garden-test")
    c = Campaign.objects.create(name="测试市国家园林城市复查", city=city, office=office_unit, kind="re_inspection",
                                tier=Tier.GARDEN, urban_population=Decimal("20"), is_active=True,
                                evaluation_date=date(2026, 9, 15))
    c.standards.add(standard)
    c.test_node = node
    return c


@pytest.fixture
def funds(campaign):
    """Indicator 1.2 with two requirements: a budget file for each of the last three years and
    the plan's approval (any date)."""
    standard = campaign.standards.get()
    indicator = make_indicator(standard, campaign.test_node, "1.2", "城市园林绿化建设维护专项资金", qualitative=True,
                               order=2)
    budgets = MaterialRequirement.objects.create(indicator=indicator, order=1, title="近三年专项资金预算文件", years=3)
    approval = MaterialRequirement.objects.create(indicator=indicator, order=2, title="资金管理办法及批复")
    return indicator, budgets, approval


def pdf_upload(name="file.pdf"):
    return SimpleUploadedFile(name, demo_pdf("x").content, content_type="application/pdf")


def png_upload(name="scan.png"):
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (60, 40), (200, 200, 200)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
