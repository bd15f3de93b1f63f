"""Grading pages: 自评 (secretary, phone first), 上级评定 list and page (reviewers, staff), overrides, the campaign
dashboard, offline score import and recompute (staff). Access only through branches.access; rules in
scoring.services.sheets / grading / offline_scores; reads in scoring.selectors_grading."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

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
from campaigns.models import Phase
from campaigns.views import CampaignLink, register_campaign_link
from core.uploads import UploadStash
from scoring.forms import OverrideForm, ReturnForm, ScoreSheetForm, ScoresUploadForm
from scoring.models import SheetLevel, SheetSource, SheetStatus
from scoring.selectors import dashboard, review_rows, sheet_page, target_or_404
from scoring.services import grading as grading_services
from scoring.services import offline_scores
from scoring.services import sheets as sheet_services

SCORE_UPLOADS = UploadStash("scores")




def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# ------------------------------------------------------------------------------------------ 自评

@login_required
def self_eval(request, slug, code):
    """The org's self-evaluation. The org's secretary fills it (draft / submit) while the phase rules allow;
    reviewers of an ancestor and staff read it and may return a submitted one with a reason."""
    viewer = viewer_for(request.user)
    org = org_for(request, code, need="view")
    campaign = campaign_for(request, slug)
    org = target_or_404(campaign, org)
    is_secretary = is_secretary_of(viewer, org)
    may_return = can_review_org(viewer, org)
    data = sheet_page(campaign, org)
    sheet = data["self_sheet"]
    editable = is_secretary and sheet_services.self_editable(campaign, sheet)
    form = return_form = None
    errors = []

    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("save", "submit"):
            if not is_secretary:
                raise PermissionDenied("只有本党组织的书记可以填写自评。")
            if not sheet_services.self_editable(campaign, sheet):
                messages.error(request, sheet_services.self_closed_message(campaign, sheet))
                return redirect("self_eval", slug=slug, code=code)
            form = ScoreSheetForm(request.POST, indicators=data["indicators"], required=action == "submit")
            if form.is_valid():
                try:
                    saved = sheet_services.save_self_evaluation(
                        campaign=campaign, org=org, actor=request.user, scores=form.scores(), notes=form.notes(),
                        submit=action == "submit")
                except ValidationError as e:
                    errors = _errors(e)
                else:
                    if action == "submit":
                        messages.success(request, f"自评已提交，总分 {saved.total}。提交后不能再修改。")
                    else:
                        messages.success(request, "草稿已保存。" + (f"当前合计 {saved.total} 分。" if saved.total is not None else ""))
                    return redirect("self_eval", slug=slug, code=code)
            else:
                errors = [e for field_errors in form.errors.values() for e in field_errors]
        elif action == "return":
            if not may_return:
                raise PermissionDenied("只有上级党组织评定人或组织部工作人员可以退回自评。")
            return_form = ReturnForm(request.POST)
            if return_form.is_valid():
                try:
                    sheet_services.return_self_evaluation(campaign=campaign, org=org, actor=request.user,
                                                          reason=return_form.cleaned_data["reason"])
                except ValidationError as e:
                    errors = _errors(e)
                else:
                    messages.success(request, f"已退回{org.name}的自评，书记可按退回理由修改后重新提交。")
                    return redirect("self_eval", slug=slug, code=code)
            else:
                errors = [e for field_errors in return_form.errors.values() for e in field_errors]
        else:
            messages.error(request, "未知的操作。")
            return redirect("self_eval", slug=slug, code=code)

    if editable and form is None:
        initial = {c.pk: c.self_score for ind in data["indicators"] for c in ind.items}
        form = ScoreSheetForm(indicators=data["indicators"], initial_scores=initial,
                              initial_notes={ind.pk: ind.self_note for ind in data["indicators"]})
    if form is not None:
        for ind in data["indicators"]:
            ind.note_field = form[f"n{ind.pk}"]
            for crit in ind.items:
                crit.field = form.field_for(ind, crit)
    if may_return and sheet_services.can_return(campaign, sheet) and return_form is None:
        return_form = ReturnForm()
    return render(request, "scoring/grading/self_eval.html", {
        **data, "campaign": campaign, "org": org, "sheet": sheet, "form": form if editable else None,
        "editable": editable, "is_secretary": is_secretary, "errors": errors,
        "closed_message": None if editable else sheet_services.self_closed_message(campaign, sheet),
        "return_form": return_form if may_return and sheet_services.can_return(campaign, sheet) else None,
        "may_review": may_return,
    })


# ------------------------------------------------------------------------------------------ 上级评定

@reviewer_or_staff_required
def review_list(request, slug):
    viewer = viewer_for(request.user)
    campaign = campaign_for(request, slug)
    rows = review_rows(campaign, viewer)
    counts = {
        "due": len(rows), "self": sum(r.self_submitted for r in rows),
        "reviewed": sum(r.reviewed for r in rows), "graded": sum(1 for r in rows if r.final_label),
    }
    show = request.GET.get("show", "")
    if show not in REVIEW_FILTERS:
        show = ""
    shown = [r for r in rows if REVIEW_FILTERS[show][1](r)]
    return render(request, "scoring/grading/review_list.html", {
        "campaign": campaign, "rows": shown, "viewer": viewer, "counts": counts, "show": show,
        "filters": [(key, label, sum(1 for r in rows if test(r))) for key, (label, test) in REVIEW_FILTERS.items()],
        "open": campaign.phase == Phase.REVIEW,
    })


# The review list's filters (?show=…): key → (label, which rows)
REVIEW_FILTERS = {
    "": ("全部", lambda r: True),
    "submitted": ("自评已提交", lambda r: r.self_submitted),
    "unreviewed": ("未评定", lambda r: not r.reviewed),
    "ungraded": ("未定级", lambda r: not r.final_label),
}


@reviewer_or_staff_required
def review_org(request, slug, code):
    """The committee review of one org: self-evaluation beside the review inputs, survey tally, computed grade with
    its explanation, 评定意见, override. Editable while review_editable(); read-only otherwise."""
    org = org_for(request, code, need="review")
    campaign = campaign_for(request, slug)
    org = target_or_404(campaign, org)
    editable = sheet_services.review_editable(campaign, org)
    data = sheet_page(campaign, org)
    review_sheet = data["review_sheet"]
    level = request.GET.get("level") or request.POST.get("level") or data["review_level"]
    if level not in SheetLevel.values:
        level = SheetLevel.CRITERION
    errors, form, override_form = [], None, None

    if request.method == "POST":
        action = request.POST.get("action")
        if not editable:
            messages.error(request, sheet_services.review_frozen_message(campaign))
            return redirect("review_org", slug=slug, code=code)
        if action == "review":
            form = ScoreSheetForm(request.POST, indicators=data["indicators"], level=level, required=True,
                                  with_notes=False)
            if form.is_valid():
                try:
                    sheet_services.save_review(campaign=campaign, org=org, actor=request.user, level=level,
                                               scores=form.scores(), opinion=request.POST.get("opinion", ""))
                except ValidationError as e:
                    errors = _errors(e)
                else:
                    messages.success(request, "评定得分已保存，等次已重新计算。")
                    return redirect("review_org", slug=slug, code=code)
            else:
                errors = [e for field_errors in form.errors.values() for e in field_errors]
        elif action == "override":
            override_form = OverrideForm(request.POST, labels=data["labels"])
            if override_form.is_valid():
                try:
                    sheet_services.set_override(campaign=campaign, org=org, actor=request.user,
                                                label=override_form.cleaned_data["label"],
                                                reason=override_form.cleaned_data["reason"])
                except ValidationError as e:
                    errors = _errors(e)
                else:
                    messages.success(request, "最终等次已调整，调整理由已记录。")
                    return redirect("review_org", slug=slug, code=code)
            else:
                errors = [e for field_errors in override_form.errors.values() for e in field_errors]
        elif action == "clear_override":
            try:
                sheet_services.clear_override(campaign=campaign, org=org, actor=request.user,
                                              reason=request.POST.get("reason", ""))
            except ValidationError as e:
                errors = _errors(e)
            else:
                messages.success(request, "已取消调整，最终等次恢复为计算等次。")
                return redirect("review_org", slug=slug, code=code)
        else:
            messages.error(request, "未知的操作。")
            return redirect("review_org", slug=slug, code=code)

    if editable and form is None:
        if level == SheetLevel.CRITERION:
            initial = {c.pk: c.review_score for ind in data["indicators"] for c in ind.items}
        else:
            initial = {ind.pk: ind.review_score if ind.review_score is not None else ind.review_sum
                       for ind in data["indicators"]}
        form = ScoreSheetForm(indicators=data["indicators"], level=level, with_notes=False, initial_scores=initial)
    if form is not None:
        for ind in data["indicators"]:
            if level == SheetLevel.INDICATOR:
                ind.field = form.field_for(ind)
            for crit in ind.items:
                crit.field = form.field_for(ind, crit) if level == SheetLevel.CRITERION else None
    grade = data["grade"]
    if editable and override_form is None and grade and grade.computed_label:
        override_form = OverrideForm(labels=[lb for lb in data["labels"] if lb != grade.computed_label])
    elif override_form is not None:
        override_form.fields["label"].choices = [
            (lb, lb) for lb in data["labels"] if not grade or lb != grade.computed_label]
    return render(request, "scoring/grading/review_org.html", {
        **data, "campaign": campaign, "org": org, "form": form, "editable": editable, "errors": errors,
        "level": level, "override_form": override_form if editable else None,
        "frozen_message": None if editable else sheet_services.review_frozen_message(campaign),
        "opinion": request.POST.get("opinion") if request.method == "POST" else (review_sheet.opinion if review_sheet else ""),
        "self_offline": data["self_sheet"] is not None and data["self_sheet"].source == SheetSource.OFFLINE,
        "self_counted": data["self_sheet"] is not None and data["self_sheet"].status == SheetStatus.SUBMITTED,
        "can_return": sheet_services.can_return(campaign, data["self_sheet"]),
    })


# ------------------------------------------------------------------------------------------ dashboard, recompute

@reviewer_or_staff_required
def campaign_dashboard(request, slug):
    viewer = viewer_for(request.user)
    campaign = campaign_for(request, slug)
    return render(request, "scoring/grading/dashboard.html", {
        "campaign": campaign, **dashboard(campaign, viewer), "is_staff": viewer.is_staff,
    })


@staff_required
@require_POST
def grade_campaign(request, slug):
    campaign = campaign_for(request, slug)
    counts = grading_services.recompute_campaign(campaign=campaign, actor=request.user)
    messages.success(request, "已重新计算全部等次：" + grading_services.format_counts(counts))
    return redirect(request.POST.get("next") or reverse("campaign_dashboard", args=[slug]))


# ------------------------------------------------------------------------------------------ offline import

@staff_required
def import_scores(request, slug):
    """Upload → preview (nothing saved) → confirm (all or nothing). The uploaded file is kept server-side between
    the two steps (core.uploads) and checked again on confirm."""
    campaign = campaign_for(request, slug)
    form = ScoresUploadForm()
    context = {"campaign": campaign, "columns": offline_scores.COLUMNS}
    if request.method == "POST" and request.POST.get("action") == "confirm":
        token = request.POST.get("token")
        path = SCORE_UPLOADS.path(request, token)
        if path is None:
            messages.error(request, "请先上传工作簿并预览，再确认导入。")
            return redirect("import_scores", slug=slug)
        try:
            with open(path, "rb") as fh:
                summary = offline_scores.import_scores(campaign=campaign, fileobj=fh, actor=request.user)
        except ValidationError as e:
            SCORE_UPLOADS.discard(request, token)
            context.update(form=form, errors=_errors(e))
            return render(request, "scoring/grading/import_scores.html", context)
        SCORE_UPLOADS.discard(request, token)
        messages.success(request, f"已导入 {summary['rows']} 行：自评得分 {summary['self']} 个，测评票数 "
                                  f"{summary['votes']} 个，评定得分 {summary['review']} 个；等次已重新计算。")
        return redirect("campaign_dashboard", slug=slug)
    if request.method == "POST":
        form = ScoresUploadForm(request.POST, request.FILES)
        if form.is_valid():
            token = SCORE_UPLOADS.put(request, form.cleaned_data["file"])
            with open(SCORE_UPLOADS.path(request, token), "rb") as fh:
                parsed = offline_scores.parse_scores_workbook(campaign, fh)
            if parsed.errors:
                SCORE_UPLOADS.discard(request, token)
                context["errors"] = parsed.errors
            else:
                context.update(preview=parsed.rows, token=token)
        else:
            context["errors"] = [e for errs in form.errors.values() for e in errs]
    context["form"] = form
    return render(request, "scoring/grading/import_scores.html", context)


# ------------------------------------------------------------------------------------------ links on other pages

@register_campaign_link
def _campaign_links(request, campaign, viewer):
    """进度看板 (always at hand), the self-evaluations while they are filled in, 上级评定, and the staff's offline
    score import (allowed until the results are final, whatever the phase)."""
    links = []
    if viewer.is_staff or viewer.is_reviewer:
        review = reverse("review_list", args=[campaign.slug])
        links.append(CampaignLink("进度看板", reverse("campaign_dashboard", args=[campaign.slug]), pinned=True,
                                  note="各环节进度、缺项和等次分布"))
        links.append(CampaignLink("自评情况", review, (Phase.SELF, Phase.SURVEY),
                                  note="查看各党组织自评，必要时退回修改"))
        links.append(CampaignLink("上级评定", review, (Phase.REVIEW, Phase.PUBLICITY),
                                  note="逐个评定打分；公示期间仅异议成立的党组织可重新评定"))
    if viewer.is_staff:
        links.append(CampaignLink("线下成绩导入", reverse("import_scores", args=[campaign.slug]),
                                  note="纸质评分表汇总后批量导入自评、测评、评定得分"))
    return links
