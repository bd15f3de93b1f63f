"""The one access helper for campaigns (healthchecks' `_get_project_for_user` pattern).

Every view that works on a campaign starts with `campaign_for(request, slug, need=…)`; on one 定级对象 of a
campaign, with `target_for(request, slug, code, need=…)`; on a rubric version, with `rubric_for(request, pk)`.
Each returns the object if the viewer may do `need` on it, else 404 with the one wording of
branches.access.NOT_FOUND (an existing object out of the viewer's scope looks exactly like a missing one). A viewer
who sees an org but may not do `need` on it is refused with 403 and the reason. The per-action rights are the named
predicates below; the link registries ask the same predicates."""
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from branches.access import (
    NOT_FOUND,
    Viewer,
    can_review_org,
    can_view_scope,
    is_secretary_of,
    org_for,
    viewer_for,
)
from branches.models import Org
from campaigns.models import Campaign, RubricVersion
from campaigns.selectors import campaign_target, rubric_with_items

# ------------------------------------------------------------------------------------- rights on a campaign


def may_view(viewer: Viewer, campaign: Campaign) -> bool:
    """Any role whose orgs lie inside the campaign's tree (or above its root)."""
    return can_view_scope(viewer, campaign.root)


def may_review(viewer: Viewer, campaign: Campaign) -> bool:
    """Staff, or a reviewer (上级党组织) whose orgs meet the campaign's tree: review list, dashboard, 调查摸底."""
    return viewer.is_staff or (viewer.is_reviewer and can_view_scope(viewer, campaign.root))


def may_manage(viewer: Viewer, campaign: Campaign) -> bool:
    """组织部 staff: phases, dates, 公示, finalisation, imports, recomputing the grades."""
    return viewer.is_staff


CAMPAIGN_NEEDS = {"view": may_view, "review": may_review, "manage": may_manage}

# ------------------------------------------------------------------------- rights on one 定级对象 (an org)


def may_review_org(viewer: Viewer, org: Org) -> bool:
    """上级评定, overrides, 调查摸底 and returning a self-evaluation: staff, or a reviewer of an org above it."""
    return can_review_org(viewer, org)


def may_edit_self_eval(viewer: Viewer, org: Org) -> bool:
    """Filling in (draft, submit) the org's self-evaluation: its own secretary only — not staff, not reviewers."""
    return is_secretary_of(viewer, org)


@dataclass(frozen=True)
class TargetNeed:
    """What one action on a 定级对象 needs: `campaign` and `org` (needs of campaign_for / org_for, whose lack looks
    like a missing object: 404) and, optionally, `right`, whose lack for a viewer who sees the org is refused (403)
    with `refusal`."""
    campaign: str
    org: str
    right: Callable[[Viewer, Org], bool] | None = None
    refusal: str = ""


TARGET_NEEDS = {
    "view": TargetNeed("view", "view"),
    "review": TargetNeed("review", "review"),
    "edit_self_eval": TargetNeed("view", "view", may_edit_self_eval, "只有本党组织的书记可以填写自评。"),
    "return_self_eval": TargetNeed("view", "view", may_review_org,
                                   "只有上级党组织评定人或组织部工作人员可以退回自评。"),
}

# --------------------------------------------------------------------------------------------- the helpers


def campaign_for(request, slug: str, need: str = "view") -> Campaign:
    """The campaign `slug` if the request's viewer may `need` it ("view", "review" or "manage"); else 404."""
    allowed = CAMPAIGN_NEEDS[need]
    campaign = Campaign.objects.select_related("root", "previous").filter(slug=slug).first()
    if campaign is None or not allowed(viewer_for(request.user), campaign):
        raise Http404(NOT_FOUND)
    return campaign


def target_for(request, slug: str, code: str, need: str = "view") -> tuple[Campaign, Org]:
    """The campaign `slug` and its 定级对象 `code` (annotated as campaigns.selectors.targets() shapes it) for
    `need`, one of TARGET_NEEDS: 404 if either is missing or out of the viewer's scope, or the org is not graded
    in this campaign; 403 if the viewer sees the org but `need` is not theirs."""
    rule = TARGET_NEEDS[need]
    org = org_for(request, code, need=rule.org)
    campaign = campaign_for(request, slug, need=rule.campaign)
    target = campaign_target(campaign, org)
    if target is None:
        raise Http404(NOT_FOUND)
    if rule.right is not None and not rule.right(viewer_for(request.user), target):
        raise PermissionDenied(rule.refusal)
    return campaign, target


def may_manage_rubrics(viewer: Viewer) -> bool:
    """Rubric versions (import, edit, copy) are the 组织部's."""
    return viewer.is_staff


def rubric_for(request, pk: int) -> RubricVersion:
    """The rubric version `pk` with its indicators, criteria and `used_by` campaigns, for a viewer who manages
    rubrics; else 404."""
    rubric = rubric_with_items(pk) if may_manage_rubrics(viewer_for(request.user)) else None
    if rubric is None:
        raise Http404(NOT_FOUND)
    return rubric
