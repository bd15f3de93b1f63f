"""Degraded, not broken: with Redis (the cache the rate limits count in) unreachable every public page answers —
the survey counts guesses in the process and keeps blocking through the database, an objection is refused with a
Chinese 503 — and an unexpected error shows the Chinese 500 page."""
import datetime
import socket
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from campaigns.models import Phase
from publicity.models import Objection
from surveys import guard, services, tokens
from surveys.models import GuessBlock, SurveyResponse
from tests.scoring.after_helpers import TODAY, fix_today, publish

ROOT = Path(__file__).resolve().parents[1]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """The cache is a Redis that refuses connections (nothing listens on the port)."""
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}}
    from django.core.cache import cache

    with pytest.raises(RedisConnectionError):
        cache.get("probe")  # the premise: a cache call fails


@pytest.fixture
def codes(campaign, tree):
    campaign.phase = Phase.SURVEY
    campaign.save()
    return services.issue_tokens(campaign=campaign, org=tree["vil-2"], count=3)


def form_url(code):
    return reverse("survey_form", args=[code])


@pytest.mark.django_db
def test_survey_form_works_with_redis_down(redis_down, codes):
    client = Client(REMOTE_ADDR="10.250.0.1")
    page = client.get(form_url(codes[0]))
    assert page.status_code == 200 and "二村党支部" in page.content.decode()
    assert client.post(form_url(codes[0]), {"overall": "1"}).status_code == 302
    invalid = client.post(form_url(codes[1]), {"overall": "9"})  # the full form path, with its errors
    assert invalid.status_code == 400
    assert SurveyResponse.objects.count() == 1


@pytest.mark.django_db
def test_unknown_codes_with_redis_down_are_still_limited_through_the_database(redis_down, codes):
    client = Client(REMOTE_ADDR="10.250.0.2")
    for i in range(int(guard.GUESS_RATE.split("/")[0])):
        assert client.get(form_url(tokens.new_code())).status_code == 404, i
    assert client.get(form_url(tokens.new_code())).status_code == 429
    assert GuessBlock.objects.count() == 1
    assert client.get(form_url(codes[0])).status_code == 429  # blocked on valid codes too, from the database
    assert Client(REMOTE_ADDR="10.250.0.3").get(form_url(codes[0])).status_code == 200


@pytest.mark.django_db
def test_public_results_with_redis_down_show_and_refuse_objections_in_chinese(redis_down, campaign, tree,
                                                                             staff, monkeypatch):
    publish(campaign, staff)
    fix_today(monkeypatch, TODAY + datetime.timedelta(days=1))
    client = Client(REMOTE_ADDR="10.250.0.4")
    url = reverse("public_results", args=[campaign.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"org": str(tree["vil-2"].pk), "text": "书记不在岗", "contact": ""})
    assert response.status_code == 503 and "系统繁忙，请稍后再试" in response.content.decode()
    assert not Objection.objects.exists()  # fails closed: nothing taken without its limit


@pytest.mark.django_db
def test_objection_is_taken_when_redis_answers(campaign, tree, staff, monkeypatch):
    publish(campaign, staff)
    fix_today(monkeypatch, TODAY + datetime.timedelta(days=1))
    response = Client(REMOTE_ADDR="10.250.0.5").post(reverse("public_results", args=[campaign.slug]),
                                                     {"org": str(tree["vil-2"].pk), "text": "书记不在岗"})
    assert response.status_code == 200 and Objection.objects.count() == 1


@pytest.mark.django_db
def test_an_unexpected_error_shows_the_chinese_500_page(codes, monkeypatch):
    def broken(code):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "open_token", broken)
    response = Client(raise_request_exception=False).get(form_url(codes[0]))
    body = response.content.decode()
    assert response.status_code == 500 and "系统暂时出错" in body and "Server Error" not in body


def test_the_500_template_has_no_template_logic():
    text = (ROOT / "templates" / "500.html").read_text(encoding="utf-8")
    assert "{%" not in text and "{{" not in text and "系统暂时出错" in text


@pytest.mark.django_db
def test_login_and_the_code_box_answer_with_redis_down(redis_down, staff):
    client = Client(REMOTE_ADDR="10.250.0.6")
    assert client.get(reverse("login")).status_code == 200
    assert client.post(reverse("login"), {"username": staff.username, "password": "wrong"}).status_code == 200
    assert client.get(reverse("survey_entry")).status_code == 200
