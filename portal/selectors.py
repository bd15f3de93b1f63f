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
    from scoring.services.sheets import self_editable

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
            if org.pk not in target_ids:
                continue
            sheet = sheets.get((campaign.pk, org.pk))
            editable = self_editable(campaign, sheet)
            self_url = reverse("self_eval", args=[campaign.slug, org.code])
            status = sheet.status if sheet else ""
            returned = status == SheetStatus.RETURNED
            if sheet is not None and sheet.source == SheetSource.OFFLINE:
                status_label, badge = "线下录入", "ok"
            elif sheet is not None:
                status_label = SheetStatus(status).label
                badge = {SheetStatus.SUBMITTED: "ok", SheetStatus.RETURNED: "bad"}.get(status, "warn")
            else:
                status_label, badge = "未开始", ""
            if editable and returned:
                note = "自评被上级党组织退回，请按退回理由修改后重新提交。"
            elif editable and sheet is not None:
                note = "草稿已保存，全部打分后请提交。"
            elif editable:
                note = "请对照评分标准逐项打分，完成后提交。"
            elif returned:
                note = f"自评被退回，但当前阶段为“{campaign.phase_label}”，已不能修改，请联系上级党组织。"
            elif status == SheetStatus.SUBMITTED and sheet.source == SheetSource.ONLINE:
                note = f"自评已提交（{sheet.total} 分）。"
            elif campaign.phase < Phase.SELF:
                note = "自评尚未开始，请留意自评阶段的时间安排。"
            elif sheet is None or status == SheetStatus.DRAFT:
                note = "自评阶段已结束，本组织未提交自评。"
            else:
                note = ""
            actions = []
            if editable:
                actions.append(("填写自评", self_url, True))
            elif sheet is not None:
                actions.append(("查看自评", self_url, False))
            if campaign.phase >= Phase.SURVEY:
                actions.append(("测评结果", reverse("survey_results", args=[campaign.slug, org.code]), False))
            plan = plans.get((campaign.pk, org.pk))
            if plan is not None and plan.needs_plan:
                url = reverse("rectification_plan", args=[campaign.slug, org.code])
                actions.append(("整改方案", url, plan.submitted_at is None))
                note = (f"定级为“{plan.label}”，请制定并报送整改方案。" if plan.submitted_at is None
                        else "整改方案已报送，请按期报告各项整改进展。")
            result_label = published.get((campaign.pk, org.pk), "")
            if campaign.phase == Phase.PUBLICITY and result_label:
                actions.append(("公示结果", reverse("public_results", args=[campaign.slug]), False))
            actions.sort(key=lambda a: not a[2])  # what to do now first
            tasks.append({
                "campaign": campaign, "org": org, "sheet": sheet, "status_label": status_label, "badge": badge,
                "editable": editable, "return_reason": sheet.return_reason if returned else "", "note": note,
                "result_label": result_label, "actions": actions,
                "result_title": "公示等次" if campaign.phase <= Phase.PUBLICITY else "定级等次",
                # kept for older templates: the first action's url and label
                "url": actions[0][1] if actions else "", "action": actions[0][0] if actions else "",
            })
    return tasks


def reviewer_tasks(viewer: Viewer, campaigns: list[Campaign] | None = None) -> list[dict]:
    """What awaits a reviewer (or staff) now, per visible campaign, newest first:
    [{campaign, items: [{label, count, unit, url}]}], campaigns with nothing pending left out.

    Counted over the orgs the viewer reviews (staff: all): 调查摸底 still to fill (调查摸底 phase);
    self-evaluations submitted, to check or return (自评, 测评); 定级对象 not yet reviewed (上级评定); orgs reopened
    by an upheld objection, and objections pending (公示; objections over the viewer's visible orgs); rectification
    plans not yet filed (整改提升, 检查验收); rectification items reported and awaiting acceptance (any phase).
    A fixed number of queries per campaign. `campaigns` (campaigns_for_viewer(viewer), when the caller has it)
    saves a query."""
    from rectification.models import RectificationPlan

    if not (viewer.is_staff or viewer.is_reviewer):
        return []
    campaigns = campaigns_for_viewer(viewer) if campaigns is None else campaigns
    if not campaigns:
        return []
    reviewable = reviewable_orgs_q(viewer)
    items_by_campaign: dict[int, int] = {}
    for campaign_id in (RectificationItem.objects.filter(status=ItemStatus.REPORTED, plan__campaign__in=campaigns)
                        .filter(reviewable_orgs_q(viewer, "plan__org__")).values_list("plan__campaign_id", flat=True)):
        items_by_campaign[campaign_id] = items_by_campaign.get(campaign_id, 0) + 1
    result = []
    for campaign in campaigns:
        slug, items = campaign.slug, []
        review_url = reverse("review_list", args=[slug])
        if campaign.phase == Phase.INVESTIGATE:
            mine = targets(campaign).filter(reviewable)
            missing = mine.exclude(pk__in=Investigation.objects.filter(campaign=campaign).values("org_id")).count()
            if missing:
                items.append({"label": "调查摸底待填写", "count": missing, "unit": "个",
                              "url": reverse("investigation_list", args=[slug])})
        elif campaign.phase in (Phase.SELF, Phase.SURVEY):
            submitted = ScoreSheet.objects.filter(campaign=campaign, kind=SheetKind.SELF,
                                                  status=SheetStatus.SUBMITTED).filter(
                reviewable_orgs_q(viewer, "org__")).count()
            if submitted:
                items.append({"label": "已提交的自评，可查看或退回", "count": submitted, "unit": "份",
                              "url": review_url + "?show=submitted"})
        elif campaign.phase == Phase.REVIEW:
            done = ScoreSheet.objects.filter(campaign=campaign, kind=SheetKind.REVIEW, status=SheetStatus.SUBMITTED)
            waiting = targets(campaign).filter(reviewable).exclude(pk__in=done.values("org_id")).count()
            if waiting:
                items.append({"label": "定级对象待评定", "count": waiting, "unit": "个",
                              "url": review_url + "?show=unreviewed"})
        elif campaign.phase == Phase.PUBLICITY:
            reopened = Grade.objects.filter(campaign=campaign, reopened=True).filter(
                reviewable_orgs_q(viewer, "org__")).count()
            if reopened:
                items.append({"label": "异议成立、需重新评定", "count": reopened, "unit": "个", "url": review_url})
            pending = Objection.objects.filter(campaign=campaign, status=ObjectionStatus.PENDING)
            if not viewer.is_staff:
                pending = pending.filter(org__isnull=False).filter(visible_orgs_q(viewer, "org__"))
            pending = pending.count()
            if pending:
                items.append({"label": "公示异议待处理" if viewer.is_staff else "公示异议待组织部处理",
                              "count": pending, "unit": "条",
                              "url": reverse("objection_list", args=[slug]) + "?status=pending"})
        elif campaign.phase in (Phase.RECTIFY, Phase.ACCEPT):
            unfiled = RectificationPlan.objects.filter(campaign=campaign, submitted_at__isnull=True).exclude(
                tier=Tier.TOP).filter(reviewable_orgs_q(viewer, "org__")).count()
            if unfiled:
                items.append({"label": "尚未报送整改方案的党组织（请督促）", "count": unfiled, "unit": "个",
                              "url": reverse("rectification_overview", args=[slug])})
        if items_by_campaign.get(campaign.pk):
            items.append({"label": "整改事项待验收", "count": items_by_campaign[campaign.pk], "unit": "项",
                          "url": reverse("rectification_overview", args=[slug])})
        if items:
            result.append({"campaign": campaign, "items": items})
    return result


def own_orgs(viewer: Viewer) -> list[Org]:
    """The orgs the viewer is reviewer or secretary of, in tree order."""
    return list(Org.objects.filter(pk__in=viewer.reviewer_org_ids | viewer.secretary_org_ids).order_by("path"))
