"""safe_next: the one reader of `?next=` (the product's own pages only)."""
import pytest
from django.test import RequestFactory

from organizations.redirects import safe_next


class SafeNextTests:
    @pytest.mark.parametrize("value", [
        "/\\evil.example/", "//evil.example/", "https://evil.example/", "http://testserver.evil/", "\\\\evil",
        "/%5Cevil.example/", "javascript:alert(1)", " /x", "x/y", "/\x00/", "/a\nb", "///evil.example",
    ])
    def test_it_refuses_anything_that_can_leave_the_site(self, value):
        request = RequestFactory().get("/", {"next": value})
        assert safe_next(request) == ""

    @pytest.mark.parametrize("value", ["/campaigns/1/", "/campaigns/1/?status=not_met&aspect=2", "/"])
    def test_it_keeps_a_path_of_this_site(self, value):
        request = RequestFactory().get("/", {"next": value})
        assert safe_next(request) == value

    def test_it_reads_a_posted_next_too(self):
        request = RequestFactory().post("/", {"next": "/tasks/"})
        assert safe_next(request) == "/tasks/"


class ValuePageNextTests:
    def test_a_backslash_next_is_not_rendered(self, client_for, leader, city):
        from indicators.models import IndicatorValue, Measure

        measure = Measure.objects.create(key="m", name="指标", unit="%")
        value = IndicatorValue.objects.create(measure=measure, scope=city, as_of="2026-06-01", value=1)
        body = client_for(leader).get(f"/ledgers/values/{value.pk}/?next=/%5Cevil.example/").content.decode()
        assert 'href="/\\evil.example/"' not in body and "evil.example/\">←" not in body
        assert "← " not in body  # no back link at all
        body = client_for(leader).get(f"/ledgers/values/{value.pk}/?next=/campaigns/1/").content.decode()
        assert 'href="/campaigns/1/"' in body
