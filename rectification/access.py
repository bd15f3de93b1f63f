"""Access to 整改 plans, their items and star ratings, built on campaigns.access.campaign_for and
branches.access.org_for.

`plan_for(request, slug, code, need)`, `item_for(request, slug, code, pk, need)` and `star_rating_for(request,
pk)` return the object or raise 404 with branches.access.NOT_FOUND when it is missing or out of the viewer's
scope; a viewer who sees the plan but may not do `need` on it is refused with 403. The per-action rights are the
named predicates below; the plan page asks the same predicates to decide which forms to show."""
from django.core.exceptions import PermissionDenied
from django.http import Http404

from branches.access import NOT_FOUND, Viewer, can_review_org, is_secretary_of, org_for, viewer_for
from branches.models import Org
from campaigns.access import campaign_for
from rectification import selectors
from rectification.models import RectificationItem, RectificationPlan, StarRating

REFUSED = "您不能进行此项操作。"


def may_set_support(viewer: Viewer, org: Org) -> bool:
    """联系领导 and the yellow-card deadline: 组织部 staff."""
    return viewer.is_staff


def may_file_plan(viewer: Viewer, org: Org) -> bool:
    """Adding items, submitting the plan, reporting progress: the org's own secretary only."""
    return is_secretary_of(viewer, org)


def may_review_items(viewer: Viewer, org: Org) -> bool:
    """Accepting or returning a reported item (检查验收): staff, or a reviewer of an org above it."""
    return can_review_org(viewer, org)


def may_change_star_ratings(viewer: Viewer) -> bool:
    """Lowering or revoking a star rating: 组织部 staff."""
    return viewer.is_staff


PLAN_NEEDS = {
    "view": None,
    "support": may_set_support,
    "file": may_file_plan,
    "review": may_review_items,
}


def plan_for(request, slug: str, code: str, need: str = "view") -> RectificationPlan:
    """The plan of org `code` in campaign `slug` (its `campaign` and `org` the ones checked here) if the viewer sees
    the org; 403 if they may not do `need` ("view", "support", "file" or "review") on it."""
    right = PLAN_NEEDS[need]
    campaign = campaign_for(request, slug)
    org = org_for(request, code, need="view")
    plan = selectors.plan_of(campaign, org)
    if plan is None:
        raise Http404(NOT_FOUND)
    if right is not None and not right(viewer_for(request.user), org):
        raise PermissionDenied(REFUSED)
    plan.campaign, plan.org = campaign, org
    return plan


def item_for(request, slug: str, code: str, pk: int, need: str) -> RectificationItem:
    """Item `pk` of the plan plan_for(request, slug, code, need) returns (the plan attached); 404 if not its."""
    plan = plan_for(request, slug, code, need=need)
    item = selectors.plan_item(plan, pk)
    if item is None:
        raise Http404(NOT_FOUND)
    return item


def star_rating_for(request, pk: int) -> StarRating:
    """Star rating `pk` for changing it: 404 if missing, 403 for anyone but staff."""
    rating = selectors.star_rating(pk)
    if rating is None:
        raise Http404(NOT_FOUND)
    if not may_change_star_ratings(viewer_for(request.user)):
        raise PermissionDenied(REFUSED)
    return rating
