"""调查摸底 (SPEC §5): the six-point checklist of a 定级对象, filled during the 调查摸底 phase."""
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import diff, record
from campaigns.models import Phase
from scoring.models import INVESTIGATION_CHECKS, Investigation

NOTE_MAX = 500
SUMMARY_MAX = 2000


def investigation_values(inv: Investigation | None) -> dict:
    """The checklist as a plain dict ({key}_ok, {key}_note, summary); empty when not filled."""
    if inv is None:
        return {}
    values = {}
    for key, _ in INVESTIGATION_CHECKS:
        values[f"{key}_ok"] = getattr(inv, f"{key}_ok")
        values[f"{key}_note"] = getattr(inv, f"{key}_note")
    values["summary"] = inv.summary
    return values


@transaction.atomic
def save_investigation(*, campaign, org, actor, values: dict) -> Investigation:
    """Create or update the checklist of `org` (a 定级对象 of `campaign`) while 调查摸底 is the current phase.

    `values` holds every `{key}_ok` (True/False — each point must be answered 是 or 否), optional `{key}_note`
    (≤ 500 characters) and optional `summary`. Audited with the changed fields."""
    from campaigns.selectors import targets

    if campaign.phase != Phase.INVESTIGATE:
        raise ValidationError(f"只有在「调查摸底」阶段才能填写调查摸底情况（当前阶段：{campaign.phase_label}）。")
    if not targets(campaign).filter(pk=org.pk).exists():
        raise ValidationError(f"{org.name}不是本次工作的定级对象。")
    errors = {}
    clean = {}
    for key, label in INVESTIGATION_CHECKS:
        ok = values.get(f"{key}_ok")
        if ok not in (True, False):
            errors[f"{key}_ok"] = f"请选择「{label}」：是或否。"
        clean[f"{key}_ok"] = ok
        note = (values.get(f"{key}_note") or "").strip()
        if len(note) > NOTE_MAX:
            errors[f"{key}_note"] = f"「{label}」的说明不能超过 {NOTE_MAX} 字。"
        clean[f"{key}_note"] = note
    summary = (values.get("summary") or "").strip()
    if len(summary) > SUMMARY_MAX:
        errors["summary"] = f"主要问题及情况说明不能超过 {SUMMARY_MAX} 字。"
    clean["summary"] = summary
    if errors:
        raise ValidationError(errors)

    inv = Investigation.objects.select_for_update().filter(campaign=campaign, org=org).first()
    before_values = investigation_values(inv)
    if inv is None:
        inv = Investigation(campaign=campaign, org=org)
    for name, value in clean.items():
        setattr(inv, name, value)
    inv.filled_by = actor
    inv.save()
    before, after = diff(before_values, clean)
    record(actor=actor, action="investigation.saved", obj=inv, campaign_id=campaign.pk, before=before or None,
           after=after)
    return inv
