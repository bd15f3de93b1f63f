"""Survey pages. The respondent's pages (/s/…) need no login and no JavaScript, set no cookie and never touch the
session, the messages framework or the user: they are rendered without the request (no context processors) and
are exempt from CSRF, because the unguessable single-use code in the URL is itself the secret a forger would need
(docs/anonymity.md). Staff pages start with an access helper (campaigns.access.campaign_for,
campaigns.access.target_for) like every other page; the rights are named in surveys.access."""
from fractions import Fraction

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from branches.access import (
    login_required,
    org_for,
    reviewable_orgs_q,
    reviewer_or_staff_required,
    staff_required,
    viewer_for,
    visible_orgs_q,
)
from campaigns.access import campaign_for, target_for
from core.downloads import content_disposition
from surveys import ballots, disclosure, guard, selectors, services, slips, tokens
from surveys.access import may_issue_codes, may_see_full_results
from surveys.forms import IssueTokensForm, PaperCountsForm, SurveyForm, quick_answers
from surveys.models import RespondentCategory

# ---- respondent pages -------------------------------------------------------------------------------------------

def _page(template, context=None, status=200):
    """Render without the request: no context processor runs, so the user, session and messages stay untouched."""
    response = HttpResponse(render_to_string(template, context or {}), status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _too_many():
    return _page("errors/429.html", status=429)


def _refused(exc: services.SurveyError):
    if isinstance(exc, services.SurveyClosed):
        return _page("surveys/public_message.html", {"title": "测评未开放", "message": str(exc)}, status=403)
    return _page("surveys/public_message.html", {"title": "测评码无效或已使用", "message": str(exc), "retry": True},
                 status=404)


@never_cache
@require_http_methods(["GET"])
def survey_entry(request):
    """/s/: a box to type the code from the slip; a well-formed code goes on to its form."""
    raw = request.GET.get("code")
    error = ""
    if raw is not None:
        canonical = tokens.normalise(raw)
        if canonical:
            return redirect("survey_form", token=canonical)
        error = "测评码为 13 位字母和数字（如 ABCD-EFGH-JKMNP），请核对后重新输入。"
    return _page("surveys/public_entry.html", {"error": error, "value": raw or ""}, status=400 if error else 200)


def _submitted(form, target):
    """Store a valid form's answers. The response to send (thanks, or the code refused), or None with the reason
    on the form."""
    try:
        services.submit_response(
            target=target, overall=form.cleaned_data.get("overall"), indicator_answers=form.indicator_answers(),
            category=form.cleaned_data["category"], suggestions=form.cleaned_data["suggestions"],
            grade_vote=form.cleaned_data.get("grade_vote", ""),
        )
    except (services.TokenUnknown, services.SurveyClosed) as exc:
        return _refused(exc)
    except services.SurveyError as exc:
        form.add_error(None, str(exc))
        return None
    return redirect("survey_thanks")


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def survey_form(request, token):
    """/s/<token>/: the anonymous form. A POST consumes the code and stores the answers in one transaction: a
    valid answer straight away (quick_answers + services.answer_by_code), anything else through the full form."""
    if request.method == "POST":
        # The usual case — a complete, valid answer to an unused code of an open survey from a client that is not
        # over its guessing limit — in one statement; if that stores nothing, the full path below finds out why.
        # (Reading the body first also matters for any early answer: a server that closes a socket with unread
        # request data resets the connection, and the phone would show that instead of the used-code page.)
        answers = quick_answers(request.POST)
        if answers is not None and services.answer_by_code(code=token, client=guard.client_key(request), **answers):
            return redirect("survey_thanks")
    if guard.is_blocked(request):
        return _too_many()
    try:
        target = services.open_token(token)
    except services.TokenUnknown as exc:
        return _too_many() if guard.count_unknown_code(request) else _refused(exc)
    except services.SurveyError as exc:
        return _refused(exc)
    asked = selectors.survey_mode_of(target.campaign, target.org)
    form = SurveyForm(request.POST if request.method == "POST" else None,
                      indicators=target.indicators if asked.satisfaction else (),
                      categories=selectors.campaign_categories(target.campaign), asked=asked,
                      grade_labels=selectors.grade_labels_of(target.campaign, target.org) if asked.grade_vote else ())
    response = _submitted(form, target) if form.is_bound and form.is_valid() else None
    if response is not None:
        return response
    return _page("surveys/public_form.html", {
        "form": form, "org": target.org, "campaign": target.campaign,
        "action": reverse("survey_form", args=[token]),
    }, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET"])
def survey_thanks(request):
    return _page("surveys/public_thanks.html")


# ---- staff and reviewer pages -------------------------------------------------------------------------------

@reviewer_or_staff_required
def survey_overview(request, slug):
    """Codes issued and used, and the tallies, per 定级对象 in the viewer's subtree."""
    campaign = campaign_for(request, slug, need="review")
    viewer = viewer_for(request.user)
    visible = disclosure.tally_visible(viewer, campaign)
    rows = selectors.survey_overview(campaign, visible_orgs_q(viewer))
    for row in rows:
        row.can_issue = may_issue_codes(viewer, row.org)
    totals = {
        "issued": sum(r.issued for r in rows), "used": sum(r.used for r in rows),
        "votes": sum((r.tally.total for r in rows), selectors.VoteCount()),
    }
    totals["rate"] = Fraction(totals["used"], totals["issued"]) if totals["issued"] else None
    if not visible:  # while the survey runs, anyone but staff: rounded counts received, no tally
        totals = {"received": disclosure.received_label(sum(r.used + r.tally.paper_total.total for r in rows))}
    return render(request, "surveys/overview.html", {"campaign": campaign, "rows": rows, "totals": totals,
                                                     "tally_visible": visible})


@login_required
def survey_results(request, slug, code):
    """One org's results as surveys.disclosure allows: while the survey runs, anyone but staff sees only the rounded
    count received; afterwards the tally, and breakdowns and free text from SMALL_N votes on ("<5" for a small
    category or indicator). Staff and reviewers above the org also see the codes issued and used."""
    campaign, org = target_for(request, slug, code)
    viewer = viewer_for(request.user)
    full = may_see_full_results(viewer, org)
    results = selectors.org_results(campaign, org, full_access=full,
                                    tally_visible=disclosure.tally_visible(viewer, campaign))
    return render(request, "surveys/results.html", {
        "campaign": campaign, "org": org, "r": results, "full": full, "small_n": selectors.SMALL_N,
    })


def _codes_download(codes, campaign, org, output: str) -> HttpResponse:
    """The codes just issued as slips (PDF) or CSV: the codes are not stored, so this is the only copy."""
    if output == "csv":
        body, ctype, ext = slips.tokens_csv(codes=codes, campaign=campaign, org=org), "text/csv", "csv"
    else:
        body, ctype, ext = slips.slips_pdf(codes=codes, campaign=campaign, org=org), "application/pdf", "pdf"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = content_disposition(f"survey-{campaign.slug}-{org.code}.{ext}")
    response["Cache-Control"] = "no-store"
    return response


@reviewer_or_staff_required
def issue_tokens(request, slug, code):
    """Issue fresh codes for an org (staff, or a reviewer above it) and download them at once as slips or CSV."""
    campaign, org = target_for(request, slug, code, need="review")
    form = IssueTokensForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.issue_tokens(campaign=campaign, org=org, count=form.cleaned_data["count"],
                                          actor=request.user)
        except services.SurveyError as exc:
            error = str(exc)
        else:
            return _codes_download(codes, campaign, org, form.cleaned_data["output"])
    issued, used = selectors.token_counts(campaign, [org.pk]).get(org.pk, (0, 0))
    return render(request, "surveys/issue_tokens.html", {
        "campaign": campaign, "org": org, "form": form, "error": error, "issued": issued, "used": used,
        "entry_link": slips.entry_link(),
    }, status=400 if (form.errors or error) else 200)


@staff_required
def paper_tally(request, slug, code):
    """Double entry of an org's paper ballot counts: each staff member enters their own count; a mismatch names
    the numbers that differ."""
    campaign, org = target_for(request, slug, code)
    entries = selectors.paper_entries(campaign, org)
    mine = next((e for e in entries if e.entered_by_id == request.user.pk), None)
    error = ""
    asked = selectors.survey_mode_of(campaign, org)
    paper_form = {"categories": selectors.campaign_categories(campaign), "asked": asked,
                  "grade_labels": selectors.grade_labels_of(campaign, org) if asked.grade_vote else ()}
    if request.method == "POST":
        form = PaperCountsForm(request.POST, **paper_form)
    else:
        form = PaperCountsForm(initial=PaperCountsForm.initial_from(mine.counts, paper_form["grade_labels"])
                               if mine else None, **paper_form)
    if form.is_bound and form.is_valid():
        try:
            services.enter_paper_counts(campaign=campaign, org=org, counts=form.raw_counts(), actor=request.user)
        except services.SurveyError as exc:
            error = str(exc)
        else:
            return redirect("paper_tally", slug=campaign.slug, code=org.code)
    status = selectors.paper_status(entries)
    return render(request, "surveys/paper_tally.html", {
        "campaign": campaign, "org": org, "form": form, "error": error, "status": status, "mine": mine,
        "others": [e for e in entries if e is not mine],
        "confirmed": (selectors.VoteCount(*status.confirmed_counts.get("overall", (0, 0, 0)))
                      if status.confirmed else None),
    }, status=400 if (form.errors or error) else 200)


@reviewer_or_staff_required
def survey_ballots(request, slug):
    """GET: blank paper 测评表 (with `tally`, each org's 计票表 too) as one PDF — for the 定级对象 `org`, those under
    `scope`, or all the viewer may print: staff any, a reviewer the orgs below theirs (as on the survey overview).
    `count` copies an org, or with `members` each org's 党员人数. Writes nothing. A bad request, or more than
    ballots.WEB_MAX_ORGS orgs, goes back to the overview with the reason (larger runs: manage.py print_ballots)."""
    campaign = campaign_for(request, slug, need="review")
    org_code, scope_code = request.GET.get("org", "").strip(), request.GET.get("scope", "").strip()
    org = org_for(request, org_code, need="review") if org_code else None
    scope = org_for(request, scope_code, need="view") if scope_code and not org else None
    try:
        count = ballots.parse_count(ballots.MEMBERS if request.GET.get("members") else request.GET.get("count"))
        orgs = ballots.ballot_targets(campaign, org=org, scope=scope,
                                      within=reviewable_orgs_q(viewer_for(request.user)))
        if len(orgs) > ballots.WEB_MAX_ORGS:
            raise ballots.BallotError(
                f"所选范围有 {len(orgs)} 个定级对象，网页下载一次最多 {ballots.WEB_MAX_ORGS} 个。请填写一个单位的组织编码"
                f"分批下载，或请系统管理员运行 manage.py print_ballots --campaign {campaign.slug} --count N --output 文件.pdf。")
        sheets, _skipped = ballots.ballot_sheets(campaign, orgs, count)
        if not sheets:
            raise ballots.BallotError("没有可打印的测评表：所选党组织的党员人数均为 0，请填写份数。")
    except ballots.BallotError as exc:
        messages.error(request, str(exc))
        return redirect("survey_overview", slug=campaign.slug)
    response = HttpResponse(ballots.ballots_pdf(campaign=campaign, sheets=sheets, tally=bool(request.GET.get("tally"))),
                            content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(ballots.download_name(campaign, org=org, scope=scope))
    return response


# ---- respondent categories (身份) of a campaign: one view per POST -------------------------------------------

def _categories_page(request, campaign, error="", status=200):
    return render(request, "surveys/categories.html", {
        "campaign": campaign, "rows": selectors.category_rows(campaign), "error": error,
    }, status=status)


def _category_or_404(campaign, pk):
    return get_object_or_404(RespondentCategory, campaign=campaign, pk=pk)


def _category_action(request, slug, action):
    """Run `action(campaign)` (a category service call) and go back to the list, or show its refusal."""
    campaign = campaign_for(request, slug, need="manage")
    try:
        action(campaign)
    except services.SurveyError as exc:
        return _categories_page(request, campaign, str(exc), status=400)
    return redirect("survey_categories", slug=slug)


@staff_required
def survey_categories(request, slug):
    """The campaign's respondent categories: the form, the paper tally and the 测评统计表 list them."""
    return _categories_page(request, campaign_for(request, slug, need="manage"))


@staff_required
@require_http_methods(["POST"])
def survey_category_add(request, slug):
    return _category_action(request, slug, lambda campaign: services.add_category(
        campaign=campaign, name=request.POST.get("name", ""), actor=request.user))


@staff_required
@require_http_methods(["POST"])
def survey_category_rename(request, slug, pk):
    return _category_action(request, slug, lambda campaign: services.rename_category(
        campaign=campaign, category=_category_or_404(campaign, pk), name=request.POST.get("name", ""),
        actor=request.user))


@staff_required
@require_http_methods(["POST"])
def survey_category_move(request, slug, pk):
    return _category_action(request, slug, lambda campaign: services.move_category(
        campaign=campaign, category=_category_or_404(campaign, pk), up=request.POST.get("direction") == "up",
        actor=request.user))


@staff_required
@require_http_methods(["POST"])
def survey_category_delete(request, slug, pk):
    return _category_action(request, slug, lambda campaign: services.delete_category(
        campaign=campaign, category=_category_or_404(campaign, pk), actor=request.user))
