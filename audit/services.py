from decimal import Decimal

from audit.models import AuditEntry


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(*, actor, action, obj=None, object_type="", object_id="", object_repr="", before=None, after=None,
           reason="", campaign_id=None):
    """Append one audit entry. `obj` fills type, id and text when given. Returns the entry."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=(user.get_full_name() or user.get_username()) if user else "系统",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:255],
        before=_plain(before),
        after=_plain(after),
        reason=reason,
        campaign_id=campaign_id,
    )


def diff(before: dict, after: dict):
    """The changed keys only, as (before, after) dicts; ({}, {}) when nothing changed."""
    keys = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
