"""The grade vote (与会人员以无记名测评方式评定党支部等级): per sector instead of or beside satisfaction, online and
on paper, turned into a grade by the engine (exact shares; tests/scoring/test_engine.py holds the decision table)."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaigns.models import Campaign, CampaignSector, Phase
from scoring.models import SheetKind
from scoring.services.grading import recompute_org
from surveys import mixer, services
from surveys.models import StagedResponse
from surveys.selectors import grade_vote_counts
from tests import factories as f
from tests.conftest import login
from tests.scoring.grading_helpers import submitted_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff2(tree):
    return f.user("staff2", f.STAFF, first_name="组织部小李")


def village_mode(campaign, mode):
    CampaignSector.objects.filter(campaign=campaign, sector__name="村").update(survey_mode=mode)


def paper_votes(campaign, org, grade, staff, staff2, overall=None):
    counts = {"grade": grade} | ({"overall": overall} if overall else {})
    for who in (staff, staff2):
        services.enter_paper_counts(campaign=campaign, org=org, counts=counts, actor=who)


def test_create_campaign_grade_vote_options(tree):
    call_command("create_campaign", "c-vote", "--name", "投票", "--root", "county", "--sectors", "村", "社区",
                 "--grade-vote", "村=instead", "--grade-vote", "社区=beside", "--vote-share", "0.6", stdout=StringIO())
    c = Campaign.objects.get(slug="c-vote")
    modes = dict(CampaignSector.objects.filter(campaign=c).values_list("sector__name", "survey_mode"))
    assert modes == {"村": "instead", "社区": "beside"} and str(c.vote_share) == "0.600"
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="--grade-vote"):
        call_command("create_campaign", "c-bad", "--name", "坏", "--root", "county", "--grade-vote", "村=often",
                     stdout=StringIO())


def test_instead_online_form_asks_the_grade_only(client, survey_campaign, codes):
    village_mode(survey_campaign, "instead")
    page = client.get(reverse("survey_form", args=[codes[0]])).content.decode()
    assert 'id="grade-vote"' in page and "先进" in page and "后进" in page
    assert "对该党组织的总体评价" not in page
    r = client.post(reverse("survey_form", args=[codes[0]]), {"overall": "", "category": ""})
    assert r.status_code == 400 and "请选择您评定的等次" in r.content.decode()
    r = client.post(reverse("survey_form", args=[codes[0]]), {"grade_vote": "好", "category": ""})
    assert r.status_code == 400 and not StagedResponse.objects.exists()  # not a band of the 村 scale
    r = client.post(reverse("survey_form", args=[codes[0]]), {"grade_vote": "先进", "category": "member"})
    assert r.status_code == 302
    row = StagedResponse.objects.get()  # waiting for the mixer
    assert (row.grade_vote, row.overall, row.category) == ("先进", None, "member")


def test_beside_online_form_asks_both(client, survey_campaign, codes):
    village_mode(survey_campaign, "beside")
    page = client.get(reverse("survey_form", args=[codes[0]])).content.decode()
    assert 'id="grade-vote"' in page and "对该党组织的总体评价" in page
    r = client.post(reverse("survey_form", args=[codes[0]]), {"overall": "1", "grade_vote": ""})
    assert r.status_code == 400 and "请选择您评定的等次" in r.content.decode() and not StagedResponse.objects.exists()
    r = client.post(reverse("survey_form", args=[codes[0]]), {"overall": "1", "grade_vote": "好"})
    assert r.status_code == 400 and not StagedResponse.objects.exists()
    assert client.post(reverse("survey_form", args=[codes[0]]), {"overall": "1", "grade_vote": "一般"}).status_code == 302
    row = StagedResponse.objects.get()  # waiting for the mixer
    assert (row.overall, row.grade_vote) == (1, "一般")


def test_instead_grade_from_paper_and_online_votes(survey_campaign, tree, staff, staff2, codes):
    """Issue example: 村, instead, share 0.5 — 先进 4 / 一般 4 / 后进 2 → 一般 (先进 40%, 先进至一般 80%)."""
    village_mode(survey_campaign, "instead")
    org = tree["vil-2"]
    services.submit_response(code=codes[0], overall=None, grade_vote="先进")
    services.submit_response(code=codes[1], overall=None, grade_vote="后进")
    paper_votes(survey_campaign, org, {"先进": 3, "一般": 4, "后进": 1}, staff, staff2)
    mixer.mix_staged(survey_campaign, final=True)  # the votes count once mixed (the close does it)
    assert grade_vote_counts(survey_campaign)[org.pk] == {"先进": 4, "一般": 4, "后进": 2}
    submitted_sheet(survey_campaign, org, SheetKind.SELF, 95, with_scores=False)
    submitted_sheet(survey_campaign, org, SheetKind.REVIEW, 95, with_scores=False)
    grade = recompute_org(campaign=survey_campaign, org=org)
    assert grade.computed_label == "一般" and grade.total is None
    assert "先进 40% < 50%；先进至一般 80% ≥ 50%，投票等次：一般" in grade.explanation
    assert "自评得分 95.0；评定得分 95.0" in grade.explanation


def test_exactly_half_passes_and_too_few_voters_block(survey_campaign, tree, staff, staff2):
    village_mode(survey_campaign, "instead")
    org = tree["vil-2"]
    submitted_sheet(survey_campaign, org, SheetKind.SELF, 60, with_scores=False)
    submitted_sheet(survey_campaign, org, SheetKind.REVIEW, 60, with_scores=False)
    paper_votes(survey_campaign, org, {"先进": 2, "一般": 1, "后进": 0}, staff, staff2)
    assert "测评人数不足（3/5）" in recompute_org(campaign=survey_campaign, org=org).explanation
    paper_votes(survey_campaign, org, {"先进": 5, "一般": 5, "后进": 0}, staff, staff2)
    assert recompute_org(campaign=survey_campaign, org=org).computed_label == "先进"


def test_beside_takes_the_lower_grade(survey_campaign, tree, staff, staff2):
    village_mode(survey_campaign, "beside")
    org = tree["vil-2"]
    submitted_sheet(survey_campaign, org, SheetKind.SELF, 95, with_scores=False)
    submitted_sheet(survey_campaign, org, SheetKind.REVIEW, 95, with_scores=False)
    paper_votes(survey_campaign, org, {"先进": 2, "一般": 2, "后进": 6}, staff, staff2, overall=[10, 0, 0])
    grade = recompute_org(campaign=survey_campaign, org=org)
    assert grade.computed_label == "后进"
    assert "按得分与满意率为先进，投票等次为后进，取较低者" in grade.explanation


def test_paper_tally_page_has_a_count_per_band(client, survey_campaign, tree, staff, staff2):
    village_mode(survey_campaign, "instead")
    org = tree["vil-2"]
    url = reverse("paper_tally", args=[survey_campaign.slug, org.code])
    login(client, staff)
    page = client.get(url).content.decode()
    assert "先进票" in page and "一般票" in page and "后进票" in page and "基本满意" not in page
    assert client.post(url, {"grade_0": 6, "grade_1": 3, "grade_2": 1}).status_code == 302
    login(client, staff2)
    r = client.post(url, {"grade_0": 6, "grade_1": 3})
    assert r.status_code == 400 and "后进票" in r.content.decode()
    assert client.post(url, {"grade_0": 6, "grade_1": 3, "grade_2": 1}).status_code == 302
    assert grade_vote_counts(survey_campaign)[org.pk] == {"先进": 6, "一般": 3, "后进": 1}


def test_settings_page_sets_the_modes_and_refuses_others(client, campaign, staff, reviewer_of_township):
    url = reverse("campaign_grade_vote_save", args=[campaign.slug])
    village = CampaignSector.objects.get(campaign=campaign, sector__name="村")
    login(client, reviewer_of_township)
    assert client.post(url, {f"mode_{village.sector_id}": "instead"}).status_code in (403, 404)
    login(client, staff)
    page = client.get(reverse("campaign_survey_settings", args=[campaign.slug])).content.decode()
    assert "测评方式与等次投票" in page
    assert client.post(url, {f"mode_{village.sector_id}": "instead", "vote_share": "0.6"}).status_code == 302
    village.refresh_from_db()
    campaign.refresh_from_db()
    assert village.survey_mode == "instead" and str(campaign.vote_share) == "0.600"
    r = client.post(url, {f"mode_{village.sector_id}": "never", "vote_share": "0.6"})
    assert r.status_code == 400
    Campaign.objects.filter(pk=campaign.pk).update(phase=Phase.REVIEW)
    r = client.post(url, {f"mode_{village.sector_id}": "beside", "vote_share": "0.5"})
    assert r.status_code == 400 and "测评已结束" in r.content.decode()
