"""整改提升 / 检查验收 (the overview and one org's plan, with one view per action on it), 晋位升级 (rounds) and 星级.

Each view starts with an access helper (campaigns.access.campaign_for, rectification.access), reads through
rectification.selectors and writes through the services (which validate, write in one transaction and audit)."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from branches.access import login_required, reviewer_or_staff_required, staff_required, viewer_for
from campaigns.access import campaign_for
from campaigns.models import Phase
from campaigns.views import CampaignLink, register_campaign_link
from core.forms import apply_errors, error_text
from publicity import selectors as publicity_selectors
from publicity import services as publicity_service
from rectification import forms
from rectification import selectors as sel
from rectification import services as rectification_service
from rectification import stars as stars_service
from rectification.access import (
    item_for,
    may_file_plan,
    may_review_items,
    may_set_support,
    plan_for,
    star_rating_for,
)
from rectification.models import ItemStatus

# ---- 整改提升 / 检查验收 -----------------------------------------------------------------------------------------

@reviewer_or_staff_required
def rectification_overview(request, slug):
    campaign = campaign_for(request, slug, need="review")
    viewer = viewer_for(request.user)
    today = publicity_service.local_today()
    overdue_only = request.GET.get("overdue") == "1"
    plans = sel.rectification_overview(campaign, viewer, today, overdue_only=overdue_only)
    return render(request, "rectification/overview.html", {
        "campaign": campaign, "plans": plans, "today": today, "overdue_only": overdue_only,
        "final": publicity_service.results_final(campaign),
        "overdue_total": sum(p.overdue_items for p in plans),
    })


def _plan_page(request, plan, *, item_form=None, support_form=None):
    """One org's plan with the forms the viewer may use: support (staff), items and progress (its secretary),
    acceptance (a reviewer above it). `item_form`/`support_form`: a refused form, shown with its errors."""
    viewer, org = viewer_for(request.user), plan.org
    today = publicity_service.local_today()
    is_secretary, can_accept = may_file_plan(viewer, org), may_review_items(viewer, org)
    pv = sel.plan_view(plan, today)
    for item in pv.items:
        item.progress_form = (forms.ProgressForm(prefix=f"p{item.pk}")
                              if is_secretary and item.status != ItemStatus.ACCEPTED else None)
        item.review_form = (forms.ReviewItemForm(prefix=f"r{item.pk}")
                            if can_accept and item.status == ItemStatus.REPORTED else None)
    support_form = support_form or forms.SupportForm(initial={"contact_leader": plan.contact_leader,
                                                              "yellow_card_deadline": plan.yellow_card_deadline})
    return render(request, "rectification/plan.html", {
        "campaign": plan.campaign, "org": org, "plan": plan, "pv": pv, "today": today, "is_secretary": is_secretary,
        "can_accept": can_accept, "can_support": may_set_support(viewer, org),
        "item_form": item_form or forms.ItemForm(), "support_form": support_form,
    })


def _refused(request, plan, text: str):
    """The plan page again, with why the action was refused."""
    messages.error(request, text)
    return _plan_page(request, plan)


def _form_errors(form) -> str:
    return "；".join(e for errors in form.errors.values() for e in errors)


@login_required
@require_safe
def rectification_plan(request, slug, code):
    plan = plan_for(request, slug, code)
    return _plan_page(request, plan)


@login_required
@require_POST
def plan_support(request, slug, code):
    """联系领导 and the yellow-card deadline (staff)."""
    plan = plan_for(request, slug, code, need="support")
    form = forms.SupportForm(request.POST)
    if form.is_valid():
        try:
            rectification_service.set_plan_support(plan=plan, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已保存联系领导和黄牌期限。")
            return redirect("rectification_plan", slug=slug, code=code)
    return _plan_page(request, plan, support_form=form)


@login_required
@require_POST
def plan_add_item(request, slug, code):
    """A new 整改事项 (the org's secretary)."""
    plan = plan_for(request, slug, code, need="file")
    form = forms.ItemForm(request.POST)
    if form.is_valid():
        try:
            rectification_service.add_item(plan=plan, actor=request.user, today=publicity_service.local_today(),
                                           **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已添加整改事项。")
            return redirect("rectification_plan", slug=slug, code=code)
    return _plan_page(request, plan, item_form=form)


@login_required
@require_POST
def plan_submit(request, slug, code):
    """报送 the plan (the org's secretary)."""
    plan = plan_for(request, slug, code, need="file")
    try:
        rectification_service.submit_plan(plan=plan, actor=request.user)
    except ValidationError as exc:
        return _refused(request, plan, error_text(exc))
    messages.success(request, "整改方案已报送。")
    return redirect("rectification_plan", slug=slug, code=code)


@login_required
@require_POST
def item_progress(request, slug, code, pk):
    """Progress on one item, optionally asking for acceptance (the org's secretary)."""
    item = item_for(request, slug, code, pk, need="file")
    form = forms.ProgressForm(request.POST, prefix=f"p{item.pk}")
    if not form.is_valid():
        return _refused(request, item.plan, _form_errors(form))
    try:
        rectification_service.report_progress(item=item, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _refused(request, item.plan, error_text(exc))
    messages.success(request, "已报告整改进展。")
    return redirect("rectification_plan", slug=slug, code=code)


@login_required
@require_POST
def item_review(request, slug, code, pk):
    """检查验收 of one reported item: accept or return it (staff, or a reviewer above the org)."""
    item = item_for(request, slug, code, pk, need="review")
    form = forms.ReviewItemForm(request.POST, prefix=f"r{item.pk}")
    if not form.is_valid():
        return _refused(request, item.plan, _form_errors(form))
    accept = form.cleaned_data["decision"] == "accept"
    try:
        rectification_service.review_item(item=item, actor=request.user, accept=accept,
                                          note=form.cleaned_data["note"])
    except ValidationError as exc:
        return _refused(request, item.plan, error_text(exc))
    messages.success(request, "验收通过。" if accept else "已退回整改。")
    return redirect("rectification_plan", slug=slug, code=code)


# ---- 晋位升级 -----------------------------------------------------------------------------------------------------

@reviewer_or_staff_required
def campaign_transitions(request, slug):
    campaign = campaign_for(request, slug, need="review")
    data = sel.transitions(campaign, viewer_for(request.user))
    return render(request, "rectification/transitions.html", {"campaign": campaign, "t": data})


# ---- 星级 ---------------------------------------------------------------------------------------------------------

@reviewer_or_staff_required
def star_list(request):
    viewer = viewer_for(request.user)
    today = publicity_service.local_today()
    ratings = list(sel.star_ratings(viewer))
    for r in ratings:
        r.state = r.state_on(today)
        r.current = r.is_current_on(today)
    return render(request, "rectification/stars.html", {
        "ratings": ratings, "today": today, "is_staff": viewer.is_staff,
    })


def _star_page(request, rating, *, lower_form=None, revoke_form=None):
    """A rating with its two forms (lower, revoke); a refused form is shown with its errors."""
    today = publicity_service.local_today()
    return render(request, "rectification/star_change.html", {
        "rating": rating, "state": rating.state_on(today), "current": rating.is_current_on(today),
        "lower_form": lower_form or forms.LowerStarForm(prefix="lower",
                                                        lower_labels=stars_service.lower_labels(rating)),
        "revoke_form": revoke_form or forms.RevokeStarForm(prefix="revoke"),
    })


@staff_required
@require_safe
def star_change(request, pk):
    rating = star_rating_for(request, pk)
    return _star_page(request, rating)


@staff_required
@require_POST
def star_lower(request, pk):
    rating = star_rating_for(request, pk)
    form = forms.LowerStarForm(request.POST, prefix="lower", lower_labels=stars_service.lower_labels(rating))
    if form.is_valid():
        try:
            stars_service.lower_star_rating(rating=rating, actor=request.user, label=form.cleaned_data["label"],
                                            reason=form.cleaned_data["reason"], today=publicity_service.local_today())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已将{rating.org.name}的星级降为「{form.cleaned_data['label']}」。")
            return redirect("star_list")
    return _star_page(request, rating, lower_form=form)


@staff_required
@require_POST
def star_revoke(request, pk):
    rating = star_rating_for(request, pk)
    form = forms.RevokeStarForm(request.POST, prefix="revoke")
    if form.is_valid():
        try:
            stars_service.revoke_star_rating(rating=rating, actor=request.user, reason=form.cleaned_data["reason"],
                                             today=publicity_service.local_today())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已撤销{rating.org.name}的星级。")
            return redirect("star_list")
    return _star_page(request, rating, revoke_form=form)


# ---- links on the campaign page ----------------------------------------------------------------------------------

def _publicity_links(campaign, viewer) -> list[CampaignLink]:
    """公示管理 (staff), 公示异议 and, once published, the public page."""
    slug, links = campaign.slug, []
    if viewer.is_staff:
        note = "发布公示、复核后重新公示、确定定级结果"
        if campaign.phase == Phase.PUBLICITY:
            pending = publicity_selectors.pending_objection_count(campaign)
            if pending:
                note = f"有 {pending} 条异议待处理"
        links.append(CampaignLink("公示管理", reverse("publicity_manage", args=[slug]), (Phase.PUBLICITY,),
                                  note=note))
    links.append(CampaignLink("公示异议", reverse("objection_list", args=[slug]), (Phase.PUBLICITY,),
                              note="群众提出的异议及处理结果"))
    if campaign.phase >= Phase.PUBLICITY and publicity_selectors.is_published(campaign):
        links.append(CampaignLink("公示页面（公开）", reverse("public_results", args=[slug]), (Phase.PUBLICITY,),
                                  note="群众看到的公示名单，无需登录"))
    return links


def _rectification_links(campaign) -> list[CampaignLink]:
    """整改提升 and 检查验收, 晋位升级 (second rounds) and 星级 (star-scale campaigns with results)."""
    rectification = reverse("rectification_overview", args=[campaign.slug])
    links = [CampaignLink("整改提升", rectification, (Phase.RECTIFY,), note="整改方案、黄牌、联系领导和整改进展"),
             CampaignLink("检查验收", rectification, (Phase.ACCEPT,), note="逐项验收各党组织报告的整改事项")]
    if campaign.previous_id:
        links.append(CampaignLink("晋位升级", reverse("campaign_transitions", args=[campaign.slug]),
                                  (Phase.REPORT, Phase.RECTIFY), note="与上一轮比较各党组织等次变化"))
    if campaign.phase >= Phase.PUBLICITY and sel.grades_on_stars(campaign):
        links.append(CampaignLink("星级管理", reverse("star_list"), note="星级有效期两年，可降级或撤销"))
    return links


@register_campaign_link
def _campaign_links(request, campaign, viewer):
    """调查摸底, 公示 (staff management, objections, the public page once published), 整改/验收, 晋位升级 (second
    rounds) and 星级 (campaigns grading on the star scale, once results exist) — each only for a role that may open
    it. At most three queries, and only in the phases that need them."""
    if not (viewer.is_staff or viewer.is_reviewer):
        return []
    investigation = CampaignLink("调查摸底", reverse("investigation_list", args=[campaign.slug]),
                                 (Phase.INVESTIGATE,), note="逐个填写调查摸底表")
    return [investigation, *_publicity_links(campaign, viewer), *_rectification_links(campaign)]
