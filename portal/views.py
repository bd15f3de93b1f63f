from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from branches.access import login_required, viewer_for
from campaigns.selectors import campaigns_for_viewer
from portal.selectors import own_orgs, reviewer_tasks, secretary_tasks


@login_required
def home(request):
    """Each role lands on its own home: staff and reviewers on what awaits them and the campaigns, secretaries on
    their tasks (one card per campaign and org, with the action the phase allows)."""
    viewer = viewer_for(request.user)
    context = {}
    if viewer.is_staff or viewer.is_reviewer:
        context["campaigns"] = campaigns_for_viewer(viewer)
        context["review_tasks"] = reviewer_tasks(viewer, context["campaigns"])
    if viewer.is_secretary:
        context["tasks"] = secretary_tasks(viewer)
    if viewer.reviewer_org_ids or viewer.secretary_org_ids:
        context["my_orgs"] = own_orgs(viewer)
    if not (viewer.is_staff or viewer.is_reviewer or viewer.is_secretary):
        context["no_role"] = True
    return render(request, "home.html", context)


def forbidden(request, exception=None):
    return render(request, "errors/403.html", {"message": str(exception or "")}, status=403)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


SERVER_ERROR_TEXT = "系统暂时出错，请稍后再试。如果一直出现这个提示，请联系系统管理员。"


def server_error(request):
    """The Chinese 500 page. Rendered without the request's context processors (they may be what failed), and
    as plain text should even the template fail."""
    try:
        body = loader.get_template("500.html").render()
    except Exception:
        return HttpResponseServerError(SERVER_ERROR_TEXT, content_type="text/plain; charset=utf-8")
    return HttpResponseServerError(body)
