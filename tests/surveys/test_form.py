"""The respondent's form at /s/<token>/ and the code box at /s/."""
import pytest
from django.urls import reverse

from campaigns.models import Phase
from surveys import mixer, services, tokens
from surveys.models import StagedResponse, SurveyResponse, SurveyToken
from surveys.selectors import survey_indicators, vote_counts


def form_url(code):
    return reverse("survey_form", args=[code])


def test_form_shows_org_questions_and_indicators(client, codes, survey_campaign, tree):
    response = client.get(form_url(codes[0]))
    html = response.content.decode()
    assert response.status_code == 200
    assert tree["vil-2"].name in html and "对该党组织的总体评价" in html
    for indicator in survey_indicators(survey_campaign, tree["vil-2"]):
        assert indicator.name in html
    for label in ("党员", "群众代表", "服务对象", "意见建议", "满意", "基本满意", "不满意"):
        assert label in html
    assert "<script" not in html  # works without JavaScript


def test_answer_is_stored_once_and_token_consumed(client, codes, survey_campaign, tree):
    indicators = survey_indicators(survey_campaign, tree["vil-2"])
    data = {"overall": "2", "category": "masses", "suggestions": "  多开展志愿服务  ",
            f"ind_{indicators[0].pk}": "1", f"ind_{indicators[1].pk}": "3", f"ind_{indicators[2].pk}": ""}
    response = client.post(form_url(codes[0]), data)
    assert response.status_code == 302 and response["Location"] == reverse("survey_thanks")
    assert "提交成功" in client.get(response["Location"]).content.decode()
    row = StagedResponse.objects.get()
    assert (row.org, row.campaign, row.overall, row.category, row.suggestions) == (
        tree["vil-2"], survey_campaign, 2, "masses", "多开展志愿服务")
    assert row.indicator_answers == {str(indicators[0].pk): 1, str(indicators[1].pk): 3}
    assert SurveyToken.objects.count() == 4
    assert tree["vil-2"].pk not in vote_counts(survey_campaign)  # staged: no tally moves with one answer
    mixer.mix_staged(survey_campaign, final=True)
    assert vote_counts(survey_campaign)[tree["vil-2"].pk].basic == 1


def test_a_used_token_is_refused(client, codes):
    assert client.post(form_url(codes[0]), {"overall": "1"}).status_code == 302
    for response in (client.get(form_url(codes[0])), client.post(form_url(codes[0]), {"overall": "3"})):
        assert response.status_code == 404 and "测评码无效或已使用" in response.content.decode()
        assert "二村党支部" not in response.content.decode()  # a used code is simply unknown
    assert StagedResponse.objects.count() == 1
    with pytest.raises(services.TokenUnknown):
        services.submit_response(code=codes[0], overall=1)


def test_grouped_lowercase_code_in_link_works(client, codes):
    typed = tokens.grouped(codes[1]).lower()
    assert client.post(form_url(typed), {"overall": "1"}).status_code == 302
    assert not SurveyToken.objects.filter(digest=tokens.digest(codes[1])).exists()


def test_overall_is_required_and_errors_are_named(client, codes):
    response = client.post(form_url(codes[0]), {"category": "member"})
    assert response.status_code == 400 and "请选择对该党组织的总体评价" in response.content.decode()
    response = client.post(form_url(codes[0]), {"overall": "1", "suggestions": "字" * 501})
    assert response.status_code == 400 and "不能超过 500 字" in response.content.decode()
    response = client.post(form_url(codes[0]), {"overall": "7"})
    assert response.status_code == 400
    assert StagedResponse.objects.count() == 0 and SurveyToken.objects.count() == 5


def test_service_refuses_an_indicator_of_another_rubric(codes, survey_campaign, tree):
    other = survey_indicators(survey_campaign, tree["ag-1"])[0]  # 机关事业单位 rubric, not 村
    with pytest.raises(services.SurveyError, match="无效的指标"):
        services.submit_response(code=codes[0], overall=1, indicator_answers={str(other.pk): 1})
    assert StagedResponse.objects.count() == 0 and SurveyToken.objects.count() == 5


@pytest.mark.parametrize("phase", [Phase.SELF, Phase.REVIEW])
def test_closed_phase_refuses(client, codes, survey_campaign, phase):
    survey_campaign.phase = phase
    survey_campaign.save()
    for response in (client.get(form_url(codes[0])), client.post(form_url(codes[0]), {"overall": "1"})):
        assert response.status_code == 403 and "未开放" in response.content.decode()
    assert StagedResponse.objects.count() == 0 and SurveyToken.objects.count() == 5


def test_unknown_token_says_nothing_about_any_org(client, codes, tree):
    for bad in ("ABCD-EFGH-JKMNP", "not-a-code"):
        response = client.get(form_url(bad))
        html = response.content.decode()
        assert response.status_code == 404 and "测评码无效" in html
        assert tree["vil-2"].name not in html and "党支部" not in html
    assert client.post(form_url("ABCDEFGHJKMNP"), {"overall": "1"}).status_code == 404
    assert StagedResponse.objects.count() == 0


def test_entry_box_normalises_and_redirects(client, codes):
    response = client.get(reverse("survey_entry"))
    assert response.status_code == 200 and 'name="code"' in response.content.decode()
    typed = " " + tokens.grouped(codes[0]).lower().replace("-", " - ") + " "
    response = client.get(reverse("survey_entry"), {"code": typed})
    assert response.status_code == 302 and response["Location"] == form_url(codes[0])
    response = client.get(reverse("survey_entry"), {"code": "ABC-0O1"})
    assert response.status_code == 400 and "13 位" in response.content.decode()


def test_unknown_code_guessing_is_rate_limited_per_ip(client, codes):
    for i in range(30):
        assert client.get(form_url(tokens.new_code())).status_code == 404, i
    response = client.get(form_url(tokens.new_code()))
    assert response.status_code == 429 and "操作过于频繁" in response.content.decode()
    # once limited, even a valid code answers 429 (a valid code must not be distinguishable), POSTs too
    assert client.get(form_url(codes[0])).status_code == 429
    assert client.post(form_url(codes[0]), {"overall": "1"}).status_code == 429
    assert StagedResponse.objects.count() == 0
    # the block is kept as a keyed hash of the address, never the address itself
    from surveys.models import GuessBlock

    ip = client.defaults["REMOTE_ADDR"]
    assert [len(c) for c in GuessBlock.objects.values_list("client", flat=True)] == [64]
    assert not GuessBlock.objects.filter(client__contains=ip).exists()
    # another client IP is not affected
    from django.test import Client

    other_ip = client.defaults["REMOTE_ADDR"].replace("10.", "172.", 1)
    assert Client(REMOTE_ADDR=other_ip).get(form_url(codes[0])).status_code == 200


def test_an_ipv6_client_is_limited_by_its_64_network(codes):
    """Addresses of one /64 are one client (a phone's privacy addresses change within its /64); another /64 is
    another client."""
    import random

    from django.test import Client

    net = f"2001:db8:{random.randrange(1, 0xffff):x}:{random.randrange(1, 0xfffe):x}"  # counters outlive a run
    for i in range(31):
        Client(REMOTE_ADDR=f"{net}::{i + 1:x}").get(form_url(tokens.new_code()))
    assert Client(REMOTE_ADDR=f"{net}:ffff::9").get(form_url(codes[0])).status_code == 429
    assert Client(REMOTE_ADDR=f"{net[:-1]}{'0' if net[-1] != '0' else '1'}::1").get(
        form_url(codes[0])).status_code == 200


def test_behind_a_proxy_the_forwarded_client_is_limited(settings, codes):
    import random

    from django.test import Client

    settings.RATELIMIT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    proxy, n = "127.0.0.1", random.randrange(1, 2**16 - 2)  # counters outlive a run: addresses differ per run
    guesser, other = (f"100.64.{k // 256}.{k % 256}" for k in (n, n + 1))
    for _ in range(31):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{guesser}, 10.0.0.1").get(form_url(tokens.new_code()))
    limited = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=guesser)
    assert limited.post(form_url(codes[0]), {"overall": "1"}).status_code == 429
    assert Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=other).get(form_url(codes[0])).status_code == 200
    assert StagedResponse.objects.count() == 0


def test_valid_codes_do_not_count_towards_the_limit(client, survey_campaign, tree):
    many = services.issue_tokens(campaign=survey_campaign, org=tree["vil-2"], count=35)
    for code in many:
        assert client.get(form_url(code)).status_code == 200
    for code in many:
        assert client.post(form_url(code), {"overall": "1"}).status_code == 302
    assert StagedResponse.objects.count() + SurveyResponse.objects.count() == 35
