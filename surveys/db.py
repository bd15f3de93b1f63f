"""The survey's fast statements, each beside the ORM reference that the tests run on the same cases
(tests/surveys/test_db.py); a fast function and its reference take the same arguments and give the same result.

- token_rows: the lookup of a code — the ORM's own query, compiled once per database and then run as SQL.
- consume_token / consume_code: record one answer — DELETE the token and insert the answer into the staging
  table (surveys.models.StagedResponse; surveys/mixer.py moves it on) — on PostgreSQL as ONE statement (a
  data-modifying WITH; autocommit makes it one transaction, one round trip instead of four). Elsewhere they are
  their ORM references. Both return a Stored (the campaign, and how many answers of it are now staged), or None
  when nothing was stored.

The values of an answer (overall, category, indicator_answers, suggestions) arrive checked (surveys.services).
"""
import uuid
from functools import cache
from typing import NamedTuple

import psycopg
from django.db import connection, transaction
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone

from branches.models import Org
from campaigns.models import Campaign, Indicator, Phase
from surveys.models import GuessBlock, StagedResponse, SurveyToken

# (token id, campaign id, phase, campaign name, org id, org name, org code, org sector id, indicator id,
# indicator name, indicator position): one row per indicator of the rubric the campaign uses for the org's sector
TOKEN_FIELDS = ("pk", "campaign_id", "campaign__phase", "campaign__name", "org_id", "org__name",
                "org__code", "org__sector_id", "cs__rubric__indicators__id", "cs__rubric__indicators__name",
                "cs__rubric__indicators__position")


# ---- the lookup of a code --------------------------------------------------------------------------------------

def token_query(digest: str):
    """The token with this digest as rows of TOKEN_FIELDS, in indicator order (outer-joined: a rubric without
    indicators still finds the token, with None for the indicator columns)."""
    return (SurveyToken.objects.filter(digest=digest)
            .annotate(cs=FilteredRelation("campaign__sectors",
                                          condition=Q(campaign__sectors__sector_id=F("org__sector_id"))))
            .order_by("cs__rubric__indicators__position")
            .values_list(*TOKEN_FIELDS))


_token_sql: dict = {}  # (database alias, vendor) → (SQL, index of the digest among its parameters, parameters)
_DIGEST_MARK = "\x00digest"


def token_rows(digest: str) -> list[tuple]:
    """The rows of token_query(digest). The ORM compiles that query once per database; each call runs the
    compiled SQL (compiling it is most of the cost of a lookup). The columns are ids, numbers and text: nothing
    needs converting."""
    key = (SurveyToken.objects.db, connection.vendor)
    if key not in _token_sql:
        sql, params = token_query(_DIGEST_MARK).query.sql_with_params()
        _token_sql[key] = (sql, list(params).index(_DIGEST_MARK), list(params))
    sql, at, params = _token_sql[key]
    params = params.copy()
    params[at] = digest
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def token_rows_orm(digest: str) -> list[tuple]:
    """token_rows through the ORM: the reference."""
    return list(token_query(digest))


# ---- recording an answer ---------------------------------------------------------------------------------------

class Stored(NamedTuple):
    """What recording an answer tells its caller: the campaign, and how many of its answers are staged now (this
    one included) — so the caller knows when the mixer has a batch. Nothing about the answer or the token."""

    campaign_id: int
    staged: int


def consume_token(token_id: int, *, campaign_id: int, org_id: int, overall, category, indicator_answers,
                  suggestions, grade_vote="") -> Stored | None:
    """Delete the token (token_id, of campaign_id and org_id) and stage the answer as one answer of that campaign
    and org — if and only if the token exists. Returns a Stored, or None if nothing was stored. Many callers
    consuming one token at once store one answer: a concurrent DELETE waits for the first to commit, then finds no
    row and deletes nothing."""
    if connection.vendor != "postgresql":
        return consume_token_orm(token_id, campaign_id=campaign_id, org_id=org_id, overall=overall,
                                 category=category, indicator_answers=indicator_answers, suggestions=suggestions,
                                 grade_vote=grade_vote)
    token = SurveyToken._meta
    t, col = _qn(token.db_table), lambda name: _qn(token.get_field(name).column)
    where = f"{t}.{_qn(token.pk.column)} = %s AND {t}.{col('campaign')} = %s AND {t}.{col('org')} = %s"
    return _consume(_consuming_statement(where), [token_id, campaign_id, org_id], overall, category,
                    indicator_answers, suggestions, grade_vote=grade_vote)


def consume_token_orm(token_id: int, *, campaign_id: int, org_id: int, overall, category, indicator_answers,
                      suggestions, grade_vote="") -> Stored | None:
    """consume_token through the ORM (one transaction: a DELETE whose row count must be 1, then the INSERT and the
    count of staged answers): the reference, and the implementation on databases other than PostgreSQL."""
    with transaction.atomic():
        deleted, _ = SurveyToken.objects.filter(pk=token_id, campaign_id=campaign_id, org_id=org_id).delete()
        if deleted != 1:
            return None
        StagedResponse.objects.create(
            campaign_id=campaign_id, org_id=org_id, day=timezone.localdate(), overall=overall, category=category,
            indicator_answers=indicator_answers, suggestions=suggestions, grade_vote=grade_vote,
        )
        return Stored(campaign_id, StagedResponse.objects.filter(campaign_id=campaign_id).count())


def consume_code(digest: str, *, client: str, overall, category, indicator_answers, suggestions) -> Stored | None:
    """Delete the token with this digest and stage the answer as one answer of its campaign and org — if and only
    if the token exists, its campaign is in the survey phase, `client` (guard.client_key; "" for none) has no
    current GuessBlock and every answered indicator (a key of `indicator_answers`, an indicator id as digits)
    belongs to the rubric the campaign uses for the token's org. Returns a Stored, or None; None says nothing about
    why. Many callers posting one code at once store one answer (see consume_token).

    PostgreSQL: ONE prepared statement — the lookup, the guard, phase and indicator checks, the consuming DELETE,
    the INSERT and the count of staged answers."""
    if connection.vendor != "postgresql":
        return consume_code_orm(digest, client=client, overall=overall, category=category,
                                indicator_answers=indicator_answers, suggestions=suggestions)
    params = [digest, client]
    if indicator_answers:
        params.append([int(k) for k in indicator_answers])
    sql = _consuming_statement(_code_where(with_indicators=bool(indicator_answers)))
    return _consume(sql, params, overall, category, indicator_answers, suggestions, prepared=True)


def consume_code_orm(digest: str, *, client: str, overall, category, indicator_answers,
                     suggestions) -> Stored | None:
    """consume_code through the ORM — the guard (one query), the lookup (token_query, one query), the checks in
    Python, then consume_token_orm: the reference, and the implementation on databases other than PostgreSQL."""
    if client and GuessBlock.objects.current().filter(client=client).exists():
        return None
    rows = token_rows_orm(digest)
    if not rows:
        return None
    token_id, campaign_id, phase, _, org_id = rows[0][:5]
    indicators = {row[8] for row in rows if row[8] is not None}
    if phase != Phase.SURVEY or not {int(k) for k in indicator_answers} <= indicators:
        return None
    return consume_token_orm(token_id, campaign_id=campaign_id, org_id=org_id, overall=overall, category=category,
                             indicator_answers=indicator_answers, suggestions=suggestions)


# ---- PostgreSQL: the statements ---------------------------------------------------------------------------------

def _qn(name):
    return connection.ops.quote_name(name)


@cache
def _code_where(*, with_indicators: bool) -> str:
    """consume_code's conditions on the token: this digest, no current GuessBlock of the client (a parameter; ""
    for none), its campaign in the survey phase and, with indicators, every answered indicator id (an array
    parameter) in the rubric the campaign uses for the token's org's sector."""
    token, campaign, org, block = SurveyToken._meta, Campaign._meta, Org._meta, GuessBlock._meta
    cs, indicator = Campaign._meta.get_field("sectors").related_model._meta, Indicator._meta
    t, c = _qn(token.db_table), _qn(campaign.db_table)

    def col(meta, name):
        return _qn(meta.get_field(name).column)

    # The phase is a constant of the code, written into the statement; the answered ids are one array compared
    # with the rubric's as a whole (<@). So the statement's plan does not depend on its parameters, and PostgreSQL
    # keeps one generic plan for the prepared statement instead of planning every answer anew.
    where = (f"{t}.{col(token, 'digest')} = %s "
             f"AND NOT EXISTS (SELECT 1 FROM {_qn(block.db_table)} b WHERE b.{col(block, 'client')} = %s "
             f"AND b.{col(block, 'until')} > now()) "
             f"AND EXISTS (SELECT 1 FROM {c} WHERE {c}.{_qn(campaign.pk.column)} = {t}.{col(token, 'campaign')} "
             f"AND {c}.{col(campaign, 'phase')} = {int(Phase.SURVEY)})")
    if with_indicators:
        where += (f" AND %s::bigint[] <@ ARRAY(SELECT i.{_qn(indicator.pk.column)} FROM {_qn(indicator.db_table)} i "
                  f"JOIN {_qn(cs.db_table)} cs ON cs.{col(cs, 'rubric')} = i.{col(indicator, 'rubric')} "
                  f"JOIN {_qn(org.db_table)} o ON o.{col(org, 'sector')} = cs.{col(cs, 'sector')} "
                  f"WHERE cs.{col(cs, 'campaign')} = {t}.{col(token, 'campaign')} "
                  f"AND o.{_qn(org.pk.column)} = {t}.{col(token, 'org')})")
    return where


_RESPONSE_COLUMNS = ("id", "campaign", "org", "day", "overall", "category", "indicator_answers", "suggestions",
                     "grade_vote")


@cache
def _consuming_statement(where: str) -> str:
    """Delete the token matching `where`, stage the answer and count the campaign's staged answers in ONE
    statement (a data-modifying WITH), which autocommit makes one transaction — one round trip instead of four
    (BEGIN, DELETE, INSERT, COMMIT), with the same guarantees: a concurrent DELETE of the same row waits for the
    first to commit and then deletes nothing, so a code posted by many clients at once stages exactly one answer.
    The count reads the snapshot from before the statement, hence + 1. The parameters: those of `where`, then the
    answer's own values (_consume)."""
    token, meta = SurveyToken._meta, StagedResponse._meta
    t, s = _qn(token.db_table), _qn(meta.db_table)
    campaign, org = (_qn(token.get_field(n).column) for n in ("campaign", "org"))
    staged_campaign = _qn(meta.get_field("campaign").column)
    columns = ", ".join(_qn(meta.get_field(n).column) for n in _RESPONSE_COLUMNS)
    return (f"WITH used_token AS (DELETE FROM {t} WHERE {where} RETURNING {t}.{campaign}, {t}.{org}), "
            f"staged AS (INSERT INTO {s} ({columns}) "
            f"SELECT %s, used_token.{campaign}, used_token.{org}, %s, %s, %s, %s, %s, %s FROM used_token "
            f"RETURNING {s}.{staged_campaign}) "
            f"SELECT staged.{staged_campaign}, "
            f"(SELECT count(*) FROM {s} WHERE {s}.{staged_campaign} = staged.{staged_campaign}) + 1 FROM staged")


def _consume(sql, where_params, overall, category, answers, suggestions, *, prepared=False, grade_vote="") -> Stored | None:
    """Run a _consuming_statement; values are prepared by the model fields (UUID, date, JSON). Returns a Stored,
    or None if no token matched."""
    field = StagedResponse._meta.get_field
    values = {"id": uuid.uuid4(), "day": timezone.localdate(), "overall": overall, "category": category,
              "indicator_answers": answers, "suggestions": suggestions, "grade_vote": grade_vote}
    params = [*where_params, *(field(n).get_db_prep_save(values[n], connection) for n in _RESPONSE_COLUMNS
                               if n not in ("campaign", "org"))]
    with _preparing_cursor() if prepared else connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return Stored(row[0], int(row[1])) if row else None


def _preparing_cursor():
    """A psycopg cursor that binds server-side and asks for a prepared statement, wrapped like Django's own (query
    log, execute wrappers, error translation) on a connection checked like Django's own: a statement run through it
    is planned once per connection instead of on every answer (planning was ~40% of its server time). Without a
    prepare threshold on the connection (DB_PREPARED_STATEMENTS=0) psycopg runs it unprepared."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = _PreparingCursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


class _PreparingCursor(psycopg.Cursor):
    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True, **kwargs)
