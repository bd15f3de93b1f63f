"""Panels of the org page (branches.panels) for 调查摸底, 整改提升 and 星级. Registered in ScoringConfig.ready()."""
from branches.access import viewer_for
from branches.panels import register_org_panel
from publicity.services import local_today
from rectification import selectors as sel


@register_org_panel
def rectification_panel(request, org):
    """The org's 整改 plans with their state; links to the plan page."""
    plans = sel.org_rectifications(org, local_today())
    if not plans:
        return None
    return {"title": "整改提升", "template": "rectification/panels/rectification.html",
            "context": {"plans": plans, "viewer": viewer_for(request.user)}}


@register_org_panel
def stars_panel(request, org):
    """The org's star rating valid today and its full history (one query)."""
    history = sel.star_history(org)
    if not history:
        return None
    today = local_today()
    current = next((r for r in history if r.is_current_on(today)), None)
    for r in history:
        r.state = r.state_on(today)
    return {"title": "星级", "template": "rectification/panels/stars.html",
            "context": {"current": current, "history": history, "today": today}}
