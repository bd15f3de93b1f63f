"""整改提升 and 检查验收 (SPEC §8), after the results are final.

Tier of a grade within its scale: top band → TOP (经验推广, no plan to file); bottom band → BOTTOM (亮黄牌 with a
deadline and a contact leader); a band labelled 一般 → GENERAL (contact leader); any other → MIDDLE. Every org
below the top band files items; a reviewer of an ancestor accepts or returns each item once it is reported done.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record
from campaigns.scales import band_labels_by_sector, position
from publicity.models import Publicity
from publicity.services import local_today, results_final
from rectification.models import (
    ItemStatus,
    RectificationItem,
    RectificationPlan,
    RectificationProgress,
    Tier,
)

TEXT_MAX = 2000


def tier_for(label: str, labels: list[str]) -> str:
    """The tier of `label` in a scale listed top band first."""
    index = position(label, labels)
    if index == 0:
        return Tier.TOP
    if index is not None and index == len(labels) - 1:
        return Tier.BOTTOM
    if label == "一般":
        return Tier.GENERAL
    return Tier.MIDDLE


@transaction.atomic
def create_plans(*, campaign, actor) -> int:
    """One RectificationPlan per published org of a final campaign (existing ones are kept). Returns how many
    were created."""
    publicity = Publicity.objects.get(campaign=campaign)
    labels = band_labels_by_sector(campaign)
    existing = set(RectificationPlan.objects.filter(campaign=campaign).values_list("org_id", flat=True))
    plans = []
    for result in publicity.results.select_related("org"):
        if result.org_id in existing:
            continue
        tier = tier_for(result.label, labels.get(result.org.sector_id, []))
        plans.append(RectificationPlan(campaign=campaign, org=result.org, label=result.label, tier=tier,
                                       share_experience=tier == Tier.TOP, yellow_card=tier == Tier.BOTTOM))
    RectificationPlan.objects.bulk_create(plans)
    if plans:
        record(actor=actor, action="rectification.plans_created", object_type="rectification.rectificationplan",
               object_id=str(campaign.pk), object_repr=f"{campaign} · 整改方案", campaign_id=campaign.pk,
               after={"plans": len(plans), "yellow_cards": sum(p.yellow_card for p in plans),
                      "share_experience": sum(p.share_experience for p in plans)})
    return len(plans)


def _require_final(plan):
    if not results_final(plan.campaign_id):
        raise ValidationError("定级结果确定后才能开展整改。")


def _clean_text(value, label, errors, key, max_len=TEXT_MAX, required=True):
    value = (value or "").strip()
    if required and not value:
        errors[key] = f"请填写{label}。"
    elif len(value) > max_len:
        errors[key] = f"{label}不能超过 {max_len} 字。"
    return value


@transaction.atomic
def set_plan_support(*, plan, actor, contact_leader="", yellow_card_deadline=None) -> RectificationPlan:
    """Staff set the contact leader (一般 and bottom band) and the yellow card's deadline (bottom band only)."""
    _require_final(plan)
    plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
    errors = {}
    contact_leader = _clean_text(contact_leader, "联系领导", errors, "contact_leader", 100, required=False)
    if contact_leader and not plan.needs_contact_leader:
        errors["contact_leader"] = f"等次为「{plan.label}」的组织不安排联系领导。"
    if yellow_card_deadline and not plan.yellow_card:
        errors["yellow_card_deadline"] = "只有亮黄牌的组织才设整改期限。"
    if errors:
        raise ValidationError(errors)
    before = {"contact_leader": plan.contact_leader, "yellow_card_deadline": plan.yellow_card_deadline}
    plan.contact_leader = contact_leader
    plan.yellow_card_deadline = yellow_card_deadline if plan.yellow_card else None
    plan.save(update_fields=["contact_leader", "yellow_card_deadline"])
    record(actor=actor, action="rectification.support_set", obj=plan, campaign_id=plan.campaign_id, before=before,
           after={"contact_leader": plan.contact_leader, "yellow_card_deadline": plan.yellow_card_deadline})
    return plan


def _item_fields(problem, measures, responsible, deadline, today, errors):
    problem = _clean_text(problem, "存在问题", errors, "problem")
    measures = _clean_text(measures, "整改措施", errors, "measures")
    responsible = _clean_text(responsible, "责任人", errors, "responsible", 50)
    if not isinstance(deadline, datetime.date):
        errors["deadline"] = "请填写完成时限（日期）。"
    elif deadline < today:
        errors["deadline"] = f"完成时限不能早于今天（{today.isoformat()}）。"
    return problem, measures, responsible


@transaction.atomic
def add_item(*, plan, actor, problem, measures, responsible, deadline, today=None) -> RectificationItem:
    """Add one item (problem, measures, responsible, deadline ≥ today) to a plan of an org below the top band."""
    _require_final(plan)
    if not plan.needs_plan:
        raise ValidationError(f"等次为「{plan.label}」，无需制定整改方案（列为经验推广对象）。")
    errors = {}
    problem, measures, responsible = _item_fields(problem, measures, responsible, deadline, today or local_today(),
                                                  errors)
    if errors:
        raise ValidationError(errors)
    item = RectificationItem.objects.create(plan=plan, problem=problem, measures=measures, responsible=responsible,
                                            deadline=deadline)
    record(actor=actor, action="rectification.item_added", obj=item, campaign_id=plan.campaign_id,
           after={"org": plan.org.code, "problem": problem, "measures": measures, "responsible": responsible,
                  "deadline": deadline})
    return item


@transaction.atomic
def submit_plan(*, plan, actor) -> RectificationPlan:
    """报送整改方案: needs at least one item; stamps who and when (once)."""
    _require_final(plan)
    plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.needs_plan:
        raise ValidationError("该组织无需制定整改方案。")
    if plan.submitted_at:
        raise ValidationError("整改方案已报送。")
    if not plan.items.exists():
        raise ValidationError("请至少填写一项整改事项后再报送。")
    plan.submitted_at = timezone.now()
    plan.submitted_by = actor
    plan.save(update_fields=["submitted_at", "submitted_by"])
    record(actor=actor, action="rectification.plan_submitted", obj=plan, campaign_id=plan.campaign_id,
           after={"items": plan.items.count()})
    return plan


@transaction.atomic
def report_progress(*, item, actor, text, completed=False) -> RectificationProgress:
    """Append a progress report to an item not yet accepted; `completed` asks for acceptance (status 待验收)."""
    _require_final(item.plan)
    item = RectificationItem.objects.select_for_update().select_related("plan__org").get(pk=item.pk)
    if item.status == ItemStatus.ACCEPTED:
        raise ValidationError("该事项已验收，不能再报告进展。")
    errors = {}
    text = _clean_text(text, "整改进展", errors, "text")
    if errors:
        raise ValidationError(errors)
    progress = RectificationProgress.objects.create(item=item, text=text, reported_by=actor)
    before = item.status
    if completed:
        item.status = ItemStatus.REPORTED
        item.save(update_fields=["status"])
    record(actor=actor, action="rectification.progress", obj=item, campaign_id=item.plan.campaign_id,
           before={"status": ItemStatus(before).label}, after={"status": item.get_status_display(), "text": text})
    return progress


@transaction.atomic
def review_item(*, item, actor, accept, note="") -> RectificationItem:
    """检查验收 of one item reported done: accept, or return it with a note (the note is required to return)."""
    _require_final(item.plan)
    item = RectificationItem.objects.select_for_update().select_related("plan__org").get(pk=item.pk)
    if item.status != ItemStatus.REPORTED:
        raise ValidationError(f"该事项当前状态为「{item.get_status_display()}」，书记报告完成后才能验收。")
    errors = {}
    note = _clean_text(note, "验收意见", errors, "note", required=not accept)
    if errors:
        raise ValidationError(errors)
    item.status = ItemStatus.ACCEPTED if accept else ItemStatus.RETURNED
    item.review_note = note
    item.reviewed_by = actor
    item.reviewed_at = timezone.now()
    item.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    record(actor=actor, action="rectification.accepted" if accept else "rectification.returned", obj=item,
           campaign_id=item.plan.campaign_id, before={"status": ItemStatus.REPORTED.label},
           after={"status": item.get_status_display()}, reason=note)
    return item
