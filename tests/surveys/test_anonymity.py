"""Anonymity by structure: nothing stored with an answer can link it to a token, a person, a client, or an order
or time finer than the day; the respondent's pages set no cookie and do not touch the session."""
import pytest
from django.contrib.sessions.models import Session
from django.db import models
from django.urls import reverse

from surveys import mixer
from surveys.models import StagedResponse, SurveyResponse, SurveyToken

FORBIDDEN_NAME_PARTS = ("token", "code", "user", "ip", "addr", "agent", "session", "time", "created", "updated",
                        "submitted", "seq", "serial", "order", "position", "counter", "cookie", "device", "host",
                        "respondent", "person", "name", "phone", "email")
ALLOWED = {"id", "campaign", "org", "day", "overall", "category", "indicator_answers", "suggestions", "grade_vote"}


def _linkable_problems(model):
    problems = []
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            problems.append(f"{field.name}: a reverse relation (another table points at responses)")
            continue
        name = field.name.lower()
        if isinstance(field, (models.AutoField, models.BigAutoField, models.SmallAutoField)):
            problems.append(f"{field.name}: auto-increment key records insertion order")
        if field.primary_key and not isinstance(field, models.UUIDField):
            problems.append(f"{field.name}: primary key is not a random UUID")
        if isinstance(field, (models.DateTimeField, models.TimeField, models.DurationField)):
            problems.append(f"{field.name}: stores a time finer than the day")
        if isinstance(field, models.GenericIPAddressField):
            problems.append(f"{field.name}: stores an IP address")
        if field.is_relation and field.related_model not in (None,) and field.name not in ("campaign", "org"):
            problems.append(f"{field.name}: relation to {field.related_model.__name__}")
        if any(part in name for part in FORBIDDEN_NAME_PARTS) and name not in ALLOWED:
            problems.append(f"{field.name}: name suggests identifying data")
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            problems.append(f"{field.name}: automatic timestamp")
    return problems


def test_survey_response_holds_nothing_that_links_an_answer():
    assert _linkable_problems(SurveyResponse) == []
    names = {f.name for f in SurveyResponse._meta.get_fields()}
    assert names == ALLOWED, "a new field on SurveyResponse must be reviewed for anonymity (docs/anonymity.md)"
    assert SurveyResponse._meta.pk.default is not None and SurveyResponse._meta.pk.default.__name__ == "uuid4"
    assert not SurveyResponse._meta.ordering  # no implicit order of arrival


def test_structural_check_catches_the_leaks_it_promises_to():
    """The check above must be able to fail: a model with the classic leaks is caught on every field."""
    from django.conf import settings

    class Leaky(models.Model):  # noqa: DJ008
        token = models.ForeignKey(SurveyToken, on_delete=models.CASCADE)
        user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        submitted_at = models.DateTimeField(auto_now_add=True)
        client_ip = models.GenericIPAddressField()
        user_agent_string = models.CharField(max_length=200)
        session_key = models.CharField(max_length=40)

        class Meta:
            app_label = "surveys_leaky_test"

    problems = "\n".join(_linkable_problems(Leaky))
    for name in ("id", "token", "user", "submitted_at", "client_ip", "user_agent_string", "session_key"):
        assert f"{name}:" in problems


def test_token_keeps_nothing_but_its_digest_under_a_random_key(codes):
    names = {f.name for f in SurveyToken._meta.get_fields() if f.concrete}
    assert names == {"id", "digest", "campaign", "org"}  # no `used`: answering deletes the row
    ids = list(SurveyToken.objects.values_list("pk", flat=True))
    assert min(ids) > 2**32 and len(set(ids)) == len(ids)  # random 63-bit keys, not a sequence
    assert not [f for f in SurveyToken._meta.get_fields() if isinstance(f, (models.DateTimeField, models.DateField))]


def test_code_is_not_stored_in_clear(codes):
    stored = set(SurveyToken.objects.values_list("digest", flat=True))
    assert not stored & set(codes)
    assert all(len(d) == 64 for d in stored)


def test_respondent_pages_set_no_cookie_and_never_touch_the_session(client, codes):
    url = reverse("survey_form", args=[codes[0]])
    for response in (
        client.get(reverse("survey_entry")),
        client.get(url),
        client.post(url, {"overall": "1", "category": "", "suggestions": "好"}),
        client.get(reverse("survey_thanks")),
        client.get(reverse("survey_form", args=[codes[0]])),  # now used
    ):
        assert response.status_code in (200, 302, 404)
        assert not response.cookies, response.cookies
        assert "Cookie" not in response.get("Vary", ""), "the session was read"
        assert response["Cache-Control"].startswith("no-") or "no-store" in response["Cache-Control"]
    assert Session.objects.count() == 0
    assert StagedResponse.objects.count() == 1


def test_response_stores_only_the_day(client, codes, survey_campaign):
    client.post(reverse("survey_form", args=[codes[0]]), {"overall": "2"})
    expected = {"id", "campaign_id", "org_id", "day", "overall", "category", "indicator_answers", "suggestions",
                "grade_vote"}
    row = StagedResponse.objects.values().get()
    assert set(row) == expected and type(row["day"]).__name__ == "date"
    mixer.mix_staged(survey_campaign, final=True)
    row = SurveyResponse.objects.values().get()
    assert set(row) == expected and type(row["day"]).__name__ == "date"


def test_staged_answer_holds_nothing_that_links_it_and_mirrors_the_response():
    assert _linkable_problems(StagedResponse) == []
    assert {f.name for f in StagedResponse._meta.get_fields()} == ALLOWED
    assert set(mixer.answer_columns()) == {f.attname for f in SurveyResponse._meta.concrete_fields
                                           if not f.primary_key}, "the mixer must copy every answer column"
    assert StagedResponse._meta.pk.default.__name__ == "uuid4" and not StagedResponse._meta.ordering


@pytest.mark.django_db
def test_request_bodies_are_not_logged():
    from django.conf import settings

    for name, cfg in settings.LOGGING.get("loggers", {}).items():
        assert cfg.get("level", "WARNING") not in ("DEBUG", "INFO") or not name.startswith("django"), name
    assert settings.LOGGING["root"]["level"] in ("WARNING", "ERROR")
