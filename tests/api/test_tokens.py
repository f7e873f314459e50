"""Personal API tokens: issued by the office (shown once, stored hashed), expiring, revocable,
with a last-use time; throttled per token."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from api.models import ApiToken, token_hash
from api.services import token_issue, token_revoke
from organizations.models import AuditEntry
from organizations.permissions import OFFICE_ADMIN_GROUP


def get(client, key, url="/api/v1/tasks/"):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")


class TokenTests:
    def test_it_stores_only_the_hash_and_a_prefix(self, key_for, lead_staff):
        key = key_for(lead_staff)
        token = ApiToken.objects.get(user=lead_staff)
        assert token.key_hash == token_hash(key) and key not in token.key_hash
        assert key.startswith("cy_") and key[3:11] == token.prefix

    def test_it_authenticates_and_records_last_use(self, client, key_for, lead_staff, task):
        key = key_for(lead_staff)
        response = get(client, key)
        assert response.status_code == 200 and response.json()["count"] == 1
        assert ApiToken.objects.get(user=lead_staff).last_used_at is not None

    def test_a_wrong_expired_or_revoked_token_is_refused(self, client, office_admin, lead_staff):
        assert get(client, "cy_nonsense").status_code == 401
        _, expired = token_issue(user=lead_staff, name="旧", issued_by=office_admin,
                                 expires_at=timezone.now() - timedelta(minutes=1))
        assert get(client, expired).json()["error"]["code"] == "authentication_failed"
        token, key = token_issue(user=lead_staff, name="新", issued_by=office_admin)
        assert get(client, key).status_code == 200
        assert token_revoke(token=token, user=office_admin)
        assert get(client, key).status_code == 401
        assert AuditEntry.objects.filter(object_id=str(token.pk), changes__revoked=[False, True]).exists()

    def test_only_the_office_issues_tokens(self, lead_staff):
        with pytest.raises(Exception):
            token_issue(user=lead_staff, name="自己", issued_by=lead_staff)
        assert not ApiToken.objects.exists()

    def test_the_admin_issues_a_key_shown_once_and_revokes(self, client, office_admin, lead_staff):
        office_admin.is_staff = True
        office_admin.save()
        office_admin.groups.add(Group.objects.get(name=OFFICE_ADMIN_GROUP))
        client.force_login(office_admin)
        response = client.post("/admin/api/apitoken/add/", {"user": lead_staff.pk, "name": "数字城管对接"},
                               follow=True)
        assert response.status_code == 200
        shown = [str(m) for m in response.context["messages"]]
        key = next(m.split("：")[-1] for m in shown if "cy_" in m)
        token = ApiToken.objects.get(user=lead_staff)
        assert token.key_hash == token_hash(key) and token.created_by == office_admin
        again = client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
        assert key not in again  # never shown again
        client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
        token.refresh_from_db()
        assert token.revoked_at is not None

    def test_it_throttles_per_token(self, client, key_for, lead_staff, settings, monkeypatch):
        from api.throttling import TokenRateThrottle

        monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
        first, second = key_for(lead_staff), key_for(lead_staff)
        statuses = [get(client, first).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert get(client, first).json()["error"]["code"] == "throttled"
        assert get(client, second).status_code == 200  # another token of the same person is not slowed
