"""The one access helper for campaigns (healthchecks' `_get_project_for_user` pattern).

Every view that works on a campaign starts with `campaign_for(request, slug, need=…)`: the campaign if the viewer
may do `need` on it, else 404 with the one wording of branches.access.NOT_FOUND (an existing campaign out of the
viewer's scope looks exactly like a missing one). The per-action rights are the named predicates below."""
from django.http import Http404

from branches.access import NOT_FOUND, Viewer, can_view_scope, viewer_for
from campaigns.models import Campaign


def may_view(viewer: Viewer, campaign: Campaign) -> bool:
    """Any role whose orgs lie inside the campaign's tree (or above its root)."""
    return can_view_scope(viewer, campaign.root)


def may_review(viewer: Viewer, campaign: Campaign) -> bool:
    """Staff, or a reviewer (上级党组织) whose orgs meet the campaign's tree."""
    return viewer.is_staff or (viewer.is_reviewer and can_view_scope(viewer, campaign.root))


def may_manage(viewer: Viewer, campaign: Campaign) -> bool:
    """组织部 staff: phases, dates, 公示, finalisation, imports."""
    return viewer.is_staff


CAMPAIGN_NEEDS = {"view": may_view, "review": may_review, "manage": may_manage}


def campaign_for(request, slug: str, need: str = "view") -> Campaign:
    """The campaign `slug` if the request's viewer may `need` it ("view", "review" or "manage"); else 404."""
    allowed = CAMPAIGN_NEEDS[need]
    campaign = Campaign.objects.select_related("root", "previous").filter(slug=slug).first()
    if campaign is None or not allowed(viewer_for(request.user), campaign):
        raise Http404(NOT_FOUND)
    return campaign
