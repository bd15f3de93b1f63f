"""Results per org (small-n protection) and the overview of response rates, by role."""
import pytest
from django.urls import reverse

from branches.models import OrgKind
from campaigns.models import Phase
from campaigns.services import set_phase
from surveys import mixer, services
from surveys.models import SurveyResponse
from surveys.selectors import survey_indicators
from tests import factories as f
from tests.conftest import login


def results_url(campaign, code="vil-2"):
    return reverse("survey_results", args=[campaign.slug, code])


def answer(codes, campaign, org, n, suggestion="路灯需要维修"):
    first = survey_indicators(campaign, org)[0]
    for code in codes[:n]:
        services.submit_response(code=code, overall=1, category="member", suggestions=suggestion,
                                 indicator_answers={str(first.pk): 2})
    mixer.mix_staged(campaign, final=True)


@pytest.fixture
def four_answers(survey_campaign, tree, codes):
    answer(codes, survey_campaign, tree["vil-2"], 4)
    return codes[4]


def close(campaign):
    """End the survey as the campaign page does: the staged answers are mixed in, the codes deleted."""
    set_phase(campaign=campaign, phase=Phase.REVIEW, actor=None)


def page(client, user, campaign, code="vil-2"):
    return login(client, user).get(results_url(campaign, code)).content.decode()


NOT_STAFF = ["secretary_of_branch", "reviewer_of_township"]


@pytest.mark.parametrize("persona", NOT_STAFF)
def test_while_the_survey_runs_anyone_but_staff_sees_only_the_rounded_count(client, request, survey_campaign,
                                                                            tree, persona):
    user = request.getfixturevalue(persona)
    codes = services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=20)
    answer(codes, survey_campaign, tree["vil-2"], 4)
    html = page(client, user, survey_campaign)
    assert "测评进行中" in html and "已收到" not in html  # nothing below 5
    assert "100.0%" not in html and "路灯需要维修" not in html and "总票数" not in html
    answer(codes[4:], survey_campaign, tree["vil-2"], 8)  # 12 received
    html = page(client, user, survey_campaign)
    assert "已收到 10 份" in html and "12" not in html.split("测评进行中", 1)[1].split("</section>", 1)[0]
    assert "100.0%" not in html and "路灯需要维修" not in html and "分项评价（线上）" not in html
    close(survey_campaign)  # after the phase: counts, rates and text
    html = page(client, user, survey_campaign)
    assert "测评进行中" not in html and "100.0%" in html and "路灯需要维修" in html and "分项评价（线上）" in html


def test_staff_see_the_tally_while_the_survey_runs_but_no_small_groups(client, survey_campaign, tree, staff,
                                                                      four_answers):
    html = page(client, staff, survey_campaign)
    assert "100.0%" in html and "测评进行中" not in html
    assert "不足 5 票" in html and "路灯需要维修" not in html and "分项评价（线上）" not in html  # 4 votes
    services.submit_response(code=four_answers, overall=3)
    mixer.mix_staged(survey_campaign, final=True)
    html = page(client, staff, survey_campaign)
    assert "80.0%" in html and "路灯需要维修" in html and "分项评价（线上）" in html


@pytest.mark.parametrize("persona", ["staff", *NOT_STAFF])
def test_after_the_close_a_category_or_indicator_below_five_shows_lt5_to_everyone(client, request,
                                                                                  survey_campaign, tree, persona):
    codes = services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=10)
    first, second = survey_indicators(survey_campaign, tree["vil-2"])[:2]
    for i, code in enumerate(codes[:7]):  # 5 members, 2 masses; the second indicator answered 3 times
        answers = {str(first.pk): 1} | ({str(second.pk): 3} if i < 3 else {})
        services.submit_response(code=code, overall=1, category="member" if i < 5 else "masses",
                                 indicator_answers=answers, suggestions="好")
    close(survey_campaign)
    html = page(client, request.getfixturevalue(persona), survey_campaign)
    rows = {cells[0]: cells[1:] for cells in _table_rows(html)}
    assert rows, html
    assert rows["党员"] == ["5", "0", "0", "5", "100.0%"]
    assert rows["群众代表"] == ["&lt;5", "&lt;5", "&lt;5", "&lt;5", "—"]
    assert rows[first.name] == ["7", "0", "0", "7", "100.0%"]
    assert rows[second.name] == ["&lt;5", "&lt;5", "&lt;5", "&lt;5", "—"]


def _table_rows(html):
    import re

    out = []
    for row in re.findall(r"<tr><td data-label=\"(?:身份|指标)\">(.*?)</tr>", html, re.S):
        cells = re.findall(r"(?:^|<td[^>]*>)([^<]*)</td>", row)
        out.append([c.strip() for c in cells])
    return out


def test_paper_votes_count_towards_the_five(client, survey_campaign, tree, secretary_of_branch, staff,
                                            four_answers):
    second = f.user("staff2", f.STAFF)
    for who in (staff, second):
        services.enter_paper_counts(campaign=survey_campaign, org=tree["vil-2"], counts={"overall": [1, 0, 0]},
                                    actor=who)
    assert "已收到 5 份" in page(client, secretary_of_branch, survey_campaign)
    close(survey_campaign)
    assert "路灯需要维修" in page(client, secretary_of_branch, survey_campaign)


def test_free_text_below_five_is_hidden_from_staff_too_after_the_close(client, survey_campaign, staff,
                                                                       four_answers):
    close(survey_campaign)
    html = page(client, staff, survey_campaign)
    assert "100.0%" in html and "路灯需要维修" not in html and "不足 5 票" in html


def test_results_refuse_wrong_roles(client, survey_campaign, other_secretary, other_reviewer, four_answers):
    assert client.get(results_url(survey_campaign)).status_code == 302
    assert login(client, other_secretary).get(results_url(survey_campaign)).status_code == 404
    assert login(client, other_reviewer).get(results_url(survey_campaign)).status_code == 404
    assert login(client, other_reviewer).get(results_url(survey_campaign, "vil-3")).status_code == 200


def test_suggestions_come_in_random_not_arrival_order(survey_campaign, tree, staff, client):
    codes = services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=30)
    for i, code in enumerate(codes):
        services.submit_response(code=code, overall=1, suggestions=f"第{i:02d}条")
    close(survey_campaign)
    html = login(client, staff).get(results_url(survey_campaign)).content.decode()
    shown = [f"第{i:02d}条" for i in range(30)]
    positions = [html.index(s) for s in shown]
    assert positions != sorted(positions)  # 30 in arrival order by chance: 1 in 30!
    ids = list(SurveyResponse.objects.order_by("pk").values_list("suggestions", flat=True))
    assert sorted(shown, key=html.index) == ids


# ---- overview -----------------------------------------------------------------------------------------------

def overview_url(campaign):
    return reverse("survey_overview", args=[campaign.slug])


def test_overview_shows_rates_in_scope(client, survey_campaign, tree, reviewer_of_township, staff, four_answers):
    services.issue_tokens(campaign=survey_campaign, org=tree["vil-3"], count=2)
    html = login(client, staff).get(overview_url(survey_campaign)).content.decode()
    assert "三村党支部" in html and "财政局党支部" in html and "80.0%" in html  # staff: 4 of 5 codes used
    html = login(client, reviewer_of_township).get(overview_url(survey_campaign)).content.decode()
    assert "二村党支部" in html and "测评进行中" in html and "80.0%" not in html and "100.0%" not in html
    assert "三村党支部" not in html and "财政局党支部" not in html
    close(survey_campaign)
    html = login(client, reviewer_of_township).get(overview_url(survey_campaign)).content.decode()
    assert "80.0%" in html and "100.0%" in html and "测评进行中" not in html


def test_overview_rounds_the_count_received_for_reviewers(client, survey_campaign, tree, reviewer_of_township):
    codes = services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=9)
    answer(codes, survey_campaign, tree["vil-2"], 7)
    html = login(client, reviewer_of_township).get(overview_url(survey_campaign)).content.decode()
    assert "已收到 5 份" in html and "已收到 7 份" not in html


def test_overview_refuses_wrong_roles(client, survey_campaign, secretary_of_branch):
    assert client.get(overview_url(survey_campaign)).status_code == 302
    assert login(client, secretary_of_branch).get(overview_url(survey_campaign)).status_code == 403
    outsider = f.user("outsider", f.REVIEWER, f.org("other-root", "他县县委", OrgKind.COMMITTEE))
    assert login(client, outsider).get(overview_url(survey_campaign)).status_code == 404


@pytest.mark.parametrize("size", [20, 200])
def test_overview_queries_do_not_grow(client, survey_campaign, tree, staff, django_assert_max_num_queries, size):
    parent = tree["town-b"]
    other = f.user("staff2", f.STAFF)
    for i in range(size):
        org = f.org(f"x{i}", f"新村{i}党支部", OrgKind.BRANCH, parent, "村")
        if i % 3 == 0:
            codes = services.issue_tokens(campaign=survey_campaign, org=org, count=2)
            services.submit_response(code=codes[0], overall=1 + i % 3, category="member")
        if i % 5 == 0:
            for who in (staff, other):
                services.enter_paper_counts(campaign=survey_campaign, org=org, counts={"overall": [2, 1, 0]},
                                            actor=who)
    login(client, staff)
    with django_assert_max_num_queries(12):
        response = client.get(overview_url(survey_campaign))
    assert response.status_code == 200 and f"新村{size - 1}党支部" in response.content.decode()
