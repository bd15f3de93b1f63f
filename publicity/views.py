import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

from branches.access import (
    org_for,
    reviewer_or_staff_required,
    staff_required,
    viewer_for,
)
from campaigns.access import campaign_for
from campaigns.models import Campaign
from core.forms import apply_errors, error_text
from core.ratelimits import ratelimited
from publicity import forms
from publicity import selectors as sel
from publicity import services as publicity_service
from publicity.models import Objection, ObjectionStatus, Publicity

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


@staff_required
def publicity_manage(request, slug):
    campaign = campaign_for(request, slug)
    today = publicity_service.local_today()
    publicity = Publicity.objects.filter(campaign=campaign).first()
    form = None
    if publicity is None:
        if request.method == "POST":
            form = forms.PublishForm(request.POST)
            if form.is_valid():
                try:
                    publicity_service.publish_results(campaign=campaign, actor=request.user,
                                                      starts_on=form.cleaned_data["starts_on"],
                                                      days=form.cleaned_data["days"], today=today)
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, "已发布公示，当前阶段为「公示」。")
                    return redirect("publicity_manage", slug=campaign.slug)
        else:
            form = forms.PublishForm(initial={"starts_on": today, "days": campaign.publicity_days})
    page = sel.public_results(campaign, today)
    return render(request, "scoring/after/publicity.html", {
        "campaign": campaign, "publicity": publicity, "form": form, "page": page, "today": today,
        "counts": sel.objection_counts(campaign), "reopened": list(sel.reopened_grades(campaign)),
        "blockers": publicity_service.finalise_blockers(campaign, today) if publicity else [],
        "public_url": request.build_absolute_uri(reverse("public_results", args=[campaign.slug])),
    })


@staff_required
@require_POST
def publicity_finalise(request, slug):
    campaign = campaign_for(request, slug)
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
    campaign = campaign_for(request, slug)
    org = org_for(request, code)
    try:
        result = publicity_service.republish_org(campaign=campaign, org=org, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"{org.name}已重新公示，等次为「{result.label}」。")
    return redirect("publicity_manage", slug=campaign.slug)


def public_results(request, slug):
    """The public 公示 page: no login; lists the published grades and takes objections while the window is open."""
    campaign = get_object_or_404(Campaign.objects.select_related("root"), slug=slug)
    today = publicity_service.local_today()
    page = sel.public_results(campaign, today)
    if page.publicity is None:
        raise Http404("本次定级结果尚未公示")
    results = [r for _, group in page.groups for r in group]
    form = forms.ObjectionForm(results=results)
    if request.method == "POST":
        refusal = _objection_refusal(request)
        if refusal is not None:
            return refusal
        form = forms.ObjectionForm(request.POST, results=results)
        if page.window_error:
            form.add_error(None, page.window_error)
        elif form.is_valid():
            org_id = form.cleaned_data["org"]
            org = next((r.org for r in results if str(r.org_id) == org_id), None) if org_id else None
            try:
                publicity_service.lodge_objection(campaign=campaign, text=form.cleaned_data["text"],
                                                  contact=form.cleaned_data["contact"], org=org, today=today)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return render(request, "public/objection_received.html", {"campaign": campaign, "page": page})
    return render(request, "public/results.html", {"campaign": campaign, "page": page, "form": form})


@reviewer_or_staff_required
def objection_list(request, slug):
    campaign = campaign_for(request, slug)
    viewer = viewer_for(request.user)
    status = request.GET.get("status", "")
    if status not in ObjectionStatus.values:
        status = ""
    objections = list(sel.objections_for(campaign, viewer, status))
    publicity = Publicity.objects.filter(campaign=campaign).first()
    results = list(publicity.results.all()) if publicity and viewer.is_staff else []
    can_answer = viewer.is_staff and publicity is not None and publicity.finalised_at is None
    for o in objections:
        o.form = forms.AnswerForm(results=results, prefix=f"o{o.pk}") if can_answer and o.status == "pending" else None
    return render(request, "scoring/after/objections.html", {
        "campaign": campaign, "objections": objections, "status": status, "statuses": ObjectionStatus.choices,
        "counts": sel.objection_counts(campaign) if viewer.is_staff else None, "can_answer": can_answer,
    })


@staff_required
@require_POST
def objection_answer(request, slug, pk):
    campaign = campaign_for(request, slug)
    objection = get_object_or_404(Objection, pk=pk, campaign=campaign)
    publicity = get_object_or_404(Publicity, campaign=campaign)
    results = list(publicity.results.select_related("org"))
    form = forms.AnswerForm(request.POST, results=results, prefix=f"o{objection.pk}")
    if form.is_valid():
        org_id = form.cleaned_data["org"]
        org = next((r.org for r in results if str(r.org_id) == org_id), None) if org_id else None
        try:
            publicity_service.answer_objection(objection=objection, actor=request.user,
                                               decision=form.cleaned_data["decision"],
                                               reply=form.cleaned_data["reply"], org=org)
        except ValidationError as exc:
            messages.error(request, f"异议 #{objection.pk}：" + error_text(exc))
        else:
            objection.refresh_from_db()
            text = f"异议 #{objection.pk} 已处理：{objection.get_status_display()}。"
            if objection.status == ObjectionStatus.UPHELD:
                text += f"{objection.org.name}已重新开放评定，评定修改后请在公示管理页「重新公示」。"
            messages.success(request, text)
    else:
        messages.error(request, f"异议 #{objection.pk}：" + "；".join(
            e for errors in form.errors.values() for e in errors))
    return redirect("objection_list", slug=campaign.slug)
