"""Grading pages: 自评 (secretary, phone first), 上级评定 list and page (reviewers, staff), overrides, the campaign
dashboard, offline score import and recompute (staff). Each view starts with the access helper of
campaigns.access; every kind of POST has a view and a URL of its own; rules in scoring.services.sheets / grading /
offline_scores; reads in scoring.selectors."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from branches.access import login_required, reviewer_or_staff_required, staff_required, viewer_for
from campaigns.access import (
    campaign_for,
    may_edit_self_eval,
    may_manage,
    may_review,
    may_review_org,
    target_for,
)
from campaigns.models import Phase
from campaigns.views import CampaignLink, register_campaign_link
from core.uploads import UploadStash
from scoring.forms import OverrideForm, ReturnForm, ScoreSheetForm, ScoresUploadForm
from scoring.models import SheetLevel, SheetSource, SheetStatus
from scoring.selectors import dashboard, review_rows, sheet_page
from scoring.services import grading as grading_services
from scoring.services import offline_scores
from scoring.services import sheets as sheet_services

SCORE_UPLOADS = UploadStash("scores")


def _saved(form, save):
    """Validate `form`, then run `save()`: (what it returns, []) — or (None, the form's or the service's
    messages)."""
    if not form.is_valid():
        return None, [e for field_errors in form.errors.values() for e in field_errors]
    try:
        return save(), []
    except ValidationError as exc:
        return None, list(exc.messages)


# ------------------------------------------------------------------------------------------ 自评


def _self_form(data, bound=None):
    """The self-evaluation form (the stored scores and notes as initial values unless `bound`), its fields attached
    to the indicators and criteria the template walks."""
    indicators = data["indicators"]
    if bound is None:
        bound = ScoreSheetForm(indicators=indicators,
                               initial_scores={c.pk: c.self_score for ind in indicators for c in ind.items},
                               initial_notes={ind.pk: ind.self_note for ind in indicators})
    for ind in indicators:
        ind.note_field = bound[f"n{ind.pk}"]
        for crit in ind.items:
            crit.field = bound.field_for(ind, crit)
    return bound


def _self_eval_page(request, campaign, org, data, *, form=None, return_form=None, errors=()):
    """The self-evaluation page: the form while the org's secretary may edit it, else the sheet read-only; the
    return form for a reviewer while the sheet can be returned. Bound forms and `errors` come from a failed POST."""
    viewer = viewer_for(request.user)
    sheet = data["self_sheet"]
    is_secretary = may_edit_self_eval(viewer, org)
    editable = is_secretary and sheet_services.self_editable(campaign, sheet)
    may_return = may_review_org(viewer, org)
    returnable = may_return and sheet_services.can_return(campaign, sheet)
    return render(request, "scoring/grading/self_eval.html", {
        **data, "campaign": campaign, "org": org, "sheet": sheet, "form": _self_form(data, form) if editable else None,
        "editable": editable, "is_secretary": is_secretary, "errors": list(errors),
        "closed_message": None if editable else sheet_services.self_closed_message(campaign, sheet),
        "return_form": (return_form or ReturnForm()) if returnable else None,
        "may_review": may_return,
    })


@login_required
@require_safe
def self_eval(request, slug, code):
    """The org's self-evaluation. The org's secretary fills it (self_eval_save, self_eval_submit) while the phase
    rules allow; reviewers of an ancestor and staff read it and may return a submitted one (self_eval_return)."""
    campaign, org = target_for(request, slug, code)
    return _self_eval_page(request, campaign, org, sheet_page(campaign, org))


def _save_self_eval(request, campaign, org, *, submit: bool):
    data = sheet_page(campaign, org)
    sheet = data["self_sheet"]
    if not sheet_services.self_editable(campaign, sheet):
        messages.error(request, sheet_services.self_closed_message(campaign, sheet))
        return redirect("self_eval", slug=campaign.slug, code=org.code)
    form = ScoreSheetForm(request.POST, indicators=data["indicators"], required=submit)
    saved, errors = _saved(form, lambda: sheet_services.save_self_evaluation(
        campaign=campaign, org=org, actor=request.user, scores=form.scores(), notes=form.notes(), submit=submit))
    if errors:
        return _self_eval_page(request, campaign, org, data, form=form, errors=errors)
    if submit:
        messages.success(request, f"自评已提交，总分 {saved.total}。提交后不能再修改。")
    else:
        messages.success(request, "草稿已保存。" + (f"当前合计 {saved.total} 分。" if saved.total is not None else ""))
    return redirect("self_eval", slug=campaign.slug, code=org.code)


@login_required
@require_POST
def self_eval_save(request, slug, code):
    """Save the self-evaluation as a draft (blanks allowed). The org's secretary only."""
    campaign, org = target_for(request, slug, code, need="edit_self_eval")
    return _save_self_eval(request, campaign, org, submit=False)


@login_required
@require_POST
def self_eval_submit(request, slug, code):
    """Submit the self-evaluation: every criterion scored; locked afterwards. The org's secretary only."""
    campaign, org = target_for(request, slug, code, need="edit_self_eval")
    return _save_self_eval(request, campaign, org, submit=True)


@login_required
@require_POST
def self_eval_return(request, slug, code):
    """Return a submitted self-evaluation to the secretary with a reason (audited)."""
    campaign, org = target_for(request, slug, code, need="return_self_eval")
    form = ReturnForm(request.POST)
    _, errors = _saved(form, lambda: sheet_services.return_self_evaluation(
        campaign=campaign, org=org, actor=request.user, reason=form.cleaned_data["reason"]))
    if errors:
        return _self_eval_page(request, campaign, org, sheet_page(campaign, org), return_form=form, errors=errors)
    messages.success(request, f"已退回{org.name}的自评，书记可按退回理由修改后重新提交。")
    return redirect("self_eval", slug=slug, code=code)


# ------------------------------------------------------------------------------------------ 上级评定

# The review list's filters (?show=…): key → (label, which rows)
REVIEW_FILTERS = {
    "": ("全部", lambda r: True),
    "submitted": ("自评已提交", lambda r: r.self_submitted),
    "unreviewed": ("未评定", lambda r: not r.reviewed),
    "ungraded": ("未定级", lambda r: not r.final_label),
}


def _review_counts(rows) -> dict:
    return {"due": len(rows), "self": sum(r.self_submitted for r in rows),
            "reviewed": sum(r.reviewed for r in rows), "graded": sum(1 for r in rows if r.final_label)}


@reviewer_or_staff_required
def review_list(request, slug):
    campaign = campaign_for(request, slug, need="review")
    viewer = viewer_for(request.user)
    rows = review_rows(campaign, viewer)
    show = request.GET.get("show", "")
    show = show if show in REVIEW_FILTERS else ""
    return render(request, "scoring/grading/review_list.html", {
        "campaign": campaign, "rows": [r for r in rows if REVIEW_FILTERS[show][1](r)], "viewer": viewer,
        "counts": _review_counts(rows), "show": show,
        "filters": [(key, label, sum(1 for r in rows if test(r))) for key, (label, test) in REVIEW_FILTERS.items()],
        "open": campaign.phase == Phase.REVIEW,
    })


def _level(value) -> str:
    """A review sheet's level from the request ("criterion" unless it names another one)."""
    return value if value in SheetLevel.values else SheetLevel.CRITERION


def _review_initial(indicators, level) -> dict:
    """The stored review scores at `level`: per criterion, or per indicator (its own score, else its sum)."""
    if level == SheetLevel.CRITERION:
        return {c.pk: c.review_score for ind in indicators for c in ind.items}
    return {ind.pk: ind.review_score if ind.review_score is not None else ind.review_sum for ind in indicators}


def _review_form(data, level, bound=None):
    """The score form of the review page at `level` (the stored review scores as initial values unless `bound`),
    its fields attached to the indicators and criteria the template walks."""
    if bound is None:
        bound = ScoreSheetForm(indicators=data["indicators"], level=level, with_notes=False,
                               initial_scores=_review_initial(data["indicators"], level))
    for ind in data["indicators"]:
        if level == SheetLevel.INDICATOR:
            ind.field = bound.field_for(ind)
        for crit in ind.items:
            crit.field = bound.field_for(ind, crit) if level == SheetLevel.CRITERION else None
    return bound


def _override_form(data, bound=None):
    """The override form offering every label of the scale but the computed one; None (unless `bound`) while
    there is no computed grade to override."""
    grade = data["grade"]
    computed = grade.computed_label if grade else ""
    labels = [lb for lb in data["labels"] if lb != computed]
    if bound is not None:
        bound.fields["label"].choices = [("", "请选择最终等次"), *((lb, lb) for lb in labels)]
        return bound
    return OverrideForm(labels=labels) if computed else None


def _review_page(request, campaign, org, data, *, level, form=None, override_form=None, errors=(), opinion=None):
    """The committee review of one org: self-evaluation beside the review inputs, survey tally, computed grade with
    its explanation, 评定意见, override. Editable while review_editable(); read-only otherwise."""
    editable = sheet_services.review_editable(campaign, org)
    self_sheet, review_sheet = data["self_sheet"], data["review_sheet"]
    if opinion is None:
        opinion = review_sheet.opinion if review_sheet else ""
    return render(request, "scoring/grading/review_org.html", {
        **data, "campaign": campaign, "org": org, "editable": editable, "errors": list(errors), "level": level,
        "form": _review_form(data, level, form) if editable else None,
        "override_form": _override_form(data, override_form) if editable else None,
        "frozen_message": None if editable else sheet_services.review_frozen_message(campaign),
        "opinion": opinion,
        "self_offline": self_sheet is not None and self_sheet.source == SheetSource.OFFLINE,
        "self_counted": self_sheet is not None and self_sheet.status == SheetStatus.SUBMITTED,
        "can_return": sheet_services.can_return(campaign, self_sheet),
    })


@reviewer_or_staff_required
@require_safe
def review_org(request, slug, code):
    """The review page; its forms post to review_save, review_override and review_clear_override."""
    campaign, org = target_for(request, slug, code, need="review")
    data = sheet_page(campaign, org)
    return _review_page(request, campaign, org, data, level=_level(request.GET.get("level") or data["review_level"]))


def _refuse_frozen_review(request, campaign, org):
    """None while the org's review may change; else the redirect back to its page with why not."""
    if sheet_services.review_editable(campaign, org):
        return None
    messages.error(request, sheet_services.review_frozen_message(campaign))
    return redirect("review_org", slug=campaign.slug, code=org.code)


@reviewer_or_staff_required
@require_POST
def review_save(request, slug, code):
    """Save the committee's scores (every item, at the posted level) and 评定意见; the grade is recomputed."""
    campaign, org = target_for(request, slug, code, need="review")
    if refused := _refuse_frozen_review(request, campaign, org):
        return refused
    data = sheet_page(campaign, org)
    level, opinion = _level(request.POST.get("level") or data["review_level"]), request.POST.get("opinion", "")
    form = ScoreSheetForm(request.POST, indicators=data["indicators"], level=level, required=True, with_notes=False)
    _, errors = _saved(form, lambda: sheet_services.save_review(
        campaign=campaign, org=org, actor=request.user, level=level, scores=form.scores(), opinion=opinion))
    if errors:
        return _review_page(request, campaign, org, data, level=level, form=form, errors=errors, opinion=opinion)
    messages.success(request, "评定得分已保存，等次已重新计算。")
    return redirect("review_org", slug=slug, code=code)


@reviewer_or_staff_required
@require_POST
def review_override(request, slug, code):
    """Set a final grade other than the computed one, with a reason (audited); kept through recomputes."""
    campaign, org = target_for(request, slug, code, need="review")
    if refused := _refuse_frozen_review(request, campaign, org):
        return refused
    data = sheet_page(campaign, org)
    form = OverrideForm(request.POST, labels=data["labels"])
    _, errors = _saved(form, lambda: sheet_services.set_override(
        campaign=campaign, org=org, actor=request.user, label=form.cleaned_data["label"],
        reason=form.cleaned_data["reason"]))
    if errors:
        return _review_page(request, campaign, org, data, level=_level(data["review_level"]), override_form=form,
                            errors=errors)
    messages.success(request, "最终等次已调整，调整理由已记录。")
    return redirect("review_org", slug=slug, code=code)


@reviewer_or_staff_required
@require_POST
def review_clear_override(request, slug, code):
    """Drop the override: the final grade is the computed one again (audited, with an optional note)."""
    campaign, org = target_for(request, slug, code, need="review")
    if refused := _refuse_frozen_review(request, campaign, org):
        return refused
    try:
        sheet_services.clear_override(campaign=campaign, org=org, actor=request.user,
                                      reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        data = sheet_page(campaign, org)
        return _review_page(request, campaign, org, data, level=_level(data["review_level"]),
                            errors=exc.messages)
    messages.success(request, "已取消调整，最终等次恢复为计算等次。")
    return redirect("review_org", slug=slug, code=code)


# ------------------------------------------------------------------------------------------ dashboard, recompute

@reviewer_or_staff_required
def campaign_dashboard(request, slug):
    campaign = campaign_for(request, slug, need="review")
    viewer = viewer_for(request.user)
    return render(request, "scoring/grading/dashboard.html", {
        "campaign": campaign, **dashboard(campaign, viewer), "may_manage": may_manage(viewer, campaign),
    })


@staff_required
@require_POST
def grade_campaign(request, slug):
    """Recompute every grade of the campaign, then back to `next` (a page of this site) or the dashboard."""
    campaign = campaign_for(request, slug, need="manage")
    counts = grading_services.recompute_campaign(campaign=campaign, actor=request.user)
    messages.success(request, "已重新计算全部等次：" + grading_services.format_counts(counts))
    after = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(after, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        after = reverse("campaign_dashboard", args=[slug])
    return redirect(after)


# ------------------------------------------------------------------------------------------ offline import

def _import_page(request, campaign, form, **context):
    return render(request, "scoring/grading/import_scores.html", {
        "campaign": campaign, "columns": offline_scores.COLUMNS, "form": form, **context})


@staff_required
def import_scores(request, slug):
    """Upload → preview (nothing saved); the preview's button posts to import_scores_confirm. The uploaded file
    is kept server-side between the two steps (core.uploads)."""
    campaign = campaign_for(request, slug, need="manage")
    if request.method != "POST":
        return _import_page(request, campaign, ScoresUploadForm())
    form = ScoresUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, campaign, form, errors=[e for errs in form.errors.values() for e in errs])
    token = SCORE_UPLOADS.put(request, form.cleaned_data["file"])
    with open(SCORE_UPLOADS.path(request, token), "rb") as fh:
        parsed = offline_scores.parse_scores_workbook(campaign, fh)
    if parsed.errors:
        SCORE_UPLOADS.discard(request, token)
        return _import_page(request, campaign, form, errors=parsed.errors)
    return _import_page(request, campaign, form, preview=parsed.rows, token=token)


@staff_required
@require_POST
def import_scores_confirm(request, slug):
    """Import the previewed workbook, checked again: all rows or nothing; the grades are recomputed."""
    campaign = campaign_for(request, slug, need="manage")
    token = request.POST.get("token")
    path = SCORE_UPLOADS.path(request, token)
    if path is None:
        messages.error(request, "请先上传工作簿并预览，再确认导入。")
        return redirect("import_scores", slug=slug)
    try:
        with open(path, "rb") as fh:
            summary = offline_scores.import_scores(campaign=campaign, fileobj=fh, actor=request.user)
    except ValidationError as exc:
        return _import_page(request, campaign, ScoresUploadForm(), errors=exc.messages)
    finally:
        SCORE_UPLOADS.discard(request, token)
    messages.success(request, f"已导入 {summary['rows']} 行：自评得分 {summary['self']} 个，测评票数 "
                              f"{summary['votes']} 个，评定得分 {summary['review']} 个；等次已重新计算。")
    return redirect("campaign_dashboard", slug=slug)


# ------------------------------------------------------------------------------------------ links on other pages

@register_campaign_link
def _campaign_links(request, campaign, viewer):
    """进度看板 (always at hand), the self-evaluations while they are filled in, 上级评定, and the staff's offline
    score import (allowed until the results are final, whatever the phase)."""
    links = []
    if may_review(viewer, campaign):
        review = reverse("review_list", args=[campaign.slug])
        links.append(CampaignLink("进度看板", reverse("campaign_dashboard", args=[campaign.slug]), pinned=True,
                                  note="各环节进度、缺项和等次分布"))
        links.append(CampaignLink("自评情况", review, (Phase.SELF, Phase.SURVEY),
                                  note="查看各党组织自评，必要时退回修改"))
        links.append(CampaignLink("上级评定", review, (Phase.REVIEW, Phase.PUBLICITY),
                                  note="逐个评定打分；公示期间仅异议成立的党组织可重新评定"))
    if may_manage(viewer, campaign):
        links.append(CampaignLink("线下成绩导入", reverse("import_scores", args=[campaign.slug]),
                                  note="纸质评分表汇总后批量导入自评、测评、评定得分"))
    return links
