"""Access to 公示 and objections, built on campaigns.access.campaign_for.

Staff pages start with `campaign_for(request, slug, need="manage")`, the objections list with need="review", the
answer to one objection with `objection_for`, the public page (no login) with `published_campaign_for`. Each
raises 404 with branches.access.NOT_FOUND for what is missing or not the viewer's; the role decorators in front of
the views answer 403 to a role the page is not meant for. The per-action rights are the named predicates below."""
from django.http import Http404

from branches.access import NOT_FOUND, Viewer
from campaigns.access import campaign_for
from campaigns.models import Campaign
from publicity import selectors
from publicity.models import Objection, Publicity


def may_answer_objections(viewer: Viewer, publicity: Publicity | None) -> bool:
    """Staff, once the results are published and until they are final."""
    return viewer.is_staff and publicity is not None and publicity.finalised_at is None


def may_see_every_objection(viewer: Viewer) -> bool:
    """Staff see every objection (whole-list ones too), the counts and the contact given; reviewers only those
    about orgs in their subtree (publicity.selectors.objections_for)."""
    return viewer.is_staff


def objection_for(request, slug: str, pk: int) -> Objection:
    """Objection `pk` of campaign `slug`, for staff answering it; 404 if either is missing or not theirs."""
    campaign = campaign_for(request, slug, need="manage")
    objection = selectors.objection_of(campaign, pk)
    if objection is None:
        raise Http404(NOT_FOUND)
    return objection


def published_campaign_for(request, slug: str) -> Campaign:
    """The campaign `slug` for its public 公示 page (anyone, no login): 404 until its results are published."""
    campaign = selectors.published_campaign(slug)
    if campaign is None:
        raise Http404(NOT_FOUND)
    return campaign
