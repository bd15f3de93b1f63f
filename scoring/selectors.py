"""Read paths of the scoring app: querysets shaped for the pages and reports that use them."""
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Length, Substr
from django.urls import reverse

from branches.access import Viewer
from branches.models import Org

from .models import Campaign, Phase, ScoreSheet, SheetKind, SheetSource, SheetStatus


def parent_path_expr(ref="path"):
    """SQL for the parent's path of an org row (the path less its last step)."""
    return Substr(OuterRef(ref), 1, Length(OuterRef(ref)) - Org.steplen)


def with_parent(qs):
    """Annotate each org with its parent's name, code and sector id (one query, any depth)."""
    parent = Org.objects.filter(path=parent_path_expr())
    return qs.annotate(
        parent_name=Subquery(parent.values("name")[:1]),
        parent_code=Subquery(parent.values("code")[:1]),
        parent_sector_id=Subquery(parent.values("sector_id")[:1]),
    )


def targets(campaign: Campaign):
    """定级对象 of a campaign, in tree order (SPEC §2): every org strictly inside the root's subtree whose sector
    takes part, except that an org of a 'graded at top only' sector (村, 社区) is graded only when its parent is
    not of the same sector. Each gradable org appears exactly once."""
    root = campaign.root
    qs = with_parent(
        Org.objects.filter(
            path__startswith=root.path,
            depth__gt=root.depth,
            sector_id__in=campaign.sectors.values("sector_id"),
        )
    )
    return (
        qs.exclude(
            Q(sector__graded_at_top_only=True) & Q(parent_sector_id__isnull=False) & Q(parent_sector_id=F("sector_id"))
        )
        .select_related("sector")
        .order_by("path")
    )


def campaigns_for_viewer(viewer: Viewer):
    """Campaigns a viewer may see: all for staff; for others, those whose scope holds one of their orgs."""
    qs = Campaign.objects.select_related("root").order_by("-year", "-created_at")
    if viewer.is_staff:
        return list(qs)
    if not viewer.is_authenticated:
        return []
    my_paths = list(
        Org.objects.filter(pk__in=viewer.secretary_org_ids | viewer.reviewer_org_ids).values_list("path", flat=True)
    )
    return [c for c in qs if any(p.startswith(c.root.path) or c.root.path.startswith(p) for p in my_paths)]


def secretary_tasks(viewer: Viewer) -> list[dict]:
    """For a secretary: one task per (campaign, own org) where the org is a 定级对象, newest campaign first.

    Each task is a dict: campaign, org, sheet (the self-evaluation or None), status_label and badge (ok / warn /
    bad / ""), editable (scoring.services.sheets.self_editable: 自评 open and not submitted, or a RETURNED sheet in
    自评/测评/评定), return_reason (a RETURNED sheet's reason, else ""), note (what to do now, in Chinese),
    result_label (the grade published for 公示, else "") with result_title (公示等次, or 定级等次 after 公示),
    and actions (what to do now first) — [(label, url, primary)]: 填写自评 while
    editable, else 查看自评 when a sheet exists; 测评结果 from 党员群众测评 on; 整改方案 when the org has a plan
    below the top band; 公示结果 while the campaign is in 公示. A fixed number of queries per campaign."""
    from scoring.models import PublishedResult, RectificationPlan
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
    from branches.access import reviewable_orgs_q, visible_orgs_q
    from scoring.models import (
        Grade, Investigation, ItemStatus, Objection, ObjectionStatus, RectificationItem, RectificationPlan, Tier,
    )

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


# --- Coverage (SPEC §2 全覆盖、无遗漏、不重复), used by the campaign page (engineer B) -------------------------


def campaign_coverage(campaign: Campaign, viewer: Viewer | None = None) -> dict:
    """Who is graded in `campaign` and who is not, and why — in four queries whatever the tree size.

    Every org strictly inside the root's subtree (limited to what `viewer` may see, when given and not staff) is
    either one 定级对象 (from `targets()`, counted once under its unit = the directly subordinate org of the root
    it lies in, and under its sector) or listed in `excluded` with its reason. Returns a dict:
    sectors (taking part, in order), rows [{unit, counts per sector, total}], totals, total, scope_count,
    excluded [{reason, orgs}], excluded_count, empty_units (units without a 定级对象), empty_sectors."""
    from branches.access import visible_orgs_q

    from .models import CampaignSector

    root = campaign.root
    limit = visible_orgs_q(viewer) if viewer is not None else Q()
    sectors = [cs.sector for cs in CampaignSector.objects.filter(campaign=campaign).select_related("sector")
               .order_by("sector__order", "sector__name")]
    taking_part = {s.pk for s in sectors}
    target_ids = set(targets(campaign).filter(limit).values_list("pk", flat=True))
    orgs = list(
        Org.objects.filter(limit, path__startswith=root.path, depth__gt=root.depth)
        .select_related("sector").order_by("path")
    )
    units = list(Org.objects.filter(path__startswith=root.path, depth=root.depth + 1).order_by("path"))
    by_path = {o.path: o for o in orgs}
    unit_len = (root.depth + 1) * Org.steplen
    column = {s.pk: i for i, s in enumerate(sectors)}
    counts = {u.path: [0] * len(sectors) for u in units}
    reasons: dict[str, list] = {}
    for org in orgs:
        if org.pk in target_ids:
            counts[org.path[:unit_len]][column[org.sector_id]] += 1
            continue
        if org.sector_id is None:
            reason = "党委未设所属领域，本身不作为定级对象"
        elif org.sector_id not in taking_part:
            reason = f"所属领域“{org.sector.name}”未参加本次定级"
        elif org.sector.graded_at_top_only:
            parent_path = org.path[: -Org.steplen]
            top = None
            while parent_path and len(parent_path) > len(root.path):
                parent = by_path.get(parent_path)
                if parent is not None and parent.pk in target_ids:
                    top = parent
                    break
                parent_path = parent_path[: -Org.steplen]
            reason = (f"村、社区党组织下属的党支部，随“{top.name}”一并定级" if top
                      else "村、社区党组织下属的党支部，随其上级村、社区党组织定级")
        else:
            reason = "不符合定级对象条件"
        reasons.setdefault(reason, []).append(org)
    visible_units = {o.path[:unit_len] for o in orgs}
    rows = [
        {"unit": u, "counts": counts[u.path], "total": sum(counts[u.path])}
        for u in units if viewer is None or viewer.is_staff or u.path in visible_units
    ]
    totals = [sum(r["counts"][i] for r in rows) for i in range(len(sectors))]
    # A village/community branch "graded through" its parent is listed last: it is covered, just not separately.
    excluded = sorted(({"reason": k, "orgs": v} for k, v in reasons.items()),
                      key=lambda g: ("随" in g["reason"], g["reason"]))
    return {
        "sectors": sectors,
        "rows": rows,
        "totals": totals,
        "total": sum(totals),
        "scope_count": len(orgs),
        "excluded": excluded,
        "excluded_count": sum(len(g["orgs"]) for g in excluded),
        "empty_units": [r["unit"] for r in rows if r["total"] == 0],
        "empty_sectors": [s for s, n in zip(sectors, totals) if n == 0],
    }
