"""Write paths for score sheets: the self-evaluation (自评), the committee review (上级评定) and overrides.

Phase rules (SPEC §4, decided here):
- a self-evaluation is edited by the org's secretary while 自评 is open and it is not submitted;
- a reviewer of an ancestor (or staff) may return a submitted online self-evaluation with a reason while 自评,
  党员群众测评 or 上级评定 is open; a returned sheet may then be edited and resubmitted by the secretary in any of
  those three phases (so a correction asked for during 上级评定 can still be made before 公示);
- the review and overrides are editable while 上级评定 is open, or during 公示 for an org whose Grade.reopened is
  set (an upheld objection reopened it).
Every function validates, writes in one transaction, audits, and recomputes the org's grade when an input changed.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import diff, record
from branches.models import Org
from campaigns.models import (
    Campaign,
    CampaignSector,
    Criterion,
    GradeBand,
    Indicator,
    Phase,
)
from scoring.models import (
    Grade,
    ScoreSheet,
    SheetKind,
    SheetLevel,
    SheetNote,
    SheetScore,
    SheetSource,
    SheetStatus,
)
from scoring.services import grading

RETURN_PHASES = (Phase.SELF, Phase.SURVEY, Phase.REVIEW)
ONE_DECIMAL = Decimal("0.1")


# ---------------------------------------------------------------- phase rules

def review_editable(campaign: Campaign, org: Org) -> bool:
    """True while 上级评定 is open, or during 公示 when that org's Grade.reopened is set."""
    if campaign.phase == Phase.REVIEW:
        return True
    if campaign.phase == Phase.PUBLICITY:
        return Grade.objects.filter(campaign=campaign, org=org, reopened=True).exists()
    return False


def self_editable(campaign: Campaign, sheet: ScoreSheet | None) -> bool:
    """May the secretary edit the self-evaluation now? See the module docstring."""
    status = sheet.status if sheet else SheetStatus.DRAFT
    if sheet is not None and sheet.source == SheetSource.OFFLINE:
        return False
    if status == SheetStatus.RETURNED:
        return campaign.phase in RETURN_PHASES
    return campaign.phase == Phase.SELF and status != SheetStatus.SUBMITTED


def self_closed_message(campaign: Campaign, sheet: ScoreSheet | None) -> str:
    """Why the self-evaluation cannot be edited now (Chinese, for the page)."""
    if sheet is not None and sheet.source == SheetSource.OFFLINE:
        return "自评得分已由组织部线下录入，不能在网上修改。"
    if sheet is not None and sheet.status == SheetStatus.SUBMITTED:
        return "自评已提交，不能再修改。如需更正，请联系上级党组织退回修改。"
    return f"当前阶段为“{campaign.phase_label}”，自评未开放，不能填写或修改。"


def can_return(campaign: Campaign, sheet: ScoreSheet | None) -> bool:
    return (sheet is not None and sheet.status == SheetStatus.SUBMITTED and sheet.source == SheetSource.ONLINE
            and campaign.phase in RETURN_PHASES)


# ---------------------------------------------------------------- parsing

def parse_score(raw, maximum: Decimal, name: str, *, required: bool = False) -> Decimal | None:
    """A score typed by a person: blank → None (or an error when required); otherwise a number 0..maximum with at
    most one decimal. Raises ValidationError with a Chinese message naming `name`."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if required:
            raise ValidationError(f"“{name}”未填写得分。")
        return None
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError(f"“{name}”的得分“{raw}”不是数字。")
    if not value.is_finite():
        raise ValidationError(f"“{name}”的得分“{raw}”不是数字。")
    if value != value.quantize(ONE_DECIMAL, rounding="ROUND_DOWN"):
        raise ValidationError(f"“{name}”的得分最多保留一位小数（填写的是 {raw}）。")
    if value < 0 or value > maximum:
        raise ValidationError(f"“{name}”的得分必须在 0 到 {maximum.normalize():f} 之间（填写的是 {raw}）。")
    return value.quantize(ONE_DECIMAL)


def campaign_sector_for(campaign: Campaign, org: Org) -> CampaignSector:
    cs = (CampaignSector.objects.filter(campaign=campaign, sector_id=org.sector_id)
          .select_related("rubric", "scale", "sector").first())
    if cs is None:
        raise ValidationError(f"{org.name}所属领域未参加本次定级工作。")
    return cs


def rubric_items(rubric_id: int) -> list[Indicator]:
    """The rubric's indicators in order, each with `.items` = its criteria in order. Two queries."""
    indicators = list(Indicator.objects.filter(rubric_id=rubric_id).order_by("position"))
    by_id = {i.pk: i for i in indicators}
    for ind in indicators:
        ind.items = []
    for crit in Criterion.objects.filter(indicator__rubric_id=rubric_id).order_by("indicator__position", "position"):
        by_id[crit.indicator_id].items.append(crit)
    return indicators


def _item_key(ind: Indicator, crit: Criterion | None) -> str:
    if crit is None:
        return f"{ind.position}. {ind.name}"
    return f"{ind.position}.{crit.position} {crit.text[:40]}"


def _snapshot(sheet: ScoreSheet, indicators: list[Indicator]) -> dict:
    """{item key: score string} of the sheet's current scores (criterion and indicator level)."""
    if sheet.pk is None:
        return {}
    crits = {c.pk: (ind, c) for ind in indicators for c in ind.items}
    inds = {i.pk: i for i in indicators}
    out = {}
    for sc in sheet.scores.all():
        if sc.criterion_id:
            ind, crit = crits.get(sc.criterion_id, (inds.get(sc.indicator_id), None))
            out[_item_key(ind, crit)] = str(sc.score)
        else:
            out[_item_key(inds[sc.indicator_id], None)] = str(sc.score)
    return out


def _write_scores(sheet: ScoreSheet, rows: list[SheetScore]) -> None:
    SheetScore.objects.filter(sheet=sheet).delete()
    SheetScore.objects.bulk_create(rows)


def _write_notes(sheet: ScoreSheet, notes: dict[int, str]) -> None:
    SheetNote.objects.filter(sheet=sheet).delete()
    SheetNote.objects.bulk_create(
        [SheetNote(sheet=sheet, indicator_id=ind_id, note=text.strip()) for ind_id, text in notes.items() if text and text.strip()]
    )


def _locked_sheet(campaign, org, kind) -> ScoreSheet:
    sheet, _ = ScoreSheet.objects.select_for_update().get_or_create(campaign=campaign, org=org, kind=kind)
    return sheet


# ---------------------------------------------------------------- self-evaluation

def _parse_self_scores(indicators, scores: dict, *, required: bool) -> dict[int, tuple]:
    """{criterion_id: (indicator, criterion, Decimal or None)} from the raw form values; every problem at once."""
    errors = []
    parsed: dict[int, tuple[Indicator, Criterion, Decimal | None]] = {}
    for ind in indicators:
        for crit in ind.items:
            try:
                value = parse_score(scores.get(crit.pk, scores.get(str(crit.pk))), crit.max_score,
                                    _item_key(ind, crit), required=required)
            except ValidationError as e:
                errors.extend(e.messages)
                continue
            parsed[crit.pk] = (ind, crit, value)
    if errors:
        raise ValidationError(errors)
    return parsed


def _set_self_status(sheet, *, submit: bool, actor) -> None:
    """Submitting locks the sheet; saving a draft keeps a RETURNED sheet returned until it is submitted again."""
    if submit:
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = timezone.now()
        sheet.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
    elif sheet.status != SheetStatus.RETURNED:
        sheet.status = SheetStatus.DRAFT


def save_self_evaluation(*, campaign: Campaign, org: Org, actor, scores: dict, notes: dict | None = None,
                         submit: bool = False) -> ScoreSheet:
    """Save the secretary's self-evaluation: `scores` {criterion_id: raw value} (blank allowed in a draft),
    `notes` {indicator_id: text}. With submit=True every criterion must be scored; the sheet is then locked, its
    total stored and the grade recomputed. Refused (ValidationError, Chinese) outside the phase rules. Audited
    with the before/after totals and the changed items."""
    cs = campaign_sector_for(campaign, org)
    indicators = rubric_items(cs.rubric_id)
    parsed = _parse_self_scores(indicators, scores, required=submit)
    note_map = {ind.pk: str((notes or {}).get(ind.pk, (notes or {}).get(str(ind.pk), "")) or "") for ind in indicators}

    with transaction.atomic():
        sheet = _locked_sheet(campaign, org, SheetKind.SELF)
        if not self_editable(campaign, sheet):
            raise ValidationError(self_closed_message(campaign, sheet))
        before_items = _snapshot(sheet, indicators)
        before_total = sheet.total
        before_status = sheet.status
        rows = [SheetScore(sheet=sheet, indicator=ind, criterion=crit, score=value)
                for ind, crit, value in parsed.values() if value is not None]
        _write_scores(sheet, rows)
        _write_notes(sheet, note_map)
        sheet.total = sum((r.score for r in rows), Decimal("0")).quantize(ONE_DECIMAL) if rows else None
        sheet.source = SheetSource.ONLINE
        _set_self_status(sheet, submit=submit, actor=actor)
        sheet.save()
        after_items = {_item_key(ind, crit): str(value) for ind, crit, value in parsed.values() if value is not None}
        changed_before, changed_after = diff(before_items, after_items)
        record(actor=actor, action="self_eval.submit" if submit else "self_eval.save", obj=sheet,
               campaign_id=campaign.pk,
               before={"总分": before_total, "状态": SheetStatus(before_status).label, "细则": changed_before},
               after={"总分": sheet.total, "状态": SheetStatus(sheet.status).label, "细则": changed_after})
        if submit or before_status == SheetStatus.SUBMITTED:
            grading.recompute_org(campaign=campaign, org=org, actor=actor)
    return sheet


def return_self_evaluation(*, campaign: Campaign, org: Org, actor, reason: str) -> ScoreSheet:
    """Return a submitted online self-evaluation for correction. A reason is required; it is shown to the
    secretary and audited. The org's grade is recomputed (the self score no longer counts until resubmitted)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写退回修改的理由。")
    with transaction.atomic():
        sheet = ScoreSheet.objects.select_for_update().filter(campaign=campaign, org=org, kind=SheetKind.SELF).first()
        if sheet is None or sheet.status != SheetStatus.SUBMITTED:
            raise ValidationError("只有已提交的自评才能退回修改。")
        if sheet.source != SheetSource.ONLINE:
            raise ValidationError("线下录入的自评得分不能退回，请通过线下成绩导入更正。")
        if campaign.phase not in RETURN_PHASES:
            raise ValidationError(f"当前阶段为“{campaign.phase_label}”，不能退回自评。")
        sheet.status = SheetStatus.RETURNED
        sheet.return_reason = reason
        sheet.save(update_fields=["status", "return_reason", "updated_at"])
        record(actor=actor, action="self_eval.return", obj=sheet, campaign_id=campaign.pk,
               before={"状态": SheetStatus.SUBMITTED.label, "总分": sheet.total},
               after={"状态": SheetStatus.RETURNED.label}, reason=reason)
        grading.recompute_org(campaign=campaign, org=org, actor=actor)
    return sheet


# ---------------------------------------------------------------- review

def save_review(*, campaign: Campaign, org: Org, actor, level: str, scores: dict, opinion: str = "",
                notes: dict | None = None) -> ScoreSheet:
    """Save the committee review (上级评定) of an org. `level` "criterion": `scores` {criterion_id: raw};
    "indicator": {indicator_id: raw}. Every item must be scored (a review is complete when saved). Refused unless
    review_editable(). Audited (before/after totals and changed items); the grade is recomputed."""
    if level not in SheetLevel.values:
        raise ValidationError("评分粒度无效。")
    cs = campaign_sector_for(campaign, org)
    indicators = rubric_items(cs.rubric_id)
    errors, rows_spec = [], []
    for ind in indicators:
        items = ind.items if level == SheetLevel.CRITERION else [None]
        for crit in items:
            key = crit.pk if crit else ind.pk
            maximum = crit.max_score if crit else ind.max_score
            try:
                value = parse_score(scores.get(key, scores.get(str(key))), maximum, _item_key(ind, crit), required=True)
            except ValidationError as e:
                errors.extend(e.messages)
                continue
            rows_spec.append((ind, crit, value))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if not review_editable(campaign, org):
            raise ValidationError(review_frozen_message(campaign))
        sheet = _locked_sheet(campaign, org, SheetKind.REVIEW)
        before_items = _snapshot(sheet, indicators)
        before_total, before_opinion = sheet.total, sheet.opinion
        rows = [SheetScore(sheet=sheet, indicator=ind, criterion=crit, score=value) for ind, crit, value in rows_spec]
        _write_scores(sheet, rows)
        if notes is not None:
            _write_notes(sheet, {ind.pk: str(notes.get(ind.pk, notes.get(str(ind.pk), "")) or "") for ind in indicators})
        sheet.level = level
        sheet.total = sum((r.score for r in rows), Decimal("0")).quantize(ONE_DECIMAL)
        sheet.opinion = (opinion or "").strip()
        sheet.status = SheetStatus.SUBMITTED
        sheet.source = SheetSource.ONLINE
        sheet.submitted_at = timezone.now()
        sheet.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
        sheet.save()
        after_items = {_item_key(ind, crit): str(value) for ind, crit, value in rows_spec}
        changed_before, changed_after = diff(before_items, after_items)
        record(actor=actor, action="review.save", obj=sheet, campaign_id=campaign.pk,
               before={"总分": before_total, "评定意见": before_opinion, "评分项": changed_before},
               after={"总分": sheet.total, "评定意见": sheet.opinion, "评分粒度": SheetLevel(level).label,
                      "评分项": changed_after})
        grading.recompute_org(campaign=campaign, org=org, actor=actor)
    return sheet


def review_frozen_message(campaign: Campaign) -> str:
    if campaign.phase < Phase.REVIEW:
        return f"当前阶段为“{campaign.phase_label}”，上级评定尚未开始。"
    return f"当前阶段为“{campaign.phase_label}”，评定结果已冻结，不能修改（公示期间仅异议成立并重新评定的党组织可修改）。"


# ---------------------------------------------------------------- overrides

def set_override(*, campaign: Campaign, org: Org, actor, label: str, reason: str) -> Grade:
    """Set a final grade different from the computed one. `label` must be a band of the org's scale and differ
    from the computed grade; a written reason is required. Allowed while review_editable(). Audited."""
    reason = (reason or "").strip()
    cs = campaign_sector_for(campaign, org)
    labels = list(GradeBand.objects.filter(scale_id=cs.scale_id).values_list("label", flat=True))
    if label not in labels:
        raise ValidationError(f"等次“{label}”不属于{cs.scale.name}（可选：{'、'.join(labels)}）。")
    if not reason:
        raise ValidationError("调整等次必须填写理由。")
    with transaction.atomic():
        if not review_editable(campaign, org):
            raise ValidationError(review_frozen_message(campaign))
        grade = grading.recompute_org(campaign=campaign, org=org, actor=actor)
        grade = Grade.objects.select_for_update().get(pk=grade.pk)
        if not grade.computed_label:
            raise ValidationError("尚未计算出等次（" + grade.explanation.removeprefix("未定级：") + "），不能调整。")
        if label == grade.computed_label:
            raise ValidationError(f"调整后的等次与计算等次“{label}”相同；如要取消调整，请使用“取消调整”。")
        before = {"最终等次": grade.final_label, "调整理由": grade.override_reason}
        grade.override_label = label
        grade.override_reason = reason
        grade.overridden_by = actor if getattr(actor, "is_authenticated", False) else None
        grade.overridden_at = timezone.now()
        grade.save(update_fields=["override_label", "override_reason", "overridden_by", "overridden_at"])
        record(actor=actor, action="grade.override", obj=grade, campaign_id=campaign.pk, before=before,
               after={"计算等次": grade.computed_label, "最终等次": label, "调整理由": reason}, reason=reason)
    return grade


def clear_override(*, campaign: Campaign, org: Org, actor, reason: str = "") -> Grade:
    """Remove an override: the final grade is the computed one again. Allowed while review_editable(). Audited."""
    with transaction.atomic():
        if not review_editable(campaign, org):
            raise ValidationError(review_frozen_message(campaign))
        grade = Grade.objects.select_for_update().filter(campaign=campaign, org=org).first()
        if grade is None or not grade.override_label:
            raise ValidationError("该党组织的等次没有被调整过。")
        before = {"最终等次": grade.override_label, "调整理由": grade.override_reason}
        grade.override_label = ""
        grade.override_reason = ""
        grade.overridden_by = None
        grade.overridden_at = None
        grade.save(update_fields=["override_label", "override_reason", "overridden_by", "overridden_at"])
        record(actor=actor, action="grade.override_cleared", obj=grade, campaign_id=campaign.pk, before=before,
               after={"最终等次": grade.computed_label or grading.NOT_GRADED}, reason=(reason or "").strip())
    return grade
