"""Exports page (/campaigns/<slug>/exports/), progress JSON, download and retry. Each view starts with an access
helper (campaigns.access.campaign_for, reports.access.export_for)."""
from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from branches.access import reviewer_or_staff_required, viewer_for
from campaigns.access import campaign_for
from core.downloads import file_download
from reports import selectors, services
from reports.access import export_for, export_scopes
from reports.exporters import REGISTRY
from reports.exporters.base import ordered_exporters
from reports.models import ExportFormat, ExportJob, ExportStatus

RECENT_JOBS = 15


def job_state(job: ExportJob) -> dict:
    """What the page shows of a job (also the progress endpoint's JSON)."""
    expired = job.status == ExportStatus.DONE and job.is_expired or job.status == ExportStatus.EXPIRED
    return {
        "id": str(job.pk), "status": ExportStatus.EXPIRED.value if expired else job.status,
        "status_label": ExportStatus.EXPIRED.label if expired else job.get_status_display(),
        "progress": job.progress, "error": job.error, "finished": job.is_finished or expired,
        "download_url": reverse("export_download", args=[job.pk]) if job.status == ExportStatus.DONE and not expired
        else "",
        "retry_url": reverse("export_retry", args=[job.pk])
        if job.status in (ExportStatus.FAILED, ExportStatus.QUEUE_FAILED) else "",
        "filename": job.filename,
    }


def _start_export(request, campaign, scopes):
    """Start the export the form asks for (within the viewer's scopes) and go back to the page, on its job."""
    scope = None
    if scopes is not None:
        wanted = request.POST.get("scope", "")
        scope = next((s for s in scopes if s.code == wanted), scopes[0] if not wanted else None)
        if scope is None:
            messages.error(request, f"您不能导出“{wanted}”范围的报表。")
            return redirect("exports", slug=campaign.slug)
    report, fmt = request.POST.get("report", ""), request.POST.get("format", "")
    try:
        job = services.start_export(user=request.user, campaign=campaign, report=report, fmt=fmt, scope=scope)
    except services.ExportError as exc:
        messages.error(request, str(exc))
        return redirect("exports", slug=campaign.slug)
    if job.status == ExportStatus.QUEUE_FAILED:
        messages.error(request, services.QUEUE_DOWN_MESSAGE)
    else:
        messages.success(request, f"已开始导出“{REGISTRY[report].title}”（{ExportFormat(fmt).label}）。")
    return redirect(f"{reverse('exports', args=[campaign.slug])}?job={job.pk}")


@reviewer_or_staff_required
@require_http_methods(["GET", "POST"])
def exports(request, slug):
    """The reports the viewer may export and their latest jobs; the page's one form (report, format, scope)
    starts an export."""
    campaign = campaign_for(request, slug, need="review")
    scopes = export_scopes(viewer_for(request.user), campaign)
    if request.method == "POST":
        return _start_export(request, campaign, scopes)
    jobs = selectors.recent_export_jobs(request.user, campaign, RECENT_JOBS)
    return render(request, "reports/exports.html", {
        "campaign": campaign,
        "reports": [{"id": cls.identifier, "title": cls.title, "has_pdf": cls.has_pdf} for cls in ordered_exporters()],
        "scopes": scopes,
        "jobs": [{"job": j, "state": job_state(j), "title": REGISTRY[j.report].title if j.report in REGISTRY
                  else j.report} for j in jobs],
        "highlight": request.GET.get("job", ""),
        "ttl_hours": settings.EXPORT_TTL_HOURS,
    })


@reviewer_or_staff_required
def export_progress(request, pk):
    return JsonResponse(job_state(export_for(request, pk)))


@reviewer_or_staff_required
def export_download(request, pk):
    job = export_for(request, pk)
    if job.status == ExportStatus.EXPIRED or (job.status == ExportStatus.DONE and job.is_expired) or (
            job.status == ExportStatus.DONE and not job.file):
        return render(request, "reports/expired.html", {"job": job, "campaign": job.campaign}, status=410)
    if job.status != ExportStatus.DONE:
        return render(request, "reports/expired.html", {"job": job, "campaign": job.campaign, "not_ready": True},
                      status=409)
    try:
        return file_download(job.file, job.filename)
    except FileNotFoundError:
        return render(request, "reports/expired.html", {"job": job, "campaign": job.campaign}, status=410)


@reviewer_or_staff_required
@require_POST
def export_retry(request, pk):
    job = export_for(request, pk)
    try:
        job = services.retry_export(job=job)
    except services.ExportError as exc:
        messages.error(request, str(exc))
    else:
        if job.status == ExportStatus.QUEUE_FAILED:
            messages.error(request, services.QUEUE_DOWN_MESSAGE)
        else:
            messages.success(request, "已重新开始导出。")
    return redirect(f"{reverse('exports', args=[job.campaign.slug])}?job={job.pk}")
