"""Setup pages: rubric versions (list, detail, import, edit, copy) and campaigns (list, create, detail with the
phase bar, phase control, phase dates and coverage). Views are thin: access through campaigns.access (each view's
first line), rules in campaigns.services and campaigns.rubrics, reads in campaigns.selectors; every kind of
POST has a view and a URL of its own.

Extension point for other areas — links on the campaign page
-------------------------------------------------------------
`campaign_detail` shows the campaign's work as links grouped by phase ("当前阶段要做的" first, then "全部功能" phase
by phase, then "其他功能" for links of no particular phase), built from CAMPAIGN_LINKS: callables
`fn(request, campaign, viewer) -> list[CampaignLink | (label, url)]` (return [] to show nothing for this viewer;
show a link only to a viewer who may open it). Register one from your own module (imported at start-up, e.g. by
your urls module or your AppConfig.ready()):

    from campaigns.views import CampaignLink, register_campaign_link

    @register_campaign_link
    def progress_link(request, campaign, viewer):
        return [CampaignLink("进度看板", reverse("campaign_dashboard", args=[campaign.slug]), pinned=True)]

A CampaignLink names the phases it belongs to (`phases`, Phase values; empty → "其他功能"), an optional one-line
`note`, and `pinned=True` for a link shown in "当前阶段要做的" whatever the phase. A plain (label, url) pair is a
link of no phase.
"""
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from branches.access import org_for, reviewer_or_staff_required, staff_required, viewer_for
from campaigns import rubrics as rubric_services
from campaigns import services as campaign_services
from campaigns.access import campaign_for, may_manage, rubric_for
from campaigns.forms import (
    CampaignForm,
    ParticipationForm,
    PhaseDatesForm,
    PhaseForm,
    RubricCopyForm,
    RubricEditForm,
    RubricImportForm,
    SurveySettingsForm,
)
from campaigns.models import Phase, SurveyMode
from campaigns.selectors import (
    campaign_coverage,
    campaign_rows,
    campaign_settings,
    participation_rows,
    rubrics_by_sector,
    scales,
)
from core.uploads import UploadStash

CAMPAIGN_LINKS: list = []


@dataclass(frozen=True)
class CampaignLink:
    """One link on the campaign page: `phases` it belongs to (empty → 其他功能), an optional `note`, `pinned` to
    show it among the current phase's work whatever the phase."""
    label: str
    url: str
    phases: tuple = ()
    note: str = ""
    pinned: bool = False


def register_campaign_link(fn):
    """Add `fn(request, campaign, viewer) -> list[CampaignLink | (label, url)]` to the campaign page's links."""
    CAMPAIGN_LINKS.append(fn)
    return fn


def extra_sections(request, campaign, viewer) -> list[CampaignLink]:
    """Every registered link this viewer may see, in registration order, as CampaignLink (pairs converted);
    the same url under the same label is listed once."""
    links, seen = [], set()
    for fn in CAMPAIGN_LINKS:
        for item in fn(request, campaign, viewer) or []:
            link = item if isinstance(item, CampaignLink) else CampaignLink(*item)
            if (link.label, link.url) not in seen:
                seen.add((link.label, link.url))
                links.append(link)
    return links


# What the 组织部 and the reviewers do in each phase: the line above the current phase's links.
PHASE_HINTS = {
    Phase.MOBILISE: "确认参评领域、评分标准和各阶段日期，为上级党组织评定人和支部书记分配账号角色。",
    Phase.INVESTIGATE: "上级党组织逐个填写定级对象的调查摸底表（组织设置、班子、制度、活动、保障、作用发挥）。",
    Phase.SELF: "各党组织书记登录后逐项填写并提交自评；上级党组织可查看自评，发现问题可退回修改。",
    Phase.SURVEY: "为各定级对象发放测评码（打印测评票或发送链接）；纸质测评票由两名工作人员分别录入核对。",
    Phase.REVIEW: "上级党组织逐个评定打分，系统按规则计算等次；调整等次须写明理由。",
    Phase.PUBLICITY: "公示期内受理群众异议并逐条答复；公示期满且异议全部处理后确定定级结果。",
    Phase.REPORT: "导出分类定级情况一览表、汇总表等报表，盖章上报。",
    Phase.RECTIFY: "未评为最高等次的党组织报送整改方案并报告整改进展；较差（后进）党组织亮黄牌限期整改。",
    Phase.ACCEPT: "上级党组织对整改事项逐项检查验收。",
}


def link_groups(campaign, links: list[CampaignLink]) -> dict:
    """The campaign page's link layout: `now` — links of the current phase, then pinned ones; `phases` — [{phase,
    links, current}] in phase order, each link under the first phase it names (phases without links left out);
    `other` — links of no phase."""
    current = Phase(campaign.phase)
    now = [lk for lk in links if current in lk.phases] + [lk for lk in links if lk.pinned and current not in lk.phases]
    by_phase: dict = {}
    other = []
    for lk in links:
        if lk.phases:
            by_phase.setdefault(Phase(min(lk.phases)), []).append(lk)
        else:
            other.append(lk)
    return {
        "now": now,
        "hint": PHASE_HINTS.get(current, ""),
        "phases": [{"phase": p, "links": by_phase[p], "current": p == current} for p in Phase if p in by_phase],
        "other": other,
    }


@register_campaign_link
def _setup_links(request, campaign, viewer):
    """动员部署 work of the 组织部: phase dates, accounts and roles, the org tree, the rubrics."""
    if not may_manage(viewer, campaign):
        return []
    return [
        CampaignLink("编辑阶段日期", reverse("campaign_dates", args=[campaign.slug]), (Phase.MOBILISE,)),
        CampaignLink("测评设置", reverse("campaign_survey_settings", args=[campaign.slug]),
                     (Phase.MOBILISE, Phase.SURVEY), note="应参评人数、最少测评人数"),
        CampaignLink("人员角色", reverse("people"), (Phase.MOBILISE,), note="分配评定人、支部书记账号"),
        CampaignLink("党组织", reverse("org_tree"), (Phase.MOBILISE,)),
    ]


def plain_number(value) -> str:
    """A Decimal as people write it: 0.2, 0.9, 1 (no trailing zeros, no exponent)."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _form_errors(form) -> list[str]:
    return [e for field_errors in form.errors.values() for e in field_errors]


# --------------------------------------------------------------------------------------------------- rubrics


@staff_required
def rubric_list(request):
    return render(request, "campaigns/rubric_list.html", {"groups": rubrics_by_sector()})


@staff_required
def rubric_detail(request, pk):
    rubric = rubric_for(request, pk)
    return render(request, "campaigns/rubric_detail.html", {"rubric": rubric, "frozen": bool(rubric.used_by)})


RUBRIC_UPLOADS = UploadStash("rubric")


def _rubric_import_page(request, form, errors=()):
    return render(request, "campaigns/rubric_import.html", {"form": form, "errors": list(errors)},
                  status=400 if errors else 200)


@staff_required
def rubric_import(request):
    """Upload → preview (every problem listed, nothing saved). The preview's buttons post to
    rubric_import_confirm or rubric_import_cancel; the file waits server-side in between (core.uploads)."""
    if request.method != "POST":
        return _rubric_import_page(request, RubricImportForm(initial={"sector": request.GET.get("sector")}))
    form = RubricImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _rubric_import_page(request, form)
    upload, sector, name = form.cleaned_data["file"], form.cleaned_data["sector"], form.cleaned_data["name"]
    token = RUBRIC_UPLOADS.put(request, upload)
    try:
        with open(RUBRIC_UPLOADS.path(request, token), "rb") as fh:
            indicators = rubric_services.preview_rubric_import(file=fh, sector=sector, name=name)
    except ValidationError as exc:
        RUBRIC_UPLOADS.discard(request, token)
        return _rubric_import_page(request, form, _errors(exc))
    return render(request, "campaigns/rubric_preview.html", {
        "token": token, "sector": sector, "name": name.strip(), "filename": upload.name, "indicators": indicators,
        "criteria_count": sum(len(i.criteria) for i in indicators),
    })


@staff_required
@require_POST
def rubric_import_confirm(request):
    """Save the previewed workbook as a new rubric version: checked again, saved whole, audited."""
    token = request.POST.get("token")
    path = RUBRIC_UPLOADS.path(request, token)
    if path is None:
        messages.error(request, "上传的文件已失效，请重新上传。")
        return redirect("rubric_import")
    sector, name = request.POST.get("sector", ""), request.POST.get("name", "")
    try:
        with open(path, "rb") as fh:
            rubric = rubric_services.import_rubric(file=fh, sector=sector, name=name, actor=request.user,
                                                   filename=request.POST.get("filename", ""))
    except ValidationError as exc:
        return _rubric_import_page(request, RubricImportForm(initial={"sector": sector, "name": name}), _errors(exc))
    finally:
        RUBRIC_UPLOADS.discard(request, token)
    messages.success(request, f"已导入评分标准“{rubric}”。")
    return redirect("rubric_detail", pk=rubric.pk)


@staff_required
@require_POST
def rubric_import_cancel(request):
    """Drop the previewed workbook; nothing was saved."""
    RUBRIC_UPLOADS.discard(request, request.POST.get("token"))
    return redirect("rubric_import")


def _refuse_frozen(request, rubric):
    """Back to the version's page with why it cannot be changed (the campaigns using it)."""
    try:
        rubric_services.ensure_editable(rubric)
    except ValidationError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    return redirect("rubric_detail", pk=rubric.pk)


@staff_required
def rubric_edit(request, pk):
    """Names, maxima and guidance of a version no campaign uses yet (audited); a frozen one offers a copy."""
    rubric = rubric_for(request, pk)
    if rubric.used_by:
        return _refuse_frozen(request, rubric)
    form = RubricEditForm(request.POST or None, indicators=rubric_services.rubric_as_data(rubric))
    errors = []
    if request.method == "POST" and not form.is_valid():
        errors = _form_errors(form)
    elif request.method == "POST":
        try:
            rubric_services.update_rubric(rubric=rubric, indicators=form.rubric_data, actor=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"已保存评分标准“{rubric}”的修改。")
            return redirect("rubric_detail", pk=rubric.pk)
    return render(request, "campaigns/rubric_edit.html", {"rubric": rubric, "form": form, "errors": errors},
                  status=400 if errors else 200)


@staff_required
def rubric_copy(request, pk):
    rubric = rubric_for(request, pk)
    form = RubricCopyForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            copy = rubric_services.copy_rubric(rubric=rubric, name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"已复制为新版本“{copy}”，可以修改。")
            return redirect("rubric_edit", pk=copy.pk)
    return render(request, "campaigns/rubric_copy.html", {"rubric": rubric, "form": form, "errors": errors},
                  status=400 if errors or form.errors else 200)


# ------------------------------------------------------------------------------------------------- campaigns


@reviewer_or_staff_required
def campaign_list(request):
    viewer = viewer_for(request.user)
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaign_rows(viewer)})


@staff_required
def campaign_create(request):
    form = CampaignForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_services.create_campaign(**form.service_kwargs(), actor=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"已创建定级工作“{campaign}”，当前阶段：{campaign.phase_label}。")
            return redirect("campaign_detail", slug=campaign.slug)
    return render(request, "campaigns/campaign_form.html", {"form": form, "errors": errors, "scales": scales()},
                  status=400 if errors or form.errors else 200)


def _phase_bar(campaign, dates):
    return [
        {"phase": p, "state": "done" if p < campaign.phase else "current" if p == campaign.phase else "todo",
         "dates": dates.get(p.value)}
        for p in Phase
    ]


@reviewer_or_staff_required
def campaign_detail(request, slug):
    campaign = campaign_for(request, slug)
    viewer = viewer_for(request.user)
    setup = campaign_settings(campaign)
    for cs in setup["sectors"]:
        cs.floor_text = plain_number(cs.effective_floor_gate())
    numbers = {f: plain_number(getattr(campaign, f))
               for f in ("weight_self", "weight_survey", "weight_review", "top_gate", "floor_gate")}
    links = extra_sections(request, campaign, viewer)
    return render(request, "campaigns/campaign_detail.html", {
        "campaign": campaign,
        "numbers": numbers,
        "phases": _phase_bar(campaign, setup["dates"]),
        "settings": setup,
        "coverage": campaign_coverage(campaign, viewer),
        "phase_form": PhaseForm(initial={"phase": campaign.phase}) if may_manage(viewer, campaign) else None,
        "extra_sections": links,
        "links": link_groups(campaign, links),
    })


def _phase_choice(request, campaign) -> tuple[Phase | None, str]:
    """(the phase to move to, the reason) from the posted PhaseForm; (None, "") with a message when the form is
    incomplete or the campaign is already there."""
    form = PhaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择要切换到的阶段。")
        return None, ""
    target = Phase(form.cleaned_data["phase"])
    if target == campaign.phase:
        messages.info(request, f"当前已处于“{target.label}”阶段，无需切换。")
        return None, ""
    return target, form.cleaned_data["reason"]


@staff_required
@require_POST
def campaign_phase(request, slug):
    """Step one of a phase move, without JavaScript: the chosen phase on a confirmation page (nothing changes
    yet); its button posts to campaign_phase_confirm."""
    campaign = campaign_for(request, slug, need="manage")
    target, reason = _phase_choice(request, campaign)
    if target is None:
        return redirect("campaign_detail", slug=slug)
    return render(request, "campaigns/campaign_phase_confirm.html", {
        "campaign": campaign, "target": target, "reason": reason, "backwards": target < campaign.phase,
    })


@staff_required
@require_POST
def campaign_phase_confirm(request, slug):
    """Step two: the move itself (audited, with its reason)."""
    campaign = campaign_for(request, slug, need="manage")
    target, reason = _phase_choice(request, campaign)
    if target is None:
        return redirect("campaign_detail", slug=slug)
    before = campaign.phase_label
    campaign_services.set_phase(campaign=campaign, phase=target, actor=request.user, reason=reason)
    messages.success(request, f"阶段已从“{before}”切换到“{target.label}”。")
    return redirect("campaign_detail", slug=slug)


@staff_required
def campaign_dates(request, slug):
    campaign = campaign_for(request, slug, need="manage")
    form = PhaseDatesForm(request.POST or None, dates=campaign_settings(campaign)["dates"])
    errors = []
    if request.method == "POST" and not form.is_valid():
        errors = ["日期格式应为 年-月-日，如 2026-03-10。"]
    elif request.method == "POST":
        try:
            campaign_services.update_phase_dates(campaign=campaign, dates=form.dates(), actor=request.user)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "已保存各阶段日期。")
            return redirect("campaign_detail", slug=slug)
    return render(request, "campaigns/campaign_dates.html", {"campaign": campaign, "form": form, "errors": errors},
                  status=400 if errors else 200)


# ------------------------------------------------------------------------------------------ survey settings

def _survey_settings_page(request, campaign, *, form=None, errors=(), status=200):
    return render(request, "campaigns/survey_settings.html", {
        "campaign": campaign, "form": form or SurveySettingsForm.for_campaign(campaign), "errors": errors,
        "rows": participation_rows(campaign), "sectors": campaign_settings(campaign)["sectors"],
        "modes": SurveyMode.choices, "vote_share": plain_number(campaign.vote_share),
    }, status=status)


@staff_required
def campaign_survey_settings(request, slug):
    """Who votes: the campaign's minimum of respondents, 群众代表 number and 机关事业单位 turnout share, and each
    定级对象's expected participants."""
    campaign = campaign_for(request, slug, need="manage")
    return _survey_settings_page(request, campaign)


@staff_required
@require_POST
def campaign_survey_settings_save(request, slug):
    campaign = campaign_for(request, slug, need="manage")
    form = SurveySettingsForm(request.POST)
    form.is_valid()  # every field is optional text: the service checks the values
    try:
        campaign_services.update_survey_settings(campaign=campaign, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _survey_settings_page(request, campaign, form=form, errors=_errors(exc), status=400)
    messages.success(request, "已保存测评设置。")
    return redirect("campaign_survey_settings", slug=slug)


@staff_required
@require_POST
def campaign_participation_save(request, slug, code):
    """One 定级对象's expected participants."""
    campaign = campaign_for(request, slug, need="manage")
    org = org_for(request, code, need="view")
    form = ParticipationForm(request.POST)
    form.is_valid()
    try:
        campaign_services.set_participation(campaign=campaign, org=org, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _survey_settings_page(request, campaign, errors=_errors(exc), status=400)
    messages.success(request, f"已保存“{org.name}”的应参评人数。")
    return redirect("campaign_survey_settings", slug=slug)


@staff_required
@require_POST
def campaign_grade_vote_save(request, slug):
    """What each sector's survey asks (satisfaction, a grade vote instead, or both) and the vote share."""
    campaign = campaign_for(request, slug, need="manage")
    modes = {key[len("mode_"):]: value for key, value in request.POST.items() if key.startswith("mode_")}
    try:
        campaign_services.update_grade_vote(campaign=campaign, modes=modes,
                                            vote_share=request.POST.get("vote_share"), actor=request.user)
    except ValidationError as exc:
        return _survey_settings_page(request, campaign, errors=_errors(exc), status=400)
    messages.success(request, "已保存测评方式。")
    return redirect("campaign_survey_settings", slug=slug)


@staff_required
@require_POST
def campaign_participation_import(request, slug):
    """Expected participants of many orgs from a workbook (组织编码, 应参评党员数, 应参评群众代表数), all or nothing."""
    campaign = campaign_for(request, slug, need="manage")
    upload = request.FILES.get("file")
    if upload is None:
        return _survey_settings_page(request, campaign, errors=["请选择工作簿文件（.xlsx）。"], status=400)
    try:
        n = campaign_services.import_participation(campaign=campaign, fileobj=upload, actor=request.user)
    except ValidationError as exc:
        return _survey_settings_page(request, campaign, errors=_errors(exc), status=400)
    messages.success(request, f"已导入 {n} 个党组织的应参评人数。")
    return redirect("campaign_survey_settings", slug=slug)
