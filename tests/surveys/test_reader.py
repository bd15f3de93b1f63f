"""What a database reader holding one snapshot (one SQL session) and the links CSV can learn while the survey runs
(docs/anonymity.md, "A database reader"). PostgreSQL: the reader joins answers and tokens on xmin, orders them by
ctid and by key, and looks for timestamps. No answer may be narrowed down to fewer than MIX_BATCH tokens (or all
answers of its org so far, when fewer)."""
import csv
import io
import random

import pytest
from django.db import connection

from campaigns.models import Phase
from campaigns.services import set_phase
from surveys import mixer, services, slips, tokens
from surveys.models import StagedResponse, SurveyResponse, SurveyToken
from tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),  # every answer commits on its own, as in production
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="xmin and ctid: PostgreSQL"),
]

TOKEN, STAGED, RESPONSE = (m._meta.db_table for m in (SurveyToken, StagedResponse, SurveyResponse))


def _sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _csv_codes(campaign, org, count):
    """Issue codes and read them back the way the reader would: from the links CSV, in its row order."""
    codes = services.issue_tokens(campaign=campaign, org=org, count=count)
    rows = csv.DictReader(io.StringIO(slips.tokens_csv(codes=codes, campaign=campaign, org=org).decode("utf-8-sig")))
    return [tokens.normalise(row["测评码"]) for row in rows]


def _burst(big_org_codes, small_org_codes, answers):
    """Answer `answers` codes of the big org and 3 of the small one, in a random order; the truth the reader is
    after: which suggestion text each code wrote."""
    rng = random.Random(17)
    chosen = [*big_org_codes[:answers], *small_org_codes[:3]]
    rng.shuffle(chosen)
    truth = {}
    for i, code in enumerate(chosen):
        truth[code] = f"答卷{i:04d}"
        assert services.answer_by_code(code=code, overall=1 + i % 3, suggestions=truth[code])
    return truth


def _reader_view(campaign):
    """Everything the reader sees about the answers: (table, xmin, ctid, key, org, day, suggestions)."""
    rows = []
    for table in (STAGED, RESPONSE):
        rows += [(table, *r) for r in _sql(
            f'SELECT xmin::text, ctid::text, id::text, org_id, day, suggestions FROM "{table}" '
            f'WHERE campaign_id = %s ORDER BY xmin::text::bigint, ctid', [campaign.pk])]
    return rows


def _narrowing(view, consumed_by_org):
    """The reader's best narrowing per answer: how many tokens it could have come from, given everything in the
    snapshot. Candidates are the consumed codes of its org (the CSV's codes without a token row); a live token row
    sharing the answer's xmin would pin it to that token. Nothing else ties an answer to a token: the consumed
    tokens are gone, so their order of consumption is not in the snapshot (the answers' own xmin order is: staged
    rows one by one, responses only by batch)."""
    live_xmins = {x for (x,) in _sql(f'SELECT xmin::text FROM "{TOKEN}"')}
    return [1 if xmin in live_xmins else len(consumed_by_org[org_id])
            for _table, xmin, _ctid, _key, org_id, _day, _text in view]


def _setup(tree, big=60, answers=45):
    campaign = f.campaign(tree["county"], phase=Phase.SURVEY)
    big_codes = _csv_codes(campaign, tree["vil-2"], big)
    small_codes = _csv_codes(campaign, tree["vil-1"], 10)
    truth = _burst(big_codes, small_codes, answers)
    return campaign, big_codes, small_codes, truth


def _consumed(campaign, csv_codes_by_org):
    live = set(SurveyToken.objects.filter(campaign=campaign).values_list("digest", flat=True))
    return {org_id: [c for c in codes if tokens.digest(c) not in live] for org_id, codes in csv_codes_by_org.items()}


def test_the_reader_cannot_tie_an_answer_to_fewer_than_a_batch_of_tokens(tree):
    campaign, big_codes, small_codes, truth = _setup(tree)
    consumed = _consumed(campaign, {tree["vil-2"].pk: big_codes, tree["vil-1"].pk: small_codes})
    assert len(consumed[tree["vil-2"].pk]) == 45 and len(consumed[tree["vil-1"].pk]) == 3
    view = _reader_view(campaign)
    assert len(view) == 48

    # join on xmin: no token row was written or touched by an answer's transaction (the answer deleted its token)
    for table in (STAGED, RESPONSE):
        assert _sql(f'SELECT count(*) FROM "{table}" a JOIN "{TOKEN}" t ON a.xmin = t.xmin')[0][0] == 0
    assert SurveyToken.objects.filter(campaign=campaign).count() == 70 - 48

    # xmin of the response table: batches of at least MIX_BATCH; the rest (< MIX_BATCH) is staged
    batches = _sql(f'SELECT xmin::text, count(*) FROM "{RESPONSE}" GROUP BY xmin')
    assert batches and all(n >= mixer.MIX_BATCH for _, n in batches)
    assert StagedResponse.objects.count() < mixer.MIX_BATCH

    # order: the reader zips the answers in (xmin, ctid) order with the consumed codes in CSV order, and with the
    # live tokens' key order for the CSV's unanswered rest: as good as chance, not the truth
    ordered = [text for *_, text in view]
    guesses = [*consumed[tree["vil-2"].pk], *consumed[tree["vil-1"].pk]]
    hits = sum(truth[code] == text for code, text in zip(guesses, ordered, strict=True))
    assert hits < 8, hits  # the order of arrival would give 48
    keys = [k for (k,) in _sql(f'SELECT id FROM "{TOKEN}" WHERE campaign_id = %s ORDER BY ctid', [campaign.pk])]
    assert keys != sorted(keys) and min(keys) > 2**32  # random keys, inserted in random order
    csv_rank = {tokens.digest(c): i for i, c in enumerate(big_codes)}
    by_key = [csv_rank[d] for (d,) in _sql(f'SELECT digest FROM "{TOKEN}" WHERE org_id = %s ORDER BY id',
                                          [tree["vil-2"].pk])]
    assert by_key != sorted(by_key)  # key order says nothing about the CSV rows

    # timestamps: none finer than the day
    for table in (STAGED, RESPONSE, TOKEN):
        types = {t for (t,) in _sql("SELECT data_type FROM information_schema.columns WHERE table_name = %s",
                                    [table])}
        assert not {t for t in types if "time" in t or "interval" in t}, (table, types)
    assert len({day for *_, day, _ in view}) == 1

    # the best narrowing: at least a batch, or all answers of the org so far
    for row, n in zip(view, _narrowing(view, consumed), strict=True):
        assert n >= min(mixer.MIX_BATCH, len(consumed[row[4]])), (row, n)


def test_a_replayed_code_is_refused_as_unknown(tree):
    campaign, big_codes, _, truth = _setup(tree, big=25, answers=3)
    used = next(iter(truth))
    assert services.answer_by_code(code=used, overall=1) is False
    with pytest.raises(services.TokenUnknown, match="测评码无效或已使用"):
        services.submit_response(code=used, overall=1)
    assert StagedResponse.objects.count() + SurveyResponse.objects.count() == len(truth)


def test_after_the_close_no_token_and_no_staged_row_remains(tree, staff):
    campaign, _, _, truth = _setup(tree, big=30, answers=27)  # 30 answers: one batch moved, 10 staged
    assert StagedResponse.objects.count() == 10
    set_phase(campaign=campaign, phase=Phase.REVIEW, actor=staff)
    assert _sql(f'SELECT count(*) FROM "{TOKEN}" WHERE campaign_id = %s', [campaign.pk])[0][0] == 0
    assert _sql(f'SELECT count(*) FROM "{STAGED}" WHERE campaign_id = %s', [campaign.pk])[0][0] == 0
    assert sorted(SurveyResponse.objects.values_list("suggestions", flat=True)) == sorted(truth.values())
    last = _sql(f'SELECT xmin::text, count(*) FROM "{RESPONSE}" GROUP BY xmin ORDER BY count(*)')
    assert [n for _, n in last] == [10, 20]  # the closing batch: all that was staged, in one transaction


def test_a_500_answer_burst(tree, capsys):
    """The figure for the closing note: the reader's best narrowing under a 500-answer burst."""
    campaign, big_codes, small_codes, _ = _setup(tree, big=520, answers=500)
    consumed = _consumed(campaign, {tree["vil-2"].pk: big_codes, tree["vil-1"].pk: small_codes})
    view = _reader_view(campaign)
    narrowing = dict(zip([row[2] for row in view], _narrowing(view, consumed), strict=True))
    big = [narrowing[row[2]] for row in view if row[4] == tree["vil-2"].pk]
    batches = [n for _, n in _sql(f'SELECT xmin::text, count(*) FROM "{RESPONSE}" GROUP BY xmin')]
    with capsys.disabled():
        print(f"\n500-answer burst: best narrowing {min(big)} tokens per answer of the 500-answer org, "
              f"{min(narrowing.values())} for the org with 3 answers; response batches {min(batches)}–"
              f"{max(batches)} rows; staged now {StagedResponse.objects.count()}")
    assert min(big) >= mixer.MIX_BATCH and min(batches) >= mixer.MIX_BATCH
