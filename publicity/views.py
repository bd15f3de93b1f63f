"""公示 pages: the staff management page (publish, finalise, 重新公示), the objections list and the answer to one
objection, and the public page (no login) that takes objections.

Each view starts with an access helper (campaigns.access.campaign_for, publicity.access), reads through
publicity.selectors and writes through publicity.services."""
import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

from branches.access import org_for, reviewer_or_staff_required, staff_required, viewer_for
from campaigns.access import campaign_for
from core.forms import apply_errors, error_text
from core.ratelimits import ratelimited
from publicity import forms
from publicity import selectors as sel
from publicity import services as publicity_service
from publicity.access import (
    may_answer_objections,
    may_see_every_objection,
    objection_for,
    published_campaign_for,
)
from publicity.models import ObjectionStatus

OBJECTION_RATE = "5/h"
OBJECTION_GROUP = "publicity.views.public_results"
BUSY_MESSAGE = "系统繁忙，请稍后再试"
# What a cache call raises when Redis does not answer (refused, reset, timed out).
CACHE_DOWN = (RedisError, OSError)
log = logging.getLogger(__name__)


def _objection_refusal(request):
    """Count one objection of the client's address; the response refusing it, or None to take it: 429 over
    OBJECTION_RATE, 503 with BUSY_MESSAGE when the counter (Redis) cannot be reached — the objection is then
    refused (fails closed) rather than taken without its limit."""
    try:
        limited = is_ratelimited(request, group=OBJECTION_GROUP, key="ip", rate=OBJECTION_RATE, method="POST",
                                 increment=True)
    except CACHE_DOWN as exc:
        log.warning("objection rate limit unreachable, refusing: %s", exc)
        return render(request, "errors/503.html", {"message": BUSY_MESSAGE}, status=503)
    return ratelimited(request) if limited else None


def _chosen_org(results, org_id: str):
    """The org of the published result the form's `org` choice names (None for "the whole list")."""
    return next((r.org for r in results if str(r.org_id) == org_id), None) if org_id else None


# ---- 公示 (staff) ------------------------------------------------------------------------------------------------

@staff_required
def publicity_manage(request, slug):
    """The 公示 page of a campaign; before publishing, its one form publishes the results (PRG)."""
    campaign = campaign_for(request, slug, need="manage")
    today = publicity_service.local_today()
    publicity = sel.publicity_of(campaign)
    form = None
    if publicity is None:
        form = forms.PublishForm(request.POST if request.method == "POST" else None,
                                 initial={"starts_on": today, "days": campaign.publicity_days})
        if form.is_bound and form.is_valid():
            try:
                publicity_service.publish_results(campaign=campaign, actor=request.user, today=today,
                                                  starts_on=form.cleaned_data["starts_on"],
                                                  days=form.cleaned_data["days"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "已发布公示，当前阶段为「公示」。")
                return redirect("publicity_manage", slug=campaign.slug)
    return render(request, "publicity/manage.html", {
        "campaign": campaign, "publicity": publicity, "form": form, "today": today,
        "page": sel.public_results(campaign, today),
        "counts": sel.objection_counts(campaign), "reopened": list(sel.reopened_grades(campaign)),
        "blockers": publicity_service.finalise_blockers(campaign, today) if publicity else [],
        "public_url": request.build_absolute_uri(reverse("public_results", args=[campaign.slug])),
    })


@staff_required
@require_POST
def publicity_finalise(request, slug):
    campaign = campaign_for(request, slug, need="manage")
    try:
        publicity_service.finalise_results(campaign=campaign, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "不能确定定级结果：" + error_text(exc))
    else:
        messages.success(request, "定级结果已确定，整改方案已生成。")
    return redirect("publicity_manage", slug=campaign.slug)


@staff_required
@require_POST
def publicity_republish(request, slug, code):
    campaign = campaign_for(request, slug, need="manage")
    org = org_for(request, code)
    try:
        result = publicity_service.republish_org(campaign=campaign, org=org, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"{org.name}已重新公示，等次为「{result.label}」。")
    return redirect("publicity_manage", slug=campaign.slug)


# ---- 公示 (public) -----------------------------------------------------------------------------------------------

def _lodged(form, campaign, results, today) -> bool:
    """Lodge the objection of a valid form; False (with the reasons on the form) when the service refuses it."""
    try:
        publicity_service.lodge_objection(campaign=campaign, text=form.cleaned_data["text"],
                                          contact=form.cleaned_data["contact"], today=today,
                                          org=_chosen_org(results, form.cleaned_data["org"]))
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    return True


def public_results(request, slug):
    """The public 公示 page: no login; lists the published grades and takes objections while the window is open."""
    campaign = published_campaign_for(request, slug)
    today = publicity_service.local_today()
    page = sel.public_results(campaign, today)
    if request.method != "POST":
        form = forms.ObjectionForm(results=page.results)
    elif (refusal := _objection_refusal(request)) is not None:
        return refusal
    else:
        form = forms.ObjectionForm(request.POST, results=page.results)
        if page.window_error:
            form.add_error(None, page.window_error)
        elif form.is_valid() and _lodged(form, campaign, page.results, today):
            return render(request, "public/objection_received.html", {"campaign": campaign, "page": page})
    return render(request, "public/results.html", {"campaign": campaign, "page": page, "form": form})


# ---- 异议 ---------------------------------------------------------------------------------------------------------

@reviewer_or_staff_required
def objection_list(request, slug):
    """Objections of a campaign the viewer may see, optionally of one status; staff answer the pending ones."""
    campaign = campaign_for(request, slug, need="review")
    viewer = viewer_for(request.user)
    status = request.GET.get("status", "")
    if status not in ObjectionStatus.values:
        status = ""
    objections = list(sel.objections_for(campaign, viewer, status))
    publicity = sel.publicity_of(campaign)
    can_answer = may_answer_objections(viewer, publicity)
    results = sel.published_results(publicity) if can_answer else []
    for o in objections:
        o.form = forms.AnswerForm(results=results, prefix=f"o{o.pk}") if can_answer and o.status == "pending" else None
    return render(request, "publicity/objections.html", {
        "campaign": campaign, "objections": objections, "status": status, "statuses": ObjectionStatus.choices,
        "counts": sel.objection_counts(campaign) if may_see_every_objection(viewer) else None,
        "can_answer": can_answer,
    })


@staff_required
@require_POST
def objection_answer(request, slug, pk):
    objection = objection_for(request, slug, pk)
    results = sel.published_results(sel.publicity_of(objection.campaign))
    form = forms.AnswerForm(request.POST, results=results, prefix=f"o{objection.pk}")
    if not form.is_valid():
        messages.error(request, f"异议 #{objection.pk}：" + "；".join(
            e for errors in form.errors.values() for e in errors))
        return redirect("objection_list", slug=slug)
    try:
        objection = publicity_service.answer_objection(
            objection=objection, actor=request.user, decision=form.cleaned_data["decision"],
            reply=form.cleaned_data["reply"], org=_chosen_org(results, form.cleaned_data["org"]))
    except ValidationError as exc:
        messages.error(request, f"异议 #{objection.pk}：" + error_text(exc))
    else:
        text = f"异议 #{objection.pk} 已处理：{objection.get_status_display()}。"
        if objection.status == ObjectionStatus.UPHELD:
            text += f"{objection.org.name}已重新开放评定，评定修改后请在公示管理页「重新公示」。"
        messages.success(request, text)
    return redirect("objection_list", slug=slug)
