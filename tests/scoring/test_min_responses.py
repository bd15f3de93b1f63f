"""Who votes: the campaign's minimum of respondents gates the grade (engine), expected participants and turnout
(survey overview, dashboard flag for 机关事业单位), and the settings page and command that set them."""
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaigns.models import Campaign, Participation
from reports.selectors import org_rows
from scoring.engine import Policy, compute_grade, too_few_responses
from scoring.models import SheetKind
from scoring.selectors import grade_inputs
from scoring.services.grading import recompute_org
from tests.conftest import login
from tests.scoring.grading_helpers import submitted_sheet, votes

pytestmark = pytest.mark.django_db

THREE = [("先进", D(80)), ("一般", D(60)), ("后进", D(0))]


def graded_inputs(campaign, org, *, online=0, offline=0):
    submitted_sheet(campaign, org, SheetKind.SELF, 90, with_scores=False)
    submitted_sheet(campaign, org, SheetKind.REVIEW, 90, with_scores=False)
    if online:
        votes(campaign, org, satisfied=online, online=True)
    if offline:
        votes(campaign, org, satisfied=offline)


# --- the engine: the gate, its place in the precedence, its wording ------------------------------------------

@pytest.mark.parametrize("responses, minimum, survey_counts, expected", [
    (3, 5, True, "测评人数不足（3/5）"),
    (4, 5, True, "测评人数不足（4/5）"),
    (5, 5, True, None),          # exactly the minimum passes
    (0, 0, True, None),          # 0 = no minimum
    (1, 0, True, None),
    (3, 5, False, None),         # the survey is not an input (wV = 0): no minimum of respondents
])
def test_too_few_responses_table(responses, minimum, survey_counts, expected):
    assert too_few_responses(responses, minimum, survey_counts=survey_counts) == expected


def test_engine_gate_comes_after_missing_inputs_and_before_the_score():
    policy = Policy(weights=(D("0.2"), D("0.3"), D("0.5")), bands=THREE, min_responses=5)
    short = compute_grade(self_score=D(95), votes=(3, 0, 0), review_score=D(95), policy=policy)
    assert not short.graded and short.reason == "测评人数不足（3/5）" and short.rules == ("min_responses",)
    assert short.explanation.startswith("未定级：测评人数不足（3/5）")
    missing = compute_grade(self_score=None, votes=(3, 0, 0), review_score=D(95), policy=policy)
    assert missing.reason == "缺少自评得分"  # a missing input is named first
    enough = compute_grade(self_score=D(95), votes=(5, 0, 0), review_score=D(95), policy=policy)
    assert enough.label == "先进"
    counted = compute_grade(self_score=D(95), votes=(3, 0, 0), review_score=D(95), policy=policy, responses=6)
    assert counted.label == "先进"  # respondents of every channel, when given, decide


# --- grade_inputs, the stored grade and the 一览表 备注 -----------------------------------------------------------

def test_below_minimum_no_grade_with_reason_in_trail_and_remark(campaign, tree):
    org = tree["vil-2"]
    graded_inputs(campaign, org, online=2, offline=1)
    inputs = grade_inputs(campaign)[org.pk]
    assert (inputs.responses, inputs.min_responses) == (3, 5)
    assert inputs.missing == ("测评人数不足（3/5）",)
    grade = recompute_org(campaign=campaign, org=org)
    assert grade.computed_label == "" and "测评人数不足（3/5）" in grade.explanation
    row = next(r for r in org_rows(campaign) if r.org.pk == org.pk)
    assert "测评人数不足（3/5）" in row.remark


def test_every_channel_counts_towards_the_minimum(campaign, tree):
    org = tree["vil-2"]
    graded_inputs(campaign, org, online=3, offline=2)
    assert recompute_org(campaign=campaign, org=org).computed_label == "先进"


def test_minimum_zero_is_off(campaign, tree):
    Campaign.objects.filter(pk=campaign.pk).update(min_responses=0)
    campaign.refresh_from_db()
    org = tree["vil-2"]
    graded_inputs(campaign, org, online=1)
    assert recompute_org(campaign=campaign, org=org).computed_label == "先进"


# --- the command and the settings page ----------------------------------------------------------------------

def test_create_campaign_min_responses_option(tree):
    call_command("create_campaign", "c-min", "--name", "测试", "--root", "county", "--sectors", "村",
                 "--min-responses", "8", "--masses-per-org", "3", stdout=StringIO())
    c = Campaign.objects.get(slug="c-min")
    assert (c.min_responses, c.masses_per_org, c.institution_turnout) == (8, 3, D("0.9"))
    call_command("create_campaign", "c-def", "--name", "测试2", "--root", "county", "--sectors", "村",
                 "--institution-turnout", "none", stdout=StringIO())
    c = Campaign.objects.get(slug="c-def")
    assert (c.min_responses, c.masses_per_org, c.institution_turnout) == (5, 0, None)


def test_create_campaign_refuses_a_bad_minimum(tree):
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="最少测评人数"):
        call_command("create_campaign", "c-bad", "--name", "测试", "--root", "county", "--sectors", "村",
                     "--min-responses", "-1", stdout=StringIO())
    assert not Campaign.objects.filter(slug="c-bad").exists()


def test_settings_page_as_staff_and_refused_to_others(client, campaign, staff, reviewer_of_township):
    url = reverse("campaign_survey_settings", args=[campaign.slug])
    login(client, reviewer_of_township)
    assert client.get(url).status_code in (403, 404)
    assert client.post(reverse("campaign_survey_settings_save", args=[campaign.slug]),
                       {"min_responses": "1"}).status_code in (403, 404)
    campaign.refresh_from_db()
    assert campaign.min_responses == 5
    login(client, staff)
    assert "各党组织应参评人数" in client.get(url).content.decode()
    r = client.post(reverse("campaign_survey_settings_save", args=[campaign.slug]),
                    {"min_responses": "7", "masses_per_org": "2", "institution_turnout": "0.8"})
    assert r.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.min_responses, campaign.masses_per_org, campaign.institution_turnout) == (7, 2, D("0.8"))
    r = client.post(reverse("campaign_survey_settings_save", args=[campaign.slug]),
                    {"min_responses": "x", "masses_per_org": "2", "institution_turnout": "2"})
    assert r.status_code == 400 and "不是整数" in r.content.decode()


def test_participation_per_org_and_turnout_on_the_overview(client, campaign, staff, tree):
    org = tree["vil-2"]
    org.member_count = 12
    org.save()
    Campaign.objects.filter(pk=campaign.pk).update(masses_per_org=3)
    login(client, staff)
    overview = reverse("survey_overview", args=[campaign.slug])
    votes(campaign, org, satisfied=5, online=True)
    page = client.get(overview).content.decode()
    assert "应参评" in page and "33.3%" in page  # 5 of 12 + 3
    r = client.post(reverse("campaign_participation_save", args=[campaign.slug, org.code]),
                    {"members": "8", "masses": "2"})
    assert r.status_code == 302
    assert Participation.objects.get(campaign=campaign, org=org).expected == 10
    assert "50.0%" in client.get(overview).content.decode()
    r = client.post(reverse("campaign_participation_save", args=[campaign.slug, org.code]),
                    {"members": "8", "masses": ""})
    assert r.status_code == 400 and "同时填写" in r.content.decode()
    client.post(reverse("campaign_participation_save", args=[campaign.slug, org.code]), {"members": "", "masses": ""})
    assert not Participation.objects.filter(campaign=campaign, org=org).exists()


def test_participation_refused_to_a_reviewer(client, campaign, reviewer_of_township, tree):
    login(client, reviewer_of_township)
    r = client.post(reverse("campaign_participation_save", args=[campaign.slug, "vil-2"]),
                    {"members": "1", "masses": "1"})
    assert r.status_code in (403, 404)
    assert not Participation.objects.exists()


def test_dashboard_flags_institutions_below_the_share(client, campaign, staff, tree):
    ag1, ag2 = tree["ag-1"], tree["ag-2"]
    for org in (ag1, ag2):
        org.member_count = 10
        org.save()
    votes(campaign, ag1, satisfied=8, online=True)   # 80% < 90%
    votes(campaign, ag2, satisfied=9, online=True)   # 90% passes
    login(client, staff)
    page = client.get(reverse("campaign_dashboard", args=[campaign.slug])).content.decode()
    section = page[page.index('id="turnout"'):]
    section = section[:section.index("</section>")]
    assert ag1.name in section and ag2.name not in section
    Campaign.objects.filter(pk=campaign.pk).update(institution_turnout=None)
    assert 'id="turnout"' not in client.get(reverse("campaign_dashboard", args=[campaign.slug])).content.decode()


def _participation_workbook(rows):
    import io

    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["组织编码", "应参评党员数", "应参评群众代表数", "备注"])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "participation.xlsx"
    return buf


def test_participation_workbook_import_all_or_nothing(client, campaign, staff, reviewer_of_township):
    url = reverse("campaign_participation_import", args=[campaign.slug])
    login(client, reviewer_of_township)
    assert client.post(url, {"file": _participation_workbook([("vil-2", 9, 1)])}).status_code in (403, 404)
    login(client, staff)
    r = client.post(url, {"file": _participation_workbook([("vil-2", 9, 1), ("nope", 1, 1), ("vil-3", "x", 1)])})
    page = r.content.decode()
    assert r.status_code == 400 and "“nope”不是本次定级工作的定级对象" in page and "不是整数" in page
    assert not Participation.objects.exists()
    r = client.post(url, {"file": _participation_workbook([("vil-2", 9, 1), ("vil-3", 20, 5)])})
    assert r.status_code == 302
    assert dict(Participation.objects.values_list("org__code", "members")) == {"vil-2": 9, "vil-3": 20}
    assert Participation.objects.get(org__code="vil-3").expected == 25
