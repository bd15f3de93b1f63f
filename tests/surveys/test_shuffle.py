"""The mixer (surveys/mixer.py) and its manual trigger `survey_shuffle`: staged answers move into the response
table in batches of at least MIX_BATCH, in random order, and all of them when the survey phase ends."""
import io

import pytest
from django.core.management import call_command
from django.db import connection

from campaigns.models import Phase
from campaigns.services import set_phase
from surveys import mixer, services
from surveys.models import StagedResponse, SurveyResponse, SurveyToken
from surveys.selectors import vote_counts


def _physical_order():
    table = SurveyResponse._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'SELECT suggestions FROM "{table}" ORDER BY ctid')
        else:
            cursor.execute(f'SELECT suggestions FROM "{table}" ORDER BY rowid')
        return [r[0] for r in cursor.fetchall()]


def _answer(codes, start, stop):
    for i in range(start, stop):
        services.submit_response(code=codes[i], overall=1 + i % 3, suggestions=f"第{i:02d}份")


@pytest.mark.django_db
def test_answers_wait_until_a_batch_is_staged_then_move_in_random_order(survey_campaign, tree):
    codes = services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=45)
    _answer(codes, 0, mixer.MIX_BATCH - 1)
    assert SurveyResponse.objects.count() == 0 and StagedResponse.objects.count() == mixer.MIX_BATCH - 1
    assert mixer.mix_staged(survey_campaign) == 0  # no batch yet: nothing moves
    _answer(codes, mixer.MIX_BATCH - 1, mixer.MIX_BATCH)  # the 20th answer brings the batch: it moves at once
    assert StagedResponse.objects.count() == 0
    first = _physical_order()
    assert sorted(first) == [f"第{i:02d}份" for i in range(20)] and first != sorted(first)
    _answer(codes, 20, 45)
    assert SurveyResponse.objects.count() == 40 and StagedResponse.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_survey_shuffle_mixes_a_batch_while_open_and_everything_after(tree, staff):
    from tests import factories as f

    campaign = f.campaign(tree["county"], phase=Phase.SURVEY)
    codes = services.issue_tokens(campaign=campaign, org=tree["vil-2"], count=30)
    _answer(codes, 0, 7)
    out = io.StringIO()
    call_command("survey_shuffle", "--campaign", campaign.slug, stdout=out)
    assert "已混排 0 份" in out.getvalue() and "另有 7 份待混排" in out.getvalue()
    assert StagedResponse.objects.count() == 7 and SurveyResponse.objects.count() == 0
    set_phase(campaign=campaign, phase=Phase.REVIEW, actor=staff)  # the close mixes all and drops the codes
    assert StagedResponse.objects.count() == 0 and SurveyToken.objects.count() == 0
    assert sum(v.total for v in vote_counts(campaign).values()) == 7
    out = io.StringIO()
    call_command("survey_shuffle", "--campaign", campaign.slug, stdout=out)
    assert "已混排 0 份" in out.getvalue() and SurveyResponse.objects.count() == 7


@pytest.mark.django_db
def test_moving_back_into_the_survey_needs_new_codes(survey_campaign, tree, staff):
    codes = services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=5)
    _answer(codes, 0, 2)
    set_phase(campaign=survey_campaign, phase=Phase.SELF, actor=staff)  # back, out of the survey
    set_phase(campaign=survey_campaign, phase=Phase.SURVEY, actor=staff)
    with pytest.raises(services.SurveyError, match="无效或已使用"):
        services.submit_response(code=codes[3], overall=1)
    assert SurveyResponse.objects.count() == 2 and not StagedResponse.objects.exists()


@pytest.mark.django_db
def test_the_close_recomputes_the_grades_of_the_orgs_with_answers(tree, staff):
    """Nobody has to press 重新计算 after the survey: leaving 测评 counts every answer into the grade."""
    from scoring.models import Grade
    from tests import factories as f

    campaign = f.campaign(tree["county"], phase=Phase.SURVEY)
    codes = services.issue_tokens(campaign=campaign, org=tree["vil-2"], count=10)
    _answer(codes, 0, 7)
    assert not Grade.objects.filter(campaign=campaign, org=tree["vil-2"], votes_satisfied__gt=0).exists()
    set_phase(campaign=campaign, phase=Phase.REVIEW, actor=staff)
    grade = Grade.objects.get(campaign=campaign, org=tree["vil-2"])
    assert grade.votes_satisfied + grade.votes_basic + grade.votes_unsatisfied == 7
