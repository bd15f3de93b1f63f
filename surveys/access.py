"""Who may do what with a campaign's survey. The staff pages start with campaigns.access.campaign_for or
campaigns.access.target_for; the respondent's pages (/s/…) need no access helper: the single-use code is the
secret. The per-action rights are the named predicates below."""
from branches.access import Viewer, can_review_org
from branches.models import Org


def may_issue_codes(viewer: Viewer, org: Org) -> bool:
    """Issuing survey codes for an org: staff, or a reviewer of an org above it (target_for(…, need="review"))."""
    return can_review_org(viewer, org)


def may_see_full_results(viewer: Viewer, org: Org) -> bool:
    """Breakdowns and free text whatever the number of responses: staff, or a reviewer above the org. The org's
    own secretary sees them only from SMALL_N responses on (surveys.selectors.org_results)."""
    return can_review_org(viewer, org)
