"""Pages after the grades: 调查摸底, 公示 (staff side and the public page), objections, 整改/验收, rounds, stars.

Views are thin: access through branches.access, reads through scoring.selectors_after, writes through the
services (which validate, write in one transaction and audit)."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from branches.access import (
    can_review_org,
    is_secretary_of,
    login_required,
    org_for,
    reviewer_or_staff_required,
    staff_required,
    viewer_for,
)
from campaigns.access import campaign_for
from campaigns.models import CampaignSector, Phase
from campaigns.views import CampaignLink, register_campaign_link
from core.forms import apply_errors, error_text
from publicity import services as publicity_service
from publicity.models import Objection, ObjectionStatus, Publicity
from rectification import forms
from rectification import selectors as sel
from rectification import services as rectification_service
from rectification import stars as stars_service
from rectification.models import (
    ItemStatus,
    RectificationItem,
    RectificationPlan,
    StarRating,
)

# ---- 调查摸底 ----------------------------------------------------------------------------------------------------

# ---- 公示 (staff) ------------------------------------------------------------------------------------------------

# ---- 公示 (public) -----------------------------------------------------------------------------------------------

# ---- 异议 ---------------------------------------------------------------------------------------------------------

# ---- 整改提升 / 检查验收 -----------------------------------------------------------------------------------------

@reviewer_or_staff_required
def rectification_overview(request, slug):
    campaign = campaign_for(request, slug)
    viewer = viewer_for(request.user)
    today = publicity_service.local_today()
    overdue_only = request.GET.get("overdue") == "1"
    plans = sel.rectification_overview(campaign, viewer, today, overdue_only=overdue_only)
    return render(request, "scoring/after/rectification_overview.html", {
        "campaign": campaign, "plans": plans, "today": today, "overdue_only": overdue_only,
        "final": publicity_service.results_final(campaign),
        "overdue_total": sum(p.overdue_items for p in plans),
    })


@login_required
def rectification_plan(request, slug, code):
    campaign = campaign_for(request, slug)
    org = org_for(request, code, need="view")
    plan = get_object_or_404(RectificationPlan.objects.select_related("org", "campaign", "submitted_by"),
                             campaign=campaign, org=org)
    viewer = viewer_for(request.user)
    today = publicity_service.local_today()
    is_secretary = is_secretary_of(viewer, org)
    can_accept = can_review_org(viewer, org)
    item_form = forms.ItemForm()
    support_form = forms.SupportForm(initial={"contact_leader": plan.contact_leader,
                                              "yellow_card_deadline": plan.yellow_card_deadline})
    if request.method == "POST":
        action = request.POST.get("action", "")
        allowed = {"support": viewer.is_staff, "add_item": is_secretary, "submit": is_secretary,
                   "progress": is_secretary, "review": can_accept}
        if not allowed.get(action, False):
            raise PermissionDenied("您不能进行此项操作。")
        try:
            if action == "support":
                support_form = forms.SupportForm(request.POST)
                if support_form.is_valid():
                    rectification_service.set_plan_support(plan=plan, actor=request.user, **support_form.cleaned_data)
                    messages.success(request, "已保存联系领导和黄牌期限。")
                    return redirect("rectification_plan", slug=slug, code=code)
            elif action == "add_item":
                item_form = forms.ItemForm(request.POST)
                if item_form.is_valid():
                    rectification_service.add_item(plan=plan, actor=request.user, today=today,
                                                   **item_form.cleaned_data)
                    messages.success(request, "已添加整改事项。")
                    return redirect("rectification_plan", slug=slug, code=code)
            elif action == "submit":
                rectification_service.submit_plan(plan=plan, actor=request.user)
                messages.success(request, "整改方案已报送。")
                return redirect("rectification_plan", slug=slug, code=code)
            else:
                item = get_object_or_404(RectificationItem, pk=request.POST.get("item") or 0, plan=plan)
                if action == "progress":
                    form = forms.ProgressForm(request.POST, prefix=f"p{item.pk}")
                    if not form.is_valid():
                        raise ValidationError([e for errs in form.errors.values() for e in errs])
                    rectification_service.report_progress(item=item, actor=request.user, **form.cleaned_data)
                    messages.success(request, "已报告整改进展。")
                else:
                    form = forms.ReviewItemForm(request.POST, prefix=f"r{item.pk}")
                    if not form.is_valid():
                        raise ValidationError([e for errs in form.errors.values() for e in errs])
                    accept = form.cleaned_data["decision"] == "accept"
                    rectification_service.review_item(item=item, actor=request.user, accept=accept,
                                                      note=form.cleaned_data["note"])
                    messages.success(request, "验收通过。" if accept else "已退回整改。")
                return redirect("rectification_plan", slug=slug, code=code)
        except ValidationError as exc:
            target = {"support": support_form, "add_item": item_form}.get(action)
            if target is not None:
                apply_errors(target, exc)
            else:
                messages.error(request, error_text(exc))
    pv = sel.plan_view(plan, today)
    for item in pv.items:
        item.progress_form = (forms.ProgressForm(prefix=f"p{item.pk}")
                              if is_secretary and item.status != ItemStatus.ACCEPTED else None)
        item.review_form = forms.ReviewItemForm(prefix=f"r{item.pk}") if can_accept and item.status == ItemStatus.REPORTED else None
    return render(request, "scoring/after/rectification_plan.html", {
        "campaign": campaign, "org": org, "plan": plan, "pv": pv, "today": today, "is_secretary": is_secretary,
        "can_accept": can_accept, "is_staff": viewer.is_staff, "item_form": item_form, "support_form": support_form,
    })


# ---- 晋位升级 -----------------------------------------------------------------------------------------------------

@reviewer_or_staff_required
def campaign_transitions(request, slug):
    campaign = campaign_for(request, slug)
    data = sel.transitions(campaign, viewer_for(request.user))
    return render(request, "scoring/after/transitions.html", {"campaign": campaign, "t": data})


# ---- 星级 ---------------------------------------------------------------------------------------------------------

@reviewer_or_staff_required
def star_list(request):
    viewer = viewer_for(request.user)
    today = publicity_service.local_today()
    ratings = list(sel.star_ratings(viewer))
    for r in ratings:
        r.state = r.state_on(today)
        r.current = r.is_current_on(today)
    return render(request, "scoring/after/stars.html", {"ratings": ratings, "today": today, "is_staff": viewer.is_staff})


@staff_required
def star_change(request, pk):
    rating = get_object_or_404(StarRating.objects.select_related("org", "campaign"), pk=pk)
    today = publicity_service.local_today()
    lower = stars_service.lower_labels(rating)
    form = forms.StarChangeForm(request.POST or None, lower_labels=lower)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "lower":
                stars_service.lower_star_rating(rating=rating, actor=request.user, label=data["label"],
                                                reason=data["reason"], today=today)
            else:
                stars_service.revoke_star_rating(rating=rating, actor=request.user, reason=data["reason"], today=today)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已调整{rating.org.name}的星级。")
            return redirect("star_list")
    return render(request, "scoring/after/star_change.html", {
        "rating": rating, "form": form, "state": rating.state_on(today), "current": rating.is_current_on(today),
    })


# ---- links on the campaign page ----------------------------------------------------------------------------------

@register_campaign_link
def _campaign_links(request, campaign, viewer):
    """调查摸底, 公示 (staff management, objections, the public page once published), 整改/验收, 晋位升级 (second
    rounds) and 星级 (campaigns grading on the star scale, once results exist) — each only for a role that may open
    it. At most three queries, and only in the phases that need them."""
    if not (viewer.is_staff or viewer.is_reviewer):
        return []
    slug = campaign.slug
    links = [CampaignLink("调查摸底", reverse("investigation_list", args=[slug]), (Phase.INVESTIGATE,),
                          note="逐个填写调查摸底表")]
    late = campaign.phase >= Phase.PUBLICITY
    if viewer.is_staff:
        note = "发布公示、复核后重新公示、确定定级结果"
        if campaign.phase == Phase.PUBLICITY:
            pending = Objection.objects.filter(campaign=campaign, status=ObjectionStatus.PENDING).count()
            if pending:
                note = f"有 {pending} 条异议待处理"
        links.append(CampaignLink("公示管理", reverse("publicity_manage", args=[slug]), (Phase.PUBLICITY,),
                                  note=note))
    links.append(CampaignLink("公示异议", reverse("objection_list", args=[slug]), (Phase.PUBLICITY,),
                              note="群众提出的异议及处理结果"))
    if late and Publicity.objects.filter(campaign=campaign).exists():
        links.append(CampaignLink("公示页面（公开）", reverse("public_results", args=[slug]), (Phase.PUBLICITY,),
                                  note="群众看到的公示名单，无需登录"))
    rectification = reverse("rectification_overview", args=[slug])
    links.append(CampaignLink("整改提升", rectification, (Phase.RECTIFY,), note="整改方案、黄牌、联系领导和整改进展"))
    links.append(CampaignLink("检查验收", rectification, (Phase.ACCEPT,), note="逐项验收各党组织报告的整改事项"))
    if campaign.previous_id:
        links.append(CampaignLink("晋位升级", reverse("campaign_transitions", args=[slug]),
                                  (Phase.REPORT, Phase.RECTIFY), note="与上一轮比较各党组织等次变化"))
    if late and CampaignSector.objects.filter(campaign=campaign, scale__code="stars").exists():
        links.append(CampaignLink("星级管理", reverse("star_list"), note="星级有效期两年，可降级或撤销"))
    return links
