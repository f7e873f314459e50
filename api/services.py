"""Writes for API tokens; both are audited."""
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.access import Access
from organizations.audit import audit_record
from organizations.models import AuditEntry

from .models import ApiToken, token_hash

KEY_PREFIX = "cy_"


def token_issue(*, user, name, issued_by, expires_at=None):
    """Returns (token, key). The key is shown once: only its SHA-256 is stored."""
    if not Access(issued_by).is_office:
        raise PermissionDenied(_("只有创建办可以签发接口令牌。"))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken(user=user, name=name, prefix=key[len(KEY_PREFIX):][:8], key_hash=token_hash(key),
                         created_by=issued_by, expires_at=expires_at)
        token.full_clean()
        token.save()
        audit_record(obj=token, action=AuditEntry.Action.CREATE, user=issued_by,
                     changes={"user": [None, user.username], "name": [None, name],
                              "expires_at": [None, expires_at]})
    return token, key


def token_revoke(*, token, user):
    if not Access(user).is_office:
        raise PermissionDenied(_("只有创建办可以吊销接口令牌。"))
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if updated:
        audit_record(obj=token, action=AuditEntry.Action.UPDATE, user=user, changes={"revoked": [False, True]})
    return bool(updated)
