"""调查摸底 pages: the checklist of every org, filled by its reviewer during the 调查摸底 phase."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from branches.access import (
    can_review_org,
    org_for,
    reviewer_or_staff_required,
    viewer_for,
)
from campaigns.access import campaign_for
from campaigns.models import Phase
from core.forms import apply_errors
from scoring import forms
from scoring import selectors as sel
from scoring.models import Investigation
from scoring.services import investigation as investigation_service


@reviewer_or_staff_required
def investigation_list(request, slug):
    campaign = campaign_for(request, slug)
    viewer = viewer_for(request.user)
    rows = sel.investigation_rows(campaign, viewer)
    for row in rows:
        row.editable = campaign.phase == Phase.INVESTIGATE and can_review_org(viewer, row.org)
    filled = sum(1 for r in rows if r.investigation)
    return render(request, "scoring/after/investigation_list.html", {
        "campaign": campaign, "rows": rows, "filled": filled, "open": campaign.phase == Phase.INVESTIGATE,
    })


@reviewer_or_staff_required
def investigation_edit(request, slug, code):
    campaign = campaign_for(request, slug)
    org = org_for(request, code, need="review")
    inv = Investigation.objects.filter(campaign=campaign, org=org).select_related("filled_by").first()
    editable = campaign.phase == Phase.INVESTIGATE
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(f"当前阶段为「{campaign.phase_label}」，调查摸底未开放。")
        form = forms.InvestigationForm(request.POST)
        if form.is_valid():
            try:
                investigation_service.save_investigation(campaign=campaign, org=org, actor=request.user,
                                                         values=form.values())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已保存{org.name}的调查摸底情况。")
                return redirect("investigation_list", slug=campaign.slug)
    else:
        initial = forms.InvestigationForm.initial_from(investigation_service.investigation_values(inv))
        form = forms.InvestigationForm(initial=initial)
    return render(request, "scoring/after/investigation_edit.html", {
        "campaign": campaign, "org": org, "form": form, "investigation": inv, "editable": editable,
    })
