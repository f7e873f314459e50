"""Fixtures for the indicator library tests (standards, Excel round trip)."""
import io
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command

from indicators.models import Indicator, Standard, StandardNode, Threshold
from organizations.models import AuditEntry


@pytest.fixture
def standards(db):
    """The shipped measures and both standards, loaded by the real command."""
    call_command("load_standards", stdout=StringIO())
    return {s.code: s for s in Standard.objects.all()}


@pytest.fixture
def garden(standards):
    return standards["garden-city-2016"]


@pytest.fixture
def eco(standards):
    return standards["eco-garden-2022"]


@pytest.fixture
def import_dir(settings, tmp_path):
    """Staged imports' files land here (MEDIA_ROOT/imports), not in var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media" / "imports"


def edit_workbook(content, edit):
    """Open exported .xlsx bytes with openpyxl, let `edit(wb)` change it, return the new bytes."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def find_row(ws, **match):
    """The first data row whose header-named cells equal `match` (e.g. 指标编号="2.2", 层级="园林城市")."""
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        values = {h: c.value for h, c in zip(headers, row)}
        if all(values.get(k) == v for k, v in match.items()):
            return {h: c for h, c in zip(headers, row)}
    raise AssertionError(f"no row matching {match}")


def db_counts():
    return {
        "standards": Standard.objects.count(),
        "nodes": StandardNode.objects.count(),
        "indicators": Indicator.objects.count(),
        "thresholds": Threshold.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def db_state():
    """Every library row's content, to prove nothing was written."""
    return (
        db_counts(),
        list(Indicator.objects.order_by("id").values_list("id", "code", "name", "kind", "verification", "order")),
        list(Threshold.objects.order_by("id").values_list("id", "indicator_id", "tier", "comparator", "value", "order")),
    )
