"""surveys/db.py: each fast statement gives what its ORM reference gives, case by case, on whichever database the
tests run on (SQLite and PostgreSQL in CI; the answer statements are PostgreSQL's, elsewhere the reference runs)."""
import datetime

import pytest
from django.utils import timezone

from campaigns.models import Indicator, Phase
from surveys import db, tokens
from surveys.models import GuessBlock, StagedResponse, SurveyToken
from surveys.selectors import survey_indicators

pytestmark = pytest.mark.django_db

RESPONSE = ("campaign_id", "org_id", "day", "overall", "category", "indicator_answers", "suggestions")
ANSWER = {"overall": 2, "category": "member", "suggestions": "意见 \"引号\"\n换行"}


def state():
    """What an answer writes: the tokens left and the staged answers (their random ids aside)."""
    return (sorted(SurveyToken.objects.values_list("pk", flat=True)),
            sorted(StagedResponse.objects.values_list(*RESPONSE), key=repr))


def restore(tokens_before):
    StagedResponse.objects.all().delete()
    SurveyToken.objects.all().delete()
    SurveyToken.objects.bulk_create([SurveyToken(**row) for row in tokens_before])


def both(fast, orm, *args, **kwargs):
    """(result, state) of the fast function, then of the reference, each from the same starting state."""
    tokens_before = list(SurveyToken.objects.values())
    assert not StagedResponse.objects.exists()
    results = []
    for fn in (fast, orm):
        results.append((fn(*args, **kwargs), state()))
        restore(tokens_before)
    return results


# ---- the lookup of a code --------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["unused", "used", "closed", "no indicators", "unknown"])
def test_token_rows_are_the_orm_rows(case, codes, survey_campaign, tree):
    digest = tokens.digest(codes[0])
    if case == "used":
        assert db.consume_code_orm(digest, client="", indicator_answers={}, **ANSWER)
    elif case == "closed":
        survey_campaign.phase = Phase.REVIEW
        survey_campaign.save()
    elif case == "no indicators":
        Indicator.objects.filter(rubric=survey_campaign.sectors.get(sector=tree["vil-2"].sector).rubric).delete()
    elif case == "unknown":
        digest = tokens.digest("ABCDEFGHJKMNP" if codes[0] != "ABCDEFGHJKMNP" else "ABCDEFGHJKMNQ")
    fast, orm = db.token_rows(digest), db.token_rows_orm(digest)
    assert fast == orm
    assert [tuple(map(type, row)) for row in fast] == [tuple(map(type, row)) for row in orm]
    token = SurveyToken.objects.filter(digest=digest).first()
    if token is None:
        assert fast == []
        return
    expected = [i.pk for i in survey_indicators(survey_campaign, tree["vil-2"])] if case != "no indicators" else [None]
    assert [row[8] for row in fast] == expected
    assert {row[:8] for row in fast} == {(token.pk, survey_campaign.pk, survey_campaign.phase,
                                          survey_campaign.name, tree["vil-2"].pk, tree["vil-2"].name, "vil-2",
                                          tree["vil-2"].sector_id)}


# ---- recording an answer by token ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["unused", "used", "another org", "unknown token"])
def test_consume_token_does_what_the_orm_does(case, codes, survey_campaign, tree):
    token = SurveyToken.objects.get(digest=tokens.digest(codes[0]))
    token_id, org_id = token.pk, tree["vil-2"].pk
    if case == "used":
        SurveyToken.objects.filter(pk=token_id).delete()
    elif case == "another org":
        org_id = tree["vil-1"].pk
    elif case == "unknown token":
        token_id = 10**9
    indicator = survey_indicators(survey_campaign, tree["vil-2"])[0]
    (fast, fast_state), (orm, orm_state) = both(
        db.consume_token, db.consume_token_orm, token_id, campaign_id=survey_campaign.pk, org_id=org_id,
        indicator_answers={str(indicator.pk): 1}, **ANSWER)
    assert (fast, fast_state) == (orm, orm_state)
    others = sorted(SurveyToken.objects.exclude(pk=token_id).values_list("pk", flat=True))
    if case == "unused":
        assert fast == (survey_campaign.pk, 1) and fast_state == (others, [(
            survey_campaign.pk, org_id, timezone.localdate(), 2, "member", {str(indicator.pk): 1}, ANSWER["suggestions"])])
    else:
        assert fast is None and fast_state == (sorted(SurveyToken.objects.values_list("pk", flat=True)), [])


def test_consume_token_consumes_once(codes, survey_campaign, tree):
    token_id = SurveyToken.objects.get(digest=tokens.digest(codes[0])).pk
    for consume in (db.consume_token, db.consume_token_orm):
        kwargs = {"campaign_id": survey_campaign.pk, "org_id": tree["vil-2"].pk, "indicator_answers": {}, **ANSWER}
        tokens_before = list(SurveyToken.objects.values())
        assert [consume(token_id, **kwargs) for _ in range(3)] == [(survey_campaign.pk, 1), None, None]
        assert StagedResponse.objects.count() == 1
        restore(tokens_before)


# ---- recording an answer by code -------------------------------------------------------------------------------

CODE_CASES = ["valid", "valid, no indicators answered", "valid, client not blocked", "used", "closed",
              "blocked client", "expired block", "foreign indicator", "unknown indicator", "leading zero indicator",
              "unknown code"]


@pytest.mark.parametrize("case", CODE_CASES)
def test_consume_code_does_what_the_orm_does(case, codes, survey_campaign, tree):
    digest, client = tokens.digest(codes[0]), ""
    own = survey_indicators(survey_campaign, tree["vil-2"])
    answers = {str(own[0].pk): 1, str(own[1].pk): 3}
    now = timezone.now()
    GuessBlock.objects.create(client="b" * 64, until=now + datetime.timedelta(minutes=5))
    GuessBlock.objects.create(client="e" * 64, until=now - datetime.timedelta(seconds=1))
    if case == "valid, no indicators answered":
        answers = {}
    elif case == "valid, client not blocked":
        client = "c" * 64
    elif case == "used":
        SurveyToken.objects.filter(digest=digest).delete()
    elif case == "closed":
        survey_campaign.phase = Phase.REVIEW
        survey_campaign.save()
    elif case == "blocked client":
        client = "b" * 64
    elif case == "expired block":
        client = "e" * 64
    elif case == "foreign indicator":  # an indicator of the 机关事业单位 rubric, not of 村
        answers = {str(survey_indicators(survey_campaign, tree["ag-1"])[0].pk): 1}
    elif case == "unknown indicator":
        answers = {"999999": 1}
    elif case == "leading zero indicator":
        answers = {f"0{own[0].pk}": 1}
    elif case == "unknown code":
        digest = tokens.digest("ABCDEFGHJKMNP" if codes[0] != "ABCDEFGHJKMNP" else "ABCDEFGHJKMNQ")
    (fast, fast_state), (orm, orm_state) = both(db.consume_code, db.consume_code_orm, digest, client=client,
                                                indicator_answers=answers, **ANSWER)
    assert (fast, fast_state) == (orm, orm_state)
    if case == "leading zero indicator":
        return  # the caller's checks (services.answer_by_code, forms.quick_answers) decide: both agree
    stores = case.startswith("valid") or case == "expired block"
    assert (fast == (survey_campaign.pk, 1)) is stores and (fast is None) is not stores
    if stores:
        token_id = SurveyToken.objects.get(digest=digest).pk
        assert token_id not in fast_state[0] and len(fast_state[0]) == len(codes) - 1
        assert fast_state[1] == ([(survey_campaign.pk, tree["vil-2"].pk, timezone.localdate(), 2, "member",
                                            answers, ANSWER["suggestions"])])
    else:
        assert fast_state[1] == []


def test_consume_code_consumes_once(codes, survey_campaign, tree):
    for consume in (db.consume_code, db.consume_code_orm):
        kwargs = {"client": "", "indicator_answers": {}, **ANSWER}
        tokens_before = list(SurveyToken.objects.values())
        assert [consume(tokens.digest(codes[1]), **kwargs) for _ in range(3)] == [(survey_campaign.pk, 1), None, None]
        assert StagedResponse.objects.count() == 1
        restore(tokens_before)
