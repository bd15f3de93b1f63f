"""The respondent's POST path kept short (docs/benchmarks.md, Survey): one query opens a code with its campaign, org
and the rubric's indicators; the code is consumed and the answer stored in one transaction; the rate-limit check is
one cache read."""
import pytest
from django.urls import reverse

from scoring.models import Indicator
from surveys import services
from surveys.models import SurveyResponse, SurveyToken
from surveys.selectors import survey_indicators

pytestmark = pytest.mark.django_db


def test_open_token_reads_code_org_campaign_and_indicators_in_one_query(codes, survey_campaign, tree,
                                                                         django_assert_num_queries):
    expected = [(i.pk, i.name) for i in survey_indicators(survey_campaign, tree["vil-2"])]
    assert len(expected) >= 2
    with django_assert_num_queries(1):
        target = services.open_token(codes[0])
        assert target.org.name == tree["vil-2"].name and target.campaign.name == survey_campaign.name
        assert [(i.pk, i.name) for i in target.indicators] == expected
    assert target.org == tree["vil-2"] and target.campaign == survey_campaign
    assert target.token_id == SurveyToken.objects.get(used=False, pk=target.token_id).pk
    assert target.org.kind == tree["vil-2"].kind  # a column not read loads on access


def test_open_token_of_an_org_whose_rubric_has_no_indicators(codes, survey_campaign, tree):
    rubric = survey_campaign.sectors.get(sector=tree["vil-2"].sector).rubric
    Indicator.objects.filter(rubric=rubric).delete()
    target = services.open_token(codes[0])
    assert target.indicators == () and target.org == tree["vil-2"]


def test_post_takes_few_queries_and_stores_the_answer(client, codes, survey_campaign, tree,
                                                      django_assert_max_num_queries):
    indicators = survey_indicators(survey_campaign, tree["vil-2"])
    data = {"overall": "1", "category": "member", f"ind_{indicators[0].pk}": "2", "suggestions": "好"}
    # open (1) + consume and store: UPDATE and INSERT in one transaction (PostgreSQL: one statement)
    with django_assert_max_num_queries(5):
        response = client.post(reverse("survey_form", args=[codes[0]]), data)
    assert response.status_code == 302
    row = SurveyResponse.objects.get()
    assert (row.org, row.campaign, row.overall, row.category, row.suggestions) == (
        tree["vil-2"], survey_campaign, 1, "member", "好")
    assert row.indicator_answers == {str(indicators[0].pk): 2}
    assert SurveyToken.objects.filter(used=True).count() == 1
    # the same code again: refused, nothing stored
    assert client.post(reverse("survey_form", args=[codes[0]]), data).status_code == 410
    assert SurveyResponse.objects.count() == 1
