"""Access to a campaign's survey for one 定级对象, built on campaigns.access.campaign_for and
branches.access.org_for. The respondent's pages (/s/…) need no access helper: the single-use code is the secret.

`survey_target_for(request, slug, code, need)` returns the campaign and the org, or raises 404 with
branches.access.NOT_FOUND when either is missing or out of the viewer's scope, or the org is not graded in the
campaign. The per-action rights are the named predicates below."""
from django.http import Http404

from branches.access import NOT_FOUND, Viewer, can_review_org, org_for
from branches.models import Org
from campaigns.access import campaign_for
from campaigns.models import Campaign
from surveys import selectors


def may_issue_codes(viewer: Viewer, org: Org) -> bool:
    """Issuing survey codes for an org: staff, or a reviewer of an org above it."""
    return can_review_org(viewer, org)


def may_see_full_results(viewer: Viewer, org: Org) -> bool:
    """Breakdowns and free text whatever the number of responses: staff, or a reviewer above the org. The org's
    own secretary sees them only from SMALL_N responses on (surveys.selectors.org_results)."""
    return can_review_org(viewer, org)


# What each need asks of the org (branches.access.org_for): seeing it, or reviewing it.
SURVEY_NEEDS = {"view": "view", "issue": "review"}


def survey_target_for(request, slug: str, code: str, need: str = "view") -> tuple[Campaign, Org]:
    """The campaign `slug` and its 定级对象 `code` if the viewer may `need` ("view" or "issue") it; else 404."""
    campaign = campaign_for(request, slug)
    org = org_for(request, code, need=SURVEY_NEEDS[need])
    if not selectors.is_target(campaign, org):
        raise Http404(NOT_FOUND)
    return campaign, org
