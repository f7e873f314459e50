"""One error format, in the language the request asks for (Accept-Language)."""
import pytest


class ErrorFormatTests:
    @pytest.mark.parametrize("lang,message", [
        ("zh-hans", "未找到，或不在您的单位范围内。"),
        ("en", "Not found, or outside your units."),
        ("en-US,en;q=0.9", "Not found, or outside your units."),
        (None, "未找到，或不在您的单位范围内。"),
    ])
    def test_a_404_speaks_the_requested_language(self, api_for, outsider, finding, lang, message):
        response = api_for(outsider, lang).get(f"/api/v1/findings/{finding.pk}/")
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": message, "fields": {}}}
        assert response["Content-Language"] == ("en" if lang and lang.startswith("en") else "zh-hans")

    @pytest.mark.parametrize("lang,deadline_message", [
        ("zh-hans", "整改期限不能早于今天。"),
        ("en", "The rectification deadline cannot be earlier than today."),
    ])
    def test_a_form_rule_names_its_field_in_the_requested_language(self, api_for, inspector, campaign, unit_a,
                                                                   lang, deadline_message):
        response = api_for(inspector, lang).post("/api/v1/findings/", {
            "campaign": campaign.pk, "unit": unit_a.pk, "description": "绿地裸土", "address": "人民路",
            "deadline": "2020-01-01", "category": "other", "severity": "minor", "source": "inspection",
        }, format="multipart")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert error["fields"]["deadline"] == [deadline_message]

    @pytest.mark.parametrize("lang,expected", [
        ("zh-hans", "只有督查人员或创建办可以复核销号。"),
        ("en", "Only inspectors or the campaign office can verify and close findings."),
    ])
    def test_a_service_refusal_is_a_403_in_the_requested_language(self, api_for, lead_staff, finding, lang,
                                                                  expected):
        response = api_for(lead_staff, lang).post(f"/api/v1/findings/{finding.pk}/close/", {}, format="json")
        assert response.status_code == 403
        assert response.json()["error"] == {"code": "permission_denied", "message": expected, "fields": {}}

    def test_a_wrong_state_is_a_409(self, api_for, inspector, finding):
        response = api_for(inspector, "en").post(f"/api/v1/findings/{finding.pk}/close/", {}, format="json")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "conflict"

    def test_a_computed_measure_is_refused(self, api_for, office_admin, campaign, indicator):
        indicator.measure.formula_key = "green_space_rate"
        indicator.measure.save()
        response = api_for(office_admin, "zh-hans").post("/api/v1/values/", {
            "campaign": campaign.pk, "indicator": indicator.pk, "scope": campaign.city_id, "as_of": "2026-06-01",
            "value": "40"}, format="json")
        assert response.status_code == 400
        assert "由台账计算，不能手工填报" in response.json()["error"]["message"]
