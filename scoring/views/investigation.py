"""调查摸底 pages: the checklist of every org, filled by its reviewer during the 调查摸底 phase."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from branches.access import reviewer_or_staff_required, viewer_for
from campaigns.access import campaign_for, may_review_org, target_for
from campaigns.models import Phase
from core.forms import apply_errors
from scoring import forms
from scoring import selectors as sel
from scoring.services import investigation as investigation_service


@reviewer_or_staff_required
def investigation_list(request, slug):
    campaign = campaign_for(request, slug, need="review")
    viewer = viewer_for(request.user)
    rows = sel.investigation_rows(campaign, viewer)
    is_open = campaign.phase == Phase.INVESTIGATE
    for row in rows:
        row.editable = is_open and may_review_org(viewer, row.org)
    return render(request, "scoring/investigation/list.html", {
        "campaign": campaign, "rows": rows, "filled": sum(1 for r in rows if r.investigation), "open": is_open,
    })


@reviewer_or_staff_required
def investigation_edit(request, slug, code):
    """Show and save one org's checklist (audited); saving only during the 调查摸底 phase."""
    campaign, org = target_for(request, slug, code, need="review")
    inv = sel.investigation_of(campaign, org)
    editable = campaign.phase == Phase.INVESTIGATE
    if request.method != "POST":
        initial = forms.InvestigationForm.initial_from(investigation_service.investigation_values(inv))
        form = forms.InvestigationForm(initial=initial)
    elif not editable:
        raise PermissionDenied(f"当前阶段为「{campaign.phase_label}」，调查摸底未开放。")
    else:
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
    return render(request, "scoring/investigation/edit.html", {
        "campaign": campaign, "org": org, "form": form, "investigation": inv, "editable": editable,
    })
