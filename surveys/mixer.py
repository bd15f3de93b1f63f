"""The mixer: moves staged answers (surveys.models.StagedResponse) into the response table so that no response
row records when, in which order or with which token it arrived (docs/anonymity.md).

An answer transaction deletes its token and stages the answer. mix_staged moves a campaign's staged answers in
one transaction, in a random order and under new random ids, when at least MIX_BATCH of them are waiting — and
all of them, however few, with final=True (when the survey phase ends). So every response row shares its
transaction id (xmin) with at least MIX_BATCH − 1 others and its place in the table (ctid, rowid) is a random
draw within its batch. It runs after an answer that brings the staged count to MIX_BATCH (surveys.services), on
the phase change (surveys.receivers) and by hand (`manage.py survey_shuffle`).
"""
import random
import uuid

from django.db import transaction

from surveys.models import StagedResponse, SurveyResponse

MIX_BATCH = 20

_random = random.SystemRandom()


def answer_columns() -> tuple[str, ...]:
    """The columns a staged answer and a response share (every concrete field but the key)."""
    return tuple(f.attname for f in StagedResponse._meta.concrete_fields if not f.primary_key)


def mix_staged(campaign, *, final=False) -> int:
    """Move `campaign`'s staged answers into SurveyResponse in one transaction, in random order under new random
    ids, if at least MIX_BATCH are staged (or any, with `final`). Returns how many were moved (0 when there was no
    batch yet). Rows another mixer is moving at the same moment are skipped (FOR UPDATE SKIP LOCKED where the
    database has it), so two mixers never move one answer twice nor make a batch smaller than MIX_BATCH."""
    campaign_id = getattr(campaign, "pk", campaign)
    columns = answer_columns()
    with transaction.atomic():
        staged = list(StagedResponse.objects.select_for_update(skip_locked=True)
                      .filter(campaign_id=campaign_id).values("pk", *columns))
        if not staged or (len(staged) < MIX_BATCH and not final):
            return 0
        _random.shuffle(staged)
        StagedResponse.objects.filter(pk__in=[row["pk"] for row in staged]).delete()
        SurveyResponse.objects.bulk_create(
            [SurveyResponse(id=uuid.uuid4(), **{name: row[name] for name in columns}) for row in staged])
    return len(staged)
