"""星级管理 (SPEC §8): star ratings issued when a `stars` campaign's results are final, valid two years, and
lowered or revoked by staff with a reason.

Validity: a rating issued on day F is valid on every day d with F ≤ d < E, where E (expires_on) is the same
calendar day `valid_years` (2) years later; 29 February maps to 28 February. On E itself it has expired.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record
from campaigns.models import CampaignSector, GradeBand
from publicity.services import local_today
from rectification.models import StarRating, StarStatus

DEFAULT_VALID_YEARS = 2


def expiry_for(valid_from: datetime.date, years: int = DEFAULT_VALID_YEARS) -> datetime.date:
    """The day a rating issued on `valid_from` stops being valid (same calendar day `years` later)."""
    try:
        return valid_from.replace(year=valid_from.year + years)
    except ValueError:  # 29 February into a common year
        return valid_from.replace(year=valid_from.year + years, day=28)


def _star_sectors(campaign):
    """{sector_id: scale} for the sectors of a campaign graded on a scale with a validity period (星级)."""
    return {
        cs.sector_id: cs.scale
        for cs in CampaignSector.objects.filter(campaign=campaign, scale__valid_years__isnull=False)
        .select_related("scale")
    }


@transaction.atomic
def issue_star_ratings(*, campaign, actor, valid_from) -> int:
    """One StarRating per published org whose sector is graded on a star scale; idempotent. Returns the count."""
    from publicity.models import PublishedResult

    sectors = _star_sectors(campaign)
    if not sectors:
        return 0
    existing = set(StarRating.objects.filter(campaign=campaign).values_list("org_id", flat=True))
    ratings = [
        StarRating(org=r.org, campaign=campaign, label=r.label, original_label=r.label, valid_from=valid_from,
                   expires_on=expiry_for(valid_from, sectors[r.org.sector_id].valid_years or DEFAULT_VALID_YEARS))
        for r in PublishedResult.objects.filter(publicity__campaign=campaign, org__sector_id__in=list(sectors))
        .select_related("org")
        if r.org_id not in existing
    ]
    StarRating.objects.bulk_create(ratings)
    if ratings:
        record(actor=actor, action="stars.issued", object_type="rectification.starrating", object_id=str(campaign.pk),
               object_repr=f"{campaign} · 星级", campaign_id=campaign.pk,
               after={"ratings": len(ratings), "valid_from": valid_from, "expires_on": ratings[0].expires_on})
    return len(ratings)


def lower_labels(rating: StarRating) -> list[str]:
    """The star labels strictly below the rating's current label on its campaign's scale (best first)."""
    cs = CampaignSector.objects.filter(campaign_id=rating.campaign_id, sector_id=rating.org.sector_id).first()
    if cs is None:
        return []
    labels = list(GradeBand.objects.filter(scale_id=cs.scale_id).order_by("-min_score").values_list("label", flat=True))
    return labels[labels.index(rating.label) + 1:] if rating.label in labels else []


def _lock_current(rating, today):
    rating = StarRating.objects.select_for_update().select_related("org").get(pk=rating.pk)
    if not rating.is_current_on(today):
        raise ValidationError(f"该星级当前状态为「{rating.state_on(today)}」，不能调整。")
    return rating


@transaction.atomic
def lower_star_rating(*, rating, actor, label, reason, today=None) -> StarRating:
    """Lower a currently valid rating to a lower star with a reason (audited); validity dates are unchanged."""
    today = today or local_today()
    rating = _lock_current(rating, today)
    reason = (reason or "").strip()
    errors = {}
    if label not in lower_labels(rating):
        errors["label"] = f"只能降为低于「{rating.label}」的星级。"
    if not reason:
        errors["reason"] = "请填写降级理由。"
    if errors:
        raise ValidationError(errors)
    before = {"label": rating.label, "status": rating.get_status_display()}
    rating.label = label
    rating.status = StarStatus.LOWERED
    rating.changed_reason = reason
    rating.changed_by = actor
    rating.changed_at = timezone.now()
    rating.save(update_fields=["label", "status", "changed_reason", "changed_by", "changed_at"])
    record(actor=actor, action="stars.lowered", obj=rating, campaign_id=rating.campaign_id, before=before,
           after={"label": rating.label, "status": rating.get_status_display()}, reason=reason)
    return rating


@transaction.atomic
def revoke_star_rating(*, rating, actor, reason, today=None) -> StarRating:
    """Revoke a currently valid rating with a reason (audited)."""
    today = today or local_today()
    rating = _lock_current(rating, today)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写撤销理由。"})
    before = {"label": rating.label, "status": rating.get_status_display()}
    rating.status = StarStatus.REVOKED
    rating.changed_reason = reason
    rating.changed_by = actor
    rating.changed_at = timezone.now()
    rating.save(update_fields=["status", "changed_reason", "changed_by", "changed_at"])
    record(actor=actor, action="stars.revoked", obj=rating, campaign_id=rating.campaign_id, before=before,
           after={"status": rating.get_status_display()}, reason=reason)
    return rating
