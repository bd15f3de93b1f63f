"""Access to the exports of a campaign and to one export job, built on campaigns.access.campaign_for.

The exports page starts with `campaign_for(request, slug, need="review")` and `export_scopes(viewer, campaign)`;
the progress, download and retry endpoints with `export_for(request, pk)`. Each raises 404 with
branches.access.NOT_FOUND for what is missing or not the viewer's (another person's job looks like no job)."""
from django.http import Http404

from branches.access import NOT_FOUND, Viewer, reviewer_scopes, viewer_for
from branches.models import Org
from campaigns.models import Campaign
from reports import selectors
from reports.models import ExportJob


def can_see_export(viewer: Viewer, job: ExportJob) -> bool:
    """An export is visible to the user who asked for it, and only while it stays within what they may see: staff
    anything; a reviewer a job scoped to one of their subtrees."""
    if not viewer.is_authenticated or job.user_id != viewer.user_id:
        return False
    if viewer.is_staff:
        return True
    return job.scope_id is not None and any(job.scope.path.startswith(p) for p in viewer.reviewer_paths)


def export_scopes(viewer: Viewer, campaign: Campaign) -> list[Org] | None:
    """What the viewer may export: None for staff (the whole campaign); else the reviewer's subtrees within the
    campaign (404 if none)."""
    if viewer.is_staff:
        return None
    scopes = reviewer_scopes(viewer, campaign.root)
    if not scopes:
        raise Http404(NOT_FOUND)
    return scopes


def export_for(request, pk) -> ExportJob:
    """Export job `pk` if the request's viewer may see it (can_see_export); else 404."""
    job = selectors.export_job(pk)
    if job is None or not can_see_export(viewer_for(request.user), job):
        raise Http404(NOT_FOUND)
    return job
