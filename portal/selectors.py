"""Read paths of the home page: each role's tasks across campaigns, and the orgs a person holds a role in."""
from __future__ import annotations

from django.urls import reverse

from branches.access import Viewer, reviewable_orgs_q, visible_orgs_q
from branches.models import Org
from campaigns.models import Campaign, Phase
from campaigns.selectors import campaigns_for_viewer, targets
from publicity.models import Objection, ObjectionStatus, PublishedResult
from rectification.models import (
    ItemStatus,
    RectificationItem,
    RectificationPlan,
    Tier,
)
from scoring.models import (
    Grade,
    Investigation,
    ScoreSheet,
    SheetKind,
    SheetSource,
    SheetStatus,
)


def secretary_tasks(viewer: Viewer) -> list[dict]:
    """For a secretary: one task per (campaign, own org) where the org is a 定级对象, newest campaign first.

    Each task is a dict: campaign, org, sheet (the self-evaluation or None), status_label and badge (ok / warn /
    bad / ""), editable (scoring.services.sheets.self_editable: 自评 open and not submitted, or a RETURNED sheet in
    自评/测评/评定), return_reason (a RETURNED sheet's reason, else ""), note (what to do now, in Chinese),
    result_label (the grade published for 公示, else "") with result_title (公示等次, or 定级等次 after 公示),
    and actions (what to do now first) — [(label, url, primary)]: 填写自评 while
    editable, else 查看自评 when a sheet exists; 测评结果 from 党员群众测评 on; 整改方案 when the org has a plan
    below the top band; 公示结果 while the campaign is in 公示. A fixed number of queries per campaign."""
    orgs = list(Org.objects.filter(pk__in=viewer.secretary_org_ids).order_by("path"))
    if not orgs:
        return []
    campaigns = [c for c in Campaign.objects.select_related("root").order_by("-year", "-created_at", "-pk")
                 if any(o.path.startswith(c.root.path) for o in orgs)]
    if not campaigns:
        return []
    org_ids = [o.pk for o in orgs]
    sheets = {
        (s.campaign_id, s.org_id): s
        for s in ScoreSheet.objects.filter(kind=SheetKind.SELF, org__in=org_ids, campaign__in=campaigns)
    }
    plans = {(p.campaign_id, p.org_id): p
             for p in RectificationPlan.objects.filter(org__in=org_ids, campaign__in=campaigns)}
    published = {(campaign_id, org_id): label for campaign_id, org_id, label in PublishedResult.objects.filter(
        org__in=org_ids, publicity__campaign__in=campaigns).values_list("publicity__campaign_id", "org_id", "label")}
    tasks = []
    for campaign in campaigns:
        target_ids = set(targets(campaign).filter(pk__in=org_ids).values_list("pk", flat=True))
        for org in orgs:
            if org.pk in target_ids:
                tasks.append(_secretary_task(campaign, org, sheets.get((campaign.pk, org.pk)),
                                             plans.get((campaign.pk, org.pk)), published.get((campaign.pk, org.pk), "")))
    return tasks


def _sheet_badge(sheet) -> tuple[str, str]:
    """The self-evaluation's status label and badge class."""
    if sheet is None:
        return "未开始", ""
    if sheet.source == SheetSource.OFFLINE:
        return "线下录入", "ok"
    return SheetStatus(sheet.status).label, {SheetStatus.SUBMITTED: "ok", SheetStatus.RETURNED: "bad"}.get(
        sheet.status, "warn")


def _sheet_note(campaign, sheet, editable: bool) -> str:
    """What the secretary should do about the self-evaluation now."""
    status = sheet.status if sheet else ""
    returned = status == SheetStatus.RETURNED
    if editable:
        if returned:
            return "自评被上级党组织退回，请按退回理由修改后重新提交。"
        return "草稿已保存，全部打分后请提交。" if sheet is not None else "请对照评分标准逐项打分，完成后提交。"
    if returned:
        return f"自评被退回，但当前阶段为“{campaign.phase_label}”，已不能修改，请联系上级党组织。"
    if status == SheetStatus.SUBMITTED and sheet.source == SheetSource.ONLINE:
        return f"自评已提交（{sheet.total} 分）。"
    if campaign.phase < Phase.SELF:
        return "自评尚未开始，请留意自评阶段的时间安排。"
    if sheet is None or status == SheetStatus.DRAFT:
        return "自评阶段已结束，本组织未提交自评。"
    return ""


def _secretary_task(campaign, org, sheet, plan, result_label: str) -> dict:
    from scoring.services.sheets import self_editable

    editable = self_editable(campaign, sheet)
    returned = sheet is not None and sheet.status == SheetStatus.RETURNED
    status_label, badge = _sheet_badge(sheet)
    note = _sheet_note(campaign, sheet, editable)
    self_url = reverse("self_eval", args=[campaign.slug, org.code])
    actions = []
    if editable:
        actions.append(("填写自评", self_url, True))
    elif sheet is not None:
        actions.append(("查看自评", self_url, False))
    if campaign.phase >= Phase.SURVEY:
        actions.append(("测评结果", reverse("survey_results", args=[campaign.slug, org.code]), False))
    if plan is not None and plan.needs_plan:
        url = reverse("rectification_plan", args=[campaign.slug, org.code])
        actions.append(("整改方案", url, plan.submitted_at is None))
        note = (f"定级为“{plan.label}”，请制定并报送整改方案。" if plan.submitted_at is None
                else "整改方案已报送，请按期报告各项整改进展。")
    if campaign.phase == Phase.PUBLICITY and result_label:
        actions.append(("公示结果", reverse("public_results", args=[campaign.slug]), False))
    actions.sort(key=lambda a: not a[2])  # what to do now first
    return {
        "campaign": campaign, "org": org, "sheet": sheet, "status_label": status_label, "badge": badge,
        "editable": editable, "return_reason": sheet.return_reason if returned else "", "note": note,
        "result_label": result_label, "actions": actions,
        "result_title": "公示等次" if campaign.phase <= Phase.PUBLICITY else "定级等次",
        # kept for older templates: the first action's url and label
        "url": actions[0][1] if actions else "", "action": actions[0][0] if actions else "",
    }


def reviewer_tasks(viewer: Viewer, campaigns: list[Campaign] | None = None) -> list[dict]:
    """What awaits a reviewer (or staff) now, per visible campaign, newest first:
    [{campaign, items: [{label, count, unit, url}]}], campaigns with nothing pending left out.

    Counted over the orgs the viewer reviews (staff: all): 调查摸底 still to fill (调查摸底 phase);
    self-evaluations submitted, to check or return (自评, 测评); 定级对象 not yet reviewed (上级评定); orgs reopened
    by an upheld objection, and objections pending (公示; objections over the viewer's visible orgs); rectification
    plans not yet filed (整改提升, 检查验收); rectification items reported and awaiting acceptance (any phase).
    A fixed number of queries per campaign. `campaigns` (campaigns_for_viewer(viewer), when the caller has it)
    saves a query."""

    if not (viewer.is_staff or viewer.is_reviewer):
        return []
    campaigns = campaigns_for_viewer(viewer) if campaigns is None else campaigns
    if not campaigns:
        return []
    items_by_campaign: dict[int, int] = {}
    for campaign_id in (RectificationItem.objects.filter(status=ItemStatus.REPORTED, plan__campaign__in=campaigns)
                        .filter(reviewable_orgs_q(viewer, "plan__org__")).values_list("plan__campaign_id", flat=True)):
        items_by_campaign[campaign_id] = items_by_campaign.get(campaign_id, 0) + 1
    result = []
    for campaign in campaigns:
        items = _phase_items(campaign, viewer)
        if items_by_campaign.get(campaign.pk):
            items.append({"label": "整改事项待验收", "count": items_by_campaign[campaign.pk], "unit": "项",
                          "url": reverse("rectification_overview", args=[campaign.slug])})
        if items:
            result.append({"campaign": campaign, "items": items})
    return result


def _item(label, count, unit, url) -> list[dict]:
    return [{"label": label, "count": count, "unit": unit, "url": url}] if count else []


def _investigate_items(campaign, viewer):
    mine = targets(campaign).filter(reviewable_orgs_q(viewer))
    missing = mine.exclude(pk__in=Investigation.objects.filter(campaign=campaign).values("org_id")).count()
    return _item("调查摸底待填写", missing, "个", reverse("investigation_list", args=[campaign.slug]))


def _self_items(campaign, viewer):
    submitted = ScoreSheet.objects.filter(campaign=campaign, kind=SheetKind.SELF, status=SheetStatus.SUBMITTED).filter(
        reviewable_orgs_q(viewer, "org__")).count()
    return _item("已提交的自评，可查看或退回", submitted, "份",
                 reverse("review_list", args=[campaign.slug]) + "?show=submitted")


def _review_items(campaign, viewer):
    done = ScoreSheet.objects.filter(campaign=campaign, kind=SheetKind.REVIEW, status=SheetStatus.SUBMITTED)
    waiting = targets(campaign).filter(reviewable_orgs_q(viewer)).exclude(pk__in=done.values("org_id")).count()
    return _item("定级对象待评定", waiting, "个", reverse("review_list", args=[campaign.slug]) + "?show=unreviewed")


def _publicity_items(campaign, viewer):
    reopened = Grade.objects.filter(campaign=campaign, reopened=True).filter(
        reviewable_orgs_q(viewer, "org__")).count()
    pending = Objection.objects.filter(campaign=campaign, status=ObjectionStatus.PENDING)
    if not viewer.is_staff:
        pending = pending.filter(org__isnull=False).filter(visible_orgs_q(viewer, "org__"))
    return (_item("异议成立、需重新评定", reopened, "个", reverse("review_list", args=[campaign.slug]))
            + _item("公示异议待处理" if viewer.is_staff else "公示异议待组织部处理", pending.count(), "条",
                    reverse("objection_list", args=[campaign.slug]) + "?status=pending"))


def _rectify_items(campaign, viewer):
    unfiled = RectificationPlan.objects.filter(campaign=campaign, submitted_at__isnull=True).exclude(
        tier=Tier.TOP).filter(reviewable_orgs_q(viewer, "org__")).count()
    return _item("尚未报送整改方案的党组织（请督促）", unfiled, "个",
                 reverse("rectification_overview", args=[campaign.slug]))


PHASE_ITEMS = {
    Phase.INVESTIGATE: _investigate_items,
    Phase.SELF: _self_items,
    Phase.SURVEY: _self_items,
    Phase.REVIEW: _review_items,
    Phase.PUBLICITY: _publicity_items,
    Phase.RECTIFY: _rectify_items,
    Phase.ACCEPT: _rectify_items,
}


def _phase_items(campaign, viewer) -> list[dict]:
    """What awaits the viewer in the campaign's current phase."""
    items_for = PHASE_ITEMS.get(campaign.phase)
    return items_for(campaign, viewer) if items_for else []


def own_orgs(viewer: Viewer) -> list[Org]:
    """The orgs the viewer is reviewer or secretary of, in tree order."""
    return list(Org.objects.filter(pk__in=viewer.reviewer_org_ids | viewer.secretary_org_ids).order_by("path"))
