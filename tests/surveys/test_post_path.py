"""The respondent's POST path kept short (docs/benchmarks.md, Survey): a valid answer is checked without building
the form (forms.quick_answers) and stored by services.answer_by_code — on PostgreSQL one statement that looks the
code up, checks the phase and the indicators, consumes the code and inserts the answer. Anything else goes through
open_token (one query) and the full form."""
import random
from types import SimpleNamespace

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse

from campaigns.models import Indicator, Phase
from surveys import services
from surveys.forms import SurveyForm, quick_answers
from surveys.models import StagedResponse, SurveyToken
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
    assert target.token_id == SurveyToken.objects.get(pk=target.token_id).pk
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
    # PostgreSQL: one statement, the guard included; SQLite: guard (1) + open (1) + BEGIN, DELETE, INSERT, the
    # count of staged answers, COMMIT
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 7):
        response = client.post(reverse("survey_form", args=[codes[0]]), data)
    assert response.status_code == 302
    row = StagedResponse.objects.get()
    assert (row.org, row.campaign, row.overall, row.category, row.suggestions) == (
        tree["vil-2"], survey_campaign, 1, "member", "好")
    assert row.indicator_answers == {str(indicators[0].pk): 2}
    assert SurveyToken.objects.count() == 4
    # the same code again: refused, nothing stored
    assert client.post(reverse("survey_form", args=[codes[0]]), data).status_code == 404
    assert StagedResponse.objects.count() == 1


def _stored(tree, survey_campaign):
    return list(StagedResponse.objects.values_list("org", "campaign", "overall", "category", "suggestions",
                                                   "indicator_answers"))


def test_answer_by_code_stores_a_valid_answer_and_consumes_the_code(codes, survey_campaign, tree):
    ind = survey_indicators(survey_campaign, tree["vil-2"])
    assert services.answer_by_code(code=codes[0].lower(), overall=3, category="served", suggestions="建议",
                                   indicator_answers={str(ind[0].pk): 1, str(ind[1].pk): 2})
    assert _stored(tree, survey_campaign) == [(tree["vil-2"].pk, survey_campaign.pk, 3, "served", "建议",
                                               {str(ind[0].pk): 1, str(ind[1].pk): 2})]
    assert SurveyToken.objects.count() == 4
    assert not services.answer_by_code(code=codes[0], overall=1)  # used: nothing more
    assert StagedResponse.objects.count() == 1


@pytest.mark.parametrize("case", ["unknown", "malformed", "closed", "foreign indicator", "unknown indicator"])
def test_answer_by_code_stores_nothing_and_keeps_the_code_when_anything_is_off(case, codes, survey_campaign, tree):
    code, answers = codes[0], {}
    if case == "unknown":
        code = "ABCDEFGHJKMNP" if codes[0] != "ABCDEFGHJKMNP" else "ABCDEFGHJKMNQ"
    elif case == "malformed":
        code = "not a code"
    elif case == "closed":
        survey_campaign.phase = Phase.REVIEW
        survey_campaign.save()
    elif case == "foreign indicator":  # an indicator of the 机关事业单位 rubric, not of 村
        answers = {str(survey_indicators(survey_campaign, tree["ag-1"])[0].pk): 1}
    else:
        answers = {"999999": 1}
    assert services.answer_by_code(code=code, overall=1, indicator_answers=answers) is False
    assert StagedResponse.objects.count() == 0 and SurveyToken.objects.count() == 5


def test_answer_by_code_refuses_a_blocked_client_and_keeps_the_code(codes):
    """A client over its guessing limit (a current GuessBlock) stores nothing, even with a valid code; an expired
    block and another client do not count."""
    import datetime

    from django.utils import timezone

    from surveys.models import GuessBlock

    now = timezone.now()
    GuessBlock.objects.create(client="a" * 64, until=now + datetime.timedelta(minutes=5))
    GuessBlock.objects.create(client="b" * 64, until=now - datetime.timedelta(seconds=1))
    assert services.answer_by_code(code=codes[0], overall=1, client="a" * 64) is False
    assert StagedResponse.objects.count() == 0 and SurveyToken.objects.count() == 5
    assert services.answer_by_code(code=codes[0], overall=1, client="b" * 64) is True
    assert services.answer_by_code(code=codes[1], overall=1, client="c" * 64) is True
    assert services.answer_by_code(code=codes[2], overall=1) is True
    assert StagedResponse.objects.count() == 3


def test_answer_by_code_refuses_invalid_values(codes):
    for bad in ({"overall": 4}, {"overall": 1, "category": "boss"}, {"overall": 1, "suggestions": "字" * 501},
                {"overall": 1, "indicator_answers": {"1": 9}}, {"overall": 1, "indicator_answers": {"x": 1}}):
        with pytest.raises(services.SurveyError):
            services.answer_by_code(code=codes[0], **bad)
    assert StagedResponse.objects.count() == 0 and SurveyToken.objects.count() == 5


def test_an_answered_indicator_of_another_rubric_takes_the_full_path_as_before(client, codes, survey_campaign,
                                                                                tree):
    """The full form ignores a field that is not one of the org's indicators; the quick path stores nothing for
    such a post and leaves it to the full form, so the answer is stored without it, as before."""
    own = survey_indicators(survey_campaign, tree["vil-2"])[0]
    foreign = survey_indicators(survey_campaign, tree["ag-1"])[0]
    data = {"overall": "2", f"ind_{own.pk}": "1", f"ind_{foreign.pk}": "3"}
    assert client.post(reverse("survey_form", args=[codes[0]]), data).status_code == 302
    assert StagedResponse.objects.get().indicator_answers == {str(own.pk): 1}


INDICATORS = [SimpleNamespace(pk=pk, name=f"指标{pk}") for pk in (7, 8, 12)]
VOCABULARY = {
    "overall": ["1", "2", "3", "", "0", "4", "1 ", "x", "３"],
    "category": ["", "member", "masses", "served", "boss", "Member"],
    "suggestions": ["", "  好  ", "字" * 500, " " + "字" * 500 + " ", "字" * 501, "a\x00b", "\r\n多\r\n"],
    "ind_7": ["", "1", "2", "3", "5", "x"], "ind_8": ["", "3"], "ind_12": ["1", ""],
    "ind_07": ["1"], "ind_x": ["1"], "ind_": ["1"], "ind_１": ["1"], "other": ["1"],
}


def _random_post(rng):
    data = QueryDict(mutable=True)
    for key, values in VOCABULARY.items():
        if rng.random() < (0.9 if key in ("overall", "ind_7") else 0.3):
            for _ in range(rng.choice([1, 1, 1, 2])):  # sometimes a key twice: both paths take the last value
                data.appendlist(key, rng.choice(values))
    return data


def test_quick_answers_agree_with_the_full_form():
    """Whenever quick_answers accepts a post, the full form accepts it with the same cleaned answers; and the
    everyday posts (valid values, known fields only) are all accepted by quick_answers."""
    rng = random.Random(2026)
    accepted = everyday = 0
    for _ in range(4000):
        data = _random_post(rng)
        quick = quick_answers(data)
        form = SurveyForm(data, indicators=INDICATORS)
        if quick is not None:
            accepted += 1
            assert form.is_valid(), (dict(data.lists()), form.errors)
            assert quick == {"overall": form.cleaned_data["overall"], "category": form.cleaned_data["category"],
                             "suggestions": form.cleaned_data["suggestions"],
                             "indicator_answers": form.indicator_answers()}, dict(data.lists())
        if (form.is_valid() and not set(data) - {"overall", "category", "suggestions", "ind_7", "ind_8", "ind_12"}
                and "\x00" not in data.get("suggestions", "")):
            everyday += 1
            assert quick is not None, dict(data.lists())
    assert accepted > 100 and everyday > 100  # both branches really ran


def test_a_post_the_quick_path_refuses_gets_the_full_forms_message(client, codes):
    response = client.post(reverse("survey_form", args=[codes[0]]), {"overall": "1", "suggestions": "a\x00b"})
    assert response.status_code == 400 and StagedResponse.objects.count() == 0


def test_the_answer_statement_is_prepared_once_and_planned_once_on_postgresql(survey_campaign, tree):
    """The answer statement is a server-side prepared statement whose plan does not depend on its parameters, so
    after PostgreSQL's first five custom plans it keeps one generic plan instead of planning every answer."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL")
    codes = services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=12)
    indicator = survey_indicators(survey_campaign, tree["vil-2"])[0]

    def plans():  # (generic, custom) plans so far of the statement with indicators, in this connection
        with connection.cursor() as cursor:
            cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                           "WHERE statement LIKE 'WITH used_token AS%%' AND statement LIKE '%%<@%%'")
            return cursor.fetchone() or (0, 0)

    before = plans()
    for code in codes:
        assert services.answer_by_code(code=code, overall=2, indicator_answers={str(indicator.pk): 1})
    generic, custom = (a - b for a, b in zip(plans(), before, strict=False))
    assert generic + custom == 12 and custom <= 5
