"""Org page panel (branches.panels) of grading: the org's grades with their explanations. Registered in
ScoringConfig.ready()."""
from branches.access import can_review_org, viewer_for
from branches.panels import register_org_panel
from scoring import selectors as sel
from scoring.models import Grade


@register_org_panel
def grades_panel(request, org):
    """The org's grade in each campaign (newest first) with computed/final grade, override reason and explanation.
    Shown to staff and to reviewers of an ancestor only (a secretary sees results through 公示). One query."""
    if not can_review_org(viewer_for(request.user), org):
        return None
    grades = list(Grade.objects.filter(org=org).select_related("campaign", "overridden_by")
                  .order_by("-campaign__year", "-campaign__created_at"))
    if not grades:
        return None
    return {"title": "分类定级结果", "template": "scoring/grading/panels/grades.html", "context": {"grades": grades}}


@register_org_panel
def investigation_panel(request, org):
    """The org's 调查摸底 checklists, newest campaign first (two queries)."""
    investigations = sel.org_investigations(org)
    if not investigations:
        return None
    return {"title": "调查摸底", "template": "scoring/after/panels/investigation.html",
            "context": {"investigations": investigations[:3]}}
