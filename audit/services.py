from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from audit import db
from audit.models import AuditEntry


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _actor(actor):
    """(the user to store, the name to store): an anonymous or missing actor is the system."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return user, (user.get_full_name() or user.get_username()) if user else "系统"


def record(*, actor, action, obj=None, object_type="", object_id="", object_repr="", before=None, after=None,
           reason="", campaign_id=None):
    """Append one audit entry. `obj` fills type, id and text when given. Returns the entry."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    user, actor_name = _actor(actor)
    return AuditEntry.objects.create(
        actor=user,
        actor_name=actor_name,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:255],
        before=_plain(before),
        after=_plain(after),
        reason=reason,
        campaign_id=campaign_id,
    )


class Change(NamedTuple):
    """One entry of record_many: the object's id and text, and its values before and after."""

    object_id: str
    object_repr: str = ""
    before: object = None
    after: object = None


def record_many(entries: Iterable[Change | tuple], *, actor, action, object_type, campaign_id=None,
                reason="") -> int:
    """Append one audit entry per Change (object_id, object_repr, before, after), all with the same actor,
    action, object type, campaign, reason and time, as record() would store each — with one query whatever
    their number (audit.db.insert_entries). Returns the number of entries appended.

    before/after are stored through the field's DjangoJSONEncoder, which writes a Decimal as its string as
    record() does; they are not copied first (that copy was most of the Python time of 10,000 entries)."""
    user, actor_name = _actor(actor)
    shared = {"at": timezone.now(), "actor_id": user.pk if user else None, "actor_name": actor_name,
              "action": action, "object_type": object_type, "campaign_id": campaign_id, "reason": reason}
    rows = [(str(object_id), object_repr[:255], before, after) for object_id, object_repr, before, after in entries]
    return db.insert_entries(rows, shared=shared)


def diff(before: dict, after: dict):
    """The changed keys only, as (before, after) dicts; ({}, {}) when nothing changed."""
    keys = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
