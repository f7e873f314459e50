"""The audit trail: services call `audit_record` with the fields they changed."""
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from .models import AuditEntry, Membership

# When a user holds several roles, the trail names the broadest.
_ROLE_RANK = {Membership.Role.OFFICE: 0, Membership.Role.LEADER: 1, Membership.Role.INSPECTOR: 2,
              Membership.Role.UNIT_STAFF: 3}


def _plain(value):
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot_fields(obj, fields):
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before, after):
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def actor_of(user):
    """(name, unit, role) of the person acting, kept on each audit row; cached on the user object."""
    if user is None or not user.is_authenticated:
        return {"actor_name": "", "actor_unit": "", "actor_role": ""}
    cached = getattr(user, "_audit_actor", None)
    if cached is None:
        from .models import Person

        person = Person.objects.filter(user=user).select_related("unit").first()
        memberships = sorted(Membership.objects.filter(user=user).select_related("unit"),
                             key=lambda m: (_ROLE_RANK.get(m.role, 9), m.pk))
        first = memberships[0] if memberships else None
        cached = {
            "actor_name": (person.name if person else (user.get_full_name() or user.get_username()))[:100],
            "actor_unit": (first.unit.name if first else (person.unit.name if person else ""))[:100],
            "actor_role": first.role if first else "",
        }
        user._audit_actor = cached
    return cached


def audit_record(*, obj, action, user=None, changes=None, note=""):
    return AuditEntry.objects.create(
        **actor_of(user),
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes={k: [_plain(v[0]), _plain(v[1])] for k, v in (changes or {}).items()},
        note=note,
    )


def audit_record_many(*, objs, action, user=None, changes_for=None, note=""):
    """One audit row per object in a single bulk insert (imports of thousands of rows)."""
    objs = list(objs)
    if not objs:
        return []
    content_type = ContentType.objects.get_for_model(objs[0], for_concrete_model=False)
    actor = actor_of(user)
    user = user if user is not None and user.is_authenticated else None
    rows = [
        AuditEntry(
            **actor, user=user, action=action, content_type=content_type, object_id=str(obj.pk), object_repr=str(obj)[:200],
            changes={k: [_plain(v[0]), _plain(v[1])] for k, v in ((changes_for(obj) if changes_for else {}) or {}).items()},
            note=note,
        )
        for obj in objs
    ]
    return AuditEntry.objects.bulk_create(rows, batch_size=500)


def audit_for(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), object_id=str(obj.pk)
    ).select_related("user")
